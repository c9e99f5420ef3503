//! Every fixture under `tests/fixtures/syntax/`: each valid file parses (its AST is snapshotted),
//! each invalid file fails with coded, labelled diagnostics (their rendering is snapshotted).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use rbench::syntax::{parse, FileId, SourceFile, SyntaxErrors};

/// The `.rbench` files of one fixture folder, sorted by name.
fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/syntax")
        .join(kind);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rbench"))
        .collect();
    paths.sort();
    paths
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .expect("fixture names are UTF-8")
        .to_string()
}

/// Reads and parses one fixture, as `rbench check` would.
fn parse_fixture(path: &Path) -> Result<rbench::syntax::ast::File, SyntaxErrors> {
    let bytes = std::fs::read(path).expect("fixture is readable");
    let name = format!("{}.rbench", stem(path));
    SourceFile::from_bytes(FileId(0), name, bytes).and_then(|source| parse(&source))
}

/// The first line of a fixture's leading `//` comment: what the fixture is about.
fn description(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("fixture is readable");
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .next()
        .and_then(|line| line.strip_prefix("// "))
        .unwrap_or("(no description)")
        .to_string()
}

fn codes_of(errors: &SyntaxErrors) -> Vec<String> {
    errors
        .related()
        .expect("syntax errors list their problems as related diagnostics")
        .map(|error| error.code().map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

#[test]
fn invalid_fixtures_fail_with_coded_labelled_diagnostics() {
    let paths = fixtures("invalid");
    assert!(
        paths.len() >= 40,
        "only {} invalid fixtures; keep at least 40",
        paths.len()
    );
    let mut all_codes = BTreeSet::new();
    for path in &paths {
        let name = stem(path);
        let errors = match parse_fixture(path) {
            Ok(file) => panic!("{name}: parsed, but it is an invalid fixture: {file:#?}"),
            Err(errors) => errors,
        };
        let related: Vec<&dyn Diagnostic> = errors
            .related()
            .expect("syntax errors list their problems as related diagnostics")
            .collect();
        assert!(!related.is_empty(), "{name}: no individual error");
        for error in related {
            let code = error.code().map(|c| c.to_string()).unwrap_or_default();
            assert!(
                code.starts_with("rbench::syntax::"),
                "{name}: error `{error}` has code `{code}`"
            );
            let labels = error.labels().map_or(0, |labels| labels.count());
            assert!(labels > 0, "{name}: error `{error}` has no label");
            all_codes.insert(code);
        }
        insta::with_settings!({ description => description(path), omit_expression => true }, {
            insta::assert_snapshot!(format!("invalid__{name}"), support::render(&errors, 80));
        });
    }
    assert!(
        all_codes.len() >= 20,
        "the invalid fixtures produce only {} distinct codes: {all_codes:?}",
        all_codes.len()
    );
}

#[test]
fn valid_fixtures_parse() {
    let paths = fixtures("valid");
    assert!(paths.len() >= 10, "only {} valid fixtures", paths.len());
    for path in &paths {
        let name = stem(path);
        let file = match parse_fixture(path) {
            Ok(file) => file,
            Err(errors) => panic!("{name}: does not parse:\n{}", support::render(&errors, 80)),
        };
        insta::with_settings!({ description => description(path), omit_expression => true }, {
            insta::assert_snapshot!(format!("valid__{name}"), format!("{file:#?}"));
        });
    }
}

/// Each invalid fixture's codes, in one table, so a change of code shows in review.
#[test]
fn invalid_fixture_codes() {
    let table: Vec<String> = fixtures("invalid")
        .iter()
        .map(|path| {
            let codes = match parse_fixture(path) {
                Ok(_) => vec!["(parsed)".to_string()],
                Err(errors) => codes_of(&errors),
            };
            format!("{}: {}", stem(path), codes.join(", "))
        })
        .collect();
    insta::assert_snapshot!(table.join("\n"));
}

/// Mistakes whose diagnostics are known to be poor (label on the wrong token, or no useful help).
/// They are kept here, rendered, so that improving one shows as a snapshot change; move a case
/// to `tests/fixtures/syntax/invalid/` once its message is good.
#[test]
fn poor_messages() {
    let cases = [
        (
            "a unit suffix on a number: `px` is read as the next field's name",
            "dataset digits_test {\n  size = 28px\n  limit = 500\n}\n",
        ),
        (
            "an exponent without digits: `e` is read as the next field's name",
            "perturbation fgsm = fgsm(eps: 1e)\ndataset d {\n  eps = 1e\n  limit = 5\n}\n",
        ),
        (
            "a gate whose `:` is missing at the end of the line: the label is on the next line",
            "require clean_accuracy\n  accuracy(mlp, clean) >= 95%\n",
        ),
        (
            "a call with `:` but no name: only `expected a value`",
            "perturbation noise = gaussian_noise(: 0.1)\n",
        ),
    ];
    let rendered: Vec<String> = cases
        .iter()
        .map(|(what, text)| {
            let source = SourceFile::new(FileId(0), "spec.rbench", *text);
            let shown = match parse(&source) {
                Ok(_) => "(parses)".to_string(),
                Err(errors) => support::render(&errors, 80),
            };
            format!("── {what}\n{shown}")
        })
        .collect();
    insta::assert_snapshot!(rendered.join("\n"));
}
