//! Tensors for the kernels' unit tests.

use candle_core::{Device, Tensor};

/// A deterministic tensor of `shape` with values in [-1, 1).
pub(super) fn tensor(shape: &[usize], seed: u32) -> Tensor {
    let count: usize = shape.iter().product();
    let values: Vec<f32> = (0..count as u32)
        .map(|i| {
            let v = i
                .wrapping_mul(2_654_435_761)
                .wrapping_add(seed.wrapping_mul(40_503));
            (v % 2001) as f32 / 1000.0 - 1.0
        })
        .collect();
    Tensor::from_vec(values, shape, &Device::Cpu).expect("a tensor")
}

/// The values of a tensor, flattened.
pub(super) fn flat(t: &Tensor) -> Vec<f32> {
    t.flatten_all().and_then(|t| t.to_vec1()).expect("values")
}
