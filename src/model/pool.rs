//! 2-D max pooling on the CPU with a backward pass that routes each output's gradient to the
//! input it came from.
//!
//! Written with candle's own operations (padding, window gathering, a max reduction), max pooling
//! costs half a dozen full-size tensors in the backward pass, and candle's reduction sends a
//! window's gradient to every element equal to its maximum. Here the forward pass scans each
//! window once, and the backward pass adds each output's gradient to the first largest element
//! of its window in scan order, as PyTorch's `max_pool2d` does. Padding never wins a window; a NaN
//! does, as in PyTorch, so a NaN input shows in the logits instead of vanishing.
//!
//! Both passes read the input line by line (one kernel offset at a time, all the outputs of a row
//! together) and choose without branches, which made the example CNN's forward pass about a
//! sixth faster than a window-by-window scan (`cargo bench --bench models`).

use std::ops::Range;

use candle_core::{CpuStorage, CustomOp1, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::conv::{values, Geometry};

/// Calls `visit(outputs, first)` for every kernel offset and input row of one plane (`H × W`):
/// the output positions in `outputs` read the input positions `first`, `first + stride`, … in
/// turn. Each output's window is visited in scan order (kernel rows, then columns), but the loops
/// run over kernel offsets outside and output positions inside, along input rows, as the
/// convolution's im2col does.
fn each_line(g: &Geometry, [h, w]: [usize; 2], mut visit: impl FnMut(Range<usize>, usize)) {
    let out_w = g.out[1];
    for i in 0..g.kernel[0] {
        for j in 0..g.kernel[1] {
            let (xs, lines) = g.lines((i, j), [h, w]);
            for (y, r, s) in lines {
                visit(y * out_w + xs.start..y * out_w + xs.end, r * w + s);
            }
        }
    }
}

/// Whether `v` takes the place of `best` as a window's largest element: a larger value or a
/// NaN, unless a NaN already holds it. Written without branches: on real activations `v > best`
/// is a coin toss.
fn beats(v: f32, best: f32) -> bool {
    !best.is_nan() & ((v > best) | v.is_nan())
}

/// The largest element of each window of one plane (the first NaN taking the place; −∞ for a
/// window of padding only).
pub(super) fn largest(g: &Geometry, plane: &[f32], [h, w]: [usize; 2], largest: &mut [f32]) {
    largest.fill(f32::NEG_INFINITY);
    let step = g.stride[1];
    each_line(g, [h, w], |outputs, first| {
        let line = plane[first..].iter().step_by(step);
        for (best, &v) in largest[outputs].iter_mut().zip(line) {
            *best = if beats(v, *best) { v } else { *best };
        }
    });
}

/// The position in one plane of each window's largest element (the first in scan order, a NaN
/// taking the place), `usize::MAX` for a window of padding only, given the windows' largest
/// values (from [`largest`]): the first element in scan order equal to its window's largest, or
/// a NaN where that is NaN (an earlier element equal to the largest would have kept its place).
fn winners(g: &Geometry, plane: &[f32], [h, w]: [usize; 2], largest: &[f32], at: &mut [usize]) {
    at.fill(usize::MAX);
    let step = g.stride[1];
    each_line(g, [h, w], |outputs, first| {
        let line = plane[first..].iter().step_by(step);
        let positions = (first..).step_by(step);
        let largest = &largest[outputs.clone()];
        for (((best_at, &m), &v), position) in
            at[outputs].iter_mut().zip(largest).zip(line).zip(positions)
        {
            let found = (*best_at == usize::MAX) & ((v == m) | (v.is_nan() & m.is_nan()));
            *best_at = if found { position } else { *best_at };
        }
    });
}

/// Adds each output's gradient `dy` of one plane's pool to its window's winner in `dx` (shaped
/// like the plane), given the plane (`H × W`) and the windows' largest values; `at` is scratch
/// space for the winners' positions.
pub(super) fn route_gradient(
    g: &Geometry,
    (plane, [h, w], largest): (&[f32], [usize; 2], &[f32]),
    dy: &[f32],
    at: &mut [usize],
    dx: &mut [f32],
) {
    winners(g, plane, [h, w], largest, at);
    for (&d, &i) in dy.iter().zip(at.iter()) {
        if i != usize::MAX {
            dx[i] += d;
        }
    }
}

/// Max pooling `input (N × C × H × W) → output (N × C × Ho × Wo)`.
struct MaxPool(Geometry);

/// The planes (`N · C`), the plane size and the output positions per plane of a pool over an
/// input laid out as `layout`.
fn planes(g: &Geometry, layout: &Layout) -> Result<(usize, [usize; 2], usize)> {
    let (n, c, h, w) = layout.shape().dims4()?;
    Ok((n * c, [h, w], g.out[0] * g.out[1]))
}

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "max-pool2d"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let x = values(storage, layout, "max pool's input")?;
        let (planes, [h, w], positions) = planes(g, layout)?;
        let mut out = vec![0f32; planes * positions];
        out.par_chunks_mut(positions.max(1))
            .zip(x.par_chunks((h * w).max(1)))
            .for_each(|(out, plane)| largest(g, plane, [h, w], out));
        let (n, c, _, _) = layout.shape().dims4()?;
        Ok((
            CpuStorage::F32(out),
            Shape::from((n, c, g.out[0], g.out[1])),
        ))
    }

    fn bwd(&self, input: &Tensor, output: &Tensor, gradient: &Tensor) -> Result<Option<Tensor>> {
        let gradient = input.apply_op3_no_bwd(
            &output.contiguous()?,
            &gradient.contiguous()?,
            &MaxPoolGradient(self.0),
        )?;
        Ok(Some(gradient))
    }
}

