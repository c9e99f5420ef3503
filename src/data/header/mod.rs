//! Header readers: what a data or weights file holds (element types, shapes, names), learned
//! from its first bytes without reading the payload. The link step uses them to find mismatches
//! before anything runs; the engine reuses them to locate the payload.
//!
//! Every length read from a file is bounded before anything is allocated from it.

mod csv;
mod dtype;
mod idx;
mod images;
mod npy;
mod npz;
mod pyliteral;
mod safetensors;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use self::csv::{read_csv_header, MAX_CSV_HEADER_BYTES};
pub use self::dtype::ElementType;
pub use self::idx::{read_idx, IdxHeader};
pub(crate) use self::images::relative;
pub use self::images::{
    describe_image_folder, list_image_classes, ClassFiles, ImageClass, ImageFolder,
    IMAGE_EXTENSIONS,
};
pub use self::npy::{read_npy, ArrayHeader, MAX_NPY_HEADER_LEN};
pub use self::npz::{npz_member_name, NpzArchive, NpzMember};
pub use self::safetensors::{
    read_safetensors, SafetensorsHeader, TensorInfo, MAX_SAFETENSORS_HEADER_LEN,
};

/// A file whose header could not be read, and why.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("`{}`: {problem}", path.display())]
pub struct HeaderError {
    pub path: PathBuf,
    pub problem: HeaderProblem,
}

impl HeaderError {
    /// `problem` found in the file at `path`.
    pub fn new(path: &Path, problem: HeaderProblem) -> Self {
        HeaderError {
            path: path.to_path_buf(),
            problem,
        }
    }
}

/// What is wrong with a file's header; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum HeaderProblem {
    #[error("file not found")]
    NotFound,
    #[error("cannot read the file: {0}")]
    Unreadable(String),
    /// The bytes are not what the format prescribes (wrong magic, truncated, bad shape).
    #[error("{0}")]
    Invalid(String),
    /// A well-formed element type that rbench does not read.
    #[error("element type `{found}` is not supported")]
    UnsupportedDType {
        /// The array, member or tensor it belongs to, when the file holds several.
        array: Option<String>,
        found: String,
        /// What to do instead.
        help: String,
    },
    /// A named entry (an archive member, a tensor, a column) that the file does not have.
    #[error("{kind} `{name}` not found")]
    Missing {
        kind: &'static str,
        name: String,
        /// The entries the file does have, in its order.
        available: Vec<String>,
    },
}

/// Opens `path` if it is a regular file ([`crate::confine::open_regular`]), telling a missing
/// file from an unreadable one.
pub(crate) fn open(path: &Path) -> Result<File, HeaderError> {
    crate::confine::open_regular(path).map_err(|e| HeaderError::new(path, io_problem(&e)))
}

/// The problem an I/O error while opening or reading a file stands for.
fn io_problem(error: &io::Error) -> HeaderProblem {
    match error.kind() {
        io::ErrorKind::NotFound => HeaderProblem::NotFound,
        _ => HeaderProblem::Unreadable(error.to_string()),
    }
}

/// The length of an open file in bytes.
fn file_len(file: &File, path: &Path) -> Result<u64, HeaderError> {
    file.metadata()
        .map(|m| m.len())
        .map_err(|e| HeaderError::new(path, io_problem(&e)))
}

/// Fills `buf`, calling an early end of file a truncated `what`.
fn read_exact(reader: &mut impl Read, buf: &mut [u8], what: &str) -> Result<(), HeaderProblem> {
    reader.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            HeaderProblem::Invalid(format!("truncated file: it ends inside {what}"))
        }
        _ => HeaderProblem::Unreadable(e.to_string()),
    })
}

/// The number of bytes `shape` elements of `dtype` take, if it fits in a `u64`.
pub(crate) fn payload_len(shape: &[u64], dtype: ElementType) -> Option<u64> {
    shape
        .iter()
        .try_fold(dtype.size() as u64, |acc, &d| acc.checked_mul(d))
}

/// Refuses a payload that ends past the end of the data (`available` bytes after the header).
fn check_payload(
    shape: &[u64],
    dtype: ElementType,
    available: u64,
    what: &str,
) -> Result<(), HeaderProblem> {
    match payload_len(shape, dtype) {
        Some(needed) if needed <= available => Ok(()),
        Some(needed) => Err(HeaderProblem::Invalid(format!(
            "truncated file: {what} of shape {} and type {dtype} needs {needed} bytes of data, \
             but only {available} follow the header",
            format_shape(shape)
        ))),
        None => Err(HeaderProblem::Invalid(format!(
            "{what} of shape {} is too large to address",
            format_shape(shape)
        ))),
    }
}

/// `[1, ?, ?]`: a shape whose unknown dimensions are `?`.
pub fn format_dims<T: std::fmt::Display>(dims: &[Option<T>]) -> String {
    let dims: Vec<String> = dims
        .iter()
        .map(|d| d.as_ref().map_or_else(|| "?".into(), T::to_string))
        .collect();
    format!("[{}]", dims.join(", "))
}

/// `[60000, 28, 28]`.
pub fn format_shape(shape: &[u64]) -> String {
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// Leading bytes as `0x1f8b0800`, to show a magic number that was not recognised.
fn hex(bytes: &[u8]) -> String {
    let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("0x{digits}")
}
