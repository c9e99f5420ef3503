//! The interface the engine uses to run a model: logits of a batch, and input gradients for
//! white-box attacks.

use thiserror::Error;

/// Why a model could not be loaded or run.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The model file could not be read or decoded.
    #[error("`{path}`: {problem}")]
    File { path: String, problem: String },
    /// The graph uses an operator (or an attribute of one) that rbench does not support.
    #[error("unsupported ONNX operator `{op}` in node `{node}`{detail}")]
    UnsupportedOperator {
        op: String,
        node: String,
        detail: String,
    },
    /// Weights do not fit the declared architecture.
    #[error("{0}")]
    Weights(String),
    /// The inputs do not have the shape the model takes.
    #[error("inputs of shape {found:?} do not fit the model's input {expected:?}")]
    Shape {
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// The tensor library failed while running the model.
    #[error("running the model failed: {0}")]
    Runtime(String),
}

/// Logits of a batch and the gradient of a loss with respect to the inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct InputGradient {
    /// `n × classes` logits, row-major.
    pub logits: Vec<f32>,
    /// The gradient, shaped like the inputs.
    pub gradient: Vec<f32>,
}

/// A classifier the engine can run. Inputs and logits are row-major `f32` slices, so
/// perturbations and metrics never depend on the tensor library.
pub trait Network: Send + Sync {
    /// The shape of one input sample (without the batch dimension).
    fn input_shape(&self) -> &[usize];

    /// The number of classes (the width of the logits).
    fn classes(&self) -> usize;

    /// The logits of `n` samples: `n × classes`, row-major.
    fn forward(&self, inputs: &[f32], n: usize) -> Result<Vec<f32>, ModelError>;

    /// The logits of `n` samples and the gradient, with respect to the inputs, of a loss whose
    /// gradient with respect to the logits `loss_gradient` computes (a vector-Jacobian product:
    /// cross-entropy, a targeted loss or DLR all fit). Weight gradients are never computed.
    fn input_gradient(
        &self,
        inputs: &[f32],
        n: usize,
        loss_gradient: &dyn Fn(&[f32]) -> Vec<f32>,
    ) -> Result<InputGradient, ModelError>;
}
