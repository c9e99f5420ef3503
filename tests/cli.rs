//! The `rbench` command as users run it: exit codes, diagnostics and formatter output.
//!
//! Every command runs with `NO_COLOR=1` and no `TERM`, in a temporary folder holding the specs it
//! reads, so the output is plain, stable text.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use tempfile::TempDir;

/// A valid spec in the canonical layout.
const FORMATTED: &str = r#"benchmark digits_robustness {
  seed = 7
}

dataset digits {
  source = npz("data/digits.npz")
  classes = 10
}

model mlp {
  onnx = "models/mlp.onnx"
}

perturbation noise = gaussian_noise(sigma: [0.05, 0.1])

evaluate mlp on digits under noise

require clean_accuracy: accuracy(mlp, clean) >= 95%
"#;

/// A valid spec in a sloppy layout.
const UNFORMATTED: &str = r#"benchmark digits_robustness { seed = 7 }
dataset   digits {source=npz("data/digits.npz")  classes=10
    limit = 500 }
model mlp { onnx = "models/mlp.onnx" }
perturbation noise=gaussian_noise( sigma:[0.05,0.1] ) // two levels
evaluate mlp on digits under noise
require clean_accuracy : accuracy(mlp, clean)>=95%
"#;

/// `UNFORMATTED` in the canonical layout.
const UNFORMATTED_FORMATTED: &str = r#"benchmark digits_robustness {
  seed = 7
}

dataset digits {
  source = npz("data/digits.npz")
  classes = 10
  limit = 500
}

model mlp {
  onnx = "models/mlp.onnx"
}

perturbation noise = gaussian_noise(sigma: [0.05, 0.1]) // two levels
evaluate mlp on digits under noise
require clean_accuracy: accuracy(mlp, clean) >= 95%
"#;

/// A spec with one mistake: a field written with `:`.
const INVALID: &str = r#"dataset digits {
  classes: 10
}
"#;

/// A folder of specs to run `rbench` in.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new(files: &[(&str, &[u8])]) -> Workspace {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        for (name, contents) in files {
            std::fs::write(dir.path().join(name), contents).expect("write a spec");
        }
        Workspace { dir }
    }

    /// `rbench ARGS` in this folder.
    fn rbench(&self, args: &[&str]) -> Command {
        let mut command = rbench();
        command.current_dir(self.dir.path()).args(args);
        command
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).expect("read a spec")
    }
}

/// `rbench` with plain output.
fn rbench() -> Command {
    let mut command = Command::new(get_cargo_bin("rbench"));
    command.env("NO_COLOR", "1").env_remove("TERM");
    command
}

#[test]
fn version() {
    assert_cmd_snapshot!(rbench().arg("--version"));
}

#[test]
fn help_lists_the_commands_and_exit_codes() {
    assert_cmd_snapshot!(rbench().arg("--help"));
}

#[test]
fn check_help_says_what_it_does() {
    assert_cmd_snapshot!(rbench().args(["check", "--help"]));
}

#[test]
fn fmt_help_says_what_it_does() {
    assert_cmd_snapshot!(rbench().args(["fmt", "--help"]));
}

