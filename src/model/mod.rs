//! Models: ONNX graphs and safetensors weights with built-in architectures, run on candle.

mod architectures;
mod builtin;
mod conv;
mod conv_block;
pub mod flops;
mod layers;
mod matrix;
mod network;
pub mod onnx;
mod pool;
mod product;
mod relu;
mod run;
#[cfg(test)]
mod test_tensors;

pub use architectures::SCHEMAS;
pub use builtin::{Activation, Architecture, ArgsError, BuiltinModel, Layer, LayerKind, Weight};
pub use network::{InputGradient, ModelError, Network};
pub use onnx::OnnxModel;
