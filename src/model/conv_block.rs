//! A convolution, its ReLU and a max pool as one operation, computed sample by sample so the
//! activations between them never leave the cache.
//!
//! The convolution's output and its ReLU are a CNN's largest tensors (32 × 28 × 28 values per
//! image in the example Fashion-MNIST CNN). Run as three operations, each is written out and read
//! back, and candle's backward pass adds each one's gradient to a fresh zero tensor. Here each
//! sample's activation map lives in a per-thread buffer: the forward pass pools it at once; the
//! backward pass computes it again (one more product per sample, cheaper than the memory traffic
//! it saves) and routes the pooled gradient back through the pool, the ReLU and the convolution.
//! The kernels are those of the separate operations (`model::conv`, `model::relu`,
//! `model::pool`), so the values are theirs.

use candle_core::{bail, CpuStorage, CustomOp3, Layout, Result, Shape, Storage, Tensor};
use rayon::prelude::*;

use super::conv::{bias_or_zeros, constant_weights, values, Geometry, Sizes};
use super::pool::{largest, route_gradient};
use super::relu::{rectify, rectify_gradient};

/// `max_pool(relu(conv(x) + bias))`: the geometry of the convolution and of the pool.
#[derive(Debug, Clone, Copy)]
struct Block {
    conv: Geometry,
    pool: Geometry,
}

impl Block {
    /// The convolution's sizes and the pooled output's positions per channel, for an input and a
    /// kernel of these shapes.
    fn sizes(&self, input: &Shape, kernel: &Shape) -> Result<(usize, Sizes, usize)> {
        let (n, sizes) = self.conv.sizes(input, kernel)?;
        Ok((n, sizes, self.pool.out[0] * self.pool.out[1]))
    }

    /// One sample's activation map `relu(conv(sample) + bias)`, in `map`.
    fn activate(
        &self,
        sizes: &Sizes,
        (kernel, bias): (&[f32], &[f32]),
        sample: &[f32],
        map: &mut [f32],
    ) {
        let plane = self.conv.out[0] * self.conv.out[1];
        for (channel, &b) in map.chunks_mut(plane.max(1)).zip(bias) {
            channel.fill(b);
        }
        self.conv.add_sample(sizes, kernel, sample, map);
        map.iter_mut().for_each(|v| *v = rectify(*v));
    }
}

/// The fused operation `(input, kernel, bias) → pooled activations`.
struct ConvReluPool(Block);

impl CustomOp3 for ConvReluPool {
    fn name(&self) -> &'static str {
        "conv2d-relu-max-pool2d"
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
        let block = &self.0;
        let (n, sizes, pooled) = block.sizes(input_layout.shape(), kernel_layout.shape())?;
        let weights = (
            values(kernel, kernel_layout, "convolution's kernel")?,
            values(bias, bias_layout, "convolution's bias")?,
        );
        let x = values(input, input_layout, "convolution's input")?;
        let (channels, plane) = (weights.1.len(), block.conv.out[0] * block.conv.out[1]);
        if channels * plane != sizes.sample_out(&block.conv) {
            bail!("a bias of {channels} values for a convolution of {sizes:?}");
        }
        let mut out = vec![0f32; n * channels * pooled];
        out.par_chunks_mut((channels * pooled).max(1))
            .zip(x.par_chunks(sizes.sample_in().max(1)))
            .for_each_init(
                || vec![0f32; channels * plane],
                |map, (out, sample)| {
                    block.activate(&sizes, weights, sample, map);
                    for (map, out) in map.chunks(plane.max(1)).zip(out.chunks_mut(pooled.max(1))) {
                        largest(&block.pool, map, block.conv.out, out);
                    }
                },
            );
        let shape = Shape::from((n, channels, block.pool.out[0], block.pool.out[1]));
        Ok((CpuStorage::F32(out), shape))
    }

    fn bwd(
        &self,
        input: &Tensor,
        kernel: &Tensor,
        bias: &Tensor,
        output: &Tensor,
        gradient: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        constant_weights(kernel, bias)?;
        let op = InputGradient {
            block: self.0,
            kernel: kernel.contiguous()?,
            bias: bias.contiguous()?,
        };
        let gradient =
            input.apply_op3_no_bwd(&output.contiguous()?, &gradient.contiguous()?, &op)?;
        Ok((Some(gradient), None, None))
    }
}

/// The input gradient of [`ConvReluPool`]: `(input, output, output gradient) → input gradient`,
/// with the kernel and bias it was computed with.
struct InputGradient {
    block: Block,
    kernel: Tensor,
    bias: Tensor,
}

/// Runs `f` with the `f32` values of a CPU tensor.
fn with_values<R>(t: &Tensor, what: &str, f: impl FnOnce(&[f32]) -> Result<R>) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(cpu) => f(values(cpu, layout, what)?),
        _ => bail!("the {what} must be on the CPU"),
    }
}

