//! The reference pages and `rbench explain` agree with the code: `docs/builtins.md` is the
//! generated reference, `docs/diagnostics.md` has one section per diagnostic code, each section's
//! example produces that code, and `docs/cli.md` has a section for every command and flag.
//!
//! In `docs/diagnostics.md`, a ```` ```rbench,error ```` example must fail to parse with its
//! section's code, a ```` ```rbench,check-error ```` example must parse and then fail the check
//! with only its section's code, and a ```` ```rbench ```` block must check cleanly, unless its
//! first line is `// file: NAME`: such a block is a file the section's examples import. An
//! example may also start with `// file: NAME` to be checked as that file (else `spec.rbench`).
//! Link codes need files, so their examples are ```` ```text ```` blocks, which are not run; the
//! ```` ```rbench ```` example of a plan code must check cleanly and its plan report that code.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use miette::Diagnostic;
use rbench::check::{self, Loader};
use rbench::explain;
use rbench::syntax::{self, FileId, SourceFile};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The kinds of code blocks of the diagnostics reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fence {
    /// ```` ```rbench ````: a valid spec, or a file to import.
    Valid,
    /// ```` ```rbench,error ````: must fail to parse.
    SyntaxError,
    /// ```` ```rbench,check-error ````: must parse, then fail the check.
    CheckError,
    /// Any other block (`text`, ...).
    Other,
}

/// One code block: its kind, the line of its opening fence, and its text.
#[derive(Debug)]
struct Block {
    fence: Fence,
    line: usize,
    text: String,
}

impl Block {
    /// The file the block declares itself to be (`// file: NAME` on its first line).
    fn file_name(&self) -> Option<&str> {
        self.text.lines().next()?.strip_prefix("// file: ")
    }
}

/// One `### ` section of a Markdown page: its title and its code blocks.
#[derive(Debug)]
struct Section {
    title: String,
    blocks: Vec<Block>,
}

/// The `### ` sections of `markdown` with their code blocks.
fn sections(markdown: &str) -> Vec<Section> {
    let mut found: Vec<Section> = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (open.take(), fence) {
            (None, Some(info)) => {
                let fence = match info.trim() {
                    "rbench" => Fence::Valid,
                    "rbench,error" => Fence::SyntaxError,
                    "rbench,check-error" => Fence::CheckError,
                    other if other.starts_with("rbench") => {
                        panic!("line {}: unknown info string `{other}`", index + 1)
                    }
                    _ => Fence::Other,
                };
                open = Some(Block {
                    fence,
                    line: index + 1,
                    text: String::new(),
                });
            }
            (Some(block), Some(rest)) if rest.trim().is_empty() => match found.last_mut() {
                Some(section) => section.blocks.push(block),
                None => assert!(
                    block.fence == Fence::Other,
                    "line {}: an example before the first section",
                    block.line
                ),
            },
            (Some(mut block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
                open = Some(block);
            }
            (None, None) => {
                if let Some(title) = line.strip_prefix("### ") {
                    found.push(Section {
                        title: title.trim().to_string(),
                        blocks: Vec::new(),
                    });
                } else if line.starts_with("## ") {
                    // A group heading ends the section before it, and starts none.
                    found.push(Section {
                        title: String::new(),
                        blocks: Vec::new(),
                    });
                }
            }
        }
    }
    assert!(open.is_none(), "a code block is never closed");
    found.retain(|s| !s.title.is_empty());
    found
}

fn diagnostics() -> Vec<Section> {
    sections(&read("docs/diagnostics.md"))
}

/// The codes declared with `code("rbench::...")` in a source file.
fn declared_codes(relative: &str) -> BTreeSet<String> {
    // Codes are written `code("rbench::stage::kind")` or `code(rbench::stage::kind)`.
    read(relative)
        .split("code(")
        .skip(1)
        .filter_map(|rest| rest.trim_start_matches('"').split(['"', ')']).next())
        .filter(|code| code.starts_with("rbench::"))
        .map(str::to_string)
        .collect()
}

