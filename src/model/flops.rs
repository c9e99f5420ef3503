//! FLOP estimates of a model's forward pass on one sample, before anything runs.
//!
//! **FLOPs = 2 × the multiply-accumulates of convolution and linear (`Gemm`, `MatMul`) layers,
//! per sample.** Other layers (activations, pooling, BatchNorm, `Add`) are not counted: they
//! are a small share of the work, and leaving them out is the usual convention of published
//! throughput figures. An MLP 784-256-128-10 is 469,504 FLOPs; a CNN of a 3×3 convolution
//! 1→32 and one 32→64 (each with 2×2 max pooling) and fully connected layers 3136→128→10 on
//! 28×28 images is 8,482,304.
//!
//! ONNX graphs are counted by following shapes through the graph ([`flops_of_onnx`]) with the
//! shape rule of each operator's registry entry (`model::onnx::registry`), which names the first
//! operator it does not know. Built-in architectures are counted from the layers their
//! description lists ([`super::Architecture::flops`]; `link::flops_of_architecture` for the
//! checked `arch` call). The link step computes both
//! for every model and data set a spec evaluates (`link::Linked::flops`), and the plan reads
//! them from there.

pub use super::onnx::{flops_of_onnx, FlopsError};
