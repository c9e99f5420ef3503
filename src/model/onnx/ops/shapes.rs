//! The operators of shape computations and data movement: `Shape`, `Gather`, `Unsqueeze`,
//! `Squeeze`, `ConstantOfShape` and `Cast`, as PyTorch exports `x.view(x.size(0), -1)`, and
//! `Slice` and `Pad` (evaluated in `slice_pad.rs`).
//!
//! They run on the batch actually fed: `Shape` of a value computed from the input reads its
//! dimensions at run time (a few integers), so a graph whose `Reshape` target is computed from
//! the batch size works for every batch size. `Shape`, `ConstantOfShape` and `Cast` to integers
//! give integer tensors, without a gradient; `Gather`, `Unsqueeze`, `Squeeze`, `Slice` and `Pad`
//! on data are differentiated by candle. Nodes whose inputs are all constants are folded when
//! the model is loaded.

use candle_core::{DType, Device, Tensor};

use super::axis;
use super::slice_pad::{self, PadAxis, PadMode, SliceAxis};
use crate::model::layers::check_elements;
use crate::model::network::ModelError;
use crate::model::onnx::attributes::Attributes;
use crate::model::onnx::decode;
use crate::model::onnx::infer::{
    self, attribute, constant, fail, gather, input, int_attr, ints_attr, ints_or_input,
    non_negative, product, slice, squeeze, Problem, Value,
};
use crate::model::onnx::proto::{data_type, NodeProto};
use crate::model::onnx::registry::{self, first, Compiled, Context, Kernel, Node, Operator};
use crate::model::run;

/// The registry entry of the shape operators.
pub(crate) struct ShapeOperators;

impl Operator for ShapeOperators {
    fn names(&self) -> &'static [&'static str] {
        &[
            "Shape",
            "Gather",
            "Unsqueeze",
            "Squeeze",
            "Slice",
            "Pad",
            "ConstantOfShape",
            "Cast",
        ]
    }

    fn attributes(&self, op: &str) -> &'static [&'static str] {
        match op {
            "Shape" => &["start", "end"],
            "Gather" => &["axis"],
            "Unsqueeze" | "Squeeze" => &["axes"],
            "Slice" => &["starts", "ends", "axes"],
            "Pad" => &["mode", "pads", "value"],
            "ConstantOfShape" => &["value"],
            _ => &["to", "saturate"],
        }
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let (op, count) = compile(node.op, &node.attributes, &node.inputs, node.context)?;
        Ok(node.compiled(op, count))
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        let op = node.op_type.as_deref().unwrap_or_default();
        Ok((infer_shape(op, node, inputs)?, 0))
    }
}