/// The stage that reports a diagnostic code, which says what its examples are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Syntax,
    Check,
    Link,
    Exec,
    Report,
}

/// The files that declare the diagnostic codes, and the stage each file's codes belong to.
const CODE_SOURCES: [(Stage, &str); 6] = [
    (Stage::Syntax, "src/syntax/error.rs"),
    (Stage::Check, "src/check/error.rs"),
    (Stage::Link, "src/link/error.rs"),
    (Stage::Exec, "src/exec/error.rs"),
    (Stage::Report, "src/results/error.rs"),
    (Stage::Report, "src/report/mod.rs"),
];

/// Every declared code and the stage that reports it.
fn declared_stages() -> HashMap<String, Stage> {
    CODE_SOURCES
        .iter()
        .flat_map(|&(stage, file)| declared_codes(file).into_iter().map(move |c| (c, stage)))
        .collect()
}

/// Serves the files of one section's `// file:` blocks; every other path is missing.
struct Files(HashMap<PathBuf, String>);

impl Loader for Files {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0
            .get(path)
            .map(|text| text.clone().into_bytes())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// Parses and checks `block` as its `// file:` name (or `spec.rbench`), importing `files`.
/// `Err` holds the codes of the syntax or check errors.
fn check_block(block: &Block, files: &Files) -> Result<check::Spec, Vec<String>> {
    let name = block.file_name().unwrap_or("spec.rbench");
    let source = SourceFile::new(FileId(0), name, block.text.clone());
    let ast = syntax::parse(&source).map_err(|errors| codes(errors.errors()))?;
    match check::check(source, ast, Path::new(name), files) {
        Ok(spec) => Ok(spec),
        Err(errors) => {
            let mut found = codes(errors.errors());
            for syntax in errors.syntax_errors() {
                found.extend(codes(syntax.errors()));
            }
            Err(found)
        }
    }
}

fn codes<'a, D: Diagnostic + 'a>(errors: impl IntoIterator<Item = &'a D>) -> Vec<String> {
    errors
        .into_iter()
        .map(|e| e.code().map_or_else(String::new, |c| c.to_string()))
        .collect()
}

/// The `// file:` blocks of a section, by path.
fn imported_files(section: &Section) -> Files {
    Files(
        section
            .blocks
            .iter()
            .filter(|b| b.fence == Fence::Valid)
            .filter_map(|b| Some((PathBuf::from(b.file_name()?), b.text.clone())))
            .collect(),
    )
}

#[test]
fn every_code_has_a_section_and_every_section_a_code() {
    let stages = declared_stages();
    for (stage, file) in CODE_SOURCES {
        assert!(
            stages.values().any(|s| *s == stage),
            "no code found in {file}"
        );
    }
    assert!(stages.len() > 60, "too few codes found: {stages:?}");
    let declared: BTreeSet<String> = stages.into_keys().collect();
    let documented: Vec<String> = diagnostics().into_iter().map(|s| s.title).collect();
    let unique: BTreeSet<String> = documented.iter().cloned().collect();
    assert_eq!(unique.len(), documented.len(), "a code has two sections");
    let missing: Vec<&String> = declared.difference(&unique).collect();
    let unknown: Vec<&String> = unique.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "docs/diagnostics.md has no section for {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/diagnostics.md has sections for codes that do not exist: {unknown:?}"
    );
    let explained: Vec<String> = explain::diagnostic_codes().map(str::to_string).collect();
    assert_eq!(explained, documented);
}

