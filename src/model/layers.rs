//! Layers shared by ONNX graphs and the built-in architectures, with backward passes that are
//! correct.
//!
//! candle 0.11's `max_pool2d` has a wrong backward: the gradient at each window's maximum is
//! scaled by `count / (kh·kw)` (its mask is average-pooled) instead of `1 / count`, so one 2×2
//! pool divides input gradients by 4. Its pools also take no padding. On the CPU in f32 (every
//! model rbench loads), convolutions and max pools run rbench's own kernels (`model::conv`,
//! `model::pool`), which compute input gradients only; otherwise pooling gathers the windows
//! itself (a reshape when windows tile the input, an index selection otherwise) and reduces them
//! with `max` or `sum`, whose backward passes are exact.

use candle_core::{DType, Tensor};

use super::conv::Geometry;

/// The most values one tensor that a model's shapes or attributes size may hold (a sample's
/// convolution or pool output, its im2col matrix, a padded or filled tensor): 2²⁶, 256 MiB of
/// f32, far above any real model's, so a corrupt or crafted model cannot exhaust memory.
pub(crate) const MAX_ELEMENTS: usize = 1 << 26;

/// Refuses a tensor of `dims` holding more than [`MAX_ELEMENTS`] values.
pub(crate) fn check_elements(what: &str, dims: &[usize]) -> Result<()> {
    let count = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if count.is_none_or(|n| n > MAX_ELEMENTS) {
        candle_core::bail!("{what} of shape {dims:?} is larger than {MAX_ELEMENTS} elements");
    }
    Ok(())
}

/// A candle result.
pub(crate) type Result<T> = candle_core::Result<T>;

/// How a 2-D window operation (a convolution or a pool) pads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    /// Fixed pads before and after each spatial axis (height, width).
    Explicit { begin: [usize; 2], end: [usize; 2] },
    /// ONNX `SAME_UPPER`: the output has `ceil(len / stride)` positions, extra padding at the end.
    SameUpper,
    /// ONNX `SAME_LOWER`: as `SameUpper`, extra padding at the beginning.
    SameLower,
}

impl Padding {
    /// No padding.
    pub(crate) const NONE: Padding = Padding::Explicit {
        begin: [0, 0],
        end: [0, 0],
    };
}

/// The geometry of a 2-D window operation over the last two axes of an `N × C × H × W` tensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub padding: Padding,
    /// Rounds the output size up (a last, partial window), as ONNX's and PyTorch's `ceil_mode`.
    pub ceil: bool,
}

/// Where the windows fall along one spatial axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AxisWindows {
    kernel: usize,
    stride: usize,
    dilation: usize,
    /// Padding before the input.
    begin: usize,
    /// The declared padding after the input (windows of `ceil` mode may reach beyond it).
    end: usize,
    /// Input length.
    len: usize,
    /// Number of windows.
    out: usize,
}

impl AxisWindows {
    /// The padded length the windows read: `(out - 1) · stride + span`.
    fn reach(&self) -> usize {
        (self.out - 1) * self.stride + self.dilation * (self.kernel - 1) + 1
    }

    /// Positions (in padded coordinates) of every window's elements, window by window.
    fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.out)
            .flat_map(move |o| (0..self.kernel).map(move |j| o * self.stride + j * self.dilation))
    }
}

impl Window {
    /// A `kernel × kernel` window with `stride`, padded by `pad` on every side.
    pub(crate) fn square(kernel: usize, stride: usize, pad: usize) -> Window {
        Window {
            kernel: [kernel, kernel],
            stride: [stride, stride],
            dilation: [1, 1],
            padding: Padding::Explicit {
                begin: [pad, pad],
                end: [pad, pad],
            },
            ceil: false,
        }
    }

    /// The geometry of the CPU kernels (`model::conv`, `model::pool`) for the windows `rows`
    /// and `cols` of an input.
    fn geometry(&self, rows: &AxisWindows, cols: &AxisWindows, groups: usize) -> Geometry {
        Geometry {
            kernel: self.kernel,
            stride: self.stride,
            dilation: self.dilation,
            begin: [rows.begin, cols.begin],
            out: [rows.out, cols.out],
            groups,
        }
    }

