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

/// Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST.
const FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";

/// The first `limit` images of the Fashion-MNIST test split `[1, 28, 28]`, or `None` when the
/// Debian package is not installed — which fails the test when `RBENCH_REQUIRE_FASHION_MNIST`
/// is set (as `.ci/run` does), so the check cannot be skipped silently where it should run.
fn fashion_test(limit: u64) -> Option<Batch> {
    let folder = Path::new(FASHION_MNIST);
    if !folder.is_dir() {
        assert!(
            std::env::var_os("RBENCH_REQUIRE_FASHION_MNIST").is_none(),
            "{FASHION_MNIST} is missing: apt-get install dataset-fashion-mnist"
        );
        eprintln!("{FASHION_MNIST} is not installed: the Fashion-MNIST models are not checked");
        return None;
    }
    let spec = SourceSpec::Idx {
        images: folder.join("t10k-images-idx3-ubyte.gz"),
        labels: folder.join("t10k-labels-idx1-ubyte.gz"),
    };
    let selection = Selection {
        limit: Some(limit),
        ..Selection::all(10, (0.0, 1.0))
    };
    Some(read(&spec, selection))
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

/// Test images checked per Fashion-MNIST model (the whole split is measured by the trainer; a
/// debug build would take minutes over 10,000).
const FASHION_SAMPLES: u64 = 500;

#[test]
fn the_fashion_mnist_models_are_accurate_and_differentiable() {
    let Some(test) = fashion_test(FASHION_SAMPLES) else {
        return;
    };
    assert_eq!(test.len() as u64, FASHION_SAMPLES);
    let mlp = onnx("fashion_mlp.onnx");
    let accuracy_mlp = accuracy(&mlp, &test);
    assert!(accuracy_mlp >= 0.85, "MLP accuracy {accuracy_mlp}");
    assert_input_gradient(&mlp, &test);
    let architecture = Architecture::Cnn {
        channels: vec![32, 64],
        hidden: 128,
        classes: 10,
        in_channels: 1,
    };
    let cnn = BuiltinModel::load(
        &examples().join("models/fashion_cnn.safetensors"),
        &architecture,
        &test.sample_shape,
    )
    .expect("the example model loads");
    let accuracy_cnn = accuracy(&cnn, &test);
    assert!(accuracy_cnn >= 0.85, "CNN accuracy {accuracy_cnn}");
    assert_input_gradient(&cnn, &test);
}
