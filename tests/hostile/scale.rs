//! Huge specs cost time and memory linear in their size: planning many sweep members, drawing
//! many diagnostics and checking many gates were quadratic (80,000 members took 13 s to plan,
//! 40,000 errors 167 s to draw), and the limits that bound a spec are reported with a code.
//!
//! Each case is sized so that the old quadratic behaviour would take minutes, while the linear
//! one takes a few seconds even in a debug build on a loaded machine; the time bounds are far
//! above that, so they never flake.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use miette::{GraphicalReportHandler, GraphicalTheme};
use rbench::check::{self, CheckErrors, FsLoader, Spec};
use rbench::plan;
use rbench::syntax::{self, FileId, SourceFile};

/// A bound no linear run comes near, and every quadratic one exceeds.
const GENEROUS: Duration = Duration::from_secs(60);

/// The header every generated spec starts with: one dataset, `models` models.
fn header(models: usize) -> String {
    let mut spec = String::from(
        "benchmark huge {\n  seed = 7\n}\n\n\
         dataset d {\n  source = npz(\"d.npz\")\n  classes = 10\n}\n\n",
    );
    for m in 0..models {
        let _ = writeln!(spec, "model m{m} {{\n  onnx = \"m{m}.onnx\"\n}}\n");
    }
    spec
}

/// `perturbations` perturbations of 10,000 distinct members each (perturbation `p` sweeps
/// `sigma` from `p` + 0.0001 to `p` + 1), all
/// evaluated on every one of `models` models, and one gate.
fn sweep_spec(perturbations: usize, models: usize) -> String {
    let mut spec = header(models);
    let mut names = Vec::new();
    for p in 0..perturbations {
        let _ = writeln!(
            spec,
            "perturbation p{p} = gaussian_noise(sigma: {p}.0001..{} step 0.0001)",
            p + 1
        );
        names.push(format!("p{p}"));
    }
    let models: Vec<String> = (0..models).map(|m| format!("m{m}")).collect();
    let _ = writeln!(
        spec,
        "evaluate [{}] on d under [{}]",
        models.join(", "),
        names.join(", ")
    );
    spec.push_str("require g: accuracy(m0, clean) >= 0.5\n");
    spec
}

/// `gates` gates; with `broken`, each names an undeclared model (one error per gate).
fn gate_spec(gates: usize, broken: bool) -> String {
    let mut spec = header(1);
    spec.push_str("evaluate m0 on d\n");
    let model = if broken { "nope" } else { "m0" };
    for g in 0..gates {
        let _ = writeln!(spec, "require g{g}: accuracy({model}, clean) >= 0.5");
    }
    spec
}

fn check_text(text: String) -> Result<Spec, CheckErrors> {
    let source = SourceFile::new(FileId(0), "huge.rbench", text);
    let file = syntax::parse(&source).unwrap_or_else(|e| panic!("parses: {e:?}"));
    check::check(source, file, Path::new("huge.rbench"), &FsLoader)
}

fn codes(errors: &CheckErrors) -> Vec<String> {
    use miette::Diagnostic;
    errors
        .errors()
        .map(|e| e.code().map_or_else(String::new, |c| c.to_string()))
        .collect()
}

#[test]
fn planning_the_most_members_a_spec_may_have_is_linear() {
    let started = Instant::now();
    let spec = check_text(sweep_spec(9, 1))
        .unwrap_or_else(|e| panic!("checks: {:?}", miette::Report::new(e)));
    let plan = plan::build(&spec);
    let elapsed = started.elapsed();
    let members: usize = spec.perturbations.iter().map(|p| p.members.len()).sum();
    assert!(members > 89_000, "{members} members");
    // A perturb and an infer node per member, and each reads its inputs once.
    assert!(plan.graph.node_count() > 2 * members);
    assert!(plan.graph.edge_count() < 4 * plan.graph.node_count());
    assert!(elapsed < GENEROUS, "checking and planning took {elapsed:?}");
}

