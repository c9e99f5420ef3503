//! Robustness of the syntax stage: no input makes `parse` or `format` panic or overflow the
//! stack, and whatever `format` prints parses again and is a fixed point.

mod support;

use std::time::{Duration, Instant};

use miette::{Diagnostic, GraphicalReportHandler, Report};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use rbench::syntax::{format, parse, FileId, SourceFile, SyntaxErrors};

/// A valid spec with comments in odd places, the seed of the mutation tests.
const SEED: &str = r#"// Robustness benchmark.
benchmark digits { title = "Digits \"robustness\" \u{1F600}" seed = 7 }
dataset test {
  source = npz("data/test.npz", x: "x", y: "y") // the file
  classes = 10 range = [0, 1,]
}
model mlp { onnx = "m.onnx" /* block */ }
perturbation noise = gaussian_noise(sigma: [0.05, 0.1] /* sweep */)
perturbation blur = gaussian_blur(severity: 1..5 step 1)
evaluate [mlp] on test under [noise, blur]
require clean: accuracy(mlp, clean) >= 95% with confidence 90%
warn drop: -accuracy(mlp, noise[sigma = 0.1]) + 1 <= 8/255 * 2 and not false
metric m = (a or b) == c
map nist_ai_rmf {
  "MEASURE 2.5" <- clean, drop "why" // entry
}
framework f { title = "t" control "A-1" "text" }
import "suite.rbench" as cc
"#;

/// Pieces of the language, to build token soups that are nearly specs.
const TOKENS: [&str; 40] = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\"s\"",
    "//",
    "// c\n",
    "/*",
    "*/",
    "/* c */",
    "=",
    ":",
    ",",
    "<-",
    "..",
    "-",
    "+",
    "*",
    "/",
    ">=",
    "<",
    "not",
    "and",
    "or",
    "8/255",
    "90%",
    "1e-3",
    "1_000",
    "dataset",
    "model",
    "require",
    "metric",
    "perturbation",
    "x",
    "step",
    "\n",
    "with",
];

/// What the mutation tests may insert.
const INSERTS: [&str; 8] = ["// c\n", "/* c */", "\n", "\n\n", " ", "(", "]", "\""];

/// Comments and line breaks that may stand wherever whitespace does.
const TRIVIA: [&str; 7] = [
    "// c\n",
    "/* c */",
    "/* a\n   b */",
    "\n",
    "\n\n",
    "// x\n\n",
    " /* d */\n",
];

/// Renders errors the way the command line does, so rendering is checked too.
fn render(errors: SyntaxErrors) -> String {
    let mut out = String::new();
    let report = Report::new(errors);
    GraphicalReportHandler::new()
        .render_report(&mut out, report.as_ref())
        .unwrap_or_else(|e| panic!("rendering failed: {e}"));
    out
}