/// The input gradient of [`MaxPool`]: `(input, output, output gradient) → input gradient`.
struct MaxPoolGradient(Geometry);

impl CustomOp3 for MaxPoolGradient {
    fn name(&self) -> &'static str {
        "max-pool2d-input-gradient"
    }

    fn cpu_fwd(
        &self,
        input: &CpuStorage,
        input_layout: &Layout,
        output: &CpuStorage,
        output_layout: &Layout,
        gradient: &CpuStorage,
        gradient_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let x = values(input, input_layout, "max pool's input")?;
        let y = values(output, output_layout, "max pool's output")?;
        let dy = values(gradient, gradient_layout, "max pool's output gradient")?;
        let (planes, [h, w], positions) = planes(g, input_layout)?;
        if dy.len() != planes * positions || y.len() != dy.len() {
            candle_core::bail!(
                "a max pool output of {} values and gradient of {} for {planes} planes",
                y.len(),
                dy.len()
            );
        }
        let mut dx = vec![0f32; x.len()];
        dx.par_chunks_mut((h * w).max(1))
            .zip(x.par_chunks((h * w).max(1)))
            .zip(y.par_chunks(positions.max(1)))
            .zip(dy.par_chunks(positions.max(1)))
            .for_each_init(
                || vec![0usize; positions],
                |at, (((dx, plane), largest), dy)| {
                    route_gradient(g, (plane, [h, w], largest), dy, at, dx);
                },
            );
        Ok((CpuStorage::F32(dx), input_layout.shape().clone()))
    }
}

