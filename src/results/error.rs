//! Why a results file could not be read. The codes are those `rbench report` and `rbench diff`
//! have always reported (`rbench::report::<kind>`), so scripts that match them keep working.

use std::path::PathBuf;

use super::SCHEMA_VERSION;

/// Why a `results.json` could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ResultsError {
    /// The results file is missing, unreadable or not a results file.
    #[error("cannot read {}: {problem}", path.display())]
    #[diagnostic(
        code("rbench::report::unreadable-results"),
        help("give the `results.json` that `rbench run` wrote")
    )]
    Read { path: PathBuf, problem: String },
    /// The results file was written in another version of the format.
    #[error(
        "{} has results format version {found}; this rbench reads version {SCHEMA_VERSION} \
         (run the spec again to write it)",
        path.display()
    )]
    #[diagnostic(code("rbench::report::results-version"))]
    Version { path: PathBuf, found: u64 },
}
