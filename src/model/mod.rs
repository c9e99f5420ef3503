//! Models: ONNX graphs and safetensors weights with built-in architectures.

mod architectures;
pub mod flops;
pub mod onnx;

pub use architectures::SCHEMAS;
