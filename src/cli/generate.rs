//! `rbench completions SHELL` and `rbench man`: shell completion scripts and a man page, both
//! generated from the command-line definition, so they never drift from it.

use clap::CommandFactory;

use super::render::Console;
use super::{Cli, Status};

/// Prints the completion script of `shell` to standard output.
pub fn completions(shell: clap_complete::Shell, console: &Console) -> Status {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "rbench", &mut script);
    print(&script, "the completion script", console)
}

/// Prints the man page `rbench(1)` (roff) to standard output.
pub fn man(console: &Console) -> Status {
    let mut page = Vec::new();
    if let Err(error) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        console.error(&format!("cannot render the man page: {error}"));
        return Status::Failure;
    }
    print(&page, "the man page", console)
}

fn print(bytes: &[u8], what: &str, console: &Console) -> Status {
    match console.print(&String::from_utf8_lossy(bytes)) {
        Ok(()) => Status::Success,
        Err(error) => {
            console.error(&format!("cannot write {what}: {error}"));
            Status::Failure
        }
    }
}
