//! The report stage: a finished run's [`RunResults`] rendered for people (Markdown, HTML), for CI
//! test reporters (JUnit XML), for compliance tooling (OSCAL assessment results) and for programs
//! (JSON). Reports read results only ([`crate::results`]); they never run anything.

mod coverage;
mod diff;
mod html;
mod junit;
mod markdown;
mod oscal;
mod plots;
mod table;
mod warnings;

use std::path::{Path, PathBuf};

use crate::results::{self, Interval, RunResults};

pub use coverage::{Coverage, CoveredControl, FrameworkCoverage, GroupSummary};
pub use diff::{diff, GateChange, MetricChange, ResultsDiff};
pub use warnings::warnings;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown: summary, gates, metrics, AI RMF coverage, warnings, provenance.
    Md,
    /// One self-contained HTML page: the Markdown content plus plots.
    Html,
    /// JUnit XML: one test case per gate.
    Junit,
    /// OSCAL 1.2.1 assessment results (JSON).
    Oscal,
    /// The results themselves, as pretty JSON.
    Json,
}

impl Format {
    /// The file name a report of this format gets beside `results.json`.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Md => "report.md",
            Format::Html => "report.html",
            Format::Junit => "junit.xml",
            Format::Oscal => "oscal-assessment-results.json",
            Format::Json => "results.json",
        }
    }
}

/// Why a report could not be written; the code is `rbench::report::unwritable-report`.
/// (Reading results fails with a [`results::ResultsError`].)
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    /// A report could not be written.
    #[error("cannot write {}: {problem}", path.display())]
    #[diagnostic(code("rbench::report::unwritable-report"))]
    Write { path: PathBuf, problem: String },
}

/// Renders `results` in `format`; `evidence` is how reports refer to the results file (OSCAL's
/// relevant evidence, the provenance section).
pub fn render(results: &RunResults, format: Format, evidence: &str) -> String {
    match format {
        Format::Md => markdown::render(results, evidence),
        Format::Html => html::render(results, evidence),
        Format::Junit => junit::render(results),
        Format::Oscal => oscal::render(results, evidence),
        Format::Json => results::to_json(results),
    }
}

/// Writes `text` to `path` atomically (a temporary file beside it, then renamed).
pub fn write_atomic(path: &Path, text: &str) -> Result<(), ReportError> {
    let write = |problem: String| ReportError::Write {
        path: path.to_path_buf(),
        problem,
    };
    crate::atomic::write_atomic(path, text.as_bytes()).map_err(|e| write(e.to_string()))
}

/// Writes a report of each of `formats` into `folder`, beside the `results.json` the reports
/// cite as their evidence (which [`Format::Json`] would be, so it is skipped); returns the files
/// written.
pub fn write_beside(
    results: &RunResults,
    folder: &Path,
    formats: &[Format],
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    for &format in formats {
        if format == Format::Json {
            // results.json itself.
            continue;
        }
        let path = folder.join(format.file_name());
        write_atomic(&path, &render(results, format, results::FILE_NAME))?;
        written.push(path);
    }
    Ok(written)
}

/// A number as reports print it: four decimals; `undefined` for NaN (a metric no sample
/// defines).
pub fn number(x: f64) -> String {
    match x.is_nan() {
        true => "undefined".to_string(),
        false => format!("{x:.4}"),
    }
}

/// An interval as reports print it: `[low, high]`, or empty.
fn interval(interval: Option<Interval>) -> String {
    interval.map_or_else(String::new, |i| {
        format!("[{}, {}]", number(i.low), number(i.high))
    })
}
