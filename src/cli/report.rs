//! `rbench report`: a results file rendered as Markdown, HTML, JUnit XML, OSCAL or JSON.

use std::path::PathBuf;

use rbench::report::{self, Format};
use rbench::results;

use super::render::Console;
use super::Status;

/// The options of `rbench report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The `results.json` of a run
    #[arg(value_name = "RESULTS")]
    pub results: PathBuf,
    /// The report format
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The exit codes of `rbench report`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  the report was written
  2  usage error, or the results could not be read or the report not written";

/// Renders the results of `args` in its format.
pub fn run(args: &ReportArgs, console: &Console) -> Status {
    let results = match results::read(&args.results) {
        Ok(results) => results,
        Err(error) => {
            console.diagnostic(&error);
            return Status::Failure;
        }
    };
    let evidence = args.results.display().to_string();
    let text = report::render(&results, args.format, &evidence);
    match &args.output {
        Some(path) => match report::write_atomic(path, &text) {
            Ok(()) => Status::Success,
            Err(error) => {
                console.diagnostic(&error);
                Status::Failure
            }
        },
        None => match console.print(&text) {
            Ok(()) => Status::Success,
            Err(error) => {
                console.error(&format!("cannot write the report: {error}"));
                Status::Failure
            }
        },
    }
}
