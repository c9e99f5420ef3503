//! Models exported from PyTorch (`tests/fixtures/onnx/pytorch/`, written by
//! `tests/reference/export_pytorch_models.py`): an MLP that flattens with
//! `x.view(x.size(0), -1)`, a CNN with batch norm, a small ResNet, a tabular MLP, a model of
//! padded pools ending in a softmax and an MLP of ReLU6, Hardswish, GELU, LayerNorm and a slice,
//! each exported by the TorchScript exporter (opsets 11, 13 and 17; batch norms left unfolded;
//! the MLP with a fixed batch of 1) and the dynamo exporter. Every file loads, gives
//! onnxruntime's outputs on the recorded batch and on other batch sizes, has input gradients that
//! match finite differences, and has the signature and FLOP count that `rbench` reads before
//! running.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rbench::model::flops::flops_of_onnx;
use rbench::model::onnx::{read_model, read_signature};
use rbench::model::{Network, OnnxModel};
use rbench::results::RunResults;
use serde::Deserialize;
use support::gradient::assert_gradient;

/// One model's reference: a batch and the outputs on it.
#[derive(Deserialize)]
struct Reference {
    /// `[batch, ...sample]`.
    input_shape: Vec<usize>,
    input: Vec<f32>,
    /// Whether the outputs are class probabilities (a final softmax) rather than logits.
    probabilities: bool,
    /// PyTorch's outputs.
    torch: Vec<f32>,
    /// onnxruntime's outputs for each exported file.
    onnxruntime: BTreeMap<String, Vec<f32>>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx/pytorch")
}

/// The models of the fixtures, by name (`mlp`, `cnn`, ...).
fn reference(name: &str) -> Reference {
    let path = fixtures().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).expect("a reference file");
    serde_json::from_str(&text).expect("a reference in JSON")
}

/// The models of the fixtures; `NAME.json` names each one's exported files.
const MODELS: [&str; 6] = [
    "mlp",
    "cnn",
    "resnet",
    "tabular",
    "pool_softmax",
    "activations",
];

/// Row-wise softmax of `[n, k]` scores, in `f64`.
fn softmax(scores: &[f32], k: usize) -> Vec<f64> {
    scores
        .chunks(k)
        .flat_map(|row| {
            let max = row
                .iter()
                .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
            let exp: Vec<f64> = row.iter().map(|&v| (f64::from(v) - max).exp()).collect();
            let sum: f64 = exp.iter().sum();
            exp.into_iter().map(move |e| e / sum)
        })
        .collect()
}

/// The largest difference between `found` and `expected`, relative to the scale of `expected`
/// (at least 1).
fn max_relative_error(found: &[f64], expected: &[f32]) -> f64 {
    assert_eq!(found.len(), expected.len());
    let scale = expected
        .iter()
        .fold(1.0f64, |m, &v| m.max(f64::from(v).abs()));
    found
        .iter()
        .zip(expected)
        .map(|(&a, &b)| (a - f64::from(b)).abs() / scale)
        .fold(0.0, f64::max)
}

/// What the model outputs for `inputs`: the logits, or their softmax when the exported graph
/// ends in one (rbench leaves a final softmax out and takes its input as the logits).
fn outputs(model: &OnnxModel, inputs: &[f32], n: usize, probabilities: bool) -> Vec<f64> {
    let logits = model.forward(inputs, n).expect("forward");
    match probabilities {
        true => softmax(&logits, model.classes()),
        false => logits.into_iter().map(f64::from).collect(),
    }
}

