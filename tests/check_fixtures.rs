//! Every fixture under `tests/fixtures/check/`: each valid spec checks cleanly (a summary of the
//! checked spec is snapshotted), each invalid spec fails with coded, labelled diagnostics (their
//! rendering is snapshotted), and the invalid fixtures cover every code of `src/check/error.rs`.

mod check_support;
mod support;

use std::collections::BTreeSet;

use check_support::{check_file, describe, fixtures, render, Outcome};
use miette::Diagnostic;

/// The first line of a fixture's leading `//` comment: what the fixture is about.
fn description(path: &str) -> String {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    text.lines()
        .next()
        .and_then(|line| line.strip_prefix("// "))
        .unwrap_or("(no description)")
        .to_string()
}

/// The codes and label counts of every diagnostic of a failed check.
fn diagnostics(outcome: &Outcome) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut push = |d: &dyn Diagnostic| {
        let code = d.code().map(|c| c.to_string()).unwrap_or_default();
        let labels = d.labels().map_or(0, |l| l.count());
        out.push((code, labels, d.to_string()));
    };
    match outcome {
        Outcome::Checked(_) => {}
        Outcome::Syntax(errors) => errors.errors().iter().for_each(|e| push(e)),
        Outcome::Check(errors) => {
            errors.errors().for_each(|e| push(e));
            for syntax in errors.syntax_errors() {
                syntax.errors().iter().for_each(|e| push(e));
            }
        }
    }
    out
}

/// The codes `src/check/error.rs` declares, read from its text so a new code needs a fixture.
fn declared_codes() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/check/error.rs");
    let text = std::fs::read_to_string(path).expect("src/check/error.rs is readable");
    let marker = "code(\"rbench::check::";
    text.match_indices(marker)
        .map(|(at, _)| {
            let rest = &text[at + "code(\"".len()..];
            rest[..rest.find('"').expect("a code ends with a quote")].to_string()
        })
        .collect()
}

#[test]
fn invalid_fixtures_fail_with_coded_labelled_diagnostics() {
    let paths = fixtures("invalid");
    assert!(
        paths.len() >= 50,
        "only {} invalid fixtures; keep at least 50",
        paths.len()
    );
    let mut seen = BTreeSet::new();
    for (name, path) in &paths {
        let outcome = check_file(path);
        let rendered = match &outcome {
            Outcome::Checked(spec) => {
                panic!(
                    "{name}: checked, but it is an invalid fixture:\n{}",
                    describe(spec)
                )
            }
            Outcome::Syntax(errors) => panic!("{name}: does not parse:\n{}", render(errors)),
            Outcome::Check(errors) => render(errors),
        };
        let found = diagnostics(&outcome);
        assert!(!found.is_empty(), "{name}: no individual error");
        for (code, labels, message) in found {
            let imported_syntax = name == "imported_file_with_syntax_error";
            assert!(
                code.starts_with("rbench::check::")
                    || (imported_syntax && code.starts_with("rbench::syntax::")),
                "{name}: error `{message}` has code `{code}`"
            );
            assert!(labels > 0, "{name}: error `{message}` has no label");
            seen.insert(code);
        }
        assert!(
            !rendered.contains(env!("CARGO_MANIFEST_DIR")),
            "{name}: an absolute path leaks into the report:\n{rendered}"
        );
        insta::with_settings!({ description => description(path), omit_expression => true }, {
            insta::assert_snapshot!(format!("invalid__{name}"), rendered);
        });
    }
    let missing: Vec<String> = declared_codes().difference(&seen).cloned().collect();
    assert!(
        missing.is_empty(),
        "no invalid fixture produces these codes: {missing:?}"
    );
}

#[test]
fn valid_fixtures_check() {
    let paths = fixtures("valid");
    assert!(paths.len() >= 10, "only {} valid fixtures", paths.len());
    for (name, path) in &paths {
        let summary = match check_file(path) {
            Outcome::Checked(spec) => describe(&spec),
            Outcome::Syntax(errors) => panic!("{name}: does not parse:\n{}", render(&errors)),
            Outcome::Check(errors) => panic!("{name}: does not check:\n{}", render(&errors)),
        };
        insta::with_settings!({ description => description(path), omit_expression => true }, {
            insta::assert_snapshot!(format!("valid__{name}"), summary);
        });
    }
}

/// Each invalid fixture's codes, in one table, so a change of code shows in review.
#[test]
fn invalid_fixture_codes() {
    let table: Vec<String> = fixtures("invalid")
        .iter()
        .map(|(name, path)| {
            let codes: Vec<String> = diagnostics(&check_file(path))
                .into_iter()
                .map(|(code, _, _)| code)
                .collect();
            format!("{name}: {}", codes.join(", "))
        })
        .collect();
    insta::assert_snapshot!(table.join("\n"));
}
