//! 2-D convolution on the CPU as im2col + gemm, with a backward pass that computes the gradient
//! of the input only.
//!
//! candle's CPU convolution loops over every output element, and its backward pass runs a
//! transposed convolution (as slow) plus a convolution for the kernel's gradient, which an attack
//! never needs: weights are plain tensors, never variables (`model::run`). Here each sample's
//! receptive fields are unfolded into a `(C/groups · kh · kw) × (Ho · Wo)` matrix per group (im2col)
//! and multiplied by the group's `O/groups × (C/groups · kh · kw)` kernel with the `gemm` crate
//! candle itself uses; the input gradient is the kernel's transpose times the output gradient,
//! folded back onto the input (col2im). Every sample is computed on its own, with matrices whose
//! shapes do not depend on the batch, so a sample's result never depends on the batch it is in.

use candle_core::{bail, CpuStorage, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::matrix::{multiply, Strided};

/// Where a convolution's windows fall: kernel, stride, dilation and leading padding per spatial
/// axis (height, width), the output size, and the number of groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// Zero padding before the input (the trailing padding only shows in `out`).
    pub begin: [usize; 2],
    /// The output's height and width.
    pub out: [usize; 2],
    pub groups: usize,
}

/// The sizes of one convolution: input channels and extent, output channels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sizes {
    channels: usize,
    input: [usize; 2],
    out_channels: usize,
}

impl Sizes {
    fn group_rows(&self, g: &Geometry) -> usize {
        self.channels / g.groups * g.kernel[0] * g.kernel[1]
    }

    fn positions(&self, g: &Geometry) -> usize {
        g.out[0] * g.out[1]
    }

    /// The values of one input sample.
    pub(super) fn sample_in(&self) -> usize {
        self.channels * self.input[0] * self.input[1]
    }

    /// The values of one output sample.
    pub(super) fn sample_out(&self, g: &Geometry) -> usize {
        self.out_channels * self.positions(g)
    }
}

impl Geometry {
    /// Checks the input `N × C × H × W` and kernel `O × C/groups × kh × kw` shapes.
    pub(super) fn sizes(&self, input: &Shape, kernel: &Shape) -> Result<(usize, Sizes)> {
        let (n, channels, h, w) = input.dims4()?;
        let (out_channels, group_channels, kh, kw) = kernel.dims4()?;
        if self.groups == 0
            || channels % self.groups != 0
            || out_channels % self.groups != 0
            || group_channels * self.groups != channels
            || [kh, kw] != self.kernel
        {
            bail!(
                "convolution of an input {:?} with a kernel {:?} in {} groups",
                input.dims(),
                kernel.dims(),
                self.groups
            );
        }
        Ok((
            n,
            Sizes {
                channels,
                input: [h, w],
                out_channels,
            },
        ))
    }

    /// The input position read by output position `o` and kernel offset `k` along `axis`, if
    /// it is inside the input (not padding).
    pub(super) fn source(&self, axis: usize, o: usize, k: usize, len: usize) -> Option<usize> {
        (o * self.stride[axis] + k * self.dilation[axis])
            .checked_sub(self.begin[axis])
            .filter(|&i| i < len)
    }

    /// The output positions along `axis` whose kernel offset `k` reads inside an input of
    /// length `len` (the others read padding): `o · stride + k · dilation − begin ∈ [0, len)`.
    fn inside(&self, axis: usize, k: usize, len: usize) -> std::ops::Range<usize> {
        let (stride, offset, begin) =
            (self.stride[axis], k * self.dilation[axis], self.begin[axis]);
        let first = begin
            .saturating_sub(offset)
            .div_ceil(stride)
            .min(self.out[axis]);
        let end = (len + begin)
            .saturating_sub(offset)
            .div_ceil(stride)
            .clamp(first, self.out[axis]);
        first..end
    }

