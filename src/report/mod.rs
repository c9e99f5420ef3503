//! The report stage: a finished run's [`RunResults`] rendered for people (Markdown, HTML), for CI
//! test reporters (JUnit XML), for compliance tooling (OSCAL assessment results) and for programs
//! (JSON). Reports read results only; they never run anything.

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

use crate::exec::{RunResults, SCHEMA_VERSION};

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

/// Why results could not be read or a report not written; each kind has a stable code
/// `rbench::report::<kind>`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
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
    /// A report could not be written.
    #[error("cannot write {}: {problem}", path.display())]
    #[diagnostic(code("rbench::report::unwritable-report"))]
    Write { path: PathBuf, problem: String },
}

/// Reads a `results.json`, refusing other versions of the format with a clear message.
pub fn read_results(path: &Path) -> Result<RunResults, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::Read {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    parse_results(&text, path)
}

/// Parses the text of a `results.json` read from `path` (named in errors only).
pub fn parse_results(text: &str, path: &Path) -> Result<RunResults, ReportError> {
    let read = |problem: String| ReportError::Read {
        path: path.to_path_buf(),
        problem,
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| read(e.to_string()))?;
    let found = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64);
    match found {
        Some(version) if version == u64::from(SCHEMA_VERSION) => {}
        Some(found) => {
            return Err(ReportError::Version {
                path: path.to_path_buf(),
                found,
            })
        }
        None => {
            return Err(read(
                "no `schema_version`: not an rbench results file".into(),
            ))
        }
    }
    serde_json::from_value(value).map_err(|e| read(e.to_string()))
}

/// Renders `results` in `format`; `evidence` is how reports refer to the results file (OSCAL's
/// relevant evidence, the provenance section).
pub fn render(results: &RunResults, format: Format, evidence: &str) -> String {
    match format {
        Format::Md => markdown::render(results, evidence),
        Format::Html => html::render(results, evidence),
        Format::Junit => junit::render(results),
        Format::Oscal => oscal::render(results, evidence),
        Format::Json => json(results),
    }
}

/// The results as pretty JSON with a final newline, as `results.json` holds them.
pub fn json(results: &RunResults) -> String {
    let mut text = serde_json::to_string_pretty(results)
        .unwrap_or_else(|e| unreachable!("results always serialise: {e}"));
    text.push('\n');
    text
}

/// The JSON Schema of `results.json`, generated from [`RunResults`], pretty, newline-terminated.
pub fn results_schema() -> String {
    let schema = schemars::schema_for!(RunResults);
    let mut text = serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|e| unreachable!("a schema always serialises: {e}"));
    text.push('\n');
    text
}

/// Writes `text` to `path` atomically (a temporary file beside it, then renamed).
pub fn write_atomic(path: &Path, text: &str) -> Result<(), ReportError> {
    let write = |problem: String| ReportError::Write {
        path: path.to_path_buf(),
        problem,
    };
    crate::atomic::write_atomic(path, text.as_bytes()).map_err(|e| write(e.to_string()))
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
fn interval(interval: Option<crate::metric::Interval>) -> String {
    interval.map_or_else(String::new, |i| {
        format!("[{}, {}]", number(i.low), number(i.high))
    })
}
