//! `rbench check`: parses and checks each file (and, with `--link`, the headers of the files it
//! names) and reports every problem it finds.

use rbench::link::Reach;

use super::compile::{compile, CompileError};
use super::input::Input;
use super::render::Console;
use super::Status;

/// Checks each input, prints all diagnostics and a one-line summary to standard error.
/// With `link`, also reads the headers of the files each spec names, as far as `Reach` allows.
pub fn run(inputs: &[Input], link: Option<Reach>, console: &Console) -> Status {
    let mut with_errors = 0;
    let mut unreadable = 0;
    for input in inputs {
        let linked = compile(input).and_then(|spec| match link.as_ref().filter(|_| !spec.suite) {
            Some(reach) => rbench::link::link(&spec, reach)
                .map(drop)
                .map_err(|e| CompileError::Diagnostics(e.into())),
            None => Ok(()),
        });
        match linked {
            Ok(()) => {}
            Err(CompileError::Read(error)) => {
                console.error(&error);
                unreadable += 1;
            }
            Err(CompileError::Diagnostics(report)) => {
                console.diagnostic(report.as_ref());
                with_errors += 1;
            }
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
