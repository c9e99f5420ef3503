//! The registry is the one list of perturbations and metrics: each registered built-in is
//! documented with its source in `docs/perturbations.md` or `docs/metrics.md`, each documented one
//! is registered, and the planner, the engine and `rbench diff` read their behaviour from it. The
//! two built-ins added as the recipes of `docs/architecture.md` describe (`occlusion` in
//! `src/perturb/occlusion.rs`, `brier` in `src/metric/brier.rs`) run from a spec.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rbench::check::{Params, Value};
use rbench::data::Batch;
use rbench::metric::{Accumulator, Evaluation, Predictions};
use rbench::perturb::{Context, Inputs, Passes};
use rbench::registry;
use rbench::schema::{Family, Kind};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// The names a Markdown page documents: level-3 headings that are one name (`### fgsm` or
/// ``### `fgsm` ``), and bold bullets that open with a call (``- **`rotate(degrees: θ)`**``).
fn documented(markdown: &str) -> BTreeSet<String> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let mut names = BTreeSet::new();
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            let name = heading.trim().trim_matches('`');
            if is_name(name) {
                names.insert(name.to_string());
            }
        } else if let Some(bullet) = line.strip_prefix("- **`") {
            let name: String = bullet.chars().take_while(|&c| c != '(').collect();
            if is_name(&name) {
                names.insert(name);
            }
        }
    }
    names
}

fn registered<'a>(names: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    names.map(str::to_string).collect()
}

#[test]
fn every_registered_perturbation_is_documented_and_every_documented_one_registered() {
    let registered = registered(registry::PERTURBATIONS.iter().map(|p| p.schema().name));
    let documented = documented(&read("docs/perturbations.md"));
    assert_eq!(registered, documented);
}

#[test]
fn every_registered_metric_is_documented_and_every_documented_one_registered() {
    let registered = registered(registry::METRICS.iter().map(|m| m.schema().name));
    let documented = documented(&read("docs/metrics.md"));
    assert_eq!(registered, documented);
}

#[test]
fn registered_names_are_unique_and_kinds_match_their_list() {
    let mut names = BTreeSet::new();
    for p in registry::PERTURBATIONS {
        assert!(names.insert(p.schema().name), "{}", p.schema().name);
        assert!(matches!(p.schema().kind, Kind::Perturbation(_)));
    }
    for m in registry::METRICS {
        assert!(names.insert(m.schema().name), "{}", m.schema().name);
        assert_eq!(m.schema().kind, Kind::Metric);
    }
}