    /// For kernel row `i` and column `j`, each output row `y` that reads inside the input, with
    /// the input row it reads and the first input column (that of output column `xs.start`);
    /// `xs` are the output columns that read inside.
    pub(super) fn lines(
        &self,
        (i, j): (usize, usize),
        [h, w]: [usize; 2],
    ) -> (
        std::ops::Range<usize>,
        impl Iterator<Item = (usize, usize, usize)> + '_,
    ) {
        let xs = self.inside(1, j, w);
        let first_column = self.source(1, xs.start, j, w);
        let rows = self.inside(0, i, h);
        let lines = rows.filter_map(move |y| Some((y, self.source(0, y, i, h)?, first_column?)));
        (xs, lines)
    }

    /// One sample's receptive fields (`C × H × W`) as a `(C · kh · kw) × (Ho · Wo)` matrix.
    fn im2col(&self, sizes: &Sizes, sample: &[f32], col: &mut [f32]) {
        let [h, w] = sizes.input;
        let [kh, kw] = self.kernel;
        let [oh, ow] = self.out;
        let step = self.stride[1];
        col[..sizes.channels * kh * kw * oh * ow].fill(0.0);
        for c in 0..sizes.channels {
            let plane = &sample[c * h * w..(c + 1) * h * w];
            for i in 0..kh {
                for j in 0..kw {
                    let row = ((c * kh + i) * kw + j) * oh * ow;
                    let (xs, lines) = self.lines((i, j), [h, w]);
                    for (y, r, s) in lines {
                        let dst = &mut col[row + y * ow + xs.start..row + y * ow + xs.end];
                        let line = plane[r * w + s..(r + 1) * w].iter().step_by(step);
                        for (value, &x) in dst.iter_mut().zip(line) {
                            *value = x;
                        }
                    }
                }
            }
        }
    }

    /// Adds a `(C · kh · kw) × (Ho · Wo)` matrix of gradients onto one sample's input positions
    /// (the transpose of [`Geometry::im2col`]), in a fixed order; `sample` starts at zero.
    fn col2im(&self, sizes: &Sizes, col: &[f32], sample: &mut [f32]) {
        let [h, w] = sizes.input;
        let [kh, kw] = self.kernel;
        let [oh, ow] = self.out;
        let step = self.stride[1];
        for c in 0..sizes.channels {
            let plane = &mut sample[c * h * w..(c + 1) * h * w];
            for i in 0..kh {
                for j in 0..kw {
                    let row = ((c * kh + i) * kw + j) * oh * ow;
                    let (xs, lines) = self.lines((i, j), [h, w]);
                    for (y, r, s) in lines {
                        let source = &col[row + y * ow + xs.start..row + y * ow + xs.end];
                        let line = plane[r * w + s..(r + 1) * w].iter_mut().step_by(step);
                        for (x, &g) in line.zip(source) {
                            *x += g;
                        }
                    }
                }
            }
        }
    }
}

impl Geometry {
    /// One sample's convolution added onto `y` (`O × Ho × Wo`, holding the bias):
    /// `y += kernel · im2col(sample)`, group by group.
    pub(super) fn add_sample(&self, sizes: &Sizes, kernel: &[f32], sample: &[f32], y: &mut [f32]) {
        let (rows, positions) = (sizes.group_rows(self), sizes.positions(self));
        let group_out = sizes.out_channels / self.groups;
        with_columns(rows * self.groups * positions, |col| {
            self.im2col(sizes, sample, col);
            for group in 0..self.groups {
                let kernel = Strided::row_major(&kernel[group * group_out * rows..], rows);
                multiply(
                    &mut y[group * group_out * positions..],
                    kernel,
                    Strided::row_major(&col[group * rows * positions..], positions),
                    [group_out, positions, rows],
                    true,
                );
            }
        });
    }

