//! Metrics of several branches end to end: corruption errors against a baseline model (`ce`,
//! `mce`, `relative_mce`, Hendrycks & Dietterich 2019) and the area under an accuracy-versus-
//! strength curve (`auc`), each recomputed here from the per-branch accuracies the run records.

mod support;

use rbench::results::{BranchResult, RunResults};
use support::runs::{gate_metric, repo, run_from_temp};

/// Two digits models under two noises (ImageNet-C severities, strong enough to make both err)
/// and an FGSM sweep.
fn spec() -> String {
    format!(
        r#"benchmark derived {{
  seed = 5
}}

dataset digits {{
  source = sample(digits)
  classes = 10
  range = [0, 1]
}}

model mlp {{
  onnx = "{mlp}"
}}

model cnn {{
  safetensors = "{cnn}"
  arch = cnn(channels: [16, 32], hidden: 128, classes: 10)
}}

perturbation noise = gaussian_noise(severity: 1..5, table: imagenet)
perturbation impulse = impulse_noise(severity: 1..5, table: imagenet)
perturbation attack = fgsm(eps: [0, 0.05, 0.1, 0.2])

evaluate [mlp, cnn] on digits under [noise, impulse, attack]

require noise_ce: ce(mlp, noise, baseline: cnn) >= 0
require both_mce: mce(mlp, [noise, impulse], baseline: cnn) >= 0
require both_relative: relative_mce(mlp, [noise, impulse], baseline: cnn) >= 0
require attack_auc: auc(mlp, attack) >= 0
"#,
        mlp = repo("examples/models/digits_mlp.onnx"),
        cnn = repo("examples/models/digits_cnn.safetensors"),
    )
}

/// The branches of `model` under `perturbation` (`None`: clean), in the order of `param`.
fn branches<'r>(
    results: &'r RunResults,
    model: &str,
    perturbation: Option<&str>,
    param: &str,
) -> Vec<&'r BranchResult> {
    let mut found: Vec<&BranchResult> = results
        .branches
        .iter()
        .filter(|b| b.model == model && b.perturbation.as_deref() == perturbation)
        .collect();
    let key = |b: &BranchResult| b.swept.get(param).copied().unwrap_or(0.0);
    found.sort_by(|a, b| key(a).total_cmp(&key(b)));
    assert!(!found.is_empty(), "{model} under {perturbation:?}");
    found
}

/// The top-1 error rates of `model` under each severity of `corruption`.
fn errors(results: &RunResults, model: &str, corruption: &str) -> Vec<f64> {
    let found = branches(results, model, Some(corruption), "severity");
    assert_eq!(found.len(), 5);
    found.iter().map(|b| 1.0 - b.accuracy).collect()
}

fn clean_error(results: &RunResults, model: &str) -> f64 {
    1.0 - branches(results, model, None, "")[0].accuracy
}

fn ce(results: &RunResults, corruption: &str) -> f64 {
    let model: f64 = errors(results, "mlp", corruption).iter().sum();
    let baseline: f64 = errors(results, "cnn", corruption).iter().sum();
    model / baseline
}

fn relative_ce(results: &RunResults, corruption: &str) -> f64 {
    let degradation = |model: &str| {
        let clean = clean_error(results, model);
        errors(results, model, corruption)
            .iter()
            .map(|e| e - clean)
            .sum::<f64>()
    };
    degradation("mlp") / degradation("cnn")
}

#[test]
fn corruption_errors_and_auc_follow_their_definitions() {
    let results = run_from_temp(&spec());
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;

    let noise_ce = ce(&results, "noise");
    assert!(
        close(gate_metric(&results, "noise_ce"), noise_ce),
        "{noise_ce}"
    );
    // The baseline CNN errs less than the MLP under noise: a corruption error above 1.
    assert!(noise_ce > 1.0, "{noise_ce}");

    let mce = (ce(&results, "noise") + ce(&results, "impulse")) / 2.0;
    assert!(close(gate_metric(&results, "both_mce"), mce), "{mce}");

    let relative = (relative_ce(&results, "noise") + relative_ce(&results, "impulse")) / 2.0;
    assert!(
        close(gate_metric(&results, "both_relative"), relative),
        "{relative}"
    );

    // Trapezoids over ε = 0, 0.05, 0.1, 0.2, divided by the range 0.2.
    let points: Vec<(f64, f64)> = branches(&results, "mlp", Some("attack"), "eps")
        .iter()
        .map(|b| (b.swept["eps"], b.accuracy))
        .collect();
    assert_eq!(points.len(), 4);
    let area: f64 = points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum();
    let auc = area / 0.2;
    assert!(close(gate_metric(&results, "attack_auc"), auc), "{auc}");
    // At ε = 0 FGSM changes nothing: the curve starts at the clean accuracy.
    assert!(close(points[0].1, 1.0 - clean_error(&results, "mlp")));
}
