//! The spec files shipped with rbench (`examples/*.rbench` and `specs/**/*.rbench`) must parse;
//! they are what users copy from, and later stages grow them into runnable benchmarks.

mod support;

use std::fmt::Write as _;
use std::path::PathBuf;

use rbench::syntax::{self, FileId, SourceFile};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped specs, each as a source named by its path relative to the crate root.
fn shipped_specs() -> Vec<SourceFile> {
    let mut paths = support::rbench_files(&root().join("examples"));
    paths.extend(support::rbench_files(&root().join("specs")));
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let name = path
                .strip_prefix(root())
                .unwrap_or(path)
                .display()
                .to_string();
            SourceFile::new(FileId(0), name, text)
        })
        .collect()
}

#[test]
fn every_shipped_spec_parses() {
    let specs = shipped_specs();
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    for expected in [
        "examples/breast_cancer.rbench",
        "examples/digits.rbench",
        "examples/fashion_mnist.rbench",
        "specs/suites/adversarial.rbench",
        "specs/suites/corruptions.rbench",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} is missing: {names:?}"
        );
    }
    let mut failures = String::new();
    for spec in &specs {
        if let Err(errors) = syntax::parse(spec) {
            let _ = writeln!(failures, "{}", support::render(&errors, 100));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// The suites are meant for `import`: they declare perturbations (and metrics) only, nothing
/// that would make two importing specs clash (a header, data sets, models or gates).
#[test]
fn suites_declare_only_perturbations_and_metrics() {
    for spec in shipped_specs()
        .iter()
        .filter(|s| s.name.starts_with("specs/suites/"))
    {
        let file = syntax::parse(spec).unwrap_or_else(|e| panic!("{}", support::render(&e, 100)));
        let kinds: Vec<&str> = file.items.iter().map(|i| i.kind.keyword()).collect();
        assert!(
            kinds
                .iter()
                .all(|k| matches!(*k, "perturbation" | "metric")),
            "{} declares {kinds:?}",
            spec.name
        );
    }
}

#[test]
fn every_shipped_spec_is_in_canonical_layout() {
    let mut failures = String::new();
    for spec in shipped_specs() {
        match syntax::format(&spec) {
            Ok(formatted) if *formatted == *spec.text => {}
            Ok(formatted) => {
                let _ = writeln!(
                    failures,
                    "{}: not in canonical layout; `rbench fmt` prints:\n{formatted}",
                    spec.name
                );
            }
            Err(errors) => {
                let _ = writeln!(failures, "{}", support::render(&errors, 100));
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}
