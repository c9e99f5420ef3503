//! `rbench check`: runs every compiler stage that exists on each file and reports what it finds.

use std::path::Path;

use rbench::check::{self, FsLoader};
use rbench::syntax::{self, SourceFile};

use super::input::Input;
use super::render::Console;
use super::Status;

/// Checks each input, prints all diagnostics and a one-line summary to standard error.
pub fn run(inputs: &[Input], console: &Console) -> Status {
    let mut with_errors = 0;
    let mut unreadable = 0;
    for input in inputs {
        let source = match input.read() {
            Ok(source) => source,
            Err(error) => {
                console.error(&error);
                unreadable += 1;
                continue;
            }
        };
        if let Err(report) = source
            .map_err(miette::Report::new)
            .and_then(|s| diagnose(s, &input.spec_path()))
        {
            console.diagnostic(report.as_ref());
            with_errors += 1;
        }
    }
    console.eprint(&summary(inputs.len(), with_errors, unreadable));
    if unreadable > 0 {
        Status::Failure
    } else if with_errors > 0 {
        Status::Problems
    } else {
        Status::Success
    }
}

/// Runs the compiler stages in order on one file; the first stage that fails ends it with its
/// diagnostics (each stage reports all the problems it finds).
fn diagnose(source: SourceFile, path: &Path) -> Result<(), miette::Report> {
    let ast = syntax::parse(&source)?;
    check::check(source, ast, path, &FsLoader)?;
    Ok(())
}

/// `checked 3 files: 1 with errors, 1 unreadable`.
fn summary(files: usize, with_errors: usize, unreadable: usize) -> String {
    let noun = if files == 1 { "file" } else { "files" };
    let mut parts = Vec::new();
    if with_errors > 0 {
        parts.push(format!("{with_errors} with errors"));
    }
    if unreadable > 0 {
        parts.push(format!("{unreadable} unreadable"));
    }
    if parts.is_empty() {
        parts.push("no errors".to_string());
    }
    format!("checked {files} {noun}: {}\n", parts.join(", "))
}
