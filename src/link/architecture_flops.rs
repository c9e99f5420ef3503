//! FLOPs of the built-in architectures, from the checked `arch` call and the sample shape: the
//! same convention as [`crate::model::flops`] (2 × multiply-accumulates of convolution and
//! linear layers per sample).

use crate::check::Call;

/// Multiply-accumulates of a 3×3 convolution with padding 1 and stride `stride` from `inputs`
/// to `outputs` channels on an `h`×`w` map, and the output map's size.
/// `None` for an empty map.
fn conv3x3(
    inputs: u64,
    outputs: u64,
    (h, w): (u64, u64),
    stride: u64,
) -> Option<(u64, (u64, u64))> {
    let out = (
        (h.checked_sub(1)?) / stride + 1,
        (w.checked_sub(1)?) / stride + 1,
    );
    let macs = [out.0, out.1, outputs, inputs, 9]
        .into_iter()
        .try_fold(1u64, u64::checked_mul)?;
    Some((macs, out))
}

/// `a + b × c`, `None` on overflow.
fn mul_add(a: u64, b: u64, c: u64) -> Option<u64> {
    a.checked_add(b.checked_mul(c)?)
}

/// The FLOPs of one forward pass of the built-in architecture `call` on one sample of shape
/// `input_shape` (`[features]` or any shape for `mlp`, which flattens it; `[channels, height,
/// width]` or `[height, width]` for `cnn` and `resnet`); `None` when the call lacks a
/// parameter the checker guarantees or the shape does not fit the architecture.
///
/// The layers are those the safetensors weights of each architecture hold:
/// - `mlp`: linear layers through the `hidden` widths to `classes`;
/// - `cnn`: per entry of `channels`, a 3×3 convolution (padding 1) then 2×2 max pooling; a
///   linear layer from the flattened map to `hidden`; a linear layer to `classes`;
/// - `resnet`: a 3×3 stem convolution to `channels[0]`; per stage `i`, `blocks` basic blocks
///   (two 3×3 convolutions; the first block of each stage after the first has stride 2, and a
///   block whose shape changes has a 1×1 projection shortcut of the same stride); global
///   average pooling; a linear layer to `classes`.
pub fn flops_of_architecture(call: &Call, input_shape: &[usize]) -> Option<u64> {
    let classes = call.uint("classes")?;
    let shape: Vec<u64> = input_shape.iter().map(|&d| d as u64).collect();
    let macs = match call.schema.name {
        "mlp" => {
            let mut previous: u64 = shape.iter().product();
            let mut macs: u64 = 0;
            for width in call.uints("hidden")?.into_iter().chain([classes]) {
                macs = mul_add(macs, previous, width)?;
                previous = width;
            }
            macs
        }
        "cnn" => {
            let (mut channels, mut map) = image(call, &shape)?;
            let mut macs: u64 = 0;
            for out in call.uints("channels")? {
                macs = macs.checked_add(conv3x3(channels, out, map, 1)?.0)?;
                channels = out;
                map = (map.0 / 2, map.1 / 2);
            }
            let hidden = call.uint("hidden")?;
            let flattened = channels.checked_mul(map.0)?.checked_mul(map.1)?;
            mul_add(mul_add(macs, flattened, hidden)?, hidden, classes)?
        }
        "resnet" => {
            let (in_channels, mut map) = image(call, &shape)?;
            let stages = call.uints("channels")?;
            let blocks = call.uint("blocks")?;
            let mut channels = *stages.first()?;
            let mut macs = conv3x3(in_channels, channels, map, 1)?.0;
            for (stage, &out) in stages.iter().enumerate() {
                for block in 0..blocks {
                    let stride = if stage > 0 && block == 0 { 2 } else { 1 };
                    let (first, out_map) = conv3x3(channels, out, map, stride)?;
                    let second = conv3x3(out, out, out_map, 1)?.0;
                    // A 1×1 convolution: a ninth of a 3×3 one at the same stride.
                    let projection = match stride != 1 || channels != out {
                        true => first / 9,
                        false => 0,
                    };
                    macs = macs.checked_add(first)?.checked_add(second)?;
                    macs = macs.checked_add(projection)?;
                    (channels, map) = (out, out_map);
                }
            }
            mul_add(macs, channels, classes)?
        }
        _ => return None,
    };
    macs.checked_mul(2)
}

/// The channels and map size of an image sample for `cnn` and `resnet`: `[c, h, w]`, or
/// `[h, w]` with the call's `in_channels`; `None` when the channels disagree.
fn image(call: &Call, shape: &[u64]) -> Option<(u64, (u64, u64))> {
    let in_channels = call.uint("in_channels")?;
    let (channels, h, w) = match *shape {
        [c, h, w] => (c, h, w),
        [h, w] => (in_channels, h, w),
        _ => return None,
    };
    (channels == in_channels && h > 0 && w > 0).then_some((channels, (h, w)))
}
