//! `rbench run` end to end: a small project (an npz data set and a linear ONNX model written
//! here) with noise and FGSM sweeps and gates over every implemented metric; exit codes,
//! determinism across threads and batch sizes, and the inference cache.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prost::Message;
use rbench::model::onnx::proto::GraphProto;
use rbench::results::RunResults;
use rbench::RunOptions;
use support::onnx::{batched_value, float_tensor, graph, int, model, node};
use support::runs::comparable;
use tempfile::TempDir;

const SAMPLES: usize = 40;
const FEATURES: usize = 4;
const CLASSES: usize = 3;
/// The model's weights, `[classes, features]`.
const WEIGHTS: [[f32; FEATURES]; CLASSES] = [
    [2.0, -1.0, 0.0, 1.0],
    [-1.0, 2.0, 1.0, 0.0],
    [0.0, 0.0, -1.0, 2.0],
];

/// The spec; `{sigma}` is the strongest noise of the sweep, `{floor}` the clean accuracy required.
const SPEC: &str = r#"benchmark exec_test {
  seed = 3
}

dataset points {
  source = npz("data/points.npz")
  classes = 3
  range = [0, 1]
}

model linear {
  onnx = "models/linear.onnx"
}

perturbation noise = gaussian_noise(sigma: [0.05, SIGMA])
perturbation attack = fgsm(eps: [0.05, 0.1])
perturbation uniform = uniform_noise(width: 0.1)
perturbation shot = shot_noise(severity: 2)
perturbation impulse = impulse_noise(amount: 0.05)
perturbation speckle = speckle_noise(sigma: 0.1)

evaluate linear on points under [noise, attack, uniform, shot, impulse, speckle]

require clean_accuracy: accuracy(linear, clean) >= FLOOR
require noise_tolerance: accuracy(linear, noise[sigma = 0.05]) >= 0.8 * accuracy(linear, clean)
warn robust: robust_accuracy(linear, attack) >= 50% with confidence 95%
warn errors: error(linear, noise) - error(linear, clean) <= 0.3 with confidence 90%
warn stability: flip_rate(linear, noise) <= 0.5 and confidence_drop(linear, attack) < 0.5
warn attacked: attack_success_rate(linear, attack[eps = 0.1]) <= 0.9
warn calibrated: ece(linear, clean, bins: 5) <= 0.5
warn others: accuracy(linear, uniform) + accuracy(linear, shot) + accuracy(linear, impulse) + accuracy(linear, speckle) >= 2
warn sizes: perturbation_norm(linear, attack[eps = 0.05]) <= 0.051 and perturbation_norm(linear, attack, norm: l2, statistic: median) <= 1
"#;

/// A temporary project: the spec, its data and its model.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new(sigma: &str, floor: &str) -> Project {
        let project = Project {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        project.write("data/points.npz", &points_npz());
        project.write("models/linear.onnx", &linear_onnx(1.0));
        project.spec(sigma, floor);
        project
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, bytes: &[u8]) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, bytes).expect("write a file");
    }

    fn spec(&self, sigma: &str, floor: &str) {
        let text = SPEC.replace("SIGMA", sigma).replace("FLOOR", floor);
        self.write("bench.rbench", text.as_bytes());
    }

    /// Runs `rbench run bench.rbench --quiet` with `args`, in the project folder.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rbench"))
            .current_dir(self.dir.path())
            .args(["run", "bench.rbench", "--quiet"])
            .args(args)
            .output()
            .expect("rbench runs")
    }

    /// The results a run wrote to its default place.
    fn results(&self) -> RunResults {
        read_results(&self.path("rbench-results/bench/results.json"))
    }

    fn cache_entries(&self) -> Vec<PathBuf> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(self.path(".rbench/cache"))
            .expect("the cache folder")
            .map(|e| e.expect("an entry").path())
            .collect();
        entries.sort();
        entries
    }
}

fn read_results(path: &Path) -> RunResults {
    let text = std::fs::read_to_string(path).expect("results.json");
    serde_json::from_str(&text).expect("results.json parses")
}