    /// One sample's input gradient from its output gradient `dy`: `dx = col2im(kernelᵀ · dy)`,
    /// group by group; `dx` starts at zero.
    pub(super) fn sample_gradient(
        &self,
        sizes: &Sizes,
        kernel: &[f32],
        dy: &[f32],
        dx: &mut [f32],
    ) {
        let (rows, positions) = (sizes.group_rows(self), sizes.positions(self));
        let group_out = sizes.out_channels / self.groups;
        with_columns(rows * self.groups * positions, |col| {
            for group in 0..self.groups {
                // The kernel's transpose: element (r, o) of group `group` at
                // kernel[(group · group_out + o) · rows + r].
                let transposed = Strided {
                    values: &kernel[group * group_out * rows..],
                    row_stride: 1,
                    col_stride: rows,
                };
                multiply(
                    &mut col[group * rows * positions..],
                    transposed,
                    Strided::row_major(&dy[group * group_out * positions..], positions),
                    [rows, positions, group_out],
                    false,
                );
            }
            self.col2im(sizes, col, dx);
        })
    }
}

thread_local! {
    /// Each worker thread's im2col matrix, kept between calls: allocating (and the kernel zeroing)
    /// a fresh one per sample cost more than the unfolding itself.
    static COLUMNS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's im2col matrix, at least `len` long (its values are stale: `f`
/// writes before it reads).
fn with_columns<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    COLUMNS.with(|cell| {
        let mut columns = cell.borrow_mut();
        if columns.len() < len {
            columns.resize(len, 0.0);
        }
        f(&mut columns[..len])
    })
}

/// The contiguous `f32` values of a tensor's storage.
pub(super) fn values<'s>(
    storage: &'s CpuStorage,
    layout: &Layout,
    what: &str,
) -> Result<&'s [f32]> {
    let CpuStorage::F32(all) = storage else {
        bail!("the {what} must be f32");
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&all[start..end]),
        None => bail!("the {what} must be contiguous"),
    }
}

/// Fails unless the kernel and the bias are constants: rbench's convolutions compute the gradient
/// of their input only.
pub(super) fn constant_weights(kernel: &Tensor, bias: &Tensor) -> Result<()> {
    if kernel.track_op() || bias.track_op() {
        bail!("rbench's convolution computes the gradient of its input, not of its weights");
    }
    Ok(())
}

/// The convolution `(input, kernel, bias) → output`.
struct Convolution(Geometry);

impl CustomOp3 for Convolution {
    fn name(&self) -> &'static str {
        "im2col-conv2d"
    }

    fn cpu_fwd(
        &self,
        input: &CpuStorage,
        input_layout: &Layout,
        kernel: &CpuStorage,
        kernel_layout: &Layout,
        bias: &CpuStorage,
        bias_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let (n, sizes) = g.sizes(input_layout.shape(), kernel_layout.shape())?;
        let (x, w, b) = (
            values(input, input_layout, "convolution's input")?,
            values(kernel, kernel_layout, "convolution's kernel")?,
            values(bias, bias_layout, "convolution's bias")?,
        );
        if b.len() != sizes.out_channels {
            bail!(
                "a bias of {} values for {} channels",
                b.len(),
                sizes.out_channels
            );
        }
        let positions = sizes.positions(g);
        let (sample_in, sample_out) = (sizes.sample_in(), sizes.sample_out(g));
        // The bias first, in every sample; the products add onto it.
        let mut out = b
            .iter()
            .flat_map(|&bias| std::iter::repeat_n(bias, positions))
            .collect::<Vec<f32>>()
            .repeat(n);
        out.par_chunks_mut(sample_out.max(1))
            .zip(x.par_chunks(sample_in.max(1)))
            .for_each(|(y, sample)| g.add_sample(&sizes, w, sample, y));
        let shape = Shape::from((n, sizes.out_channels, g.out[0], g.out[1]));
        Ok((CpuStorage::F32(out), shape))
    }

    fn bwd(
        &self,
        input: &Tensor,
        kernel: &Tensor,
        bias: &Tensor,
        _output: &Tensor,
        gradient: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        constant_weights(kernel, bias)?;
        let (_, channels, h, w) = input.dims4()?;
        let op = InputGradient {
            geometry: self.0,
            input: (channels, [h, w]),
        };
        let gradient = gradient.contiguous()?.apply_op2_no_bwd(kernel, &op)?;
        Ok((Some(gradient), None, None))
    }
}