#[test]
fn more_members_than_a_spec_may_declare_is_a_coded_error() {
    let errors = check_text(sweep_spec(11, 1)).expect_err("too many members");
    assert_eq!(codes(&errors), ["rbench::check::spec-too-large"]);
    assert!(errors.errors().any(|e| e.to_string().contains("100000")));
}

#[test]
fn more_branches_than_a_spec_may_evaluate_is_a_coded_error() {
    // 20,000 members on 10 models: 200,000 branches (the 1.3 KB spec of 3M branches took 120 s).
    let errors = check_text(sweep_spec(2, 10)).expect_err("too many branches");
    assert_eq!(codes(&errors), ["rbench::check::spec-too-large"]);
    assert!(errors
        .errors()
        .any(|e| e.to_string().contains("perturbed branches")));
}

#[test]
fn drawing_every_one_of_many_diagnostics_is_linear() {
    // Each diagnostic used to be drawn by reading the file from its start.
    let text = gate_spec(20_000, true);
    let last = text[..text.find("require g19999:").unwrap_or(0)]
        .matches('\n')
        .count()
        + 1;
    let errors = check_text(text).expect_err("undeclared models");
    assert_eq!(errors.errors().count(), 20_000);
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    let started = Instant::now();
    let mut drawn = String::new();
    handler
        .render_report(&mut drawn, &errors)
        .unwrap_or_else(|e| panic!("draws: {e}"));
    let elapsed = started.elapsed();
    let at = format!("huge.rbench:{last}:");
    assert!(drawn.contains(&at), "the last error is drawn at {at}");
    assert!(elapsed < GENEROUS, "drawing took {elapsed:?}");
}

#[test]
fn check_prints_the_first_200_diagnostics_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"));
    let path = dir.path().join("huge.rbench");
    std::fs::write(&path, gate_spec(40_000, true)).unwrap_or_else(|e| panic!("write: {e}"));
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_rbench"))
        .arg("check")
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("runs: {e}"));
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has 40000 errors"), "{stderr:.2000}");
    assert_eq!(stderr.matches("rbench::check::unknown-name").count(), 200);
    assert!(stderr.contains("… and 39800 more not shown (40000 in all)"));
    assert!(stderr.ends_with("checked 1 file: 1 with errors\n"));
    assert!(elapsed < GENEROUS, "rbench check took {elapsed:?}");
}

#[test]
fn a_file_of_unclosed_strings_scans_in_linear_time() {
    // Each unclosed string looked for a closing quote in the whole rest of the file.
    let text = "x = \"open\n".repeat(50_000);
    let source = SourceFile::new(FileId(0), "open.rbench", text);
    let started = Instant::now();
    let errors = syntax::parse(&source).expect_err("unclosed strings");
    let elapsed = started.elapsed();
    assert!(!errors.errors().is_empty());
    assert!(elapsed < GENEROUS, "scanning took {elapsed:?}");
}

#[test]
fn checking_and_planning_many_gates_is_linear() {
    let started = Instant::now();
    let spec = check_text(gate_spec(100_000, false))
        .unwrap_or_else(|e| panic!("checks: {:?}", miette::Report::new(e)));
    let plan = plan::build(&spec);
    let elapsed = started.elapsed();
    assert_eq!(spec.gates.len(), 100_000);
    assert!(plan.graph.node_count() > 100_000);
    assert!(elapsed < GENEROUS, "checking and planning took {elapsed:?}");
}

/// A million gates (45 MB of text) took 24 s and 5 GB to check; a spec file larger than
/// `check::MAX_SPEC_BYTES` is now refused by its size on disk, before a byte of it is read.
#[test]
fn a_spec_file_larger_than_the_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"));
    let path = dir.path().join("huge.rbench");
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("create: {e}"));
    file.set_len(check::MAX_SPEC_BYTES * 12)
        .unwrap_or_else(|e| panic!("sparse file: {e}"));
    for command in ["check", "run"] {
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_rbench"))
            .arg(command)
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("runs: {e}"));
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("more than the 4194304"),
            "{command}: {stderr}"
        );
        assert!(started.elapsed() < GENEROUS);
    }
}