/// The output of a shape operator on values known before running.
fn infer_shape(op: &str, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<Value, Problem> {
    let x = input(inputs, 0)?;
    match op {
        "Shape" => {
            let rank = x.shape.len() as i64;
            let clamp = |i: i64| (if i < 0 { i + rank } else { i }).clamp(0, rank) as usize;
            let start = clamp(int_attr(node, "start", 0));
            let end = clamp(int_attr(node, "end", rank)).max(start);
            let dims: Vec<i64> = x.shape[start..end].iter().map(|&d| d as i64).collect();
            Ok(Value::ints(vec![dims.len()], dims))
        }
        "Gather" => gather(node, x, input(inputs, 1)?),
        "Unsqueeze" | "Squeeze" => {
            let axes = ints_or_input(node, inputs, "axes", 1)?;
            squeeze(op == "Unsqueeze", x, axes)
        }
        "Pad" => {
            let known = |index: usize| inputs.get(index).copied().flatten().map(|t| &t.ints);
            let pads = match (ints_attr(node, "pads"), known(1)) {
                (Some(pads), _) => pads.to_vec(),
                (None, Some(Some(pads))) => pads.clone(),
                _ => return fail("its pads are not known before running"),
            };
            let count = pads.len() / 2;
            let axes: Vec<i64> = match known(3) {
                Some(Some(axes)) => axes.clone(),
                Some(None) => return fail("its axes are computed at run time"),
                None => (0..count as i64).collect(),
            };
            if pads.len() % 2 != 0 || axes.len() != count {
                return fail(format!("pads {pads:?} do not fit the axes {axes:?}"));
            }
            let mut shape = x.shape.clone();
            for (i, &a) in axes.iter().enumerate() {
                let at = infer::axis(a, x.shape.len())?;
                let size = shape[at] as i64 + pads[i] + pads[count + i];
                shape[at] = match usize::try_from(size) {
                    Ok(size) => size,
                    Err(_) => return fail(format!("pads {pads:?} crop more than {:?}", x.shape)),
                };
            }
            Ok(Value::shaped(shape))
        }
        "Slice" => {
            // Starts, ends, axes: attributes before opset 10, inputs (with steps) since.
            let (Some(starts), Some(ends)) = (
                ints_or_input(node, inputs, "starts", 1)?,
                ints_or_input(node, inputs, "ends", 2)?,
            ) else {
                return fail("it has no starts or ends");
            };
            let axes = ints_or_input(node, inputs, "axes", 3)?;
            let steps = ints_or_input(node, inputs, "steps", 4)?;
            slice(x, &starts, &ends, axes, steps)
        }
        "ConstantOfShape" => match &x.ints {
            Some(dims) => {
                let shape = non_negative("its shape", dims)?;
                let value = attribute(node, "value").and_then(|a| a.t.as_ref());
                let fill = value.map(constant).and_then(|v| v.ints).unwrap_or_default();
                let count = product(&shape) as usize;
                let ints = match (value, fill.as_slice()) {
                    // Integer shapes or pads built from a fill (zeros when no value is given
                    // are floats).
                    (Some(_), &[fill]) if count <= 64 => Some(vec![fill; count]),
                    _ => None,
                };
                Ok(Value { shape, ints })
            }
            None => fail("its shape is computed at run time"),
        },
        // `Cast` keeps the shape and any known integers.
        _ => Ok(x.clone()),
    }
}

/// A compiled shape operator.
#[derive(Debug, Clone)]
pub(crate) enum ShapeOp {
    /// `Shape` with its `start` and `end` attributes (opset 15).
    Shape { start: i64, end: Option<i64> },
    /// `Gather` along `axis`.
    Gather(i64),
    /// `Unsqueeze` or `Squeeze`; the axes come from the attribute (opset < 13), a constant
    /// input, or (`None`) the second input at run time. `Squeeze` without axes removes every
    /// axis of size 1.
    Axes {
        unsqueeze: bool,
        axes: Option<Vec<i64>>,
    },
    /// `Slice` with constant starts, ends, axes and steps.
    Slice(Vec<SliceAxis>),
    /// `Pad` by constant amounts.
    Pad {
        pads: Vec<PadAxis>,
        mode: PadMode,
        value: f32,
    },
    /// `ConstantOfShape`: a tensor of the shape given at run time filled with `value`.
    ConstantOfShape { value: f64, dtype: DType },
    /// `Cast` to `f32` (every float type) or `i64` (every integer type).
    Cast(DType),
}

/// Compiles a shape operator `op` whose inputs are `inputs`. Returns the operator and how many
/// leading inputs it reads at run time.
fn compile(
    op: &str,
    attributes: &Attributes,
    inputs: &[&str],
    context: &dyn Context,
) -> Result<(ShapeOp, usize), ModelError> {
    let compiled = match op {
        "Shape" => (
            ShapeOp::Shape {
                start: attributes.int_or("start", 0)?,
                end: attributes.int("end")?,
            },
            1,
        ),
        "Gather" => (ShapeOp::Gather(attributes.int_or("axis", 0)?), 2),
        "Unsqueeze" | "Squeeze" => {
            let unsqueeze = op == "Unsqueeze";
            let axes = match (attributes.ints("axes"), inputs.get(1)) {
                // An attribute before opset 13, an input since.
                (Some(axes), _) => Some(axes.to_vec()),
                (None, Some(name)) if !name.is_empty() => match context.constant(name) {
                    Some(value) => Some(attributes.integers(value)?),
                    None => {
                        return Ok((
                            ShapeOp::Axes {
                                unsqueeze,
                                axes: None,
                            },
                            2,
                        ))
                    }
                },
                (None, _) if unsqueeze => {
                    return Err(attributes.unsupported("it has no axes"));
                }
                (None, _) => Some(Vec::new()),
            };
            (ShapeOp::Axes { unsqueeze, axes }, 1)
        }
        "Slice" => (
            ShapeOp::Slice(slice_pad::compile_slice(attributes, inputs, context)?),
            1,
        ),
        "Pad" => {
            let (pads, mode, value) = slice_pad::compile_pad(attributes, inputs, context)?;
            (ShapeOp::Pad { pads, mode, value }, 1)
        }
        "ConstantOfShape" => {
            let (value, dtype) = match attributes.tensor("value") {
                None => (0.0, DType::F32),
                Some(tensor) => {
                    let value = decode::tensor(tensor).map_err(|e| attributes.unsupported(e))?;
                    let dtype = value.dtype();
                    let scalar = value
                        .to_dtype(DType::F64)
                        .and_then(|v| v.flatten_all())
                        .and_then(|v| v.to_vec1::<f64>())
                        .map_err(|e| attributes.unsupported(run::message(&e)))?;
                    match scalar.as_slice() {
                        [value] => (*value, dtype),
                        _ => return Err(attributes.unsupported("its `value` is not one element")),
                    }
                }
            };
            (ShapeOp::ConstantOfShape { value, dtype }, 1)
        }
        "Cast" => {
            let to = attributes
                .int("to")?
                .ok_or_else(|| attributes.unsupported("attribute `to` is required"))?;
            let dtype = match i32::try_from(to).unwrap_or(-1) {
                data_type::FLOAT | data_type::DOUBLE | data_type::FLOAT16 | data_type::BFLOAT16 => {
                    DType::F32
                }
                data_type::INT64
                | data_type::INT32
                | data_type::INT16
                | data_type::INT8
                | data_type::UINT8
                | data_type::UINT16
                | data_type::UINT32
                | data_type::UINT64 => DType::I64,
                _ => {
                    return Err(attributes.unsupported(format!(
                        "a cast to element type {to}; rbench computes with floats and integers"
                    )))
                }
            };
            (ShapeOp::Cast(dtype), 1)
        }
        _ => return Err(attributes.unsupported("it is not a shape operator")),
    };
    Ok(compiled)
}

/// A vector of integers as an `i64` tensor of shape `[len]`.
fn integer_vector(values: Vec<i64>) -> candle_core::Result<Tensor> {
    let len = values.len();
    Tensor::from_vec(values, len, &Device::Cpu)
}

/// The non-negative dimensions of a shape tensor.
fn dimensions(shape: &Tensor) -> candle_core::Result<Vec<usize>> {
    decode::integers(shape)?
        .into_iter()
        .map(|d| {
            usize::try_from(d)
                .map_err(|_| candle_core::Error::Msg(format!("a negative dimension {d}")))
        })
        .collect()
}

impl Kernel for ShapeOp {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let second = || registry::input(inputs, 1);
        match self {
            ShapeOp::Shape { start, end } => {
                let rank = x.rank() as i64;
                let clamp = |i: i64| (if i < 0 { i + rank } else { i }).clamp(0, rank) as usize;
                let start = clamp(*start);
                let end = clamp(end.unwrap_or(rank)).max(start);
                integer_vector(x.dims()[start..end].iter().map(|&d| d as i64).collect())
            }
            ShapeOp::Gather(along) => {
                let indices = second()?;
                let at = axis(*along, x.rank())?;
                let size = x.dims()[at] as i64;
                let positions = decode::integers(indices)?
                    .into_iter()
                    .map(|i| {
                        let j = if i < 0 { i + size } else { i };
                        u32::try_from(j)
                            .ok()
                            .filter(|&j| i64::from(j) < size)
                            .ok_or_else(|| {
                                candle_core::Error::Msg(format!(
                                    "index {i} is out of range for an axis of {size}"
                                ))
                            })
                    })
                    .collect::<candle_core::Result<Vec<u32>>>()?;
                let count = positions.len();
                let selected =
                    x.index_select(&Tensor::from_vec(positions, count, &Device::Cpu)?, at)?;
                let dims = x.dims();
                let shape: Vec<usize> = dims[..at]
                    .iter()
                    .chain(indices.dims())
                    .chain(&dims[at + 1..])
                    .copied()
                    .collect();
                selected.reshape(shape)
            }
            ShapeOp::Axes { unsqueeze, axes } => {
                let axes = match axes {
                    Some(axes) => axes.clone(),
                    None => decode::integers(second()?)?,
                };
                let dims = x.dims();
                if *unsqueeze {
                    let rank = dims.len() + axes.len();
                    let mut inserted = axes
                        .iter()
                        .map(|&a| axis(a, rank))
                        .collect::<candle_core::Result<Vec<usize>>>()?;
                    inserted.sort_unstable();
                    let mut shape = dims.to_vec();
                    for at in inserted {
                        shape.insert(at.min(shape.len()), 1);
                    }
                    x.reshape(shape)
                } else {
                    let removed = axes
                        .iter()
                        .map(|&a| axis(a, dims.len()))
                        .collect::<candle_core::Result<Vec<usize>>>()?;
                    if let Some(&at) = removed.iter().find(|&&at| dims[at] != 1) {
                        return Err(candle_core::Error::Msg(format!(
                            "cannot squeeze axis {at} of {dims:?}, which is not 1"
                        )));
                    }
                    let shape: Vec<usize> = dims
                        .iter()
                        .enumerate()
                        .filter(|&(i, &d)| {
                            !(removed.contains(&i) || (removed.is_empty() && d == 1))
                        })
                        .map(|(_, &d)| d)
                        .collect();
                    x.reshape(shape)
                }
            }
            ShapeOp::Slice(axes) => slice_pad::slice(x, axes),
            ShapeOp::Pad { pads, mode, value } => slice_pad::pad(x, pads, *mode, *value),
            ShapeOp::ConstantOfShape { value, dtype } => {
                let shape = dimensions(x)?;
                check_elements("a constant", &shape)?;
                Tensor::full(*value, shape, &Device::Cpu)?.to_dtype(*dtype)
            }
            ShapeOp::Cast(dtype) => x.to_dtype(*dtype),
        }
    }
}