/// The input gradient of [`Convolution`]: `(output gradient, kernel) → input gradient`.
struct InputGradient {
    geometry: Geometry,
    /// The input's channels, height and width.
    input: (usize, [usize; 2]),
}

impl CustomOp2 for InputGradient {
    fn name(&self) -> &'static str {
        "im2col-conv2d-input-gradient"
    }

    fn cpu_fwd(
        &self,
        gradient: &CpuStorage,
        gradient_layout: &Layout,
        kernel: &CpuStorage,
        kernel_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = &self.geometry;
        let (channels, [h, w]) = self.input;
        let n = gradient_layout.shape().dims4()?.0;
        let input_shape = Shape::from((n, channels, h, w));
        let (_, sizes) = g.sizes(&input_shape, kernel_layout.shape())?;
        let (dy, k) = (
            values(gradient, gradient_layout, "convolution's output gradient")?,
            values(kernel, kernel_layout, "convolution's kernel")?,
        );
        let (sample_in, sample_out) = (sizes.sample_in(), sizes.sample_out(g));
        if dy.len() != n * sample_out {
            bail!(
                "an output gradient of {} values for {n} samples of {sample_out}",
                dy.len()
            );
        }
        let mut dx = vec![0f32; n * sample_in];
        dx.par_chunks_mut(sample_in.max(1))
            .zip(dy.par_chunks(sample_out.max(1)))
            .for_each(|(dx, dy)| g.sample_gradient(&sizes, k, dy, dx));
        Ok((CpuStorage::F32(dx), input_shape))
    }
}

/// The bias of a convolution of `x` with `kernel` as a contiguous vector of `x`'s type, zeros
/// when there is none.
pub(super) fn bias_or_zeros(x: &Tensor, kernel: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    match bias {
        Some(bias) => bias.flatten_all()?.to_dtype(x.dtype())?.contiguous(),
        None => Tensor::zeros(kernel.dim(0)?, x.dtype(), x.device()),
    }
}