#[test]
fn no_arguments_is_a_usage_error() {
    let output = rbench().output().expect("run rbench");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn check_without_files_is_a_usage_error() {
    assert_cmd_snapshot!(rbench().arg("check"));
}

#[test]
fn check_valid_file() {
    let ws = Workspace::new(&[("valid.rbench", FORMATTED.as_bytes())]);
    assert_cmd_snapshot!(ws.rbench(&["check", "valid.rbench"]));
}

#[test]
fn check_invalid_file() {
    let ws = Workspace::new(&[("invalid.rbench", INVALID.as_bytes())]);
    assert_cmd_snapshot!(ws.rbench(&["check", "invalid.rbench"]));
}

#[test]
fn check_several_files_reports_each_invalid_one() {
    let ws = Workspace::new(&[
        ("a.rbench", FORMATTED.as_bytes()),
        ("b.rbench", INVALID.as_bytes()),
        ("c.rbench", b"model m {\n  layers = [1, 2\n}\n"),
        ("d.rbench", UNFORMATTED.as_bytes()),
    ]);
    assert_cmd_snapshot!(ws.rbench(&["check", "a.rbench", "b.rbench", "c.rbench", "d.rbench"]));
}

#[test]
fn check_valid_stdin() {
    assert_cmd_snapshot!(rbench().args(["check", "-"]).pass_stdin(FORMATTED));
}

#[test]
fn check_invalid_stdin_is_named_stdin() {
    assert_cmd_snapshot!(rbench().args(["check", "-"]).pass_stdin(INVALID));
}

#[test]
fn stdin_may_be_named_once_only() {
    assert_cmd_snapshot!(rbench().args(["check", "-", "-"]).pass_stdin(FORMATTED));
}

#[test]
fn check_missing_file_names_it_and_exits_2() {
    let ws = Workspace::new(&[("valid.rbench", FORMATTED.as_bytes())]);
    let output = ws
        .rbench(&["check", "valid.rbench", "missing.rbench"])
        .output()
        .expect("run rbench");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The OS error's wording differs between systems.
    let os_error = std::fs::read(ws.dir.path().join("missing.rbench")).unwrap_err();
    let stderr = stderr.replace(&os_error.to_string(), "[OS ERROR]");
    insta::assert_snapshot!(stderr);
}

#[test]
fn check_invalid_utf8_file() {
    let ws = Workspace::new(&[("latin1.rbench", b"dataset caf\xe9 {\n  classes = 10\n}\n")]);
    assert_cmd_snapshot!(ws.rbench(&["check", "latin1.rbench"]));
}

#[test]
fn check_empty_file() {
    let ws = Workspace::new(&[("empty.rbench", b"")]);
    assert_cmd_snapshot!(ws.rbench(&["check", "empty.rbench"]));
}

#[test]
fn check_binary_garbage_gives_diagnostics_not_a_crash() {
    let garbage: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
    let ws = Workspace::new(&[("garbage.rbench", &garbage)]);
    let output = ws
        .rbench(&["check", "garbage.rbench"])
        .output()
        .expect("run rbench");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rbench::syntax::invalid-utf8"), "{stderr}");
}

#[test]
fn dumb_terminal_gets_ascii_diagnostics() {
    let ws = Workspace::new(&[("invalid.rbench", INVALID.as_bytes())]);
    let output = ws
        .rbench(&["check", "invalid.rbench"])
        .env("TERM", "dumb")
        .output()
        .expect("run rbench");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rbench::syntax::"), "{stderr}");
    assert!(stderr.is_ascii(), "{stderr}");
}

#[test]
fn fmt_check_formatted_file_is_silent() {
    let ws = Workspace::new(&[("spec.rbench", FORMATTED.as_bytes())]);
    assert_cmd_snapshot!(ws.rbench(&["fmt", "--check", "spec.rbench"]));
}

#[test]
fn fmt_check_unformatted_file_prints_a_diff() {
    let ws = Workspace::new(&[
        ("formatted.rbench", FORMATTED.as_bytes()),
        ("spec.rbench", UNFORMATTED.as_bytes()),
    ]);
    assert_cmd_snapshot!(ws.rbench(&["fmt", "--check", "formatted.rbench", "spec.rbench"]));
    assert_eq!(
        ws.read("spec.rbench"),
        UNFORMATTED,
        "--check writes nothing"
    );
}

#[test]
fn fmt_rewrites_a_file_in_place() {
    let ws = Workspace::new(&[("spec.rbench", UNFORMATTED.as_bytes())]);
    assert_cmd_snapshot!(ws.rbench(&["fmt", "spec.rbench"]));
    assert_eq!(ws.read("spec.rbench"), UNFORMATTED_FORMATTED);
    let again = ws
        .rbench(&["fmt", "--check", "spec.rbench"])
        .output()
        .expect("run rbench");
    assert_eq!(again.status.code(), Some(0), "{again:?}");
}

#[test]
fn fmt_leaves_a_formatted_file_untouched() {
    let ws = Workspace::new(&[("spec.rbench", FORMATTED.as_bytes())]);
    let path = ws.dir.path().join("spec.rbench");
    let before = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let output = ws
        .rbench(&["fmt", "spec.rbench"])
        .output()
        .expect("run rbench");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let after = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after, "an unchanged file is not rewritten");
}

