//! 2-D max pooling on the CPU with a backward pass that routes each output's gradient to the
//! input it came from.
//!
//! Written with candle's own operations (padding, window gathering, a max reduction), max pooling
//! costs half a dozen full-size tensors in the backward pass, and candle's reduction sends a
//! window's gradient to every element equal to its maximum. Here the forward pass scans each
//! window once, and the backward pass adds each output's gradient to the first largest element
//! of its window in scan order, as PyTorch's `max_pool2d` does. Padding never wins a window; a NaN
//! does, as in PyTorch, so a NaN input shows in the logits instead of vanishing.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::conv::{values, Geometry};

/// The position in its plane (`H × W`) of the largest element of output `(y, x)`'s window: the
/// first in scan order, a NaN taking the place; `None` for a window of padding only.
fn winner(g: &Geometry, plane: &[f32], [h, w]: [usize; 2], y: usize, x: usize) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for i in 0..g.kernel[0] {
        let Some(r) = g.source(0, y, i, h) else {
            continue;
        };
        for j in 0..g.kernel[1] {
            let Some(s) = g.source(1, x, j, w) else {
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
    best.map(|(at, _)| at)
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
        let mut out = vec![f32::NEG_INFINITY; planes * positions];
        out.par_chunks_mut(positions.max(1))
            .zip(x.par_chunks((h * w).max(1)))
            .for_each(|(out, plane)| {
                for (at, value) in out.iter_mut().enumerate() {
                    let (y, x) = (at / g.out[1], at % g.out[1]);
                    if let Some(i) = winner(g, plane, [h, w], y, x) {
                        *value = plane[i];
                    }
                }
            });
        let (n, c, _, _) = layout.shape().dims4()?;
        Ok((
            CpuStorage::F32(out),
            Shape::from((n, c, g.out[0], g.out[1])),
        ))
    }

    fn bwd(&self, input: &Tensor, _output: &Tensor, gradient: &Tensor) -> Result<Option<Tensor>> {
        let gradient = input.apply_op2_no_bwd(&gradient.contiguous()?, &MaxPoolGradient(self.0))?;
        Ok(Some(gradient))
    }
}

/// The input gradient of [`MaxPool`]: `(input, output gradient) → input gradient`.
struct MaxPoolGradient(Geometry);

impl CustomOp2 for MaxPoolGradient {
    fn name(&self) -> &'static str {
        "max-pool2d-input-gradient"
    }

    fn cpu_fwd(
        &self,
        input: &CpuStorage,
        input_layout: &Layout,
        gradient: &CpuStorage,
        gradient_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let x = values(input, input_layout, "max pool's input")?;
        let dy = values(gradient, gradient_layout, "max pool's output gradient")?;
        let (planes, [h, w], positions) = planes(g, input_layout)?;
        if dy.len() != planes * positions {
            candle_core::bail!(
                "a max pool gradient of {} values for {planes} planes",
                dy.len()
            );
        }
        let mut dx = vec![0f32; x.len()];
        dx.par_chunks_mut((h * w).max(1))
            .zip(x.par_chunks((h * w).max(1)))
            .zip(dy.par_chunks(positions.max(1)))
            .for_each(|((dx, plane), dy)| {
                for (at, &d) in dy.iter().enumerate() {
                    let (y, x) = (at / g.out[1], at % g.out[1]);
                    if let Some(i) = winner(g, plane, [h, w], y, x) {
                        dx[i] += d;
                    }
                }
            });
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

    fn flat(t: &Tensor) -> Vec<f32> {
        t.flatten_all().and_then(|t| t.to_vec1()).expect("values")
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
