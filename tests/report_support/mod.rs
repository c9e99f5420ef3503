//! Results of real runs for the report tests: the quickstart example run once per test binary,
//! with its volatile fields (times, host, repository) set to fixed values so that reports of it
//! can be compared with snapshots.

// Each test crate includes this module and uses only some of its helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rbench::results::{Host, Repository, RunResults};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `rbench` with `args` in the repository root; returns its exit code, stdout and stderr.
pub fn rbench(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rbench"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run rbench");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `examples/quickstart.rbench` into `out` with `extra` arguments; panics unless it exits 0.
pub fn run_quickstart(out: &Path, extra: &[&str]) {
    let out = out.display().to_string();
    let mut args = vec!["run", "--no-cache", "--quiet", "--out", &out];
    args.extend_from_slice(extra);
    args.push("examples/quickstart.rbench");
    let (code, _, stderr) = rbench(&args);
    assert_eq!(code, Some(0), "{stderr}");
}

/// The text of the `results.json` of a fresh quickstart run (run once per test binary).
pub fn quickstart_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        run_quickstart(dir.path(), &[]);
        std::fs::read_to_string(dir.path().join("results.json")).expect("results.json")
    })
}

/// The quickstart's results with fixed times, host and repository.
pub fn quickstart() -> RunResults {
    let mut results: RunResults =
        serde_json::from_str(quickstart_text()).expect("results.json parses");
    results.started_at = "2026-01-01T00:00:00.000Z".to_string();
    results.finished_at = "2026-01-01T00:00:01.500Z".to_string();
    results.host = Host {
        os: "linux".to_string(),
        arch: "x86_64".to_string(),
        cpu: Some("a CPU".to_string()),
        threads: 4,
    };
    results.repository = Some(Repository {
        commit: "0123456789abcdef0123456789abcdef01234567".to_string(),
        dirty: false,
    });
    results.timings.total_seconds = 1.5;
    for node in &mut results.timings.nodes {
        node.seconds = 0.25;
    }
    results.timings.nodes.sort_by(|a, b| a.node.cmp(&b.node));
    results
}

/// The quickstart's results with `gate` failed (as its verdict, comparisons and mappings say).
pub fn with_failed_gate(mut results: RunResults, gate: &str) -> RunResults {
    for g in results.gates.iter_mut().filter(|g| g.name == gate) {
        g.passed = false;
        for c in &mut g.comparisons {
            c.passed = false;
        }
    }
    for m in results.mappings.iter_mut() {
        if m.gates.iter().any(|g| g == gate) {
            m.satisfied = false;
        }
    }
    results
}