/// Max pooling of `x` (`N × C × H × W`, f32) over the windows of `geometry` (its `groups` is
/// not used).
pub(crate) fn max_pool(x: &Tensor, geometry: Geometry) -> Result<Tensor> {
    x.contiguous()?.apply_op1(MaxPool(geometry))
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;
    use crate::model::test_tensors::flat;

    fn geometry(kernel: usize, stride: usize, begin: usize, out: usize) -> Geometry {
        Geometry {
            kernel: [kernel, kernel],
            stride: [stride, stride],
            dilation: [1, 1],
            begin: [begin, begin],
            out: [out, out],
            groups: 1,
        }
    }

    /// The position of output `(y, x)`'s winner, window by window in scan order: the definition
    /// the kernel's line-by-line scan must agree with.
    fn naive_winner(g: &Geometry, plane: &[f32], [h, w]: [usize; 2], y: usize, x: usize) -> usize {
        let mut best: Option<(usize, f32)> = None;
        for i in 0..g.kernel[0] {
            for j in 0..g.kernel[1] {
                let (Some(r), Some(s)) = (g.source(0, y, i, h), g.source(1, x, j, w)) else {
                    continue;
                };
                let v = plane[r * w + s];
                let wins = match best {
                    None => true,
                    Some((_, b)) => !b.is_nan() && (v > b || v.is_nan()),
                };
                if wins {
                    best = Some((r * w + s, v));
                }
            }
        }
        best.map_or(usize::MAX, |(at, _)| at)
    }

    #[test]
    fn the_line_scan_finds_every_window_winner_of_the_naive_scan() {
        // Few distinct values (ties), a NaN, −∞ and signed zeros, over strides, dilations,
        // padding and a last window reaching past the input (ceil mode).
        let [h, w] = [7, 6];
        let palette = [0.0, -0.0, 1.0, -1.0, 2.0, f32::NEG_INFINITY, f32::NAN];
        let plane: Vec<f32> = (0..h * w)
            .map(|i| palette[(i * 5 + i / 4) % palette.len()])
            .collect();
        for kernel in [[1, 1], [2, 2], [3, 2]] {
            for stride in [[1, 1], [2, 2], [3, 1]] {
                for dilation in [[1, 1], [2, 1]] {
                    for begin in [[0, 0], [1, 1], [2, 0]] {
                        let out = [0, 1].map(|axis| {
                            let padded = [h, w][axis] + 2 * begin[axis];
                            let span = dilation[axis] * (kernel[axis] - 1) + 1;
                            (padded - span).div_ceil(stride[axis]) + 1
                        });
                        let g = Geometry {
                            kernel,
                            stride,
                            dilation,
                            begin,
                            out,
                            groups: 1,
                        };
                        let positions = out[0] * out[1];
                        let mut only_values = vec![0f32; positions];
                        largest(&g, &plane, [h, w], &mut only_values);
                        let mut at = vec![0; positions];
                        winners(&g, &plane, [h, w], &only_values, &mut at);
                        for o in 0..positions {
                            let expected = naive_winner(&g, &plane, [h, w], o / out[1], o % out[1]);
                            assert_eq!(at[o], expected, "{g:?}, output {o}");
                            let value = plane.get(expected).copied().unwrap_or(f32::NEG_INFINITY);
                            assert_eq!(only_values[o].to_bits(), value.to_bits(), "{g:?}, {o}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn windows_take_their_largest_and_route_the_gradient_to_the_first() {
        // One 4 × 4 plane; 2 × 2 windows of stride 2; the last window has a tie (7, 7).
        let values = [
            1f32, 5., 2., 0., //
            3., 4., 6., 1., //
            0., 2., 7., 7., //
            1., 1., 3., 2.,
        ];
        let x = Tensor::from_vec(values.to_vec(), (1, 1, 4, 4), &Device::Cpu).expect("x");
        let var = Var::from_tensor(&x).expect("a variable");
        let y = max_pool(var.as_tensor(), geometry(2, 2, 0, 2)).expect("pooled");
        assert_eq!(flat(&y), [5., 6., 2., 7.]);
        let upstream = Tensor::new(&[[[[1f32, 2.], [3., 4.]]]], &Device::Cpu).expect("u");
        let grads = (y * upstream)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.backward())
            .expect("backward");
        let gradient = flat(grads.get(var.as_tensor()).expect("a gradient"));
        #[rustfmt::skip]
        let expected = [
            0., 1., 0., 0.,
            0., 0., 2., 0.,
            0., 3., 4., 0.,
            0., 0., 0., 0.,
        ];
        assert_eq!(gradient, expected);
    }

    #[test]
    fn padding_never_wins_and_nan_does() {
        // 3 × 3 windows of stride 1 with one cell of padding: every window sees the -5 corner.
        let x =
            Tensor::from_vec(vec![-5f32, -6., -7., -8.], (1, 1, 2, 2), &Device::Cpu).expect("x");
        let y = max_pool(&x, geometry(3, 1, 1, 2)).expect("pooled");
        assert_eq!(flat(&y), [-5., -5., -5., -5.]);
        let nan =
            Tensor::from_vec(vec![1f32, f32::NAN, 3., 2.], (1, 1, 2, 2), &Device::Cpu).expect("x");
        let y = max_pool(&nan, geometry(2, 2, 0, 1)).expect("pooled");
        assert!(flat(&y)[0].is_nan());
    }
}
