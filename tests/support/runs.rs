//! Running specs end to end with the `rbench` binary from a temporary folder.

use std::path::Path;

use rbench::link::Reach;
use rbench::results::RunResults;
use rbench::RunOptions;

/// A file of the repository, as an absolute path a spec elsewhere can name.
pub fn repo(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .display()
        .to_string()
}

/// Runs `spec`, written to a temporary folder, without the cache, through the library's entry
/// point (as `rbench run --no-cache --allow-outside`); it must pass its gates. The spec may name
/// the repository's files ([`repo`]): the run may read outside its folder.
pub fn run_from_temp(spec: &str) -> RunResults {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("spec.rbench");
    std::fs::write(&path, spec).expect("write the spec");
    let mut options = RunOptions::beside(Some(&path));
    options.out = dir.path().join("out");
    options.cache = None;
    options.reach = Reach::Anywhere;
    let ran = rbench::run_spec(&path, &options).unwrap_or_else(|error| panic!("{error:?}"));
    assert!(ran.results.passed(), "a required gate failed");
    ran.results
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
