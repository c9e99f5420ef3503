//! Running specs end to end with the `rbench` binary from a temporary folder.

use std::path::Path;
use std::process::Command;

use rbench::results::RunResults;

/// A file of the repository, as an absolute path a spec elsewhere can name.
pub fn repo(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .display()
        .to_string()
}

/// Runs `spec`, written to a temporary folder, without the cache; it must pass its gates (exit
/// 0). The spec may name the repository's files ([`repo`]): the run may read outside its folder.
pub fn run_from_temp(spec: &str) -> RunResults {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("spec.rbench");
    std::fs::write(&path, spec).expect("write the spec");
    let output = Command::new(env!("CARGO_BIN_EXE_rbench"))
        .args(["run", "--no-cache", "--quiet", "--allow-outside", "--out"])
        .arg(dir.path().join("out"))
        .arg(&path)
        .output()
        .expect("run rbench");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("out/results.json")).expect("results");
    serde_json::from_str(&text).expect("results.json parses")
}

/// Results without what varies between equivalent runs: times, timings and cache use.
pub fn comparable(mut results: RunResults) -> RunResults {
    results.timings.total_seconds = 0.0;
    results.timings.nodes.clear();
    results.stats = Default::default();
    results.started_at.clear();
    results.finished_at.clear();
    results
}

/// The value of the first metric call of gate `gate`.
pub fn gate_metric(results: &RunResults, gate: &str) -> f64 {
    results
        .metrics
        .iter()
        .find(|m| m.gate == gate)
        .map(|m| m.value)
        .unwrap_or_else(|| panic!("no metric of gate `{gate}`"))
}
