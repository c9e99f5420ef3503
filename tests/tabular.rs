//! Tabular perturbations at run time: zero strength is the identity, immutable features stay
//! bit-identical, noise and dropout have the strengths asked for, quantisation keeps at most
//! 2^bits values per feature, nothing depends on the batch split, and the breast cancer example
//! runs end to end.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rbench::data::{self, Batch, Selection, SourceSpec};
use rbench::perturb::{
    node_seed, Context, Feature, FeatureDropout, FeatureNoise, FeatureStats, Perturbation, Quantize,
};
use rbench::results::RunResults;

const NAMES: [&str; 4] = ["area", "ratio", "flag", "count"];
const RANGE: (f32, f32) = (-100.0, 10_000.0);

/// `n` rows of four features of different scales: `area` in [500, 1500), `ratio` in [0, 1),
/// `flag` constant 3, `count` an integer in 0..20. Pseudo-random (xorshift), fixed.
fn table(n: usize) -> Batch {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut inputs = Vec::with_capacity(4 * n);
    for _ in 0..n {
        inputs.extend([
            (500.0 + 1000.0 * next()) as f32,
            next() as f32,
            3.0,
            (20.0 * next()).floor() as f32,
        ]);
    }
    Batch {
        sample_shape: vec![4],
        inputs,
        labels: vec![0; n],
        indices: (0..n as u64).collect(),
    }
}

fn stats_of(batch: &Batch) -> Arc<FeatureStats> {
    let mut stats = FeatureStats::new(batch.sample_size());
    stats.add_batch(batch);
    Arc::new(stats)
}

fn names() -> Vec<String> {
    NAMES.iter().map(|n| n.to_string()).collect()
}

fn applied(perturbation: &dyn Perturbation, batch: &Batch, names: &[String]) -> Batch {
    let ctx = Context {
        range: RANGE,
        seed: node_seed(42, &[7; 32]),
        model: None,
        feature_names: Some(names),
    };
    let mut out = batch.clone();
    perturbation
        .apply(&mut out, &ctx)
        .expect("the perturbation applies");
    out
}

/// The values of feature `j`.
fn column(batch: &Batch, j: usize) -> Vec<f64> {
    batch.inputs[j..]
        .iter()
        .step_by(4)
        .map(|&v| f64::from(v))
        .collect()
}

/// Each perturbation of the family at a noticeable strength, leaving `immutable` unchanged.
fn each_kind(immutable: &[&str], stats: &Arc<FeatureStats>) -> Vec<Box<dyn Perturbation>> {
    let immutable: Vec<Feature> = immutable.iter().map(|&n| n.into()).collect();
    vec![
        Box::new(FeatureNoise::new(0.5, immutable.clone(), stats.clone()).expect("valid")),
        Box::new(FeatureDropout::new(0.3, immutable.clone(), stats.clone()).expect("valid")),
        Box::new(Quantize::new(2, immutable, stats.clone()).expect("valid")),
    ]
}

#[test]
fn zero_strength_is_the_identity() {
    let batch = table(500);
    let stats = stats_of(&batch);
    let names = names();
    let noise = FeatureNoise::new(0.0, vec![], stats.clone()).expect("valid");
    assert_eq!(applied(&noise, &batch, &names).inputs, batch.inputs);
    let dropout = FeatureDropout::new(0.0, vec![], stats.clone()).expect("valid");
    assert_eq!(applied(&dropout, &batch, &names).inputs, batch.inputs);
    // 16 bits: within half a level (and f32 rounding) of the original.
    let quantized = applied(
        &Quantize::new(16, vec![], stats.clone()).expect("valid"),
        &batch,
        &names,
    );
    for j in 0..4 {
        let half_level = (stats.max(j) - stats.min(j)) / 65_535.0 / 2.0;
        for (q, x) in column(&quantized, j).iter().zip(column(&batch, j)) {
            assert!((q - x).abs() <= half_level + 1e-6 * x.abs(), "{q} vs {x}");
        }
    }
}

