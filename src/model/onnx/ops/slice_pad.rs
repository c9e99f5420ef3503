//! `Slice` and `Pad`: selecting and extending the elements of a tensor along its axes, as
//! PyTorch exports `x[:, :k]` and `nn.ZeroPad2d` or `nn.ReflectionPad2d`. Both select with
//! `narrow` and `index_select`, which candle differentiates exactly.

use candle_core::{DType, Device, Tensor};

use super::axis;
use crate::model::layers::{self, check_elements};
use crate::model::network::ModelError;
use crate::model::onnx::attributes::Attributes;
use crate::model::onnx::registry::Context;
use crate::model::run;

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

/// Compiles the axes of a `Slice`: attributes before opset 10, constant inputs since.
pub(crate) fn compile_slice(
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

/// Compiles a `Pad` node: pads and value are attributes before opset 11, constant inputs (with `axes`
/// from opset 18) since.
pub(crate) fn compile_pad(
    attributes: &Attributes,
    inputs: &[&str],
    context: &dyn Context,
) -> Result<(Vec<PadAxis>, PadMode, f32), ModelError> {
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
    Ok((pads, mode, value))
}

/// Applies the slices of `axes` to `x` in turn.
pub(crate) fn slice(x: &Tensor, axes: &[SliceAxis]) -> candle_core::Result<Tensor> {
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

/// Pads `x` along each axis of `pads` in turn.
pub(crate) fn pad(
    x: &Tensor,
    pads: &[PadAxis],
    mode: PadMode,
    value: f32,
) -> candle_core::Result<Tensor> {
    let mut padded = x.clone();
    for along in pads {
        let at = axis(along.axis, x.rank())?;
        padded = pad_axis(&padded, at, along.begin, along.end, mode, value)?;
    }
    Ok(padded)
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
    let mut padded = kept.dims().to_vec();
    padded[dim] = padded[dim].saturating_add(before).saturating_add(after);
    check_elements("a padded tensor", &padded)?;
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
