//! `rbench run` on the bundled data and models: the CSV source, the bundled `sample(...)` data and
//! a safetensors model of the built-in `cnn` give the accuracies the models were trained to.

mod support;

use rbench::results::RunResults;
use support::runs::{repo, run_from_temp};

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
    let results = run_from_temp(&spec(
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
    let results = run_from_temp(&spec(
        "sample(digits)",
        &format!("onnx = \"{}\"", repo("examples/models/digits_mlp.onnx")),
        10,
        "[0, 1]",
    ));
    assert_accuracy(&results, 438, 449);
}

#[test]
fn safetensors_weights_of_the_builtin_cnn() {
    let results = run_from_temp(&spec(
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
