//! Results are the same bits for any batch size. Found by running the same spec with
//! `--batch-size 1`, `7` and `256`: accuracies agreed, but ECE, `confidence_drop` and the L2
//! `perturbation_norm` differed in their last bits (the logits did: products of a batch's rows ran
//! as one `gemm` call whose blocking depended on the number of rows), and `rbench diff` called one
//! run a regression of the other.

#[allow(dead_code)]
#[path = "../support/files.rs"]
mod files;
#[allow(dead_code)]
#[path = "../support/runs.rs"]
mod runs;

use std::path::Path;

use rbench::link::Reach;
use rbench::results::RunResults;
use rbench::RunOptions;
use runs::{comparable, repo};

/// The batch sizes compared: one sample, a prime that splits gemm's row blocks unevenly, the
/// row block itself, and the default.
const BATCH_SIZES: [usize; 4] = [1, 7, 64, 256];

/// Samples per run: more than a row block, so batches of 64 and 256 split the data differently.
const SAMPLES: usize = 70;

/// The results of the spec `text`, written to `dir`, run once per batch size (two threads, no
/// cache, files anywhere).
fn runs_by_batch_size(dir: &Path, text: &str) -> Vec<(usize, RunResults)> {
    let spec = dir.join("spec.rbench");
    std::fs::write(&spec, text).expect("write the spec");
    BATCH_SIZES
        .iter()
        .map(|&batch_size| {
            let mut options = RunOptions::beside(Some(&spec));
            options.out = dir.join("out");
            options.cache = None;
            options.reach = Reach::Anywhere;
            options.threads = 2;
            options.batch_size = batch_size;
            let ran = rbench::run_spec(&spec, &options).unwrap_or_else(|e| panic!("{e:?}"));
            (batch_size, ran.results)
        })
        .collect()
}

/// Asserts that every run's results are the first's, bit for bit apart from times and cache use
/// (their JSON is the same text: numbers are written as the shortest text that reads back as the
/// same bits), and that `rbench diff` finds no change.
fn assert_same_bits(runs: &[(usize, RunResults)]) {
    let json = |results: &RunResults| rbench::results::to_json(&comparable(results.clone()));
    let (first_size, first) = &runs[0];
    let expected = json(first);
    for (batch_size, results) in &runs[1..] {
        let found = json(results);
        let difference = expected
            .lines()
            .zip(found.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("`{a}` with batches of {first_size}, `{b}` with {batch_size}"));
        assert!(expected == found, "results differ: {difference:?}");
        let diff = rbench::report::diff(first, results, 0.0);
        assert!(!diff.regressed(), "{}", diff.render());
    }
}

/// `examples/NAME.rbench`, reading the repository's data and models, its data set limited to the
/// first [`SAMPLES`] samples.
fn limited_example(name: &str) -> String {
    let text = std::fs::read_to_string(repo(&format!("examples/{name}.rbench")))
        .expect("read the example");
    let text = text
        .replace("\"data/", &format!("\"{}/", repo("examples/data")))
        .replace("\"models/", &format!("\"{}/", repo("examples/models")));
    text.lines()
        .filter(|line| !line.trim_start().starts_with("limit ="))
        .flat_map(|line| {
            let limit = line.trim_start().starts_with("classes =");
            std::iter::once(line.to_string()).chain(limit.then(|| format!("  limit = {SAMPLES}")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_quickstart_gives_the_same_bits_for_any_batch_size() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    assert_same_bits(&runs_by_batch_size(
        dir.path(),
        &limited_example("quickstart"),
    ));
}

#[test]
fn the_digits_example_gives_the_same_bits_for_any_batch_size() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    assert_same_bits(&runs_by_batch_size(dir.path(), &limited_example("digits")));
}

#[test]
fn the_breast_cancer_example_gives_the_same_bits_for_any_batch_size() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    assert_same_bits(&runs_by_batch_size(
        dir.path(),
        &limited_example("breast_cancer"),
    ));
}

/// Random 28×28 images in [0, 1] with random labels, as an npz of `x` and `y`.
fn random_images(count: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pixels: Vec<f32> = (0..count * 28 * 28)
        .map(|_| (next() >> 40) as f32 / (1u64 << 24) as f32)
        .collect();
    let labels: Vec<i64> = (0..count).map(|_| (next() % 10) as i64).collect();
    files::npz(
        &[
            (
                "x.npy",
                files::npy(
                    "<f4",
                    &[count, 1, 28, 28],
                    &files::f32_bytes(&pixels),
                    false,
                ),
            ),
            (
                "y.npy",
                files::npy("<i8", &[count], &files::i64_bytes(&labels), false),
            ),
        ],
        zip::CompressionMethod::Stored,
    )
}

#[test]
fn the_fashion_mnist_mlp_gives_the_same_bits_for_any_batch_size() {
    // Products of 784 inputs by 256 outputs: the shapes where the row count changed gemm's blocking
    // of the reduced dimension. Random images stand in for Fashion-MNIST (not shipped).
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("images.npz"), random_images(SAMPLES)).expect("write data");
    let spec = format!(
        r#"benchmark fashion_batches {{
  seed = 5
}}

dataset images {{
  source = npz("images.npz", x: "x", y: "y")
  classes = 10
  range = [0, 1]
}}

model mlp {{
  onnx = "{model}"
}}

perturbation noise = gaussian_noise(sigma: 0.1)
perturbation fgsm = fgsm(eps: 0.05)
perturbation pgd = pgd(norm: l2, eps: 1, step: 0.25, steps: 3)

evaluate mlp on images under [noise, fgsm, pgd]

warn calibration: ece(mlp, clean) <= 1
warn confidence: confidence_drop(mlp, noise) <= 1
warn sizes: perturbation_norm(mlp, pgd, norm: l2) <= 10
"#,
        model = repo("examples/models/fashion_mlp.onnx")
    );
    assert_same_bits(&runs_by_batch_size(dir.path(), &spec));
}