#[test]
fn every_section_has_an_example_of_its_stage() {
    let stages = declared_stages();
    for section in diagnostics() {
        let Some(&stage) = stages.get(&section.title) else {
            continue; // reported by `every_code_has_a_section_and_every_section_a_code`
        };
        // Link and run examples need files: they are shown as text.
        let wanted = match stage {
            Stage::Syntax => Fence::SyntaxError,
            Stage::Check => Fence::CheckError,
            Stage::Link | Stage::Exec | Stage::Report => Fence::Other,
        };
        let examples = section.blocks.iter().filter(|b| b.fence == wanted).count();
        let error_examples = section
            .blocks
            .iter()
            .filter(|b| {
                b.fence != wanted && matches!(b.fence, Fence::SyntaxError | Fence::CheckError)
            })
            .count();
        assert_eq!(
            error_examples, 0,
            "{}: an example of another stage",
            section.title
        );
        // Invalid UTF-8 cannot be written in a Markdown page.
        if section.title != "rbench::syntax::invalid-utf8" {
            assert!(examples >= 1, "{}: no example", section.title);
        }
    }
}

#[test]
fn syntax_examples_fail_with_their_section_code() {
    for section in diagnostics() {
        for block in section
            .blocks
            .iter()
            .filter(|b| b.fence == Fence::SyntaxError)
        {
            let source = SourceFile::new(FileId(0), "example.rbench", block.text.clone());
            match syntax::parse(&source) {
                Ok(_) => panic!("line {}: {} example parses", block.line, section.title),
                Err(errors) => {
                    let found = codes(errors.errors());
                    assert!(
                        found.contains(&section.title),
                        "line {}: the example of {} reports {found:?}",
                        block.line,
                        section.title
                    );
                }
            }
        }
    }
}

#[test]
fn check_examples_parse_and_fail_the_check_with_their_section_code_only() {
    let mut failures = Vec::new();
    for section in diagnostics() {
        let files = imported_files(&section);
        for block in section
            .blocks
            .iter()
            .filter(|b| b.fence == Fence::CheckError)
        {
            let source = SourceFile::new(FileId(0), "example.rbench", block.text.clone());
            if let Err(errors) = syntax::parse(&source) {
                failures.push(format!(
                    "line {}: does not parse: {:?}",
                    block.line,
                    codes(errors.errors())
                ));
                continue;
            }
            match check_block(block, &files) {
                Ok(_) => failures.push(format!("line {}: checks cleanly", block.line)),
                Err(found) if found.is_empty() || found.iter().any(|c| *c != section.title) => {
                    failures.push(format!("line {}: reports {found:?}", block.line))
                }
                Err(_) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "these `rbench,check-error` examples of docs/diagnostics.md do not report only their \
         section's code:\n{}",
        failures.join("\n")
    );
}

#[test]
fn valid_blocks_check_cleanly() {
    for section in diagnostics() {
        let files = imported_files(&section);
        for block in section.blocks.iter().filter(|b| b.fence == Fence::Valid) {
            if block.file_name().is_some() {
                continue;
            }
            if let Err(found) = check_block(block, &files) {
                panic!(
                    "line {}: this block of {} reports {found:?}",
                    block.line, section.title
                );
            }
        }
    }
}

#[test]
fn builtins_reference_is_generated() {
    let generated = explain::reference_markdown();
    let path = root().join("docs/builtins.md");
    if std::env::var_os("RBENCH_BLESS").is_some() {
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/builtins.md is not the generated reference; regenerate it with \
         `RBENCH_BLESS=1 cargo test --test reference_docs`"
    );
}

#[test]
fn explain_prints_the_documented_section_of_a_code() {
    let section = explain::explain("rbench::check::unknown-name").expect("a known code");
    assert!(section.starts_with("### rbench::check::unknown-name\n"));
    assert!(read("docs/diagnostics.md").contains(&section));
    assert_eq!(explain::explain("unknown-name"), Some(section));
    insta::assert_snapshot!(
        "explain_unknown_name",
        explain::explain("rbench::check::unknown-name").expect("a known code")
    );
}

#[test]
fn every_code_is_explained_by_its_last_part() {
    for code in explain::diagnostic_codes() {
        let last = code.rsplit("::").next().unwrap_or(code);
        assert_eq!(
            explain::explain(last),
            explain::explain(code),
            "`rbench explain {last}` does not print the section of {code}"
        );
    }
}

#[test]
fn explain_a_link_code() {
    let section = explain::explain("rbench::link::file-not-found").expect("a known code");
    assert!(section.starts_with("### rbench::link::file-not-found\n"));
    assert!(!section.contains("### rbench::link::unreadable-file"));
    insta::assert_snapshot!("explain_file_not_found", section);
}

#[test]
fn explain_gaussian_noise() {
    insta::assert_snapshot!(explain::explain("gaussian_noise").expect("a built-in"));
}

#[test]
fn explain_dataset() {
    insta::assert_snapshot!(explain::explain("dataset").expect("a block"));
}

fn rbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rbench"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TERM")
        .output()
        .expect("rbench runs")
}