#[test]
fn every_export_loads_and_gives_onnxruntime_outputs() {
    let mut exports = 0;
    for name in MODELS {
        let reference = reference(name);
        let n = reference.input_shape[0];
        let torch = &reference.torch;
        assert!(
            reference.onnxruntime.len() >= 3,
            "{name}: the TorchScript exports are fixtures"
        );
        for (file, expected) in &reference.onnxruntime {
            let model =
                OnnxModel::load(&fixtures().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(model.input_shape(), &reference.input_shape[1..], "{file}");
            assert_eq!(model.classes() * n, expected.len(), "{file}");
            let found = outputs(&model, &reference.input, n, reference.probabilities);
            let error = max_relative_error(&found, expected);
            eprintln!(
                "{file}: max error {error:.2e} against onnxruntime, {:.2e} against PyTorch",
                max_relative_error(&found, torch)
            );
            assert!(
                error <= 1e-4,
                "{file}: outputs differ from onnxruntime by {error}"
            );
            exports += 1;
        }
    }
    assert!(exports >= 27, "{exports} exported files");
}

#[test]
fn the_batch_size_may_differ_from_the_export() {
    for name in MODELS {
        let reference = reference(name);
        let n = reference.input_shape[0];
        let sample = reference.input.len() / n;
        for (file, expected) in &reference.onnxruntime {
            let model = OnnxModel::load(&fixtures().join(file)).expect("a model");
            let k = model.classes();
            // Each sample alone, then the batch twice over.
            for i in 0..n {
                let one = &reference.input[i * sample..(i + 1) * sample];
                let found = outputs(&model, one, 1, reference.probabilities);
                let error = max_relative_error(&found, &expected[i * k..(i + 1) * k]);
                assert!(error <= 1e-4, "{file}, sample {i} alone: error {error}");
            }
            let twice = [reference.input.clone(), reference.input.clone()].concat();
            let found = outputs(&model, &twice, 2 * n, reference.probabilities);
            let error = max_relative_error(&found, &[expected.clone(), expected.clone()].concat());
            assert!(error <= 1e-4, "{file}, batch of {}: error {error}", 2 * n);
        }
    }
}

#[test]
fn input_gradients_match_finite_differences() {
    for name in MODELS {
        let reference = reference(name);
        let n = reference.input_shape[0];
        for file in reference.onnxruntime.keys() {
            let model = OnnxModel::load(&fixtures().join(file)).expect("a model");
            assert_gradient(&model, &reference.input, n, 1e-2);
        }
    }
}

#[test]
fn signatures_and_flops_are_read_before_running() {
    // FLOPs: 2 × the multiply-accumulates of the convolutions and linear layers.
    let mlp = 2 * (28 * 28 * 32 + 32 * 10);
    let cnn = 2 * (6 * 9 * 28 * 28 + 8 * 6 * 9 * 14 * 14 + 8 * 7 * 7 * 10);
    let resnet = 2
        * (8 * 3 * 49 * 16 * 16
            + 2 * 8 * 8 * 9 * 8 * 8
            + 16 * 8 * 9 * 4 * 4
            + 16 * 16 * 9 * 4 * 4
            + 16 * 8 * 4 * 4
            + 16 * 10);
    let tabular = 2 * (12 * 16 + 16 * 8 + 8 * 3);
    let pool_softmax = 2 * (6 * 3 * 9 * 32 * 32 + 6 * 8 * 8 * 5);
    let expected: BTreeMap<&str, u64> = [
        ("mlp", mlp),
        ("cnn", cnn),
        ("resnet", resnet),
        ("tabular", tabular),
        ("pool_softmax", pool_softmax),
        ("activations", 2 * (10 * 16 + 16 * 16 + 12 * 4)),
    ]
    .into();
    for name in MODELS {
        let reference = reference(name);
        let sample = &reference.input_shape[1..];
        for file in reference.onnxruntime.keys() {
            let path = fixtures().join(file);
            let signature = read_signature(&path).expect("a signature");
            let [input] = signature.inputs.as_slice() else {
                panic!("{file}: {} inputs", signature.inputs.len());
            };
            let dims = input.dims.as_ref().expect("a recorded shape");
            let batch = match file.ends_with("_batch1.onnx") {
                true => Some(1),
                false => None,
            };
            assert_eq!(dims[0], batch, "{file}: the batch dimension");
            let sample_dims: Vec<Option<u64>> = sample.iter().map(|&d| Some(d as u64)).collect();
            assert_eq!(dims[1..], sample_dims, "{file}");
            let classes = reference.torch.len() / reference.input_shape[0];
            let scores = signature.outputs[0].dims.as_ref().expect("an output shape");
            assert_eq!(scores.last(), Some(&Some(classes as u64)), "{file}");
            let model = read_model(&path).expect("a model");
            let flops = flops_of_onnx(&model, sample).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(flops, expected[name], "{file}");
        }
    }
}

#[test]
fn unsupported_operators_are_named_with_their_node() {
    let path = fixtures().join("mlp_opset17.onnx");
    let mut model = read_model(&path).expect("a model");
    let graph = model.graph.as_mut().expect("a graph");
    let node = graph
        .node
        .iter_mut()
        .find(|node| node.op_type.as_deref() == Some("Relu"))
        .expect("a ReLU");
    node.op_type = Some("Celu".into());
    let name = node.name.clone().unwrap_or_default();
    let error = OnnxModel::compile(&model, "mlp.onnx").expect_err("Celu is not supported");
    assert_eq!(
        error.to_string(),
        format!("unsupported ONNX operator `Celu` in node `{name}`")
    );
}

/// `rbench plan --link` and `rbench run` on the CNN with a generated npz data set: the plan
/// counts its FLOPs, the noise and FGSM sweeps run through its batch norms, max-pools and
/// flatten, and the clean accuracy in `results.json` is the model's.
#[test]
fn rbench_runs_an_exported_cnn() {
    const SAMPLES: usize = 12;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |relative: &str, bytes: &[u8]| {
        let path = dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, bytes).expect("write a file");
    };
    let model = std::fs::read(fixtures().join("cnn_opset17_unfolded.onnx")).expect("the model");
    write("models/cnn.onnx", &model);
    let pixels: Vec<f32> = (0..SAMPLES * 28 * 28)
        .map(|i| ((i as f64 * 0.618_033_988_75) % 1.0) as f32)
        .collect();
    let labels: Vec<i64> = (0..SAMPLES as i64).map(|i| i % 10).collect();
    let x: Vec<u8> = pixels.iter().flat_map(|v| v.to_le_bytes()).collect();
    let y: Vec<u8> = labels.iter().flat_map(|v| v.to_le_bytes()).collect();
    let npz = support::files::npz(
        &[
            (
                "x.npy",
                support::files::npy("<f4", &[SAMPLES, 1, 28, 28], &x, false),
            ),
            ("y.npy", support::files::npy("<i8", &[SAMPLES], &y, false)),
        ],
        zip::CompressionMethod::Stored,
    );
    write("data/images.npz", &npz);
    let spec = r#"benchmark pytorch_cnn {
  seed = 1
}

