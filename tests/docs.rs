//! The documentation's examples are specs: every ```` ```rbench ```` block in `docs/*.md` and
//! `README.md` must parse and pass the checker (a fragment of a spec may leave out the header,
//! the `evaluate` and names declared elsewhere on its page, nothing else), every
//! ```` ```rbench,syntax ```` block (literal syntax, not a meaningful spec) must parse, and every
//! ```` ```rbench,error ```` block must be refused, so the reference cannot drift away from the
//! grammar, the built-ins or the checker.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use rbench::check::{self, Loader};
use rbench::syntax::{self, FileId, SourceFile, SyntaxErrors};

/// What a fenced block's info string says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// ```` ```rbench ````: a valid spec, or a fragment of one.
    Valid,
    /// ```` ```rbench,syntax ````: well-formed text that illustrates syntax only.
    Syntax,
    /// ```` ```rbench,error ````: a file that must fail to parse.
    Error,
}

/// One `rbench` code block of a Markdown file.
#[derive(Debug)]
struct Example {
    /// Where the block is, as `docs/language.md:42` (the line of its opening fence).
    location: String,
    text: String,
    expect: Expect,
}

/// The `rbench` blocks of one Markdown text; other fenced blocks are skipped whole.
fn examples(name: &str, markdown: &str) -> Vec<Example> {
    let mut found = Vec::new();
    // The open fence, if any: its kind (None for a non-rbench block), line and text so far.
    let mut open: Option<(Option<Expect>, usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                open = Some((info_kind(name, index + 1, info), index + 1, String::new()))
            }
            (Some(_), Some(rest)) if rest.trim().is_empty() => {
                if let Some((Some(expect), line, text)) = open.take() {
                    found.push(Example {
                        location: format!("{name}:{line}"),
                        text,
                        expect,
                    });
                }
            }
            (Some((_, _, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    if let Some((_, line, _)) = open {
        panic!("{name}:{line}: this code block is never closed");
    }
    found
}

/// The kind of an opening fence's info string; a misspelt `rbench` variant fails the test.
fn info_kind(name: &str, line: usize, info: &str) -> Option<Expect> {
    match info.trim() {
        "rbench" => Some(Expect::Valid),
        "rbench,syntax" => Some(Expect::Syntax),
        "rbench,error" => Some(Expect::Error),
        // Parsed and then checked by `tests/reference_docs.rs`.
        "rbench,check-error" => None,
        other if other.starts_with("rbench") => {
            panic!("{name}:{line}: unknown info string `{other}` (use `rbench`, `rbench,syntax`, `rbench,error` or `rbench,check-error`)")
        }
        _ => None,
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `docs/*.md` and `README.md` (when present), relative to the crate root.
fn documents() -> Vec<PathBuf> {
    let docs = root().join("docs");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&docs)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", docs.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("cannot list docs/: {e}"))
                .path()
        })
        .filter(|p| p.extension().is_some_and(|ext| ext == "md"))
        .collect();
    let readme = root().join("README.md");
    if readme.exists() {
        paths.push(readme);
    }
    paths.sort();
    paths
}

fn examples_of(path: &Path) -> Vec<Example> {
    let markdown = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    examples(&name, &markdown)
}

fn all_examples() -> Vec<Example> {
    documents().iter().flat_map(|p| examples_of(p)).collect()
}

fn parse(example: &Example) -> Result<syntax::ast::File, SyntaxErrors> {
    let source = SourceFile::new(FileId(0), example.location.clone(), example.text.clone());
    syntax::parse(&source)
}

/// Whether a block must parse (and be in canonical layout).
fn parses(example: &Example) -> bool {
    matches!(example.expect, Expect::Valid | Expect::Syntax)
}

#[test]
fn every_rbench_block_parses() {
    let mut failures = String::new();
    for example in all_examples().iter().filter(|e| parses(e)) {
        if let Err(errors) = parse(example) {
            let _ = writeln!(
                failures,
                "{}: this `rbench` block does not parse\n{}",
                example.location,
                support::render(&errors, 100)
            );
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn every_rbench_error_block_is_refused() {
    let accepted: Vec<String> = all_examples()
        .iter()
        .filter(|e| e.expect == Expect::Error && parse(e).is_ok())
        .map(|e| e.location.clone())
        .collect();
    assert!(
        accepted.is_empty(),
        "these `rbench,error` blocks parse, but must not: {accepted:?}"
    );
}

#[test]
fn language_reference_has_examples() {
    let examples = examples_of(&root().join("docs/language.md"));
    let valid = examples
        .iter()
        .filter(|e| e.expect == Expect::Valid)
        .count();
    let errors = examples.len() - valid;
    assert!(
        valid >= 10,
        "docs/language.md has only {valid} `rbench` blocks"
    );
    assert!(errors >= 1, "docs/language.md has no `rbench,error` block");
}

#[test]
fn every_rbench_block_is_in_canonical_layout() {
    let mut failures = String::new();
    for example in all_examples().iter().filter(|e| parses(e)) {
        let source = SourceFile::new(FileId(0), example.location.clone(), example.text.clone());
        match syntax::format(&source) {
            Ok(formatted) if formatted == example.text => {}
            Ok(formatted) => {
                let _ = writeln!(
                    failures,
                    "{}: not in canonical layout; `rbench fmt` prints:\n{formatted}",
                    example.location
                );
            }
            Err(errors) => {
                let _ = writeln!(
                    failures,
                    "{}:\n{}",
                    example.location,
                    support::render(&errors, 100)
                );
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// Reads the imports of documentation examples. A block is checked as if it were a file of
/// `docs/`, so `../specs/suites/…` is the shipped suite; the tutorial's `suites/…` are the copies
/// `rbench init` puts in a new project, the same files.
struct DocsLoader;

impl Loader for DocsLoader {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(bytes),
            Err(error) => match path.strip_prefix(root().join("docs/suites")) {
                Ok(suite) => std::fs::read(root().join("specs/suites").join(suite)),
                Err(_) => Err(error),
            },
        }
    }
}

/// The check codes a fragment may leave unresolved: it need not be a whole spec, and may use
/// names the page declares in another block.
const FRAGMENT_CODES: [&str; 3] = [
    "rbench::check::missing-benchmark",
    "rbench::check::missing-evaluate",
    "rbench::check::unknown-name",
];

/// The check codes of a block that parses, with their messages; a block with a `benchmark`
/// header and an `evaluate` line is a whole spec, any other a fragment.
fn check_problems(example: &Example) -> Vec<String> {
    let source = SourceFile::new(FileId(0), example.location.clone(), example.text.clone());
    let ast = syntax::parse(&source).expect("parsed by every_rbench_block_parses");
    let has =
        |wanted: fn(&syntax::ast::ItemKind) -> bool| ast.items.iter().any(|i| wanted(&i.kind));
    let whole = has(|k| matches!(k, syntax::ast::ItemKind::Benchmark(_)))
        && has(|k| matches!(k, syntax::ast::ItemKind::Evaluate(_)));
    let path = root().join("docs").join("example.rbench");
    match check::check(source, ast, &path, &DocsLoader) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .errors()
            .filter_map(|e| {
                let code = e.code().map_or_else(String::new, |c| c.to_string());
                let allowed = !whole && FRAGMENT_CODES.contains(&code.as_str());
                (!allowed).then(|| format!("{code}: {e}"))
            })
            .collect(),
    }
}

#[test]
fn every_rbench_block_checks() {
    let mut failures = String::new();
    let mut checked = 0;
    for example in all_examples().iter().filter(|e| e.expect == Expect::Valid) {
        let problems = check_problems(example);
        if !problems.is_empty() {
            let _ = writeln!(failures, "{}: {problems:#?}", example.location);
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{failures}");
    assert!(checked >= 25, "only {checked} blocks checked");
}

#[test]
fn a_fragment_is_checked_for_everything_but_what_it_leaves_out() {
    let example = |text: &str| Example {
        location: "doc.md:1".into(),
        text: text.into(),
        expect: Expect::Valid,
    };
    // Names from elsewhere on the page are fine; a misspelt built-in or parameter is not.
    assert!(check_problems(&example("metric drop = accuracy(mlp, noise)\n")).is_empty());
    let misspelt = check_problems(&example("perturbation p = fgsm(eps: 0.1, stepz: 3)\n"));
    assert_eq!(misspelt.len(), 1, "{misspelt:?}");
    assert!(misspelt[0].starts_with("rbench::check::unknown-parameter"));
    // A whole spec must declare what it uses.
    let whole = check_problems(&example(
        "benchmark b {\n  seed = 1\n}\n\nevaluate m on d\n",
    ));
    assert!(
        whole[0].starts_with("rbench::check::unknown-name"),
        "{whole:?}"
    );
}

#[test]
fn extractor_finds_rbench_blocks_with_their_lines() {
    let markdown = "# Title\n\
                    ```rbench\nmodel a {}\n```\n\
                    ```text\n```rbench\nnot a block\n```\n\
                    ```rbench,error\nmodel\n```\n";
    let found = examples("doc.md", markdown);
    let summary: Vec<(&str, &str, Expect)> = found
        .iter()
        .map(|e| (e.location.as_str(), e.text.as_str(), e.expect))
        .collect();
    assert_eq!(
        summary,
        [
            ("doc.md:2", "model a {}\n", Expect::Valid),
            ("doc.md:9", "model\n", Expect::Error),
        ]
    );
}
