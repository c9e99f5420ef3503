//! The operators of shape computations and data movement: `Shape`, `Gather`, `Unsqueeze`,
//! `Squeeze`, `Slice`, `Pad`, `ConstantOfShape` and `Cast`, as PyTorch exports
//! `x.view(x.size(0), -1)`, `x[:, :k]` or `nn.ZeroPad2d`.
//!
//! They run on the batch actually fed: `Shape` of a value computed from the input reads its
//! dimensions at run time (a few integers), so a graph whose `Reshape` target is computed from
//! the batch size works for every batch size. Their outputs are integer vectors, computed without
//! a gradient, except `Gather`, `Unsqueeze` and `Squeeze` on data, which candle differentiates.
//! Nodes whose inputs are all constants are folded when the model is loaded.

use candle_core::{DType, Device, Tensor};

use super::attributes::Attributes;
use super::decode;
use super::ops::{axis, Context};
use super::proto::data_type;
use crate::model::layers;
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

/// The elements `Slice` keeps along one axis: from `start` towards `end` (excluded) by `step`,
/// before clamping to the axis.
#[derive(Debug, Clone)]
pub(crate) struct SliceAxis {
    axis: i64,
    start: i64,
    end: i64,
    step: i64,
}

impl SliceAxis {
    /// The indices kept along an axis of `size` (ONNX `Slice`: negative bounds count from the
    /// end, then bounds are clamped to `[0, size]`, or `[-1, size - 1]` for a negative step).
    fn indices(&self, size: usize) -> Vec<u32> {
        let size = size as i64;
        let resolve = |i: i64| if i < 0 { i + size } else { i };
        let (low, high) = if self.step > 0 {
            (0, size)
        } else {
            (-1, size - 1)
        };
        let start = resolve(self.start).clamp(low, high);
        let end = resolve(self.end).clamp(low, high);
        let mut kept = Vec::new();
        let mut i = start;
        while (self.step > 0 && i < end) || (self.step < 0 && i > end) {
            kept.push(i as u32);
            match i.checked_add(self.step) {
                Some(next) => i = next,
                None => break,
            }
        }
        kept
    }
}

/// What `Pad` adds along one axis: `begin` and `end` elements (negative: that many removed).
#[derive(Debug, Clone)]
pub(crate) struct PadAxis {
    axis: i64,
    begin: i64,
    end: i64,
}

/// How `Pad` fills the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PadMode {
    /// With a constant value.
    Constant,
    /// Mirrored about the edge element, which is not repeated.
    Reflect,
    /// With the edge element repeated.
    Edge,
    /// With the elements of the other end (opset 19).
    Wrap,
}

