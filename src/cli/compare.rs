//! `rbench diff`: two runs' results compared, with a regression exit code for CI and review.

use std::path::{Path, PathBuf};
use std::process::Command;

use rbench::report;
use rbench::results::{self, ResultsError, RunResults};

use super::render::Console;
use super::Status;

/// The options of `rbench diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// OLD and NEW results files; with `--git`, only NEW
    #[arg(value_name = "FILE", required = true, num_args = 1..=2)]
    pub files: Vec<PathBuf>,
    /// Compare NEW with the version of the same file committed at git revision REV
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// The largest worsening of a metric that is not a regression
    #[arg(long, value_name = "X", default_value_t = 0.0)]
    pub tolerance: f64,
}

/// The exit codes of `rbench diff`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  no regression
  1  a gate went from pass to fail, or a metric got worse by more than the tolerance
  2  usage error, or a results file could not be read";

/// Compares the results of `args` and prints the changes.
pub fn run(args: &DiffArgs, console: &Console) -> Status {
    if args.tolerance.is_nan() || args.tolerance < 0.0 {
        return console.usage_error("--tolerance must be a number at least 0");
    }
    let pair = match (&args.git, args.files.as_slice()) {
        (None, [old, new]) => results::read(old).and_then(|old| Ok((old, results::read(new)?))),
        (Some(revision), [new]) => {
            committed(revision, new).and_then(|old| Ok((old, results::read(new)?)))
        }
        (None, _) => return console.usage_error("give OLD and NEW results files"),
        (Some(_), _) => return console.usage_error("with --git, give the NEW results file only"),
    };
    let (old, new) = match pair {
        Ok(pair) => pair,
        Err(error) => {
            console.diagnostic(&error);
            return Status::Failure;
        }
    };
    let diff = report::diff(&old, &new, args.tolerance);
    if let Err(error) = console.print(&diff.render()) {
        console.error(&format!("cannot write the comparison: {error}"));
        return Status::Failure;
    }
    match diff.regressed() {
        true => Status::Problems,
        false => Status::Success,
    }
}

/// The results file `path` as committed at `revision` (`git show REV:./NAME` in its folder).
fn committed(revision: &str, path: &Path) -> Result<RunResults, ResultsError> {
    let named = PathBuf::from(format!("{}@{revision}", path.display()));
    let read = |problem: String| ResultsError::Read {
        path: named.clone(),
        problem,
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| read("not a file name".to_string()))?;
    let output = Command::new("git")
        .arg("-C")
        .arg(folder)
        .arg("show")
        .arg(format!("{revision}:./{}", name.to_string_lossy()))
        .output()
        .map_err(|e| read(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        return Err(read(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    let text = String::from_utf8(output.stdout).map_err(|e| read(e.to_string()))?;
    results::parse(&text, &named)
}
