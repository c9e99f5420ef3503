//! Reductions: `ReduceMean` and `ReduceSum` (the dynamo exporter writes PyTorch's
//! `AdaptiveAvgPool2d(1)` and `x.mean((2, 3))` as a `ReduceMean` over the spatial axes), and
//! `LayerNormalization` (PyTorch's `nn.LayerNorm` from opset 17; earlier opsets decompose it into
//! `ReduceMean`, `Sub`, `Pow`, `Sqrt` and `Div`).

use candle_core::Tensor;

use super::attributes::Attributes;
use super::ops::{axis, Context};
use crate::model::network::ModelError;

/// The attributes of the reductions.
pub(crate) const ATTRIBUTES: &[&str] = &["axes", "keepdims", "noop_with_empty_axes"];

/// A compiled reduction.
#[derive(Debug, Clone)]
pub(crate) struct Reduce {
    /// The mean, or else the sum.
    mean: bool,
    /// The axes reduced; empty: every axis (or none, with `noop_with_empty_axes`).
    axes: Vec<i64>,
    keep_dims: bool,
    noop_with_empty_axes: bool,
}

/// Compiles `ReduceMean` or `ReduceSum`; the axes are the attribute (`ReduceMean` before opset
/// 18, `ReduceSum` before 13) or a constant second input.
pub(crate) fn compile(
    op: &str,
    attributes: &Attributes,
    inputs: &[&str],
    context: &dyn Context,
) -> Result<Reduce, ModelError> {
    let axes = match (attributes.ints("axes"), inputs.get(1)) {
        (Some(axes), _) => axes.to_vec(),
        (None, Some(name)) if !name.is_empty() => {
            let value = context
                .constant(name)
                .ok_or_else(|| attributes.unsupported("its axes must be a constant"))?;
            attributes.integers(value)?
        }
        (None, _) => Vec::new(),
    };
    Ok(Reduce {
        mean: op == "ReduceMean",
        axes,
        keep_dims: attributes.int_or("keepdims", 1)? != 0,
        noop_with_empty_axes: attributes.flag("noop_with_empty_axes")?,
    })
}

impl Reduce {
    /// Reduces `x` over the axes.
    pub(crate) fn eval(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let rank = x.rank();
        let mut axes = if self.axes.is_empty() {
            if self.noop_with_empty_axes {
                return Ok(x.clone());
            }
            (0..rank).collect()
        } else {
            self.axes
                .iter()
                .map(|&a| axis(a, rank))
                .collect::<candle_core::Result<Vec<usize>>>()?
        };
        axes.sort_unstable();
        axes.dedup();
        let reduced = if self.mean {
            x.mean_keepdim(axes.clone())?
        } else {
            x.sum_keepdim(axes.clone())?
        };
        if self.keep_dims {
            return Ok(reduced);
        }
        let shape: Vec<usize> = x
            .dims()
            .iter()
            .enumerate()
            .filter(|(i, _)| !axes.contains(i))
            .map(|(_, &d)| d)
            .collect();
        reduced.reshape(shape)
    }
}

/// The attributes of `LayerNormalization`.
pub(crate) const LAYER_NORM_ATTRIBUTES: &[&str] = &["axis", "epsilon", "stash_type"];

/// `LayerNormalization` in inference: `(x - mean) / sqrt(variance + epsilon) · scale + bias`,
/// mean and (biased) variance over the axes from `axis` on, as `nn.LayerNorm` computes them.
#[derive(Debug, Clone)]
pub(crate) struct LayerNorm {
    axis: i64,
    epsilon: f64,
}

/// Compiles a `LayerNormalization` node, which reads `x`, `scale` and an optional `bias`.
pub(crate) fn layer_norm(attributes: &Attributes) -> Result<LayerNorm, ModelError> {
    if attributes.int_or("stash_type", 1)? != 1 {
        return Err(attributes.unsupported("a `stash_type` other than float"));
    }
    Ok(LayerNorm {
        axis: attributes.int_or("axis", -1)?,
        epsilon: f64::from(attributes.float_or("epsilon", 1e-5)?),
    })
}

impl LayerNorm {
    /// Normalises `x` and applies `scale` and `bias` (broadcast over the normalised axes).
    pub(crate) fn eval(
        &self,
        x: &Tensor,
        scale: &Tensor,
        bias: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        let from = axis(self.axis, x.rank())?;
        let axes: Vec<usize> = (from..x.rank()).collect();
        let centred = x.broadcast_sub(&x.mean_keepdim(axes.clone())?)?;
        let variance = centred.sqr()?.mean_keepdim(axes)?;
        let normalised = centred.broadcast_div(&(variance + self.epsilon)?.sqrt()?)?;
        let scaled = normalised.broadcast_mul(scale)?;
        match bias {
            Some(bias) => scaled.broadcast_add(bias),
            None => Ok(scaled),
        }
    }
}