/// Parses and formats `bytes`; formatted text must parse to the same AST with the same comments
/// and format to itself.
fn check(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let source = match SourceFile::from_bytes(FileId(0), "fuzz.rbench", bytes) {
        Ok(source) => source,
        Err(errors) => {
            render(errors);
            return Ok(());
        }
    };
    if let Err(errors) = parse(&source) {
        render(errors);
    }
    if let Ok(out) = format(&source) {
        let formatted = SourceFile::new(FileId(0), "formatted.rbench", out.as_str());
        let again = format(&formatted);
        prop_assert!(again.is_ok(), "formatted text does not parse:\n{}", out);
        prop_assert_eq!(
            support::ast_without_spans(&formatted),
            support::ast_without_spans(&source)
        );
        prop_assert_eq!(
            support::comment_texts(&out),
            support::comment_texts(&source.text)
        );
        prop_assert_eq!(
            again.unwrap_or_default(),
            out,
            "formatting is not idempotent"
        );
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, &'static str),
    Delete(usize),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), select(&INSERTS[..])).prop_map(|(at, s)| Mutation::Insert(at, s)),
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Replace(at, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match *m {
            Mutation::Insert(at, s) => {
                let at = at % (len + 1);
                bytes.splice(at..at, s.bytes());
            }
            Mutation::Delete(at) if len > 0 => {
                bytes.remove(at % len);
            }
            Mutation::Replace(at, b) if len > 0 => bytes[at % len] = b,
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..200)) {
        check(bytes)?;
    }

    #[test]
    fn mutated_specs_never_panic(mutations in vec(mutation(), 1..6)) {
        check(mutate(SEED.as_bytes().to_vec(), &mutations))?;
    }

    #[test]
    fn comments_between_tokens_are_kept(inserts in vec((any::<prop::sample::Index>(), select(&TRIVIA[..])), 1..8)) {
        let spaces: Vec<usize> = SEED.match_indices([' ', '\n']).map(|(at, _)| at).collect();
        let mut text = SEED.to_string();
        let mut positions: Vec<(usize, &str)> =
            inserts.iter().map(|(i, s)| (*i.get(&spaces), *s)).collect();
        positions.sort_by_key(|&(at, _)| std::cmp::Reverse(at));
        for (at, trivia) in positions {
            text.insert_str(at, trivia);
        }
        check(text.into_bytes())?;
    }

    #[test]
    fn token_soups_never_panic(tokens in vec((select(&TOKENS[..]), select(&["", " ", "\n"][..])), 0..40)) {
        let text: String = tokens.iter().flat_map(|(t, sep)| [*t, *sep]).collect();
        check(text.into_bytes())?;
    }

    #[test]
    fn items_of_token_soup_never_panic(
        keyword in select(&["metric m =", "perturbation p =", "model m { x =", "require g:"][..]),
        tokens in vec(select(&TOKENS[..]), 0..30),
    ) {
        check(format!("{keyword} {}", tokens.join(" ")).into_bytes())?;
    }
}

#[test]
fn the_seed_spec_is_valid() {
    let source = SourceFile::new(FileId(0), "seed.rbench", SEED);
    assert!(format(&source).is_ok());
}

/// Parses `text`, expecting the error `code`, quickly and without overflowing the stack.
fn assert_fails_fast_with(text: &str, code: &str) {
    let started = Instant::now();
    let errors = match parse(&SourceFile::new(FileId(0), "deep.rbench", text)) {
        Ok(_) => panic!("expected `{code}`"),
        Err(errors) => errors,
    };
    let codes: Vec<String> = errors
        .errors()
        .iter()
        .filter_map(|e| e.code().map(|c| c.to_string()))
        .collect();
    assert_eq!(codes, [code]);
    assert!(format(&SourceFile::new(FileId(0), "deep.rbench", text)).is_err());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn deeply_nested_brackets_are_an_error() {
    let open = "[".repeat(10_000);
    assert_fails_fast_with(&format!("metric m = {open}"), "rbench::syntax::too-deep");
    let closed = format!("metric m = {open}1{}", "]".repeat(10_000));
    assert_fails_fast_with(&closed, "rbench::syntax::too-deep");
    let parens = format!("metric m = {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_fails_fast_with(&parens, "rbench::syntax::too-deep");
}

#[test]
fn long_operator_chains_are_an_error() {
    let minus = format!("metric m = {}1", "-".repeat(100_000));
    assert_fails_fast_with(&minus, "rbench::syntax::too-deep");
    let sum = format!("metric m = 1{}", "+1".repeat(99_999));
    assert_fails_fast_with(&sum, "rbench::syntax::too-deep");
    let not = format!("metric m = {}x", "not ".repeat(100_000));
    assert_fails_fast_with(&not, "rbench::syntax::too-deep");
}

#[test]
fn deeply_nested_block_comments_are_bounded() {
    let nested = |depth: usize| {
        let text = format!(
            "{}{}\nmodel m {{}}\n",
            "/*".repeat(depth),
            "*/".repeat(depth)
        );
        SourceFile::new(FileId(0), "comments.rbench", text)
    };
    assert!(format(&nested(rbench::syntax::MAX_NESTING)).is_ok());
    assert_fails_fast_with(&nested(100_000).text, "rbench::syntax::too-deep");
}