#[test]
fn immutable_features_are_bit_identical_and_shift_no_draws() {
    let batch = table(300);
    let stats = stats_of(&batch);
    let names = names();
    let free = each_kind(&[], &stats);
    let fixed = each_kind(&["area", "count"], &stats);
    for (free, fixed) in free.iter().zip(&fixed) {
        let free = applied(free.as_ref(), &batch, &names);
        let fixed = applied(fixed.as_ref(), &batch, &names);
        for j in 0..4 {
            let expected = if j == 0 || j == 3 { &batch } else { &free };
            let (got, want) = (column(&fixed, j), column(expected, j));
            assert!(got
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        assert_ne!(
            column(&free, 0),
            column(&batch, 0),
            "the free run changes `area`"
        );
    }
    let unknown = FeatureNoise::new(0.1, vec!["radius".into()], stats).expect("valid");
    let mut out = batch.clone();
    let ctx = Context {
        range: RANGE,
        seed: [0; 32],
        model: None,
        feature_names: Some(&names),
    };
    let message = unknown
        .apply(&mut out, &ctx)
        .expect_err("unknown")
        .to_string();
    assert!(message.contains("`radius` is not a feature"), "{message}");
}

#[test]
fn noise_has_sigma_standard_deviations_of_each_feature() {
    let n = 20_000;
    let batch = table(n);
    let stats = stats_of(&batch);
    let sigma = 0.5;
    let noise = FeatureNoise::new(sigma, vec![], stats.clone()).expect("valid");
    let noisy = applied(&noise, &batch, &names());
    for j in [0, 1, 3] {
        let differences: Vec<f64> = column(&noisy, j)
            .iter()
            .zip(column(&batch, j))
            .map(|(y, x)| y - x)
            .collect();
        let mean = differences.iter().sum::<f64>() / n as f64;
        let std = (differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        let expected = sigma * stats.std(j);
        // The standard error of a sample std is about std/√(2n) = 0.5%; allow 3%.
        assert!(
            (std / expected - 1.0).abs() < 0.03,
            "feature {j}: {std} vs {expected}"
        );
        assert!(mean.abs() < 0.03 * expected, "feature {j}: mean {mean}");
    }
    // The constant feature has no spread, so no noise.
    assert_eq!(column(&noisy, 2), column(&batch, 2));
}

#[test]
fn dropout_replaces_the_fraction_asked_for_with_the_mean() {
    let n = 10_000;
    let batch = table(n);
    let stats = stats_of(&batch);
    let rate = 0.2;
    let dropped = applied(
        &FeatureDropout::new(rate, vec![], stats.clone()).expect("valid"),
        &batch,
        &names(),
    );
    // `area` and `ratio` are continuous: a changed value was dropped, and is the mean (in f32).
    let mut changed = 0;
    for j in [0, 1] {
        for (y, x) in column(&dropped, j).iter().zip(column(&batch, j)) {
            if *y != x {
                changed += 1;
                assert_eq!(*y, f64::from(stats.mean(j) as f32));
            }
        }
    }
    let fraction = f64::from(changed) / (2 * n) as f64;
    // Binomial standard error √(0.2·0.8/20000) ≈ 0.0028; allow 5 of them.
    assert!((fraction - rate).abs() < 0.014, "dropped {fraction}");
}

#[test]
fn quantization_keeps_at_most_two_to_the_bits_values_and_is_idempotent() {
    let batch = table(2_000);
    let stats = stats_of(&batch);
    let names = names();
    for bits in [1, 2, 3, 5, 8] {
        let quantize = Quantize::new(bits, vec![], stats.clone()).expect("valid");
        let once = applied(&quantize, &batch, &names);
        for j in 0..4 {
            let mut values = column(&once, j);
            values.sort_by(f64::total_cmp);
            values.dedup();
            assert!(values.len() <= 1 << bits, "{bits} bits: {}", values.len());
            assert!(values
                .iter()
                .all(|v| (stats.min(j)..=stats.max(j)).contains(v)));
        }
        // With the same statistics, quantised values are levels already.
        let twice = applied(&quantize, &once, &names);
        assert_eq!(twice.inputs, once.inputs, "{bits} bits");
    }
    // Two bits on `count` (0..=19): levels 0, 19/3, 38/3, 19.
    let quantize = Quantize::new(2, vec![], stats.clone()).expect("valid");
    let counts = column(&applied(&quantize, &batch, &names), 3);
    let levels = [0.0, 19.0 / 3.0, 38.0 / 3.0, 19.0].map(|v: f64| f64::from(v as f32));
    assert!(counts.iter().all(|c| levels.contains(c)));
}

#[test]
fn results_do_not_depend_on_the_batch_split() {
    let batch = table(101);
    let stats = stats_of(&batch);
    let names = names();
    for perturbation in each_kind(&["flag"], &stats) {
        let whole = applied(perturbation.as_ref(), &batch, &names);
        for size in [1, 7, 50] {
            let mut pieces = Vec::new();
            for start in (0..101).step_by(size) {
                let end = (start + size).min(101);
                let part = Batch {
                    sample_shape: vec![4],
                    inputs: batch.inputs[4 * start..4 * end].to_vec(),
                    labels: batch.labels[start..end].to_vec(),
                    indices: batch.indices[start..end].to_vec(),
                };
                pieces.extend(applied(perturbation.as_ref(), &part, &names).inputs);
            }
            assert_eq!(pieces, whole.inputs, "batches of {size}");
        }
    }
}

#[test]
fn statistics_do_not_depend_on_the_batch_size() {
    let batch = table(3_001);
    let whole = stats_of(&batch);
    for size in [1, 10, 1000] {
        let mut stats = FeatureStats::new(4);
        for chunk in batch.inputs.chunks(4 * size) {
            let n = chunk.len() / 4;
            stats.add_batch(&Batch {
                sample_shape: vec![4],
                inputs: chunk.to_vec(),
                labels: vec![0; n],
                indices: (0..n as u64).collect(),
            });
        }
        assert_eq!(stats, *whole, "batches of {size}");
    }
    // On a source: the bundled CSV table, against its rows added as one batch.
    let (batch, of_source, _) = breast_cancer();
    assert_eq!(*of_source, *stats_of(&batch));
    assert_eq!(of_source.count(), 142);
}

/// The bundled breast cancer test table and its feature statistics.
fn breast_cancer() -> (Batch, Arc<FeatureStats>, Vec<String>) {
    let spec = SourceSpec::Csv {
        path: Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/breast_cancer_test.csv"),
        label: "target".into(),
        features: None,
        delimiter: b',',
    };
    let source = data::open(&spec, &Selection::all(2, (0.0, 4300.0))).expect("opens");
    let stats = FeatureStats::of_source(source.as_ref()).expect("reads");
    let names = source
        .feature_names()
        .expect("a CSV table names its columns")
        .to_vec();
    let batch = source.batch(0..source.len()).expect("reads");
    (batch, Arc::new(stats), names)
}

#[test]
fn statistics_and_levels_match_numpy() {
    // numpy on the table's values as f32: `x.mean()`, `x.std()` (population), min and max.
    let (batch, stats, names) = breast_cancer();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
    assert_eq!(names[23], "worst area");
    assert!(
        close(stats.mean(23), 821.2147886249381),
        "{}",
        stats.mean(23)
    );
    assert!(
        close(stats.std(23), 495.05358959236503),
        "{}",
        stats.std(23)
    );
    assert_eq!((stats.min(23), stats.max(23)), (223.60000610351562, 2906.0));
    assert!(close(stats.mean(9), 0.06243471817021638));
    assert!(close(stats.std(9), 0.007222852346589689));
    // ART's bit-depth reduction with clip_values (min, max), 3 bits, on the first five rows:
    // np.rint((x − lo)/(hi − lo)·7)/7·(hi − lo) + lo, as f32.
    let quantize = Quantize::new(3, vec![], stats.clone()).expect("valid");
    let ctx = Context {
        range: (0.0, 4300.0),
        seed: [0; 32],
        model: None,
        feature_names: Some(&names),
    };
    let mut quantized = batch.clone();
    quantize.apply(&mut quantized, &ctx).expect("applies");
    let worst_area: Vec<f32> = quantized
        .inputs
        .iter()
        .skip(23)
        .step_by(30)
        .take(5)
        .copied()
        .collect();
    assert_eq!(worst_area, [606.8, 990.0, 1373.2, 990.0, 606.8]);
}

/// Runs the breast cancer example with `options`; gates may fail (exit 1), the run may not.
fn run_breast_cancer(options: &[&str]) -> RunResults {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = Command::new(env!("CARGO_BIN_EXE_rbench"))
        .args(["run", "--no-cache", "--quiet"])
        .args(options)
        .arg("--out")
        .arg(dir.path())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/breast_cancer.rbench"))
        .output()
        .expect("run rbench");
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("results.json")).expect("results");
    serde_json::from_str(&text).expect("results.json parses")
}

#[test]
fn the_breast_cancer_example_runs() {
    let results = run_breast_cancer(&[]);
    let accuracy = |label: &str| {
        let branch = results.branches.iter().find(|b| b.label == label);
        branch
            .unwrap_or_else(|| panic!("no branch {label}"))
            .accuracy
    };
    let clean = accuracy("clean");
    assert!(clean > 0.9, "clean accuracy {clean}");
    // Missing values and noise lose information; 8-bit measurements lose almost none.
    assert!(accuracy("dropout") <= clean + 0.02);
    assert!(accuracy("noise[sigma = 0.2]") <= clean + 0.02);
    assert!(accuracy("quantized[bits = 4]") <= clean + 0.02);
    assert!((accuracy("quantized[bits = 8]") - clean).abs() <= 0.03);
    // One thread and odd batches: the same perturbed inputs, so the same accuracies.
    let serial = run_breast_cancer(&["--threads", "1", "--batch-size", "7"]);
    let accuracies = |r: &RunResults| -> Vec<(String, f64)> {
        r.branches
            .iter()
            .map(|b| (b.label.clone(), b.accuracy))
            .collect()
    };
    assert_eq!(accuracies(&serial), accuracies(&results));
}