    /// The windows along spatial axis `axis` (0 height, 1 width) of an input of length `len`.
    fn along(&self, axis: usize, len: usize) -> Result<AxisWindows> {
        let (kernel, stride, dilation) =
            (self.kernel[axis], self.stride[axis], self.dilation[axis]);
        let span = dilation
            .saturating_mul(kernel.saturating_sub(1))
            .saturating_add(1);
        let (begin, end) = match self.padding {
            Padding::Explicit { begin, end } => (begin[axis], end[axis]),
            Padding::SameUpper | Padding::SameLower => {
                let out = len.div_ceil(stride);
                let total = ((out.max(1) - 1) * stride + span).saturating_sub(len);
                let small = total / 2;
                match self.padding {
                    Padding::SameUpper => (small, total - small),
                    _ => (total - small, small),
                }
            }
        };
        let padded = len.saturating_add(begin).saturating_add(end);
        check_elements("a padded axis", &[padded])?;
        if padded < span {
            candle_core::bail!(
                "a window of {span} does not fit an input of {len} padded by {begin} and {end}"
            );
        }
        let out = if self.ceil {
            let out = (padded - span).div_ceil(stride) + 1;
            // The last window must start inside the input or its leading padding.
            if (out - 1) * stride >= len + begin {
                out - 1
            } else {
                out
            }
        } else {
            (padded - span) / stride + 1
        };
        Ok(AxisWindows {
            kernel,
            stride,
            dilation,
            begin,
            end,
            len,
            out,
        })
    }
}

/// How a pool reduces a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reduce {
    Max,
    Sum,
}

/// Pads `x` along `dim` with `before` and `after` elements of `value`.
pub(crate) fn pad(
    x: &Tensor,
    dim: usize,
    before: usize,
    after: usize,
    value: f32,
) -> Result<Tensor> {
    if before == 0 && after == 0 {
        return Ok(x.clone());
    }
    if value == 0.0 {
        return x.pad_with_zeros(dim, before, after);
    }
    let block = |n: usize| {
        let mut dims = x.dims().to_vec();
        dims[dim] = n;
        Tensor::full(value, dims, x.device())?.to_dtype(x.dtype())
    };
    let mut parts = Vec::with_capacity(3);
    if before > 0 {
        parts.push(block(before)?);
    }
    parts.push(x.clone());
    if after > 0 {
        parts.push(block(after)?);
    }
    Tensor::cat(&parts, dim)
}

/// Reduces the windows of `axis` along tensor dimension `dim`, padding with `fill`.
fn pool_axis(
    x: &Tensor,
    dim: usize,
    axis: &AxisWindows,
    reduce: Reduce,
    fill: f32,
) -> Result<Tensor> {
    let after = axis.reach().saturating_sub(axis.begin + axis.len);
    let x = pad(x, dim, axis.begin, after, fill)?;
    let mut split = x.dims().to_vec();
    split[dim] = axis.out;
    split.insert(dim + 1, axis.kernel);
    let windows = if axis.stride == axis.kernel && axis.dilation == 1 {
        // Windows tile the axis: a reshape gathers them without copying.
        x.narrow(dim, 0, axis.out * axis.kernel)?.reshape(split)?
    } else {
        let positions: Vec<u32> = axis.positions().map(|p| p as u32).collect();
        let index = Tensor::from_vec(positions, axis.out * axis.kernel, x.device())?;
        x.index_select(&index, dim)?.reshape(split)?
    };
    match reduce {
        Reduce::Max => windows.max(dim + 1),
        Reduce::Sum => windows.sum(dim + 1),
    }
}

/// Max pooling of an `N × C × H × W` tensor; padding counts as `-inf` (ONNX `MaxPool`). f32 on
/// the CPU runs [`super::pool`]'s single-scan kernel; other types pool axis by axis.
pub(crate) fn max_pool(x: &Tensor, window: &Window) -> Result<Tensor> {
    let (_, c, h, w) = x.dims4()?;
    let rows = window.along(0, h)?;
    let cols = window.along(1, w)?;
    check_elements("a pooled sample", &[c, rows.out, cols.out])?;
    if x.dtype() == DType::F32 && x.device().is_cpu() {
        return super::pool::max_pool(x, window.geometry(&rows, &cols, 1));
    }
    let x = pool_axis(x, 3, &cols, Reduce::Max, f32::NEG_INFINITY)?;
    pool_axis(&x, 2, &rows, Reduce::Max, f32::NEG_INFINITY)
}