impl PadMode {
    /// The source index of padded position `i` (from `-before`) along an axis of `size`
    /// elements, for the modes that copy elements.
    fn source(self, i: i64, size: i64) -> Option<i64> {
        let j = match self {
            PadMode::Constant => return None,
            PadMode::Edge => i.clamp(0, size - 1),
            PadMode::Wrap => i.rem_euclid(size),
            PadMode::Reflect if size == 1 => 0,
            PadMode::Reflect => {
                let period = 2 * (size - 1);
                let k = i.rem_euclid(period);
                if k < size {
                    k
                } else {
                    period - k
                }
            }
        };
        Some(j)
    }
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
        "Slice" => (ShapeOp::Slice(slice(attributes, inputs, context)?), 1),
        "Pad" => (pad(attributes, inputs, context)?, 1),
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

/// The axes of a `Slice`: attributes before opset 10, constant inputs since.
fn slice(
    attributes: &Attributes,
    inputs: &[&str],
    context: &dyn Context,
) -> Result<Vec<SliceAxis>, ModelError> {
    let input = |index: usize, what: &str| -> Result<Option<Vec<i64>>, ModelError> {
        match inputs.get(index).filter(|name| !name.is_empty()) {
            None => Ok(None),
            Some(name) => match context.constant(name) {
                Some(value) => attributes.integers(value).map(Some),
                None => Err(attributes.unsupported(format!("its {what} must be constants"))),
            },
        }
    };
    let list = |name: &str, index: usize| match attributes.ints(name) {
        Some(values) => Ok(Some(values.to_vec())),
        None => input(index, name),
    };
    let starts = list("starts", 1)?.ok_or_else(|| attributes.unsupported("it has no starts"))?;
    let ends = list("ends", 2)?.ok_or_else(|| attributes.unsupported("it has no ends"))?;
    let axes = list("axes", 3)?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = input(4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    if [ends.len(), axes.len(), steps.len()] != [starts.len(); 3] || steps.contains(&0) {
        return Err(attributes.unsupported(format!(
            "starts {starts:?}, ends {ends:?}, axes {axes:?} and steps {steps:?} do not \
             describe a slice"
        )));
    }
    Ok((0..starts.len())
        .map(|i| SliceAxis {
            axis: axes[i],
            start: starts[i],
            end: ends[i],
            step: steps[i],
        })
        .collect())
}

/// A `Pad` node: pads and value are attributes before opset 11, constant inputs (with `axes`
/// from opset 18) since.
fn pad(
    attributes: &Attributes,
    inputs: &[&str],
    context: &dyn Context,
) -> Result<ShapeOp, ModelError> {
    let constant = |index: usize, what: &str| -> Result<Option<&Tensor>, ModelError> {
        match inputs.get(index).filter(|name| !name.is_empty()) {
            None => Ok(None),
            Some(name) => context
                .constant(name)
                .map(Some)
                .ok_or_else(|| attributes.unsupported(format!("its {what} must be a constant"))),
        }
    };
    let mode = match attributes.string("mode").as_deref() {
        None | Some("constant") => PadMode::Constant,
        Some("reflect") => PadMode::Reflect,
        Some("edge") => PadMode::Edge,
        Some("wrap") => PadMode::Wrap,
        Some(other) => return Err(attributes.unsupported(format!("`mode` {other}"))),
    };
    let amounts = match (attributes.ints("pads"), constant(1, "pads")?) {
        (Some(pads), _) => pads.to_vec(),
        (None, Some(pads)) => attributes.integers(pads)?,
        (None, None) => return Err(attributes.unsupported("it has no pads")),
    };
    let value = match constant(2, "value")? {
        Some(value) => {
            let values = value
                .to_dtype(DType::F32)
                .and_then(|v| v.flatten_all())
                .and_then(|v| v.to_vec1::<f32>())
                .map_err(|e| attributes.unsupported(run::message(&e)))?;
            values.first().copied().unwrap_or(0.0)
        }
        None => attributes.float_or("value", 0.0)?,
    };
    let count = amounts.len() / 2;
    let axes = match constant(3, "axes")? {
        Some(axes) => attributes.integers(axes)?,
        None => (0..count as i64).collect(),
    };
    if amounts.len() % 2 != 0 || axes.len() != count {
        return Err(attributes.unsupported(format!(
            "pads {amounts:?} do not give a beginning and an end for each of the axes {axes:?}"
        )));
    }
    let pads = axes
        .iter()
        .enumerate()
        .map(|(i, &along)| PadAxis {
            axis: along,
            begin: amounts[i],
            end: amounts[count + i],
        })
        .collect();
    Ok(ShapeOp::Pad { pads, mode, value })
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
            ShapeOp::Slice(axes) => {
                let mut sliced = x.clone();
                for along in axes {
                    let at = axis(along.axis, x.rank())?;
                    let kept = along.indices(sliced.dim(at)?);
                    sliced = match (along.step, kept.first()) {
                        (1, Some(&start)) => sliced.narrow(at, start as usize, kept.len())?,
                        _ => {
                            let count = kept.len();
                            let kept = Tensor::from_vec(kept, count, &Device::Cpu)?;
                            sliced.index_select(&kept, at)?
                        }
                    };
                }
                Ok(sliced)
            }
            ShapeOp::Pad { pads, mode, value } => {
                let mut padded = x.clone();
                for along in pads {
                    let at = axis(along.axis, x.rank())?;
                    padded = pad_axis(&padded, at, along.begin, along.end, *mode, *value)?;
                }
                Ok(padded)
            }
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

/// Pads (or, for negative amounts, crops) `x` along `dim` by `begin` and `end` elements.
fn pad_axis(
    x: &Tensor,
    dim: usize,
    begin: i64,
    end: i64,
    mode: PadMode,
    value: f32,
) -> candle_core::Result<Tensor> {
    let size = x.dim(dim)? as i64;
    let (start, stop) = (begin.min(0).abs(), size - end.min(0).abs());
    if start > stop {
        return Err(candle_core::Error::Msg(format!(
            "pads of {begin} and {end} crop more than the {size} elements of axis {dim}"
        )));
    }
    let kept = x.narrow(dim, start as usize, (stop - start) as usize)?;
    let (before, after) = (begin.max(0) as usize, end.max(0) as usize);
    if mode == PadMode::Constant {
        return layers::pad(&kept, dim, before, after, value);
    }
    let size = kept.dim(dim)? as i64;
    if size == 0 || (mode == PadMode::Reflect && (before as i64 >= size || after as i64 >= size)) {
        return Err(candle_core::Error::Msg(format!(
            "{mode:?} padding of {before} and {after} needs more than the {size} elements of \
             axis {dim}"
        )));
    }
    let sources = (-(before as i64)..size + after as i64)
        .filter_map(|i| mode.source(i, size))
        .map(|j| j as u32)
        .collect::<Vec<u32>>();
    let count = sources.len();
    kept.index_select(&Tensor::from_vec(sources, count, &Device::Cpu)?, dim)
}