#[test]
fn fmt_refuses_to_write_an_unparsable_file() {
    let ws = Workspace::new(&[("invalid.rbench", INVALID.as_bytes())]);
    assert_cmd_snapshot!(ws.rbench(&["fmt", "invalid.rbench"]));
    assert_eq!(ws.read("invalid.rbench"), INVALID);
}

#[test]
fn fmt_stdin_writes_stdout() {
    assert_cmd_snapshot!(rbench().args(["fmt", "-"]).pass_stdin(UNFORMATTED));
}

#[test]
fn fmt_check_stdin_prints_a_diff() {
    assert_cmd_snapshot!(rbench()
        .args(["fmt", "--check", "-"])
        .pass_stdin(UNFORMATTED));
}

/// Runs `command` with `stdin` as its standard input.
fn output_with_stdin(command: &mut Command, stdin: String) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rbench");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || pipe.write_all(stdin.as_bytes()));
    let output = child.wait_with_output().expect("wait for rbench");
    writer.join().expect("stdin writer").expect("write stdin");
    output
}

/// The fenced block of `README.md` that follows the line starting with "```" + `fence`.
fn readme_block(fence: &str) -> String {
    readme_blocks(fence).remove(0)
}

/// Every block of the README fenced with `fence`, in order.
fn readme_blocks(fence: &str) -> Vec<String> {
    let readme = include_str!("../README.md");
    let opening = format!("```{fence}\n");
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find(&opening) {
        let start = at + opening.len();
        let length = rest[start..].find("```").expect("the block is closed");
        blocks.push(rest[start..start + length].to_string());
        rest = &rest[start + length..];
    }
    assert!(!blocks.is_empty(), "README has no ```{fence} block");
    blocks
}

#[test]
fn readme_shows_the_real_run_of_the_quickstart() {
    let out = tempfile::tempdir().expect("create a temporary folder");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.rbench");
    let output = rbench()
        .args(["run", "--no-cache", "--quiet", "--out"])
        .arg(out.path())
        .arg(&spec)
        .output()
        .expect("run rbench");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout, readme_blocks("text")[1]);
    assert!(out.path().join("results.json").exists());
}

#[test]
fn readme_example_is_valid_and_formatted() {
    let output = output_with_stdin(
        rbench().args(["fmt", "--check", "-"]),
        readme_block("rbench"),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn readme_shows_the_real_diagnostic() {
    let spec = readme_block("rbench").replace("noise[sigma = 0.1]", "noise[sigma = 0.15]");
    let ws = Workspace::new(&[("digits.rbench", spec.as_bytes())]);
    let output = ws
        .rbench(&["check", "digits.rbench"])
        .output()
        .expect("run rbench");
    assert_eq!(output.status.code(), Some(1));
    let stderr: String = String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(|line| format!("{}\n", line.trim_end()))
        .collect();
    assert_eq!(stderr, readme_block("text"));
}

/// The folders of the repository that hold specs in the canonical layout (the syntax fixtures
/// are left out: they exercise the parser on deliberately untidy layouts).
const FORMATTED_SPEC_FOLDERS: &[&str] = &["specs", "examples", "tests/fixtures/check", "docs"];

#[test]
fn every_spec_in_the_repository_is_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Fixtures of syntax errors in imported files cannot be formatted; every other spec is.
    let parses = |path: &PathBuf| {
        let text = std::fs::read_to_string(path).expect("read a spec");
        let source = rbench::syntax::SourceFile::new(rbench::syntax::FileId(0), "spec", text);
        rbench::syntax::parse(&source).is_ok()
    };
    let specs: Vec<PathBuf> = FORMATTED_SPEC_FOLDERS
        .iter()
        .flat_map(|folder| rbench_files(&root.join(folder)))
        .filter(parses)
        .collect();
    if specs.is_empty() {
        return;
    }
    let output = rbench()
        .arg("fmt")
        .arg("--check")
        .args(&specs)
        .output()
        .expect("run rbench");
    assert_eq!(
        output.status.code(),
        Some(0),
        "not formatted:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_invalid_fixture_is_rejected_with_a_syntax_code() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/syntax/invalid");
    for spec in rbench_files(&folder) {
        let output = rbench()
            .arg("check")
            .arg(&spec)
            .output()
            .expect("run rbench");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}:\n{stderr}",
            spec.display()
        );
        assert!(
            stderr.contains("rbench::syntax::"),
            "{}:\n{stderr}",
            spec.display()
        );
    }
}