/// Average pooling of an `N × C × H × W` tensor. Padding counts in the divisor when
/// `count_include_pad` (declared padding only: never the overhang of a `ceil` window).
pub(crate) fn average_pool(x: &Tensor, window: &Window, count_include_pad: bool) -> Result<Tensor> {
    let (_, c, h, w) = x.dims4()?;
    let rows = window.along(0, h)?;
    let cols = window.along(1, w)?;
    check_elements("a pooled sample", &[c, rows.out, cols.out])?;
    let sums = pool_axis(x, 3, &cols, Reduce::Sum, 0.0)?;
    let sums = pool_axis(&sums, 2, &rows, Reduce::Sum, 0.0)?;
    let counts = |axis: &AxisWindows| -> Vec<f32> {
        let limit = if count_include_pad {
            0..axis.begin + axis.len + axis.end
        } else {
            axis.begin..axis.begin + axis.len
        };
        let positions: Vec<usize> = axis.positions().collect();
        positions
            .chunks(axis.kernel)
            .map(|window| window.iter().filter(|p| limit.contains(p)).count() as f32)
            .collect()
    };
    let (row_counts, col_counts) = (counts(&rows), counts(&cols));
    let divisor: Vec<f32> = row_counts
        .iter()
        .flat_map(|r| col_counts.iter().map(move |c| r * c))
        .collect();
    let divisor =
        Tensor::from_vec(divisor, (rows.out, cols.out), x.device())?.to_dtype(x.dtype())?;
    sums.broadcast_div(&divisor)
}

/// A 2-D convolution of `x` (`N × C × H × W`) with `weight` (`O × C/groups × kh × kw`) and an
/// optional `bias` (`O`). f32 on the CPU runs [`super::conv`]'s im2col convolution; other types
/// run candle's, whose strides and dilations must be equal along both axes.
pub(crate) fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    window: &Window,
    groups: usize,
) -> Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let rows = window.along(0, h)?;
    let cols = window.along(1, w)?;
    check_convolution(weight, &rows, &cols)?;
    if x.dtype() == DType::F32 && weight.dtype() == DType::F32 && x.device().is_cpu() {
        return super::conv::conv2d(x, weight, bias, window.geometry(&rows, &cols, groups));
    }
    let y = candle_conv2d(x, weight, window, groups, rows, cols)?;
    match bias {
        Some(bias) => y.broadcast_add(&bias.reshape((1, (), 1, 1))?),
        None => Ok(y),
    }
}

/// Refuses a convolution whose output sample or im2col matrix would be larger than
/// [`MAX_ELEMENTS`].
fn check_convolution(weight: &Tensor, rows: &AxisWindows, cols: &AxisWindows) -> Result<()> {
    let (out_channels, group_channels, kh, kw) = weight.dims4()?;
    check_elements(
        "a convolution's output sample",
        &[out_channels, rows.out, cols.out],
    )?;
    check_elements(
        "a convolution's im2col matrix",
        &[group_channels, kh, kw, rows.out, cols.out],
    )
}

/// `max_pool(relu(conv2d(x, weight) + bias))`, the bias if given: one fused operation for f32 on the CPU
/// (`model::conv_block`), the three operations otherwise.
pub(crate) fn conv_relu_max_pool(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    conv: &Window,
    pool: &Window,
    groups: usize,
) -> Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let (rows, cols) = (conv.along(0, h)?, conv.along(1, w)?);
    check_convolution(weight, &rows, &cols)?;
    if x.dtype() == DType::F32 && weight.dtype() == DType::F32 && x.device().is_cpu() {
        let (pool_rows, pool_cols) = (pool.along(0, rows.out)?, pool.along(1, cols.out)?);
        return super::conv_block::conv_relu_max_pool(
            x,
            weight,
            bias,
            conv.geometry(&rows, &cols, groups),
            pool.geometry(&pool_rows, &pool_cols, 1),
        );
    }
    max_pool(
        &super::relu::relu(&conv2d(x, weight, bias, conv, groups)?)?,
        pool,
    )
}

/// candle's convolution, for types other than f32: asymmetric padding is applied first.
fn candle_conv2d(
    x: &Tensor,
    weight: &Tensor,
    window: &Window,
    groups: usize,
    rows: AxisWindows,
    cols: AxisWindows,
) -> Result<Tensor> {
    let symmetric = rows.begin == rows.end && cols.begin == cols.end && rows.begin == cols.begin;
    let (x, padding) = if symmetric {
        (x.clone(), rows.begin)
    } else {
        let x = x.pad_with_zeros(2, rows.begin, rows.end)?;
        (x.pad_with_zeros(3, cols.begin, cols.end)?, 0)
    };
    x.conv2d(
        weight,
        padding,
        window.stride[0],
        window.dilation[0],
        groups,
    )
}

