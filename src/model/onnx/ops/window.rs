//! The sliding window of a convolution or a pool: its attributes (`strides`, `dilations`,
//! `pads`, `auto_pad`, `ceil_mode`) read at compile time, and the output size they give when
//! shapes are followed before running.

use crate::model::layers::{Padding, Window};
use crate::model::network::ModelError;
use crate::model::onnx::attributes::Attributes;
use crate::model::onnx::infer::{fail, int_attr, ints_attr, non_negative, str_attr, Problem};
use crate::model::onnx::proto::NodeProto;

/// Reads the strides, dilations and padding of a convolution or pool.
pub(crate) fn compile(attributes: &Attributes, kernel: [usize; 2]) -> Result<Window, ModelError> {
    let stride = attributes.sizes::<2>("strides", 1)?;
    let dilation = attributes.sizes::<2>("dilations", 1)?;
    if stride.contains(&0) || dilation.contains(&0) {
        return Err(
            attributes.unsupported(format!("strides {stride:?} or dilations {dilation:?} of 0"))
        );
    }
    let pads = attributes.sizes::<4>("pads", 0)?;
    let padding = match attributes.string("auto_pad").as_deref() {
        None | Some("NOTSET" | "") => Padding::Explicit {
            begin: [pads[0], pads[1]],
            end: [pads[2], pads[3]],
        },
        Some("VALID") => Padding::NONE,
        Some("SAME_UPPER") => Padding::SameUpper,
        Some("SAME_LOWER") => Padding::SameLower,
        Some(other) => return Err(attributes.unsupported(format!("`auto_pad` {other}"))),
    };
    Ok(Window {
        kernel,
        stride,
        dilation,
        padding,
        ceil: false,
    })
}

/// The output size of a sliding window over `dims`: `strides`, `pads`, `dilations`,
/// `auto_pad` and (pooling) `ceil_mode`, as the ONNX operators define them.
pub(crate) fn output_size(
    node: &NodeProto,
    dims: &[usize],
    kernel: &[usize],
) -> Result<Vec<usize>, Problem> {
    let rank = dims.len();
    let per_axis = |name: &str, len: usize, default: usize| match ints_attr(node, name) {
        Some(values) if values.len() == len => non_negative(name, values),
        Some(values) => fail(format!("`{name}` {values:?} does not have {len} values")),
        None => Ok(vec![default; len]),
    };
    let strides = per_axis("strides", rank, 1)?;
    let dilations = per_axis("dilations", rank, 1)?;
    let pads = per_axis("pads", 2 * rank, 0)?;
    let auto_pad = str_attr(node, "auto_pad").unwrap_or("NOTSET");
    let ceil = int_attr(node, "ceil_mode", 0) != 0;
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        let stride = strides[i].max(1);
        let span = dilations[i]
            .saturating_mul(kernel[i].saturating_sub(1))
            .saturating_add(1);
        let too_large = || {
            fail(format!(
                "its window of {span} exceeds the input's {}",
                dims[i]
            ))
        };
        out.push(match auto_pad {
            "SAME_UPPER" | "SAME_LOWER" => dims[i].div_ceil(stride),
            "VALID" if dims[i] < span => return too_large(),
            "VALID" => (dims[i] - span) / stride + 1,
            _ => {
                let padded = dims[i]
                    .saturating_add(pads[i])
                    .saturating_add(pads[rank + i]);
                if padded < span {
                    return too_large();
                }
                let steps = padded - span;
                let mut size = if ceil {
                    steps.div_ceil(stride)
                } else {
                    steps / stride
                } + 1;
                // A last window starting in the end padding is dropped.
                if ceil && (size - 1) * stride >= dims[i] + pads[i] {
                    size -= 1;
                }
                size
            }
        });
    }
    Ok(out)
}
