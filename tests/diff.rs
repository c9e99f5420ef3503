//! `rbench diff`: changes between two results files, regression exit codes, and `--git`.

mod report_support;

use std::process::Command;

use rbench::report;
use report_support::{quickstart, rbench, with_failed_gate};

/// Writes `results` as `NAME.json` in `dir`; returns its path.
fn write(dir: &std::path::Path, name: &str, results: &rbench::results::RunResults) -> String {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, rbench::results::to_json(results)).expect("write results");
    path.display().to_string()
}

#[test]
fn identical_results_do_not_regress() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = write(dir.path(), "a", &quickstart());
    let (code, stdout, _) = rbench(&["diff", &path, &path]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("no regression: 0 gate(s)"), "{stdout}");
    assert!(
        stdout.contains("clean_accuracy: accuracy(mlp, clean): 0.9755 → 0.9755 (+0.0000 ["),
        "{stdout}"
    );
}

#[test]
fn a_gate_that_fails_now_is_a_regression() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let old = write(dir.path(), "old", &quickstart());
    let new = write(
        dir.path(),
        "new",
        &with_failed_gate(quickstart(), "calibration"),
    );
    let (code, stdout, _) = rbench(&["diff", &old, &new]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("gate calibration: pass → fail"), "{stdout}");
    // The other way round, a gate that passes now is no regression.
    let (code, stdout, _) = rbench(&["diff", &new, &old]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("gate calibration: fail → pass"), "{stdout}");
}

#[test]
fn a_metric_worse_than_the_tolerance_is_a_regression() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let old = write(dir.path(), "old", &quickstart());
    let mut worse = quickstart();
    // Accuracy down by 0.02; ECE (lower is better) up by 0.01.
    for metric in &mut worse.metrics {
        match metric.metric.as_str() {
            "accuracy" if metric.gate == "adversarial_floor" => metric.value -= 0.02,
            "ece" => metric.value += 0.01,
            _ => {}
        }
    }
    let new = write(dir.path(), "new", &worse);
    let (code, stdout, _) = rbench(&["diff", &old, &new]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("2 metric(s) worse"), "{stdout}");
    let (code, stdout, _) = rbench(&["diff", &old, &new, "--tolerance", "0.015"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("1 metric(s) worse by more than 0.015"),
        "{stdout}"
    );
    let (code, stdout, _) = rbench(&["diff", &old, &new, "--tolerance", "0.05"]);
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn change_intervals_contain_the_change() {
    let old = quickstart();
    let diff = report::diff(&old, &old, 0.0);
    assert!(!diff.metrics.is_empty());
    for change in &diff.metrics {
        if let Some((low, high)) = change.interval {
            assert!(low < 0.0 && high > 0.0, "{change:?}");
        }
    }
}

#[test]
fn errors_exit_2() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = write(dir.path(), "a", &quickstart());
    let missing = dir.path().join("missing.json").display().to_string();
    assert_eq!(rbench(&["diff", &path, &missing]).0, Some(2));
    assert_eq!(rbench(&["diff", &path]).0, Some(2));
    assert_eq!(rbench(&["diff", &path, &path, "--git", "HEAD"]).0, Some(2));
    assert_eq!(
        rbench(&["diff", &path, &path, "--tolerance", "-1"]).0,
        Some(2)
    );
    let (code, _, stderr) = rbench(&["diff", "--git", "HEAD", &path]);
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn git_compares_with_the_committed_results() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    git(&["init", "--quiet"]);
    let path = write(dir.path(), "results", &quickstart());
    git(&["add", "results.json"]);
    git(&["commit", "--quiet", "-m", "results"]);
    write(
        dir.path(),
        "results",
        &with_failed_gate(quickstart(), "noise_tolerance"),
    );
    let (code, stdout, stderr) = rbench(&["diff", "--git", "HEAD", &path]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("gate noise_tolerance: pass → fail"),
        "{stdout}"
    );
    let (code, _, stderr) = rbench(&["diff", "--git", "no-such-revision", &path]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("results.json@no-such-revision"), "{stderr}");
}
