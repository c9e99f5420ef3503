//! Reductions: `ReduceMean` and `ReduceSum` (the dynamo exporter writes PyTorch's
//! `AdaptiveAvgPool2d(1)` and `x.mean((2, 3))` as a `ReduceMean` over the spatial axes), and
//! `LayerNormalization` (PyTorch's `nn.LayerNorm` from opset 17; earlier opsets decompose it into
//! `ReduceMean`, `Sub`, `Pow`, `Sqrt` and `Div`).

use candle_core::Tensor;

use super::axis;
use crate::model::network::ModelError;
use crate::model::onnx::attributes::Attributes;
use crate::model::onnx::infer::{
    input, int_attr, ints_or_input, reduce, same_shape, Problem, Value,
};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{self, first, Compiled, Context, Kernel, Node, Operator};

/// The registry entry of `ReduceMean` and `ReduceSum`.
pub(crate) struct ReduceOperators;

impl Operator for ReduceOperators {
    fn names(&self) -> &'static [&'static str] {
        &["ReduceMean", "ReduceSum"]
    }

    fn attributes(&self, _: &str) -> &'static [&'static str] {
        &["axes", "keepdims", "noop_with_empty_axes"]
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let reduce = compile(node.op, &node.attributes, &node.inputs, node.context)?;
        Ok(node.compiled(reduce, 1))
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        let axes = ints_or_input(node, inputs, "axes", 1)?.unwrap_or_default();
        let keep = int_attr(node, "keepdims", 1) != 0;
        let noop = int_attr(node, "noop_with_empty_axes", 0) != 0;
        let shape = reduce(&input(inputs, 0)?.shape, &axes, keep, noop)?;
        Ok((Value::shaped(shape), 0))
    }
}

/// The registry entry of `LayerNormalization`.
pub(crate) struct LayerNormOperator;

impl Operator for LayerNormOperator {
    fn names(&self) -> &'static [&'static str] {
        &["LayerNormalization"]
    }

    fn attributes(&self, _: &str) -> &'static [&'static str] {
        &["axis", "epsilon", "stash_type"]
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        node.only_first_output("mean and inverse deviation")?;
        Ok(node.compiled(layer_norm(&node.attributes)?, 3))
    }

    fn infer(&self, _: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        same_shape(inputs)
    }
}

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
fn compile(
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

impl Kernel for Reduce {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
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

/// `LayerNormalization` in inference: `(x - mean) / sqrt(variance + epsilon) · scale + bias`,
/// mean and (biased) variance over the axes from `axis` on, as `nn.LayerNorm` computes them.
#[derive(Debug, Clone)]
pub(crate) struct LayerNorm {
    axis: i64,
    epsilon: f64,
}

/// Compiles a `LayerNormalization` node, which reads `x`, `scale` and an optional `bias`.
fn layer_norm(attributes: &Attributes) -> Result<LayerNorm, ModelError> {
    if attributes.int_or("stash_type", 1)? != 1 {
        return Err(attributes.unsupported("a `stash_type` other than float"));
    }
    Ok(LayerNorm {
        axis: attributes.int_or("axis", -1)?,
        epsilon: f64::from(attributes.float_or("epsilon", 1e-5)?),
    })
}

impl Kernel for LayerNorm {
    /// Normalises `x` and applies `scale` and `bias` (broadcast over the normalised axes).
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let scale = registry::input(inputs, 1)?;
        let bias = inputs.get(2).copied();
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
