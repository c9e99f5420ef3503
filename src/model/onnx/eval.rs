//! Evaluating compiled operators on candle tensors: every operation is one candle differentiates
//! exactly, so input gradients flow through the whole graph.

use candle_core::{Tensor, D};

use super::decode;
use super::ops::{axis, Arithmetic, Op};
use crate::model::layers;
use crate::model::product::product;
use crate::model::relu::relu;

impl Op {
    /// Applies the operator to its run-time inputs.
    pub(crate) fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = inputs
            .first()
            .copied()
            .ok_or_else(|| candle_core::Error::Msg("a node without inputs".into()))?;
        let input = |i: usize| {
            inputs
                .get(i)
                .copied()
                .ok_or_else(|| candle_core::Error::Msg(format!("a missing input {i}")))
        };
        match self {
            Op::Gemm {
                alpha,
                beta,
                trans_a,
                trans_b,
            } => {
                let a = if *trans_a { x.t()? } else { x.clone() };
                let b = input(1)?;
                let b = if *trans_b { b.t()? } else { b.clone() };
                let mut y = product(&a, &b)?;
                if *alpha != 1.0 {
                    y = y.affine(*alpha, 0.0)?;
                }
                match inputs.get(2) {
                    Some(c) if *beta != 0.0 => y.broadcast_add(&c.affine(*beta, 0.0)?),
                    _ => Ok(y),
                }
            }
            Op::MatMul => matmul(x, input(1)?),
            Op::Arithmetic(kind) => {
                let b = input(1)?;
                match kind {
                    Arithmetic::Add => x.broadcast_add(b),
                    Arithmetic::Sub => x.broadcast_sub(b),
                    Arithmetic::Mul => x.broadcast_mul(b),
                    Arithmetic::Div => x.broadcast_div(b),
                }
            }
            Op::Relu => relu(x),
            Op::LeakyRelu(alpha) => relu(x)? - relu(&x.neg()?)?.affine(*alpha, 0.0)?,
            Op::Sigmoid => layers::sigmoid(x),
            Op::Tanh => x.tanh(),
            Op::Conv(conv) => {
                let weight = input(1)?;
                let window = conv.window(weight)?;
                layers::conv2d(x, weight, inputs.get(2).copied(), &window, conv.groups)
            }
            Op::ConvReluMaxPool { conv, pool } => {
                let weight = input(1)?;
                let window = conv.window(weight)?;
                let bias = inputs.get(2).copied();
                layers::conv_relu_max_pool(x, weight, bias, &window, pool, conv.groups)
            }
            Op::MaxPool(window) => layers::max_pool(x, window),
            Op::AveragePool {
                window,
                count_include_pad,
            } => layers::average_pool(x, window, *count_include_pad),
            Op::GlobalAveragePool => layers::global_average_pool(x),
            Op::GlobalMaxPool => layers::global_max_pool(x),
            Op::BatchNorm(affine) => affine.apply(x),
            Op::Flatten(at) => {
                let at = if *at < 0 { *at + x.rank() as i64 } else { *at };
                let at = usize::try_from(at)
                    .ok()
                    .filter(|&a| a <= x.rank())
                    .ok_or_else(|| {
                        candle_core::Error::Msg(format!(
                            "Flatten axis out of range for rank {}",
                            x.rank()
                        ))
                    })?;
                let dims = x.dims();
                x.reshape((
                    dims[..at].iter().product::<usize>(),
                    dims[at..].iter().product::<usize>(),
                ))
            }
            Op::Reshape { shape, allow_zero } => {
                let shape = match shape {
                    Some(shape) => shape.clone(),
                    None => decode::integers(input(1)?)?,
                };
                x.reshape(reshaped(x.dims(), &shape, *allow_zero)?)
            }
            Op::Shape(op) => op.eval(x, inputs),
            Op::Reduce(reduce) => reduce.eval(x),
            Op::LayerNorm(norm) => norm.eval(x, input(1)?, inputs.get(2).copied()),
            Op::Elementwise(op) => op.eval(x, inputs),
            Op::Transpose(perm) => {
                let perm = perm
                    .clone()
                    .unwrap_or_else(|| (0..x.rank()).rev().collect());
                x.permute(perm)?.contiguous()
            }
            Op::Concat(at) => Tensor::cat(inputs, axis(*at, x.rank())?),
            Op::Softmax {
                axis: at,
                coerce,
                log,
            } => {
                let at = axis(*at, x.rank())?;
                let apply = |t: &Tensor, dim| {
                    if *log {
                        layers::log_softmax(t, dim)
                    } else {
                        layers::softmax(t, dim)
                    }
                };
                if *coerce {
                    let dims = x.dims();
                    let rows: usize = dims[..at].iter().product();
                    apply(&x.reshape((rows, ()))?, 1)?.reshape(dims)
                } else {
                    apply(x, at)
                }
            }
            Op::Identity => Ok(x.clone()),
        }
    }

    /// Whether this is a softmax or log-softmax over the last axis of a `[batch, classes]` value:
    /// its input is then the logits.
    pub(crate) fn is_class_softmax(&self) -> bool {
        matches!(self, Op::Softmax { axis: -1 | 1, .. })
    }
}

/// Numpy-style matrix product: 1-D operands are promoted, batch dimensions broadcast.
fn matmul(a: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    match (a.rank(), b.rank()) {
        (1, 1) => a.unsqueeze(0)?.matmul(&b.unsqueeze(1)?)?.reshape(()),
        (1, _) => matmul(&a.unsqueeze(0)?, b)?.squeeze(D::Minus2),
        (_, 1) => matmul(a, &b.unsqueeze(1)?)?.squeeze(D::Minus1),
        (2, 2) => product(a, b),
        _ => a.broadcast_matmul(b),
    }
}

/// The target of a `Reshape` of `dims` to `shape`: 0 copies the input dimension (unless
/// `allow_zero`), -1 takes what is left.
fn reshaped(dims: &[usize], shape: &[i64], allow_zero: bool) -> candle_core::Result<Vec<usize>> {
    let fail = || candle_core::Error::Msg(format!("cannot reshape {dims:?} to {shape:?}"));
    let mut target = Vec::with_capacity(shape.len());
    let mut inferred = None;
    for (i, &d) in shape.iter().enumerate() {
        target.push(match d {
            0 if !allow_zero => *dims.get(i).ok_or_else(fail)?,
            -1 if inferred.is_none() => {
                inferred = Some(i);
                1
            }
            d => usize::try_from(d).map_err(|_| fail())?,
        });
    }
    if let Some(i) = inferred {
        let known: usize = target.iter().product();
        let total: usize = dims.iter().product();
        if known == 0 || total % known != 0 {
            return Err(fail());
        }
        target[i] = total / known;
    }
    Ok(target)
}
