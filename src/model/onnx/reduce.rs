//! `ReduceMean` and `ReduceSum`: the dynamo exporter writes PyTorch's `AdaptiveAvgPool2d(1)` and
//! `x.mean((2, 3))` as a `ReduceMean` over the spatial axes.

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
