//! Corruption throughput: each corruption at severity 3 (CIFAR-10-C table, as `table: auto`
//! picks for 28×28) on the 10,000 Fashion-MNIST test images `[1, 28, 28]` in [0, 1] (Debian's
//! `dataset-fashion-mnist`, under `/usr/share/datasets/fashion-mnist`), one thread. Without the
//! package it measures 10,000 random images of the same size and says so. Throughput is in images
//! per second (divan's items). The attacks are measured through the engine in
//! `benches/engine.rs`, since their cost is the model's.
//!
//! `cargo bench --bench perturbations`

use std::path::Path;

use divan::counter::ItemsCount;
use divan::Bencher;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rbench::data::{self, Batch, Selection, SourceSpec};
use rbench::perturb::{Context, Corruption, CorruptionKind, Perturbation, Table};

const IMAGES: usize = 10_000;

/// Where Debian's `dataset-fashion-mnist` puts the IDX files.
const FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";

fn main() {
    divan::main();
}

/// Every corruption, by the name a spec gives it.
const CORRUPTIONS: [&str; 11] = [
    "gaussian_blur",
    "defocus_blur",
    "motion_blur",
    "zoom_blur",
    "brightness",
    "contrast",
    "saturate",
    "pixelate",
    "jpeg_compression",
    "elastic_transform",
    "fog",
];

/// The Fashion-MNIST test images, or random ones of the same shape when the package is missing.
fn images() -> Batch {
    let folder = Path::new(FASHION_MNIST);
    let spec = SourceSpec::Idx {
        images: folder.join("t10k-images-idx3-ubyte.gz"),
        labels: folder.join("t10k-labels-idx1-ubyte.gz"),
    };
    match data::open(&spec, &Selection::all(10, (0.0, 1.0))) {
        Ok(source) => source
            .batch(0..IMAGES)
            .expect("the Fashion-MNIST test images read"),
        Err(error) => {
            eprintln!("Fashion-MNIST is not installed ({error}): measuring random images");
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            Batch {
                sample_shape: vec![1, 28, 28],
                inputs: (0..IMAGES * 784)
                    .map(|_| rng.random_range(0.0..1.0))
                    .collect(),
                labels: vec![0; IMAGES],
                indices: (0..IMAGES as u64).collect(),
            }
        }
    }
}

#[divan::bench(args = CORRUPTIONS, sample_count = 3, sample_size = 1)]
fn severity_3(bencher: Bencher, name: &str) {
    let kind = CorruptionKind::from_name(name).expect("a corruption");
    let corruption = Corruption::new(kind, 3, Table::Auto).expect("severity 3 exists");
    let batch = images();
    let ctx = Context {
        range: (0.0, 1.0),
        seed: [7; 32],
        model: None,
        feature_names: None,
    };
    bencher
        .counter(ItemsCount::new(IMAGES))
        .with_inputs(|| batch.clone())
        .bench_local_values(|mut batch| {
            corruption
                .apply(&mut batch, &ctx)
                .expect("the corruption applies");
            batch
        });
}
