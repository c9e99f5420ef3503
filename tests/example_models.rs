//! The example models in `examples/models/` (written by `cargo run --release --example train`):
//! each loads with rbench's loaders, reaches its accuracy on the bundled test split, and has the
//! finite, non-zero input gradients the attacks need.

use std::path::{Path, PathBuf};

use rbench::data::{self, Batch, Selection, SourceSpec};
use rbench::model::{Architecture, BuiltinModel, Network, OnnxModel};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The whole digits test split: 449 images `[1, 8, 8]`.
fn digits_test() -> Batch {
    let spec = SourceSpec::Npz {
        path: examples().join("data/digits_test.npz"),
        x: "x".into(),
        y: "y".into(),
    };
    read(&spec, Selection::all(10, (0.0, 1.0)))
}

/// The whole breast cancer test split: 142 rows of 30 raw measurements.
fn breast_cancer_test() -> Batch {
    let spec = SourceSpec::Csv {
        path: examples().join("data/breast_cancer_test.csv"),
        label: "target".into(),
        features: None,
        delimiter: b',',
    };
    read(&spec, Selection::all(2, (0.0, 4300.0)))
}

fn read(spec: &SourceSpec, selection: Selection) -> Batch {
    let source = data::open(spec, &selection).expect("the bundled data opens");
    source
        .batch(0..source.len())
        .expect("the bundled data reads")
}

fn onnx(name: &str) -> OnnxModel {
    OnnxModel::load(&examples().join("models").join(name)).expect("the example model loads")
}

/// The fraction of `test` that `network` classifies correctly.
fn accuracy(network: &dyn Network, test: &Batch) -> f64 {
    assert_eq!(network.input_shape(), test.sample_shape.as_slice());
    let logits = network.forward(&test.inputs, test.len()).expect("forward");
    let classes = network.classes();
    let correct = logits
        .chunks(classes)
        .zip(&test.labels)
        .filter(|(row, &label)| {
            let best = (0..classes).fold(0, |best, i| if row[i] > row[best] { i } else { best });
            best == label as usize
        })
        .count();
    correct as f64 / test.len() as f64
}

/// The cross-entropy gradient of the first samples of `test` is finite and non-zero for each
/// sample.
fn assert_input_gradient(network: &dyn Network, test: &Batch) {
    let n = 4;
    let size = test.sample_size();
    let classes = network.classes();
    let labels = &test.labels[..n];
    let cross_entropy = |logits: &[f32]| -> Vec<f32> {
        logits
            .chunks(classes)
            .zip(labels)
            .flat_map(|(row, &label)| {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let total: f32 = row.iter().map(|v| (v - max).exp()).sum();
                row.iter()
                    .enumerate()
                    .map(move |(i, v)| (v - max).exp() / total - f32::from(i == label as usize))
            })
            .collect()
    };
    let result = network
        .input_gradient(&test.inputs[..n * size], n, &cross_entropy)
        .expect("an input gradient");
    assert_eq!(result.gradient.len(), n * size);
    for (i, sample) in result.gradient.chunks(size).enumerate() {
        assert!(
            sample.iter().all(|g| g.is_finite()),
            "sample {i}: {sample:?}"
        );
        assert!(sample.iter().any(|&g| g != 0.0), "sample {i}: all zero");
    }
}

#[test]
fn the_digits_mlp_is_accurate_and_differentiable() {
    let model = onnx("digits_mlp.onnx");
    let test = digits_test();
    assert_eq!(model.classes(), 10);
    let accuracy = accuracy(&model, &test);
    assert!(accuracy >= 0.95, "accuracy {accuracy}");
    assert_input_gradient(&model, &test);
}

#[test]
fn the_digits_cnn_is_accurate_and_differentiable() {
    let architecture = Architecture::Cnn {
        channels: vec![16, 32],
        hidden: 128,
        classes: 10,
        in_channels: 1,
    };
    let test = digits_test();
    let model = BuiltinModel::load(
        &examples().join("models/digits_cnn.safetensors"),
        &architecture,
        &test.sample_shape,
    )
    .expect("the example model loads");
    let accuracy = accuracy(&model, &test);
    assert!(accuracy >= 0.95, "accuracy {accuracy}");
    assert_input_gradient(&model, &test);
}

#[test]
fn the_breast_cancer_mlp_is_accurate_on_raw_measurements_and_differentiable() {
    let model = onnx("breast_cancer_mlp.onnx");
    let test = breast_cancer_test();
    assert_eq!(model.classes(), 2);
    let accuracy = accuracy(&model, &test);
    assert!(accuracy >= 0.93, "accuracy {accuracy}");
    assert_input_gradient(&model, &test);
}
