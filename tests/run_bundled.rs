//! `rbench run` on the bundled data and models: the CSV source, the bundled `sample(...)` data and
//! a safetensors model of the built-in `cnn` give the accuracies the models were trained to.

use std::path::{Path, PathBuf};
use std::process::Command;

use rbench::exec::RunResults;

/// A file of the repository, as an absolute path a spec elsewhere can name.
fn repo(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .display()
        .to_string()
}

/// Runs `spec` (written to a temporary folder) and returns its results.
fn run(spec: &str) -> RunResults {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path: PathBuf = dir.path().join("spec.rbench");
    std::fs::write(&path, spec).expect("write the spec");
    let output = Command::new(env!("CARGO_BIN_EXE_rbench"))
        // The spec names the repository's files from a temporary folder.
        .args(["run", "--no-cache", "--quiet", "--allow-outside", "--out"])
        .arg(dir.path().join("out"))
        .arg(&path)
        .output()
        .expect("run rbench");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("out/results.json")).expect("results");
    serde_json::from_str(&text).expect("results.json parses")
}

/// Asserts the first metric call's value is `hits / samples` (to the precision results.json keeps).
fn assert_accuracy(results: &RunResults, hits: u32, samples: u32) {
    let json = serde_json::to_value(results).expect("serialise the results");
    let value = json["metrics"][0]["value"]
        .as_f64()
        .expect("a metric value");
    let expected = f64::from(hits) / f64::from(samples);
    assert!(
        (value - expected).abs() < 1e-12,
        "{value} is not {hits}/{samples}"
    );
}

fn spec(dataset: &str, model: &str, classes: u32, range: &str) -> String {
    format!(
        "benchmark bundled {{\n  seed = 1\n}}\n\ndataset data {{\n  source = {dataset}\n  classes = {classes}\n  range = {range}\n}}\n\nmodel m {{\n  {model}\n}}\n\nperturbation noise = gaussian_noise(sigma: 0.01)\n\nevaluate m on data under noise\n\nrequire runs: accuracy(m, clean) >= 0%\n"
    )
}

#[test]
fn csv_data_and_the_breast_cancer_model() {
    let results = run(&spec(
        &format!(
            "csv(\"{}\", label: \"target\")",
            repo("examples/data/breast_cancer_test.csv")
        ),
        &format!(
            "onnx = \"{}\"",
            repo("examples/models/breast_cancer_mlp.onnx")
        ),
        2,
        "[0, 4300]",
    ));
    assert_accuracy(&results, 138, 142);
}

#[test]
fn bundled_digits_and_the_digits_mlp() {
    let results = run(&spec(
        "sample(digits)",
        &format!("onnx = \"{}\"", repo("examples/models/digits_mlp.onnx")),
        10,
        "[0, 1]",
    ));
    assert_accuracy(&results, 438, 449);
}

#[test]
fn safetensors_weights_of_the_builtin_cnn() {
    let results = run(&spec(
        &format!("npz(\"{}\")", repo("examples/data/digits_test.npz")),
        &format!(
            "safetensors = \"{}\"\n  arch = cnn(channels: [16, 32], classes: 10)",
            repo("examples/models/digits_cnn.safetensors")
        ),
        10,
        "[0, 1]",
    ));
    assert_accuracy(&results, 445, 449);
}
