//! The library's entry point (`rbench::run_spec`) runs a spec as `rbench run` does: the same
//! gate verdicts and metric values, the same files written, and the stages' errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use rbench::results::{self, RunResults, Severity};
use rbench::{RunError, RunOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `examples/quickstart.rbench` run by the binary, without the cache, into `out`.
fn binary_run(out: &Path) -> RunResults {
    let output = Command::new(env!("CARGO_BIN_EXE_rbench"))
        .current_dir(root())
        .args(["run", "--no-cache", "--quiet", "--out"])
        .arg(out)
        .arg("examples/quickstart.rbench")
        .output()
        .expect("rbench runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    results::read(&out.join("results.json")).expect("the binary's results")
}

#[test]
fn the_quickstart_runs_through_the_library_as_through_the_binary() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let spec = root().join("examples/quickstart.rbench");
    let mut options = RunOptions::beside(Some(&spec));
    options.out = folder.path().join("library");
    options.cache = None;
    options.reports = vec![rbench::report::Format::Md];
    let ran = rbench::run_spec(&spec, &options).expect("the quickstart runs");
    assert_eq!(ran.results_file, folder.path().join("library/results.json"));
    assert_eq!(ran.reports, [folder.path().join("library/report.md")]);
    assert_eq!(
        results::read(&ran.results_file).expect("the library's results"),
        ran.results
    );

    let binary = binary_run(&folder.path().join("binary"));
    let verdicts = |r: &RunResults| -> Vec<(String, Severity, bool)> {
        r.gates
            .iter()
            .map(|g| (g.name.clone(), g.severity, g.passed))
            .collect()
    };
    assert_eq!(verdicts(&ran.results), verdicts(&binary));
    assert_eq!(
        verdicts(&ran.results)[0],
        ("clean_accuracy".to_string(), Severity::Require, true)
    );
    assert!(ran.results.passed());
    let clean = |r: &RunResults| {
        r.metrics
            .iter()
            .find(|m| m.gate == "clean_accuracy")
            .map(|m| (m.value, m.interval, m.samples))
            .expect("the clean accuracy")
    };
    assert_eq!(clean(&ran.results), clean(&binary));
    assert!(clean(&ran.results).0 >= 0.9);
    let values = |r: &RunResults| -> Vec<(String, u64)> {
        r.metrics
            .iter()
            .map(|m| (m.label.clone(), m.value.to_bits()))
            .collect()
    };
    assert_eq!(values(&ran.results), values(&binary));
}

#[test]
fn each_stage_reports_its_own_error() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let run = |text: &str| {
        let spec = folder.path().join("spec.rbench");
        std::fs::write(&spec, text).expect("write the spec");
        let mut options = RunOptions::beside(Some(&spec));
        options.cache = None;
        rbench::run_spec(&spec, &options).map(|ran| ran.results)
    };
    let missing = folder.path().join("missing.rbench");
    let options = RunOptions::beside(Some(&missing));
    assert!(matches!(
        rbench::run_spec(&missing, &options),
        Err(RunError::Read { .. })
    ));
    assert!(matches!(run("benchmark {"), Err(RunError::Syntax(_))));
    assert!(matches!(
        run("benchmark b {}\nrequire g: accuracy(nothing, clean) >= 1"),
        Err(RunError::Check(_))
    ));
    let suite = root().join("specs/suites/adversarial.rbench");
    let mut options = RunOptions::beside(Some(&suite));
    options.out = folder.path().join("suite");
    assert!(matches!(
        rbench::run_spec(&suite, &options),
        Err(RunError::Suite { .. })
    ));
}
