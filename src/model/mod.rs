//! Models: ONNX graphs and safetensors weights with built-in architectures.

mod architectures;
pub mod flops;
mod network;
pub mod onnx;

pub use architectures::SCHEMAS;
pub use network::{InputGradient, ModelError, Network};