dataset images {
  source = npz("data/images.npz")
  classes = 10
  range = [0, 1]
}

model cnn {
  onnx = "models/cnn.onnx"
}

perturbation noise = gaussian_noise(sigma: [0.05, 0.1])
perturbation attack = fgsm(eps: 0.05)

evaluate cnn on images under [noise, attack]

warn attacked: accuracy(cnn, attack) <= accuracy(cnn, clean)
"#;
    write("bench.rbench", spec.as_bytes());
    let rbench = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rbench"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("rbench runs")
    };
    // The link step reads the model and counts its FLOPs.
    let plan = rbench(&["plan", "--link", "bench.rbench"]);
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        text.contains("cnn on images: 261,856 (262 k) per forward pass"),
        "{text}{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let output = rbench(&["run", "bench.rbench", "--quiet"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let results = dir.path().join("rbench-results/bench/results.json");
    let text = std::fs::read_to_string(results).expect("results.json");
    let results: RunResults = serde_json::from_str(&text).expect("results.json parses");
    assert!(results.gates.iter().all(|gate| gate.passed));
    // The clean accuracy is the model's, computed here without rbench's pipeline.
    let model = OnnxModel::load(&dir.path().join("models/cnn.onnx")).expect("a model");
    let logits = model.forward(&pixels, SAMPLES).expect("forward");
    let correct = logits
        .chunks(10)
        .zip(&labels)
        .filter(|(row, &label)| {
            let best = (0..10).fold(0, |b, i| if row[i] > row[b] { i } else { b });
            best as i64 == label
        })
        .count();
    let clean = results
        .metrics
        .iter()
        .find(|m| m.label == "accuracy(cnn, clean)")
        .expect("the clean accuracy");
    assert_eq!(clean.samples, SAMPLES as u64);
    assert_eq!(clean.value, correct as f64 / SAMPLES as f64);
    let attacked = results
        .metrics
        .iter()
        .find(|m| m.label == "accuracy(cnn, attack)")
        .expect("the accuracy under attack");
    assert!(attacked.value <= clean.value);
}

/// `docs/models.md` lists exactly the operators the compiler accepts.
#[test]
fn the_documented_operators_are_the_supported_ones() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/models.md");
    let text = std::fs::read_to_string(path).expect("docs/models.md");
    let table = text
        .split("### Supported operators")
        .nth(1)
        .and_then(|rest| rest.split("### Known limits").next())
        .expect("the operator table");
    let mut documented: Vec<&str> = table
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|line| line.split(" |").next())
        .flat_map(|cell| cell.split(", "))
        .map(|op| op.trim_matches('`'))
        .collect();
    documented.sort_unstable();
    let mut supported = rbench::model::onnx::supported_operators();
    supported.sort_unstable();
    assert_eq!(documented, supported);
}
