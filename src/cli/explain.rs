//! `rbench explain`: prints the reference of a built-in, a block, a framework or a diagnostic code.

use std::io::{self, Write};

use clap::Args;
use rbench::explain;

use super::render::Console;
use super::Status;

/// Exit codes of `rbench explain`, for its help.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  the reference was printed
  2  usage error, or nothing is called NAME";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A built-in (`gaussian_noise`), a block (`dataset`), `nist_ai_rmf`, or a diagnostic code
    /// (`rbench::check::unknown-name` or `unknown-name`)
    #[arg(value_name = "NAME", required_unless_present = "list")]
    name: Option<String>,
    /// Print every name that can be explained, one per line
    #[arg(long, conflicts_with = "name")]
    list: bool,
}

/// Prints the reference of the name asked for (or the list of names) to standard output.
pub fn run(args: &ExplainArgs, console: &Console) -> Status {
    // Without NAME, clap has made sure `--list` is given.
    let Some(name) = args.name.as_deref() else {
        let mut names = explain::names().join("\n");
        names.push('\n');
        print(&names);
        return Status::Success;
    };
    match explain::explain(name) {
        Some(text) => {
            print(&text);
            Status::Success
        }
        None => console.usage_error(&unknown(name)),
    }
}

/// "nothing is called `x`", with the names it may have meant.
fn unknown(name: &str) -> String {
    let suggestions: Vec<String> = explain::suggestions(name)
        .iter()
        .map(|s| format!("`{s}`"))
        .collect();
    let hint = match suggestions.as_slice() {
        [] => "`rbench explain --list` prints every name".to_string(),
        [one] => format!("did you mean {one}?"),
        [first @ .., last] => format!("did you mean {} or {last}?", first.join(", ")),
    };
    format!("nothing is called `{name}`: {hint}")
}

/// Writes to standard output; a closed pipe (`rbench explain --list | head`) is not an error.
fn print(text: &str) {
    let _ = io::stdout().lock().write_all(text.as_bytes());
}
