//! `rbench fmt`: prints specs in the canonical layout, in place, to standard output, or as a diff.

use rbench::syntax;

use super::diff;
use super::input::Input;
use super::render::Console;
use super::replace::replace_file;
use super::Status;

/// Formats each input. Without `check`, rewrites changed files in place and prints standard
/// input's formatted text to standard output; with `check`, prints a diff for each input that
/// would change. Files that do not parse get their diagnostics and are never written.
pub fn run(inputs: &[Input], check: bool, console: &Console) -> Status {
    let mut status = Status::Success;
    let mut unformatted = 0;
    for input in inputs {
        let outcome = format_one(input, check, console);
        if outcome == Outcome::Unformatted {
            unformatted += 1;
        }
        status = status.max(outcome.status());
    }
    if unformatted > 0 {
        let noun = if unformatted == 1 { "file" } else { "files" };
        console.eprint(&format!(
            "{unformatted} {noun} would be reformatted; run `rbench fmt` to format\n"
        ));
    }
    status
}

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Already formatted, or formatted and written.
    Done,
    /// `--check` found a layout change.
    Unformatted,
    /// The input does not parse.
    Invalid,
    /// The input could not be read, or the result not written.
    IoFailed,
}

impl Outcome {
    fn status(self) -> Status {
        match self {
            Outcome::Done => Status::Success,
            Outcome::Unformatted | Outcome::Invalid => Status::Problems,
            Outcome::IoFailed => Status::Failure,
        }
    }
}

fn format_one(input: &Input, check: bool, console: &Console) -> Outcome {
    let source = match input.read() {
        Ok(Ok(source)) => source,
        Ok(Err(diagnostics)) => {
            console.diagnostic(&diagnostics);
            return Outcome::Invalid;
        }
        Err(error) => {
            console.error(&error);
            return Outcome::IoFailed;
        }
    };
    let formatted = match syntax::format(&source) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            console.diagnostic(&diagnostics);
            return Outcome::Invalid;
        }
    };
    let changed = formatted != *source.text;
    let (destination, written) = match (check, input.path()) {
        (true, _) if !changed => return Outcome::Done,
        (true, _) => {
            let diff = diff::unified(&source.name, &source.text, &formatted, console.stdout_color);
            (None, console.print(&diff).map(|()| Outcome::Unformatted))
        }
        (false, None) => (None, console.print(&formatted).map(|()| Outcome::Done)),
        (false, Some(_)) if !changed => return Outcome::Done,
        (false, Some(path)) => (
            Some(path),
            replace_file(path, &formatted).map(|()| Outcome::Done),
        ),
    };
    written.unwrap_or_else(|error| {
        match destination {
            Some(path) => console.error(&format!("cannot write `{}`: {error}", path.display())),
            None => console.error(&format!("cannot write to standard output: {error}")),
        }
        Outcome::IoFailed
    })
}