/// The convolution of `x` (`N × C × H × W`, f32) with `kernel` (`O × C/groups × kh × kw`),
/// plus `bias` (`O`) if given.
pub(crate) fn conv2d(
    x: &Tensor,
    kernel: &Tensor,
    bias: Option<&Tensor>,
    geometry: Geometry,
) -> Result<Tensor> {
    x.contiguous()?.apply_op3(
        &kernel.contiguous()?,
        &bias_or_zeros(x, kernel, bias)?,
        Convolution(geometry),
    )
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Var};

    use super::*;
    use crate::model::test_tensors::{flat, tensor};

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
                "element {i}: {x} vs {y}"
            );
        }
    }

    /// Geometries candle's own convolution covers (equal strides and dilations, symmetric
    /// padding), with groups.
    fn cases() -> Vec<(Geometry, [usize; 4], [usize; 4])> {
        let geometry = |k: usize, s: usize, d: usize, p: usize, groups: usize, h: usize| {
            let out = (h + 2 * p - d * (k - 1) - 1) / s + 1;
            Geometry {
                kernel: [k, k],
                stride: [s, s],
                dilation: [d, d],
                begin: [p, p],
                out: [out, out],
                groups,
            }
        };
        vec![
            (geometry(3, 1, 1, 0, 1, 8), [2, 3, 8, 8], [4, 3, 3, 3]),
            (geometry(3, 2, 1, 1, 1, 9), [3, 2, 9, 9], [5, 2, 3, 3]),
            (geometry(3, 1, 2, 2, 1, 7), [1, 2, 7, 7], [3, 2, 3, 3]),
            (geometry(1, 1, 1, 0, 1, 5), [2, 4, 5, 5], [6, 4, 1, 1]),
            (geometry(3, 1, 1, 1, 2, 6), [2, 4, 6, 6], [6, 2, 3, 3]),
            (geometry(3, 1, 1, 1, 4, 6), [2, 4, 6, 6], [4, 1, 3, 3]),
        ]
    }

    #[test]
    fn outputs_and_input_gradients_match_candles_convolution() {
        for (case, (geometry, input, kernel)) in cases().into_iter().enumerate() {
            let x = tensor(&input, case as u32);
            let w = tensor(&kernel, 100 + case as u32);
            let [p, s, d] = [geometry.begin[0], geometry.stride[0], geometry.dilation[0]];
            let bias = tensor(&[kernel[0]], 50 + case as u32);
            let expected = x
                .conv2d(&w, p, s, d, geometry.groups)
                .and_then(|y| y.broadcast_add(&bias.reshape((1, (), 1, 1))?))
                .expect("candle");
            let found = conv2d(&x, &w, Some(&bias), geometry).expect("ours");
            assert_eq!(found.dims(), expected.dims(), "case {case}");
            close(&flat(&found), &flat(&expected));
            // The gradient of Σ y ⊙ u with respect to x, for a fixed u.
            let u = tensor(expected.dims(), 7 + case as u32);
            let gradient_of = |ours: bool| {
                let var = Var::from_tensor(&x).expect("a variable");
                let y = match ours {
                    true => conv2d(var.as_tensor(), &w, None, geometry),
                    false => var.as_tensor().conv2d(&w, p, s, d, geometry.groups),
                }
                .expect("a convolution");
                let grads = (y * &u)
                    .and_then(|t| t.sum_all())
                    .and_then(|t| t.backward())
                    .expect("backward");
                flat(grads.get(var.as_tensor()).expect("a gradient"))
            };
            close(&gradient_of(true), &gradient_of(false));
        }
    }

    #[test]
    fn asymmetric_geometry_matches_a_direct_sum() {
        // Stride 2 × 1, dilation 1 × 2, padding 1 before the height only: a geometry candle's
        // kernel cannot express, checked against the definition.
        let geometry = Geometry {
            kernel: [2, 3],
            stride: [2, 1],
            dilation: [1, 2],
            begin: [1, 0],
            out: [3, 2],
            groups: 1,
        };
        let x = tensor(&[1, 2, 5, 6], 1);
        let w = tensor(&[3, 2, 2, 3], 2);
        let found = flat(&conv2d(&x, &w, None, geometry).expect("ours"));
        let (xv, wv) = (flat(&x), flat(&w));
        let mut expected = Vec::new();
        for o in 0..3 {
            for y in 0..3 {
                for z in 0..2 {
                    let mut sum = 0f32;
                    for c in 0..2 {
                        for i in 0..2 {
                            for j in 0..3 {
                                let (r, s) = ((y * 2 + i) as isize - 1, z + 2 * j);
                                if (0..5).contains(&r) && s < 6 {
                                    sum += xv[(c * 5 + r as usize) * 6 + s]
                                        * wv[((o * 2 + c) * 2 + i) * 3 + j];
                                }
                            }
                        }
                    }
                    expected.push(sum);
                }
            }
        }
        close(&found, &expected);
    }

    #[test]
    fn a_sample_does_not_depend_on_its_batch() {
        let (geometry, _, kernel) = cases()[1];
        let w = tensor(&kernel, 3);
        let batch = tensor(&[5, 2, 9, 9], 4);
        let all = flat(&conv2d(&batch, &w, None, geometry).expect("the batch"));
        let one = flat(
            &conv2d(
                &batch.narrow(0, 3, 1).expect("a sample"),
                &w,
                None,
                geometry,
            )
            .expect("one"),
        );
        let per_sample = one.len();
        assert_eq!(&all[3 * per_sample..4 * per_sample], &one[..]);
        assert_eq!(batch.dtype(), DType::F32);
    }
}
