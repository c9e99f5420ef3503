//! Models: ONNX graphs and safetensors weights with built-in architectures.

mod architectures;

pub use architectures::SCHEMAS;