impl CustomOp3 for InputGradient {
    fn name(&self) -> &'static str {
        "conv2d-relu-max-pool2d-input-gradient"
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
        let block = &self.block;
        let (n, sizes, pooled) = block.sizes(input_layout.shape(), self.kernel.shape())?;
        let x = values(input, input_layout, "convolution's input")?;
        let y = values(output, output_layout, "max pool's output")?;
        let dy = values(gradient, gradient_layout, "max pool's output gradient")?;
        let plane = block.conv.out[0] * block.conv.out[1];
        let sample_out = sizes.sample_out(&block.conv);
        let channels = sample_out / plane.max(1);
        if y.len() != n * channels * pooled || dy.len() != y.len() {
            bail!(
                "an output of {} values and a gradient of {} for {n} samples of {channels} × {pooled}",
                y.len(),
                dy.len()
            );
        }
        let mut dx = vec![0f32; x.len()];
        with_values(&self.kernel, "convolution's kernel", |kernel| {
            with_values(&self.bias, "convolution's bias", |bias| {
                dx.par_chunks_mut(sizes.sample_in().max(1))
                    .zip(x.par_chunks(sizes.sample_in().max(1)))
                    .zip(y.par_chunks((channels * pooled).max(1)))
                    .zip(dy.par_chunks((channels * pooled).max(1)))
                    .for_each_init(
                        || {
                            (
                                vec![0f32; sample_out],
                                vec![0f32; sample_out],
                                vec![0; pooled],
                            )
                        },
                        |(map, d_map, at), (((dx, sample), y), dy)| {
                            block.activate(&sizes, (kernel, bias), sample, map);
                            d_map.fill(0.0);
                            let planes =
                                map.chunks(plane.max(1)).zip(d_map.chunks_mut(plane.max(1)));
                            let pooled_planes =
                                y.chunks(pooled.max(1)).zip(dy.chunks(pooled.max(1)));
                            for ((map, d_map), (y, dy)) in planes.zip(pooled_planes) {
                                route_gradient(
                                    &block.pool,
                                    (map, block.conv.out, y),
                                    dy,
                                    at,
                                    d_map,
                                );
                            }
                            // The activation is positive where its input is.
                            for (d, &a) in d_map.iter_mut().zip(map.iter()) {
                                *d = rectify_gradient(a, *d);
                            }
                            block.conv.sample_gradient(&sizes, kernel, d_map, dx);
                        },
                    );
                Ok(())
            })
        })?;
        Ok((CpuStorage::F32(dx), input_layout.shape().clone()))
    }
}

/// `max_pool(relu(conv(x) + bias))` for `x` (`N × C × H × W`, f32 on the CPU), `kernel`
/// (`O × C/groups × kh × kw`) and `bias` (`O`) if given, with the convolution's and the pool's
/// geometry (the pool's `groups` is not used).
pub(crate) fn conv_relu_max_pool(
    x: &Tensor,
    kernel: &Tensor,
    bias: Option<&Tensor>,
    conv: Geometry,
    pool: Geometry,
) -> Result<Tensor> {
    x.contiguous()?.apply_op3(
        &kernel.contiguous()?,
        &bias_or_zeros(x, kernel, bias)?,
        ConvReluPool(Block { conv, pool }),
    )
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use crate::model::layers::{conv2d, conv_relu_max_pool, max_pool, Window};
    use crate::model::relu::relu;

    use super::*;
    use crate::model::test_tensors::{flat, tensor};

    /// The values and the input gradient (of `Σ y · upstream`) of `f` at `x`.
    fn run(f: impl Fn(&Tensor) -> Result<Tensor>, x: &Tensor, seed: u32) -> (Vec<f32>, Vec<f32>) {
        let var = Var::from_tensor(x).expect("a variable");
        let y = f(var.as_tensor()).expect("the forward pass");
        let upstream = tensor(y.dims(), seed);
        let grads = (&y * upstream)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.backward())
            .expect("the backward pass");
        let gradient = flat(grads.get(var.as_tensor()).expect("an input gradient"));
        (flat(&y), gradient)
    }

    #[test]
    fn the_fused_block_computes_what_the_three_operations_do() {
        let window = Window::square;
        // The example CNN's block; a ResNet-like stem (strided convolution, padded 3 × 3 pool)
        // on an odd size; overlapping pools after a 1 × 1 convolution; two groups.
        let cases = [
            ((3, 8, 1), 10, window(3, 1, 1), window(2, 2, 0)),
            ((2, 4, 1), 9, window(3, 2, 1), window(3, 2, 1)),
            ((3, 5, 1), 6, window(1, 1, 0), window(2, 1, 0)),
            ((4, 6, 2), 7, window(3, 1, 0), window(2, 2, 0)),
        ];
        for (seed, ((channels, out_channels, groups), side, conv, pool)) in
            cases.into_iter().enumerate()
        {
            let seed = seed as u32;
            let x = tensor(&[3, channels, side, side], seed);
            let kernel = tensor(
                &[
                    out_channels,
                    channels / groups,
                    conv.kernel[0],
                    conv.kernel[1],
                ],
                seed + 7,
            );
            let bias = (tensor(&[out_channels], seed + 9) * 0.3).expect("a bias");
            let fused = run(
                |x| conv_relu_max_pool(x, &kernel, Some(&bias), &conv, &pool, groups),
                &x,
                seed,
            );
            let separate = run(
                |x| {
                    max_pool(
                        &relu(&conv2d(x, &kernel, Some(&bias), &conv, groups)?)?,
                        &pool,
                    )
                },
                &x,
                seed,
            );
            assert!(
                fused.0.iter().any(|&v| v > 0.0),
                "case {seed}: pooled values"
            );
            assert!(fused.1.iter().any(|&g| g != 0.0), "case {seed}: a gradient");
            assert_eq!(fused, separate, "case {seed}");
        }
    }
}