fn params(pairs: &[(&str, Value)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn attacks_count_their_model_passes_and_others_none() {
    let cost = |name: &str, pairs: &[(&str, Value)], parts: &[Passes]| {
        let builtin = registry::perturbation(name).expect("registered");
        builtin.passes(&params(pairs), parts)
    };
    let gradients = Passes::gradients;
    assert_eq!(cost("fgsm", &[], &[]), gradients(1));
    let pgd = [("steps", Value::Int(10)), ("restarts", Value::Int(3))];
    assert_eq!(cost("pgd", &pgd, &[]), gradients(30));
    assert_eq!(cost("apgd", &pgd, &[]), gradients(30));
    assert_eq!(cost("cw", &[("steps", Value::Int(50))], &[]), gradients(50));
    let square = [("queries", Value::Int(1000)), ("restarts", Value::Int(2))];
    assert_eq!(cost("square", &square, &[]), Passes::queries(2000));
    let parts = [gradients(1), gradients(10), Passes::queries(5)];
    let sum = Passes {
        forward: 16,
        backward: 11,
    };
    assert_eq!(cost("worst_of", &[], &parts), sum);
    for p in registry::PERTURBATIONS {
        let kind = p.schema().kind;
        if !kind.is_attack() && kind != Kind::Perturbation(Family::Ensemble) {
            assert_eq!(
                p.passes(&Params::new(), &[]),
                Passes::default(),
                "{}",
                p.schema().name
            );
        }
    }
}

#[test]
fn metric_directions_and_clean_branches_come_from_the_registry() {
    let metric = |name: &str| registry::metric(name).expect("registered");
    for name in ["error", "flip_rate", "ece", "mce", "relative_mce", "brier"] {
        assert!(metric(name).lower_is_better(), "{name}");
    }
    for name in ["accuracy", "f1", "auc", "perturbation_norm"] {
        assert!(!metric(name).lower_is_better(), "{name}");
    }
    for name in [
        "flip_rate",
        "attack_success_rate",
        "confidence_drop",
        "relative_mce",
        "perturbation_norm",
    ] {
        assert!(metric(name).needs_clean(), "{name}");
    }
    for name in ["accuracy", "ece", "mce", "brier"] {
        assert!(!metric(name).needs_clean(), "{name}");
    }
    assert!(matches!(
        metric("mce").evaluation(&Params::new()),
        Evaluation::Derived(_)
    ));
}

#[test]
fn brier_is_the_mean_squared_distance_to_the_one_hot_label() {
    let Evaluation::Streaming(mut state) = registry::metric("brier")
        .expect("registered")
        .evaluation(&Params::new())
    else {
        panic!("brier streams");
    };
    // Logits 0 and ln 3 give probabilities 1/4 and 3/4 (up to ln 3's rounding to f32).
    let third = 3f32.ln();
    let logits = [0.0, third, 0.0, third, 0.0, 0.0];
    let labels = [1, 0, 1];
    let indices = [0, 1, 2];
    let batch = Predictions::new(2, &logits, &labels, &indices).expect("predictions");
    state.add(&batch).expect("brier reads the batch");
    // Sample 0: (1/4)² + (1/4)² = 1/8; sample 1: (3/4)² + (3/4)² = 9/8; sample 2: 1/4 + 1/4.
    let expected = (0.125 + 1.125 + 0.5) / 3.0;
    let estimate = state.finish();
    assert!(
        (estimate.value - expected).abs() < 1e-6,
        "{}",
        estimate.value
    );
    assert_eq!(estimate.samples, 3);
}

/// A batch of `n` grey 6×8 images of ones.
fn ones(n: usize) -> Batch {
    Batch {
        inputs: vec![1.0; n * 48],
        labels: vec![0; n],
        indices: (0..n as u64).collect(),
        sample_shape: vec![6, 8],
    }
}

fn occlude(size: f64, fill: f64, batch: &mut Batch) {
    let pairs = [("size", Value::Float(size)), ("fill", Value::Float(fill))];
    let occlusion = registry::perturbation("occlusion")
        .expect("registered")
        .bind(&params(&pairs), Inputs::default())
        .unwrap_or_else(|_| panic!("occlusion binds"));
    let ctx = Context {
        range: (0.0, 1.0),
        seed: [7; 32],
        model: None,
        feature_names: None,
    };
    occlusion.apply(batch, &ctx).expect("occlusion applies");
}

#[test]
fn occlusion_hides_one_square_of_the_given_side_per_image_deterministically() {
    let mut batch = ones(5);
    occlude(0.5, 0.0, &mut batch);
    for image in batch.inputs.chunks(48) {
        // Side 0.5 × 6 = 3 pixels: nine zeros, in one 3×3 square.
        let hidden: Vec<(usize, usize)> = (0..48)
            .filter(|&i| image[i] == 0.0)
            .map(|i| (i / 8, i % 8))
            .collect();
        assert_eq!(hidden.len(), 9);
        let (top, left) = hidden[0];
        for (k, &(row, column)) in hidden.iter().enumerate() {
            assert_eq!((row, column), (top + k / 3, left + k % 3));
        }
    }
    // Each sample draws its place from its own stream: the same sample lands the same way in a
    // batch of one.
    let mut alone = ones(1);
    alone.indices = vec![3];
    occlude(0.5, 0.0, &mut alone);
    assert_eq!(alone.inputs, batch.inputs[3 * 48..4 * 48]);
    // Size 0 is the identity; the fill is clipped to the range.
    let mut same = ones(2);
    occlude(0.0, 0.0, &mut same);
    assert_eq!(same.inputs, ones(2).inputs);
    let mut clipped = ones(1);
    occlude(1.0, -5.0, &mut clipped);
    // Size 1 on a 6×8 image: a 6×6 square, at one of the three places where it fits.
    assert_eq!(clipped.inputs.iter().filter(|&&v| v == 0.0).count(), 36);
    assert!(clipped.inputs.iter().all(|&v| v == 0.0 || v == 1.0));
}

#[test]
fn occlusion_refuses_a_size_outside_the_unit_interval() {
    let builtin = registry::perturbation("occlusion").expect("registered");
    let bound = builtin.bind(&params(&[("size", Value::Float(1.5))]), Inputs::default());
    assert!(bound.is_err());
}

/// A spec that sweeps the new perturbation and gates on the new metric.
const SPEC: &str = r#"
benchmark recipes {
  seed = 3
}

dataset digits {
  source = npz("digits_test.npz", x: "x", y: "y")
  classes = 10
  range = [0, 1]
}

model mlp {
  onnx = "digits_mlp.onnx"
}

perturbation hide = occlusion(size: [0.25, 0.5])

evaluate mlp on digits under hide

require calibrated: brier(mlp, clean) <= 0.2
warn hidden: accuracy(mlp, hide[size = 0.5]) >= 0.4 * accuracy(mlp, clean)
"#;

#[test]
fn a_spec_runs_the_new_perturbation_and_gates_on_the_new_metric() {
    // The project holds its files, so node identities (and the occlusion's draws) do not depend
    // on where the repository is checked out.
    let dir = tempfile::tempdir().expect("temporary folder");
    for file in ["models/digits_mlp.onnx", "data/digits_test.npz"] {
        let from = root().join("examples").join(file);
        let name = Path::new(file).file_name().expect("a file name");
        std::fs::copy(&from, dir.path().join(name)).expect("example file copied");
    }
    let path: &Path = &dir.path().join("recipes.rbench");
    std::fs::write(path, SPEC).expect("spec written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rbench"))
        .args(["run", "--no-cache", "--quiet"])
        .arg(path)
        .output()
        .expect("rbench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("brier(mlp, clean)"), "{stdout}");
    assert!(
        stdout.contains("accuracy(mlp, hide[size = 0.5])"),
        "{stdout}"
    );
    assert!(stdout.contains("2 of 2 gates passed"), "{stdout}");
}
