//! Forward passes and input gradients of the performance anchors (`docs/performance.md`): an MLP
//! 784-256-128-10 and a CNN conv32-conv64-fc128, on batches of 256 images of 28×28, with random
//! weights. Throughput is in samples per second (divan's items).
//!
//! `cargo bench --bench models`

use std::collections::HashMap;
use std::path::Path;

/// The allocator of the `rbench` binary (with its settings, in `main`), so the figures are the
/// binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use divan::counter::ItemsCount;
use divan::Bencher;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rbench::model::{Activation, Architecture, BuiltinModel, Network};

const BATCH: usize = 256;
const SIDE: usize = 28;

fn main() {
    rbench::allocator::keep_freed_memory();
    divan::main();
}

/// Writes random weights of the given shapes as a safetensors file.
fn write_weights(path: &Path, tensors: &[(&str, Vec<usize>)], rng: &mut ChaCha8Rng) {
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, dims)| {
            let count: usize = dims.iter().product();
            let fan_in = dims
                .get(1..)
                .map_or(1, |d| d.iter().product::<usize>().max(1));
            let scale = 1.0 / (fan_in as f32).sqrt();
            let bytes = (0..count)
                .flat_map(|_| rng.random_range(-scale..scale).to_le_bytes())
                .collect();
            (name.to_string(), dims.clone(), bytes)
        })
        .collect();
    let views: HashMap<String, safetensors::tensor::TensorView> = data
        .iter()
        .map(|(name, dims, bytes)| {
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, dims.clone(), bytes)
                    .expect("a tensor view");
            (name.clone(), view)
        })
        .collect();
    safetensors::serialize_to_file(views, None, path).expect("write the weights");
}

fn mlp(dir: &Path, rng: &mut ChaCha8Rng) -> BuiltinModel {
    let path = dir.join("mlp.safetensors");
    write_weights(
        &path,
        &[
            ("hidden.0.weight", vec![256, 784]),
            ("hidden.0.bias", vec![256]),
            ("hidden.1.weight", vec![128, 256]),
            ("hidden.1.bias", vec![128]),
            ("output.weight", vec![10, 128]),
            ("output.bias", vec![10]),
        ],
        rng,
    );
    let architecture = Architecture::Mlp {
        hidden: vec![256, 128],
        classes: 10,
        activation: Activation::Relu,
    };
    BuiltinModel::load(&path, &architecture, &[1, SIDE, SIDE]).expect("an mlp")
}

fn cnn(dir: &Path, rng: &mut ChaCha8Rng) -> BuiltinModel {
    let path = dir.join("cnn.safetensors");
    write_weights(
        &path,
        &[
            ("convs.0.weight", vec![32, 1, 3, 3]),
            ("convs.0.bias", vec![32]),
            ("convs.1.weight", vec![64, 32, 3, 3]),
            ("convs.1.bias", vec![64]),
            ("hidden.weight", vec![128, 64 * 7 * 7]),
            ("hidden.bias", vec![128]),
            ("output.weight", vec![10, 128]),
            ("output.bias", vec![10]),
        ],
        rng,
    );
    let architecture = Architecture::Cnn {
        channels: vec![32, 64],
        hidden: 128,
        classes: 10,
        in_channels: 1,
    };
    BuiltinModel::load(&path, &architecture, &[1, SIDE, SIDE]).expect("a cnn")
}

/// The model called `name`, and a batch of random images.
fn setup(name: &str) -> (BuiltinModel, Vec<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let model = match name {
        "mlp" => mlp(dir.path(), &mut rng),
        _ => cnn(dir.path(), &mut rng),
    };
    let inputs = (0..BATCH * SIDE * SIDE)
        .map(|_| rng.random_range(0.0..1.0))
        .collect();
    (model, inputs)
}

/// The gradient of the cross-entropy with label 0 for every sample.
fn cross_entropy_gradient(logits: &[f32]) -> Vec<f32> {
    logits
        .chunks(10)
        .flat_map(|row| {
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let sum: f32 = row.iter().map(|&v| (v - max).exp()).sum();
            row.iter()
                .enumerate()
                .map(move |(i, &v)| (v - max).exp() / sum - f32::from(u8::from(i == 0)))
        })
        .collect()
}

#[divan::bench(args = ["mlp", "cnn"], sample_count = 10)]
fn forward(bencher: Bencher, name: &str) {
    let (model, inputs) = setup(name);
    bencher
        .counter(ItemsCount::new(BATCH))
        .bench(|| model.forward(&inputs, BATCH).expect("forward"));
}

#[divan::bench(args = ["mlp", "cnn"], sample_count = 10)]
fn input_gradient(bencher: Bencher, name: &str) {
    let (model, inputs) = setup(name);
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        model
            .input_gradient(&inputs, BATCH, &cross_entropy_gradient)
            .expect("input gradient")
    });
}
