//! Running a network written as a function from an input tensor to logits: the forward pass and
//! the input gradient of a loss (a vector-Jacobian product through candle's autograd).
//!
//! Weights are plain tensors, never `Var`s, so the backward pass tracks only what depends on the
//! input (candle still computes a convolution's or a product's weight-side gradient on the way).

use candle_core::{Device, Tensor, Var};

use super::network::{InputGradient, ModelError};

/// Converts a candle error into a runtime model error.
pub(crate) fn runtime(error: candle_core::Error) -> ModelError {
    ModelError::Runtime(message(&error))
}

/// A candle error's message, without the backtrace candle attaches when `RUST_BACKTRACE` is set.
pub(crate) fn message(error: &candle_core::Error) -> String {
    match error {
        candle_core::Error::WithBacktrace { inner, .. } => message(inner),
        error => error.to_string(),
    }
}

/// The `n` samples of `inputs` as an `n × sample` tensor.
fn batch(inputs: &[f32], n: usize, sample: &[usize]) -> Result<Tensor, ModelError> {
    let per_sample: usize = sample.iter().product();
    if inputs.len() != n * per_sample {
        let found = match per_sample {
            0 => vec![inputs.len()],
            _ if inputs.len() % per_sample == 0 => {
                [&[inputs.len() / per_sample][..], sample].concat()
            }
            _ => vec![inputs.len()],
        };
        return Err(ModelError::Shape {
            expected: [&[n][..], sample].concat(),
            found,
        });
    }
    let shape = [&[n][..], sample].concat();
    Tensor::from_slice(inputs, shape, &Device::Cpu).map_err(runtime)
}

/// Checks that `logits` are `n × classes` and returns them row-major.
fn logits_vec(logits: &Tensor, n: usize, classes: usize) -> Result<Vec<f32>, ModelError> {
    if logits.dims() != [n, classes] {
        return Err(ModelError::Runtime(format!(
            "the model returned logits of shape {:?} for {n} samples of {classes} classes",
            logits.dims()
        )));
    }
    logits
        .to_dtype(candle_core::DType::F32)
        .and_then(|l| l.flatten_all())
        .and_then(|l| l.to_vec1())
        .map_err(runtime)
}

/// The logits of `n` samples of shape `sample`.
pub(crate) fn forward(
    logits_of: impl Fn(&Tensor) -> candle_core::Result<Tensor>,
    inputs: &[f32],
    n: usize,
    sample: &[usize],
    classes: usize,
) -> Result<Vec<f32>, ModelError> {
    let x = batch(inputs, n, sample)?;
    let logits = logits_of(&x).map_err(runtime)?;
    logits_vec(&logits, n, classes)
}

/// The logits of `n` samples and the gradient of a loss (given by its gradient with respect to
/// the logits) with respect to the inputs.
pub(crate) fn input_gradient(
    logits_of: impl Fn(&Tensor) -> candle_core::Result<Tensor>,
    inputs: &[f32],
    n: usize,
    sample: &[usize],
    classes: usize,
    loss_gradient: &dyn Fn(&[f32]) -> Vec<f32>,
) -> Result<InputGradient, ModelError> {
    let x = Var::from_tensor(&batch(inputs, n, sample)?).map_err(runtime)?;
    let logits_tensor = logits_of(x.as_tensor()).map_err(runtime)?;
    let logits = logits_vec(&logits_tensor, n, classes)?;
    let upstream = loss_gradient(&logits);
    if upstream.len() != logits.len() {
        return Err(ModelError::Shape {
            expected: vec![n, classes],
            found: vec![upstream.len()],
        });
    }
    let upstream = Tensor::from_vec(upstream, (n, classes), &Device::Cpu).map_err(runtime)?;
    let gradients = (logits_tensor * upstream)
        .and_then(|product| product.sum_all())
        .and_then(|loss| loss.backward())
        .map_err(runtime)?;
    let gradient = match gradients.get(x.as_tensor()) {
        Some(gradient) => gradient
            .flatten_all()
            .and_then(|g| g.to_vec1())
            .map_err(runtime)?,
        // The logits do not depend on the inputs.
        None => vec![0.0; inputs.len()],
    };
    Ok(InputGradient { logits, gradient })
}
