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

use super::attributes::Attributes;
use super::decode;
use super::ops::{axis, Context};
use super::proto::data_type;
use super::slice_pad::{self, PadAxis, PadMode, SliceAxis};
use crate::model::network::ModelError;
use crate::model::run;

/// The most elements `ConstantOfShape` fills (a shape read from a corrupt model must not
/// exhaust memory).
const MAX_FILLED: usize = 1 << 28;

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

/// The attributes each shape operator reads.
pub(crate) fn known_attributes(op: &str) -> Option<&'static [&'static str]> {
    Some(match op {
        "Shape" => &["start", "end"],
        "Gather" => &["axis"],
        "Unsqueeze" | "Squeeze" => &["axes"],
        "Slice" => &["starts", "ends", "axes"],
        "Pad" => &["mode", "pads", "value"],
        "ConstantOfShape" => &["value"],
        "Cast" => &["to", "saturate"],
        _ => return None,
    })
}

/// Compiles a shape operator `op` whose inputs are `inputs`. Returns the operator and how many
/// leading inputs it reads at run time.
pub(crate) fn compile(
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

impl ShapeOp {
    /// Applies the operator to its run-time inputs (`x` first).
    pub(crate) fn eval(&self, x: &Tensor, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let second = || {
            inputs
                .get(1)
                .copied()
                .ok_or_else(|| candle_core::Error::Msg("a missing input 1".into()))
        };
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
                let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
                if count.is_none_or(|n| n > MAX_FILLED) {
                    return Err(candle_core::Error::Msg(format!(
                        "a constant of shape {shape:?} is larger than {MAX_FILLED} elements"
                    )));
                }
                Tensor::full(*value, shape, &Device::Cpu)?.to_dtype(*dtype)
            }
            ShapeOp::Cast(dtype) => x.to_dtype(*dtype),
        }
    }
}
