//! The engine end to end (`exec::run`: streaming batches through a perturbation and a model,
//! metrics, gates) on Fashion-MNIST-sized inputs: up to 1,024 images `[1, 28, 28]` through the
//! example Fashion-MNIST CNN (`examples/models/fashion_cnn.safetensors`, conv32-conv64-fc128),
//! clean and under FGSM, PGD-10 and Square-1000, with every worker thread and no cache.
//! Throughput is in attacked (or clean) samples per second (divan's items), the clean branch's
//! inference included. The images are random, labelled with the CNN's own predictions so that
//! every image is attacked.
//!
//! `cargo bench --bench engine`

#[path = "../tests/support/files.rs"]
#[allow(dead_code)]
mod files;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The allocator of the `rbench` binary (with its settings, in `main`), so the figures are the
/// binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use divan::counter::ItemsCount;
use divan::Bencher;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rbench::check::{self, FsLoader, Spec};
use rbench::exec::{self, Options};
use rbench::model::{Architecture, BuiltinModel, Network};
use rbench::plan::{self, Plan};
use rbench::syntax::{self, FileId, SourceFile};
use tempfile::TempDir;

const SAMPLES: usize = 1024;

fn main() {
    rbench::allocator::keep_freed_memory();
    divan::main();
}

/// A project folder with the images, the model and one spec per workload.
static PROJECT: LazyLock<TempDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let images: Vec<u8> = (0..SAMPLES * 784)
        .flat_map(|_| rng.random_range(0.0f32..1.0).to_le_bytes())
        .collect();
    // Labelled with the CNN's own predictions: every image is correctly classified, so every
    // attack works on every image (an attack skips images already misclassified).
    let pixels: Vec<f32> = images
        .chunks(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let architecture = Architecture::Cnn {
        channels: vec![32, 64],
        hidden: 128,
        classes: 10,
        in_channels: 1,
    };
    let cnn = BuiltinModel::load(&model_file(), &architecture, &[1, 28, 28]).expect("the CNN");
    let labels: Vec<u8> = pixels
        .chunks(256 * 784)
        .flat_map(|batch| {
            let logits = cnn
                .forward(batch, batch.len() / 784)
                .expect("a forward pass");
            logits
                .chunks(10)
                .map(|row| {
                    (0..10).fold(0, |best, i| if row[i] > row[best] { i } else { best }) as i64
                })
                .collect::<Vec<_>>()
        })
        .flat_map(i64::to_le_bytes)
        .collect();
    let archive = files::npz(
        &[
            (
                "x.npy",
                files::npy("<f4", &[SAMPLES, 1, 28, 28], &images, false),
            ),
            ("y.npy", files::npy("<i8", &[SAMPLES], &labels, false)),
        ],
        zip::CompressionMethod::Stored,
    );
    std::fs::write(dir.path().join("images.npz"), archive).expect("write the images");
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/models/fashion_cnn.safetensors");
    std::fs::copy(model, dir.path().join("cnn.safetensors")).expect("copy the model");
    dir
});

fn model_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/models/fashion_cnn.safetensors")
}

/// The spec evaluating the CNN on the first `samples` images under `perturbations` (none: clean
/// only), checked and planned.
fn compiled(name: &str, perturbations: &str, samples: usize) -> (Spec, Plan) {
    let under = match perturbations {
        "" => String::new(),
        list => format!(" under {list}"),
    };
    let text = format!(
        "benchmark {name} {{\n  seed = 1\n}}\n\ndataset images {{\n  source = npz(\"images.npz\")\n  \
         classes = 10\n  range = [0, 1]\n  limit = {samples}\n}}\n\nmodel cnn {{\n  safetensors = \"cnn.safetensors\"\n  \
         arch = cnn(channels: [32, 64], hidden: 128, classes: 10)\n}}\n\n\
         perturbation fgsm = fgsm(eps: 0.1)\n\
         perturbation pgd = pgd(eps: 0.1, steps: 10)\n\
         perturbation square = square(eps: 0.1, queries: 1000)\n\n\
         evaluate cnn on images{under}\n\nrequire runs: accuracy(cnn, clean) >= 0%\n"
    );
    let path = PROJECT.path().join(format!("{name}.rbench"));
    std::fs::write(&path, &text).expect("write the spec");
    let source = SourceFile::new(FileId(0), path.display().to_string(), text.as_str());
    let ast = syntax::parse(&source).unwrap_or_else(|e| panic!("the spec parses: {e:?}"));
    let spec = check::check(source, ast, &path, &FsLoader)
        .unwrap_or_else(|e| panic!("the spec checks: {e:?}"));
    let plan = plan::build(&spec);
    (spec, plan)
}

fn run(bencher: Bencher, name: &str, perturbations: &str, samples: usize) {
    let (spec, plan) = compiled(name, perturbations, samples);
    let options = Options {
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        batch_size: 256,
        cache: None,
        observer: None,
        cancel: None,
    };
    bencher
        .counter(ItemsCount::new(samples))
        .bench(|| exec::run(&spec, &plan, &options).expect("the run succeeds"));
}

/// Clean inference: one forward pass per image.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn clean_inference(bencher: Bencher) {
    run(bencher, "clean", "", SAMPLES);
}

/// FGSM at ε = 0.1 and the clean branch: per image, a forward and backward pass for the attack,
/// then the forward passes of both branches; counted in attacked images.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn fgsm_and_clean(bencher: Bencher) {
    run(bencher, "attacked", "fgsm", SAMPLES);
}

/// PGD with 10 steps (L∞, ε = 0.1, random start) and the clean branch.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn pgd10_and_clean(bencher: Bencher) {
    run(bencher, "pgd10", "pgd", 128);
}

/// The Square attack with 1,000 queries per image (L∞, ε = 0.1) and the clean branch.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn square1000_and_clean(bencher: Bencher) {
    run(bencher, "square1000", "square", 8);
}