#[test]
fn cli_explain_prints_the_reference_text() {
    let output = rbench(&["explain", "pgd"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout, explain::explain("pgd").expect("a built-in"));
}

#[test]
fn cli_explain_prints_the_section_of_a_link_code() {
    let output = rbench(&["explain", "rbench::link::file-not-found"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("### rbench::link::file-not-found\n"));
    assert!(read("docs/diagnostics.md").contains(stdout.as_ref()));
}

#[test]
fn cli_explain_of_an_unknown_name_suggests_the_nearest() {
    let output = rbench(&["explain", "gausian_noise"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("did you mean `gaussian_noise`?"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn cli_explain_list_prints_every_name() {
    let output = rbench(&["explain", "--list"]);
    assert_eq!(output.status.code(), Some(0));
    let listed: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(listed, explain::names());
}

#[test]
fn cli_explain_needs_a_name_or_list() {
    assert_eq!(rbench(&["explain"]).status.code(), Some(2));
}

/// The first word of each line of the `Commands:` list of `rbench --help`.
fn subcommands() -> Vec<String> {
    let output = rbench(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    let commands: Vec<String> = help
        .lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert!(commands.len() >= 5, "no command list in:\n{help}");
    commands
}

/// The long flags of `rbench COMMAND --help`, `--help` itself left out.
fn long_flags(command: &str) -> Vec<String> {
    let output = rbench(&[command, "--help"]);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip_while(|line| *line != "Options:")
        .filter_map(|line| {
            line.split_whitespace()
                .map(|word| word.trim_end_matches(','))
                .find(|word| word.starts_with("--"))
        })
        .filter(|flag| *flag != "--help")
        .map(str::to_string)
        .collect()
}

/// The `## rbench COMMAND` sections of `docs/cli.md`, by command, with their text.
fn cli_sections() -> HashMap<String, String> {
    let mut sections = HashMap::new();
    let mut current: Option<(String, String)> = None;
    for line in read("docs/cli.md").lines() {
        if line.starts_with("## ") {
            sections.extend(current.take());
            if let Some(command) = line.strip_prefix("## rbench ") {
                current = Some((command.trim().to_string(), String::new()));
            }
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    sections.extend(current);
    sections
}

#[test]
fn the_cli_reference_has_a_section_for_every_command_and_flag() {
    let sections = cli_sections();
    let commands = subcommands();
    for command in &commands {
        let Some(text) = sections.get(command) else {
            panic!("docs/cli.md has no section `## rbench {command}`");
        };
        if command == "help" {
            continue;
        }
        for flag in long_flags(command) {
            assert!(
                text.contains(&format!("`{flag}")),
                "the section of `rbench {command}` in docs/cli.md does not describe `{flag}`"
            );
        }
    }
    for documented in sections.keys() {
        assert!(
            commands.contains(documented),
            "docs/cli.md describes `rbench {documented}`, which is not a command"
        );
    }
}