fn status(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// ---- the project's files ----

/// Sample `i`'s features: a low-discrepancy sequence in [0, 1].
fn features(i: usize) -> [f32; FEATURES] {
    std::array::from_fn(|j| (((i * FEATURES + j) as f64 * 0.618_033_988_75) % 1.0) as f32)
}

/// The model's class for `x`; every tenth label is wrong, so the clean accuracy is 90%.
fn label(i: usize) -> i64 {
    let x = features(i);
    let scores = WEIGHTS.map(|w| w.iter().zip(&x).map(|(a, b)| a * b).sum::<f32>());
    let best = (0..CLASSES)
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
        .expect("classes");
    match i % 10 {
        9 => ((best + 1) % CLASSES) as i64,
        _ => best as i64,
    }
}

fn points_npz() -> Vec<u8> {
    let x: Vec<u8> = (0..SAMPLES)
        .flat_map(features)
        .flat_map(f32::to_le_bytes)
        .collect();
    let y: Vec<u8> = (0..SAMPLES).map(label).flat_map(i64::to_le_bytes).collect();
    support::files::npz(
        &[
            (
                "x.npy",
                support::files::npy("<f4", &[SAMPLES, FEATURES], &x, false),
            ),
            ("y.npy", support::files::npy("<i8", &[SAMPLES], &y, false)),
        ],
        zip::CompressionMethod::Stored,
    )
}

/// `scores = scale · (x · Wᵀ + b)` as one ONNX `Gemm`; the scale changes no prediction.
fn linear_onnx(scale: f32) -> Vec<u8> {
    let weights: Vec<f32> = WEIGHTS.iter().flatten().map(|w| w * scale).collect();
    let fc = node(
        "Gemm",
        "fc",
        &["x", "w", "b"],
        &["scores"],
        vec![int("transB", 1)],
    );
    let initializers = vec![
        float_tensor("w", &[CLASSES, FEATURES], &weights),
        float_tensor("b", &[CLASSES], &[0.1 * scale, 0.0, -0.1 * scale]),
    ];
    let input = batched_value("x", &[FEATURES]);
    let output = batched_value("scores", &[CLASSES]);
    let graph = GraphProto {
        name: Some("linear".into()),
        ..graph(vec![fc], initializers, vec![input], vec![output])
    };
    model(17, graph).encode_to_vec()
}

// ---- tests ----

#[test]
fn a_run_decides_the_gates_and_writes_results() {
    let project = Project::new("0.2", "85%");
    let output = project.run(&[]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let results = project.results();
    assert_eq!(results.schema_version, 2);
    assert_eq!(results.benchmark, "exec_test");
    assert_eq!(results.seed, 3);
    let clean = &results.metrics[0];
    assert_eq!(
        (clean.gate.as_str(), clean.label.as_str(), clean.value),
        ("clean_accuracy", "accuracy(linear, clean)", 0.9)
    );
    assert_eq!(clean.samples, SAMPLES as u64);
    assert!(clean.interval.is_some());
    let gate = &results.gates[0];
    assert!(gate.passed);
    assert_eq!((gate.value, gate.bound), (Some(0.9), None));
    let robust = &results.gates[2];
    let bound = robust.bound.expect("a bound under a confidence");
    let value = robust.value.expect("a value");
    assert!(bound < value, "the lower bound {bound} lies below {value}");
    let noise = results
        .metrics
        .iter()
        .find(|m| m.gate == "errors" && m.metric == "error" && m.targets.len() == 2)
        .expect("the error under the noise sweep");
    assert_eq!(noise.targets, ["noise[sigma = 0.05]", "noise[sigma = 0.2]"]);
    assert_eq!(noise.samples, 2 * SAMPLES as u64);
    assert_eq!(results.files.len(), 2);
    assert!(results.stats.forward_passes > 0 && results.stats.backward_passes > 0);
    let summary = String::from_utf8_lossy(&output.stdout).into_owned();
    insta::assert_snapshot!("run_summary", summary);

    let failing = Project::new("0.2", "95%");
    let output = failing.run(&[]);
    assert_eq!(status(&output), 1, "a required gate fails");
    assert!(!failing.results().gates[0].passed);
    assert!(String::from_utf8_lossy(&output.stdout).contains("✗ require clean_accuracy"));
}

#[test]
fn results_do_not_depend_on_threads_or_batch_size() {
    let project = Project::new("0.2", "85%");
    let mut runs = Vec::new();
    // Through the library's entry point, as `rbench run --no-cache --threads T --batch-size B`.
    let spec = project.path("bench.rbench");
    for (threads, batch_size) in [(1, 7), (2, 64), (2, 7), (1, 1), (2, 256)] {
        let mut options = RunOptions::beside(Some(&spec));
        options.cache = None;
        options.threads = threads;
        options.batch_size = batch_size;
        let ran = rbench::run_spec(&spec, &options).expect("the run finishes");
        assert!(ran.results.passed());
        assert_eq!(
            ran.results_file,
            project.path("rbench-results/bench/results.json")
        );
        assert_eq!(read_results(&ran.results_file), ran.results);
        runs.push(ran.results);
    }
    assert!(
        !project.path(".rbench/cache").exists(),
        "--no-cache writes nothing"
    );
    assert_eq!(runs[0].stats, runs[1].stats);
    let first = comparable(runs[0].clone());
    for other in &runs[1..] {
        assert_eq!(first, comparable(other.clone()));
    }
}

#[test]
fn the_cache_skips_unchanged_branches_and_recomputes_corrupt_entries() {
    let project = Project::new("0.2", "85%");
    let first = project.run(&[]);
    assert_eq!(status(&first), 0, "{}", stderr(&first));
    let cold = project.results();
    assert_eq!(cold.stats.cache_hits, 0);
    // Clean, 2 noise, 2 attack and 4 single-member branches.
    assert_eq!(cold.stats.cache_misses, 9);

    let second = project.run(&[]);
    assert_eq!(status(&second), 0);
    let warm = project.results();
    assert_eq!(
        (warm.stats.forward_passes, warm.stats.backward_passes),
        (0, 0),
        "an unchanged spec does no model work"
    );
    assert_eq!(warm.stats.cache_hits, 9);
    assert_eq!(comparable(cold.clone()), comparable(warm));

    // A damaged entry is rejected and recomputed, giving the same results.
    let entries = project.cache_entries();
    assert_eq!(entries.len(), 9);
    let mut bytes = std::fs::read(&entries[0]).expect("an entry");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&entries[0], bytes).expect("damage the entry");
    let repaired = project.run(&[]);
    assert_eq!(status(&repaired), 0, "{}", stderr(&repaired));
    let after = project.results();
    assert_eq!(after.stats.cache_rejected, 1);
    assert_eq!(after.stats.cache_misses, 1);
    assert!(after.stats.forward_passes > 0);
    assert_eq!(comparable(cold), comparable(after));

    // One changed noise level reruns that branch alone.
    project.spec("0.3", "85%");
    let changed = project.run(&[]);
    assert_eq!(status(&changed), 0, "{}", stderr(&changed));
    let rerun = project.results();
    assert_eq!(rerun.stats.forward_passes, SAMPLES as u64);
    assert_eq!((rerun.stats.cache_misses, rerun.stats.cache_hits), (1, 8));
    assert_eq!(project.cache_entries().len(), 10);
}

#[test]
fn a_missing_data_file_exits_2_and_names_it() {
    let project = Project::new("0.2", "85%");
    std::fs::remove_file(project.path("data/points.npz")).expect("remove the data");
    let output = project.run(&[]);
    assert_eq!(status(&output), 2);
    assert!(
        stderr(&output).contains("data/points.npz"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn results_go_where_out_says() {
    let project = Project::new("0.2", "85%");
    let out = project.path("elsewhere");
    let output = project.run(&["--out", out.to_str().expect("a UTF-8 path"), "--no-cache"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let results = read_results(&out.join("results.json"));
    assert_eq!(results.spec, "bench.rbench");
    assert!(!project.path("rbench-results").exists());
}

/// FGSM on the linear model in closed form: `clip(x + eps · sign(Wᵀ(softmax(Wx + b) − e_y)))`;
/// for each sample whose attack succeeds (correct when clean, wrong when attacked), the L∞ and L2
/// norms of the perturbation.
fn fgsm_successes(eps: f32) -> Vec<(f64, f64)> {
    let bias = [0.1f64, 0.0, -0.1];
    let logits = |x: &[f32; FEATURES]| -> [f64; CLASSES] {
        std::array::from_fn(|k| {
            bias[k]
                + WEIGHTS[k]
                    .iter()
                    .zip(x)
                    .map(|(&w, &v)| f64::from(w) * f64::from(v))
                    .sum::<f64>()
        })
    };
    let predicted = |z: &[f64; CLASSES]| {
        (0..CLASSES)
            .max_by(|&a, &b| z[a].total_cmp(&z[b]).then(b.cmp(&a)))
            .expect("classes")
    };
    let mut successes = Vec::new();
    for i in 0..SAMPLES {
        let (x, y) = (features(i), label(i) as usize);
        let z = logits(&x);
        let max = z.iter().copied().fold(f64::MIN, f64::max);
        let total: f64 = z.iter().map(|v| (v - max).exp()).sum();
        let residual: [f64; CLASSES] =
            std::array::from_fn(|k| (z[k] - max).exp() / total - f64::from(u8::from(k == y)));
        let attacked: [f32; FEATURES] = std::array::from_fn(|j| {
            let g: f64 = (0..CLASSES)
                .map(|k| f64::from(WEIGHTS[k][j]) * residual[k])
                .sum();
            let step = if g > 0.0 {
                eps
            } else if g < 0.0 {
                -eps
            } else {
                0.0
            };
            (x[j] + step).clamp(0.0, 1.0)
        });
        if predicted(&z) == y && predicted(&logits(&attacked)) != y {
            let deltas = x
                .iter()
                .zip(&attacked)
                .map(|(&a, &b)| f64::from(b) - f64::from(a));
            let linf = deltas.clone().fold(0.0, |m: f64, d| m.max(d.abs()));
            let l2 = deltas.map(|d| d * d).sum::<f64>().sqrt();
            successes.push((linf, l2));
        }
    }
    successes
}

#[test]
fn perturbation_norms_of_successful_attacks_match_the_closed_form_and_survive_the_cache() {
    let project = Project::new("0.2", "85%");
    let output = project.run(&[]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let results = project.results();
    let sizes: Vec<f64> = results
        .metrics
        .iter()
        .filter(|m| m.gate == "sizes")
        .map(|m| m.value)
        .collect();
    let small = fgsm_successes(0.05);
    assert!(!small.is_empty(), "FGSM at 0.05 fools no sample");
    let mean_linf = small.iter().map(|s| s.0).sum::<f64>() / small.len() as f64;
    // The median L2 over both budgets of the sweep.
    let mut l2: Vec<f64> = small
        .iter()
        .chain(&fgsm_successes(0.1))
        .map(|s| s.1)
        .collect();
    l2.sort_by(f64::total_cmp);
    let n = l2.len();
    let median_l2 = match n % 2 {
        1 => l2[n / 2],
        _ => (l2[n / 2 - 1] + l2[n / 2]) / 2.0,
    };
    assert_eq!(sizes.len(), 2, "{:?}", results.metrics);
    assert!(
        (sizes[0] - mean_linf).abs() < 1e-7,
        "{} vs {mean_linf}",
        sizes[0]
    );
    assert!(
        (sizes[1] - median_l2).abs() < 1e-7,
        "{} vs {median_l2}",
        sizes[1]
    );
    assert!(sizes[0] > 0.0 && sizes[0] <= 0.05 + 1e-7);
    // The model's gradients are never flat here.
    assert!(results
        .sanity
        .iter()
        .all(|f| !f.check.contains("gradients")));
    // The sizes travel with the cache entries: a rerun from the cache reports the same numbers.
    let again = project.run(&[]);
    assert_eq!(status(&again), 0, "{}", stderr(&again));
    let cached = project.results();
    assert_eq!(cached.stats.forward_passes, 0);
    assert_eq!(comparable(results), comparable(cached));
}

#[test]
fn saturated_scores_that_mask_gradients_raise_a_sanity_flag() {
    // Scores 10,000 times larger: the softmax of a confidently classified sample is exactly one-hot
    // in f64, its cross-entropy gradient exactly zero, so FGSM cannot move it while the
    // score-based Square attack, which needs no gradient, still can.
    let project = Project::new("0.2", "85%");
    project.write("models/linear.onnx", &linear_onnx(10_000.0));
    let spec = std::fs::read_to_string(project.path("bench.rbench")).expect("the spec");
    let spec = spec
        .replace(
            "perturbation attack = fgsm(eps: [0.05, 0.1])",
            "perturbation attack = fgsm(eps: [0.05, 0.1])\nperturbation scores = square(eps: 0.1, queries: 500)",
        )
        .replace(
            "under [noise, attack,",
            "under [scores, noise, attack,",
        );
    project.write("bench.rbench", spec.as_bytes());
    let output = project.run(&[]);
    assert!(matches!(status(&output), 0 | 1), "{}", stderr(&output));
    let results = project.results();
    let flag = results
        .sanity
        .iter()
        .find(|f| f.check == "black-box-stronger")
        .unwrap_or_else(|| panic!("no black-box flag in {:?}", results.sanity));
    assert_eq!(flag.branches, ["scores", "attack[eps = 0.1]"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("the gradients may be masked"), "{stdout}");
    // The same saturation makes FGSM's input gradients exactly zero: 36 samples are classified
    // correctly with a one-hot softmax; the 4 mislabelled ones keep a gradient.
    let zero: Vec<(&str, &str)> = results
        .sanity
        .iter()
        .filter(|f| f.check == "zero-gradients")
        .map(|f| (f.branches[0].as_str(), f.message.as_str()))
        .collect();
    assert_eq!(zero.len(), 2, "{:?}", results.sanity);
    for (branch, message) in &zero {
        assert!(branch.starts_with("attack[eps = "), "{branch}");
        assert!(message.starts_with("36 of 40 (90.00%)"), "{message}");
    }
    // FGSM fools no sample, so the size of its successes is undefined: `null` in the results,
    // `undefined` on the terminal, and a gate on it fails.
    assert!(support::runs::gate_metric(&results, "sizes").is_nan());
    let sizes = results
        .gates
        .iter()
        .find(|g| g.name == "sizes")
        .expect("the gate");
    assert!(!sizes.passed);
    assert!(stdout.contains("undefined"), "{stdout}");
    // The counts travel with the cache entries: a rerun from the cache flags the same.
    let again = project.run(&[]);
    assert!(matches!(status(&again), 0 | 1), "{}", stderr(&again));
    let cached = project.results();
    assert_eq!(cached.stats.backward_passes, 0);
    assert_eq!(cached.sanity, results.sanity);
}
