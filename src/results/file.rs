//! `results.json` on disk: reading it (refusing other versions of the format), writing it
//! atomically, and its JSON Schema.

use std::io;
use std::path::Path;

use super::{ResultsError, RunResults, SCHEMA_VERSION};

/// The name of the results file in a run's output folder.
pub const FILE_NAME: &str = "results.json";

/// Reads a `results.json`, refusing other versions of the format with a clear message.
pub fn read(path: &Path) -> Result<RunResults, ResultsError> {
    let text = std::fs::read_to_string(path).map_err(|e| ResultsError::Read {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    parse(&text, path)
}

/// Parses the text of a `results.json` read from `path` (named in errors only).
pub fn parse(text: &str, path: &Path) -> Result<RunResults, ResultsError> {
    let read = |problem: String| ResultsError::Read {
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
            return Err(ResultsError::Version {
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

/// The results as pretty JSON with a final newline, as `results.json` holds them.
pub fn to_json(results: &RunResults) -> String {
    // Maps with string keys and numbers (NaN becomes `null`) always serialise.
    let mut text = serde_json::to_string_pretty(results)
        .unwrap_or_else(|e| unreachable!("results always serialise: {e}"));
    text.push('\n');
    text
}

/// Writes `results` to `path` as [`to_json`] does, atomically (a temporary file beside it, then
/// renamed), creating its folder.
pub fn write(results: &RunResults, path: &Path) -> io::Result<()> {
    crate::atomic::write_atomic(path, to_json(results).as_bytes())
}

/// The JSON Schema of `results.json`, generated from [`RunResults`], pretty, newline-terminated.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RunResults);
    let mut text = serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|e| unreachable!("a schema always serialises: {e}"));
    text.push('\n');
    text
}
