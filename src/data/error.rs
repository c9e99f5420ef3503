//! Errors of the data sources: each names the file and says what was expected.

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::header::{HeaderError, HeaderProblem};

/// A data source that cannot be opened or read, and why.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("`{}`: {problem}", path.display())]
pub struct DataError {
    /// The file (or folder) at fault; `sample(digits)` for the bundled data.
    pub path: PathBuf,
    pub problem: DataProblem,
}

impl DataError {
    /// `problem` found in the file at `path`.
    pub fn new(path: &Path, problem: DataProblem) -> Self {
        DataError {
            path: path.to_path_buf(),
            problem,
        }
    }

    /// An `Invalid` problem with `text`.
    pub(crate) fn invalid(path: &Path, text: impl Into<String>) -> Self {
        DataError::new(path, DataProblem::Invalid(text.into()))
    }

    /// An I/O error while reading the file at `path`.
    pub(crate) fn io(path: &Path, error: &io::Error) -> Self {
        let problem = match error.kind() {
            io::ErrorKind::NotFound => HeaderProblem::NotFound,
            io::ErrorKind::UnexpectedEof => {
                HeaderProblem::Invalid("truncated file: it ends inside the data".into())
            }
            _ => HeaderProblem::Unreadable(error.to_string()),
        };
        DataError::new(path, DataProblem::Header(problem))
    }
}

/// A header problem, with the names a missing entry could have been and the help of an
/// unsupported type spelled out in the message.
impl From<HeaderError> for DataError {
    fn from(error: HeaderError) -> Self {
        let problem = match error.problem {
            HeaderProblem::Missing {
                kind,
                name,
                available,
            } => DataProblem::Missing {
                kind,
                name,
                available,
            },
            HeaderProblem::UnsupportedDType { array, found, help } => {
                let array = array.map_or_else(String::new, |a| format!("{a}: "));
                DataProblem::Invalid(format!(
                    "{array}element type `{found}` is not supported; {help}"
                ))
            }
            other => DataProblem::Header(other),
        };
        DataError {
            path: error.path,
            problem,
        }
    }
}

/// What is wrong with a source's data; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DataProblem {
    /// The header or the layout of the file (missing, truncated, wrong magic, unsupported type).
    #[error(transparent)]
    Header(HeaderProblem),
    /// A named entry (an archive member, a tensor, a column) that the file does not have.
    #[error("{kind} `{name}` not found; the file has {}", quoted(available))]
    Missing {
        kind: &'static str,
        name: String,
        /// The entries the file does have, in its order.
        available: Vec<String>,
    },
    /// The arrays do not fit together or the selection (shapes, counts, offset).
    #[error("{0}")]
    Invalid(String),
    /// A value that is NaN or infinite.
    #[error("{sample} holds {value}; every value must be finite")]
    NotFinite {
        /// The sample, as messages name it: `sample 17`, `sample 3 (\`cat/003.png\`)`.
        sample: String,
        value: f32,
    },
    /// A value outside the dataset's declared `range`.
    #[error(
        "{sample} holds {value}, outside the declared range [{low}, {high}]; declare the range \
         the data has (`range = [low, high]`) or rescale the data"
    )]
    OutOfRange {
        sample: String,
        value: f32,
        low: f32,
        high: f32,
    },
    /// A label that is not a class index: negative, or not below the declared class count.
    #[error(
        "the label of {sample} is {label}, but the dataset declares {classes} classes \
         (labels 0 to {})", classes.saturating_sub(1)
    )]
    LabelOutOfRange {
        sample: String,
        label: i64,
        classes: u32,
    },
}

/// `` `a`, `b` `` (or "none").
fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    names.join(", ")
}