/// Every `.rbench` file under `folder`, sorted; none when the folder does not exist.
fn rbench_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("list a folder").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rbench") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn check_link_reports_missing_data_and_model_files() {
    let ws = Workspace::new(&[("spec.rbench", FORMATTED.as_bytes())]);
    let unlinked = ws
        .rbench(&["check", "spec.rbench"])
        .output()
        .expect("run rbench");
    assert_eq!(unlinked.status.code(), Some(0), "{unlinked:?}");
    let linked = ws
        .rbench(&["check", "--link", "spec.rbench"])
        .output()
        .expect("run rbench");
    assert_eq!(linked.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&linked.stderr);
    assert_eq!(
        stderr.matches("rbench::link::file-not-found").count(),
        2,
        "{stderr}"
    );
    assert!(
        stderr.contains("data/digits.npz") && stderr.contains("models/mlp.onnx"),
        "{stderr}"
    );
}

#[test]
fn completions_cover_every_command_for_each_shell() {
    let commands = [
        "check", "fmt", "plan", "graph", "explain", "run", "report", "diff",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let output = rbench()
            .args(["completions", shell])
            .output()
            .expect("run rbench");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let script = String::from_utf8_lossy(&output.stdout);
        for command in commands {
            assert!(script.contains(command), "{shell}: no `{command}`");
        }
        assert!(
            script.contains("allow-outside"),
            "{shell}: flags are missing"
        );
    }
    let unknown = rbench()
        .args(["completions", "tcsh"])
        .output()
        .expect("run rbench");
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let output = rbench().arg("man").output().expect("run rbench");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains(".TH rbench 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"), "{page}");
    for command in ["check", "run", "report", "diff", "completions"] {
        assert!(page.contains(command), "no `{command}` in the man page");
    }
}

#[test]
fn init_scaffolds_projects_that_run_and_never_overwrites() {
    let root = tempfile::tempdir().expect("create a temporary folder");
    for template in ["image", "tabular"] {
        let dir = root.path().join(template);
        let output = rbench()
            .args(["init", "--template", template])
            .arg(&dir)
            .output()
            .expect("run rbench");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        for file in [
            "benchmark.rbench",
            "models/example_mlp.onnx",
            ".gitignore",
            ".github/workflows/rbench.yml",
            ".gitlab-ci.yml",
        ] {
            assert!(dir.join(file).is_file(), "{template}: no {file}");
        }
        let spec = dir.join("benchmark.rbench");
        let formatted = rbench()
            .args(["fmt", "--check"])
            .arg(&spec)
            .output()
            .expect("run rbench");
        assert_eq!(formatted.status.code(), Some(0), "{formatted:?}");
        let run = rbench()
            .args(["run", "--no-cache", "--quiet"])
            .arg(&spec)
            .output()
            .expect("run rbench");
        assert_eq!(run.status.code(), Some(0), "{template}: {run:?}");
        assert!(dir.join("rbench-results/benchmark/results.json").is_file());
        // A second init into the same folder writes nothing and says why.
        let before = std::fs::read(&spec).expect("the spec");
        let again = rbench()
            .args(["init", "--template", template])
            .arg(&dir)
            .output()
            .expect("run rbench");
        assert_eq!(again.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&again.stderr).contains("already exist"));
        assert_eq!(std::fs::read(&spec).expect("the spec"), before);
    }
}