/// Batch normalization in inference mode, folded into a per-channel scale and shift.
#[derive(Debug, Clone)]
pub(crate) struct ChannelAffine {
    scale: Tensor,
    shift: Tensor,
}

impl ChannelAffine {
    /// `y = (x - mean) / sqrt(var + epsilon) · gamma + beta`, from its four `C`-vectors.
    pub(crate) fn batch_norm(
        gamma: &Tensor,
        beta: &Tensor,
        mean: &Tensor,
        var: &Tensor,
        epsilon: f64,
    ) -> Result<ChannelAffine> {
        let scale = gamma.div(&(var + epsilon)?.sqrt()?)?;
        let shift = beta.sub(&mean.mul(&scale)?)?;
        Ok(ChannelAffine { scale, shift })
    }

    /// Applies the affine map along axis 1 of `x` (`N × C × ...`).
    pub(crate) fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let mut shape = vec![1; x.rank()];
        if let Some(channels) = shape.get_mut(1) {
            *channels = self.scale.elem_count();
        }
        let scale = self.scale.reshape(shape.as_slice())?;
        let shift = self.shift.reshape(shape)?;
        x.broadcast_mul(&scale)?.broadcast_add(&shift)
    }
}

/// The softmax of `x` along `dim`, from differentiable primitives.
pub(crate) fn softmax(x: &Tensor, dim: usize) -> Result<Tensor> {
    let shifted = x.broadcast_sub(&x.max_keepdim(dim)?.detach())?;
    let exp = shifted.exp()?;
    exp.broadcast_div(&exp.sum_keepdim(dim)?)
}

/// The log-softmax of `x` along `dim`, from differentiable primitives.
pub(crate) fn log_softmax(x: &Tensor, dim: usize) -> Result<Tensor> {
    let shifted = x.broadcast_sub(&x.max_keepdim(dim)?.detach())?;
    shifted.broadcast_sub(&shifted.exp()?.sum_keepdim(dim)?.log()?)
}

/// The logistic sigmoid, as `(1 + tanh(x / 2)) / 2` (stable, and differentiable by candle).
pub(crate) fn sigmoid(x: &Tensor) -> Result<Tensor> {
    (x * 0.5)?.tanh()?.affine(0.5, 0.5)
}

/// A linear layer `x · weightᵀ + bias`, `weight` being PyTorch's `[out, in]`.
pub(crate) fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let y = super::product::product(x, &weight.t()?)?;
    match bias {
        Some(bias) => y.broadcast_add(bias),
        None => Ok(y),
    }
}

/// Global average pooling over every axis after the first two, keeping them as size 1.
pub(crate) fn global_average_pool(x: &Tensor) -> Result<Tensor> {
    let spatial: Vec<usize> = (2..x.rank()).collect();
    x.mean_keepdim(spatial)
}

/// Global max pooling over every axis after the first two, keeping them as size 1.
pub(crate) fn global_max_pool(x: &Tensor) -> Result<Tensor> {
    (2..x.rank()).try_fold(x.clone(), |x, dim| x.max_keepdim(dim))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_tensors::tensor;

    #[test]
    fn shapes_from_a_crafted_model_cannot_ask_for_unbounded_memory() {
        assert!(check_elements("a tensor", &[64, 1024, 1024]).is_ok());
        assert!(check_elements("a tensor", &[65, 1024, 1024]).is_err());
        assert!(check_elements("a tensor", &[usize::MAX, 2]).is_err());
        let x = tensor(&[1, 1, 4, 4], 3);
        // Padding of a billion on each side: refused before anything is allocated.
        let huge = Window {
            padding: Padding::Explicit {
                begin: [1 << 30, 0],
                end: [1 << 30, 0],
            },
            ..Window::square(1, 1, 0)
        };
        let error = max_pool(&x, &huge).expect_err("refused");
        assert!(error.to_string().contains("larger than"), "{error}");
        // A window grid of 8192 × 8192 over 2 channels of output is 2²⁷ values.
        let wide = Window::square(1, 1, 4094);
        let weight = tensor(&[2, 1, 1, 1], 5);
        let error = conv2d(&x, &weight, None, &wide, 1).expect_err("refused");
        assert!(error.to_string().contains("larger than"), "{error}");
        assert!(conv2d(&x, &weight, None, &Window::square(1, 1, 1), 1).is_ok());
    }
}
