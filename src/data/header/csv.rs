//! CSV header rows: the column names. The data rows are not read (nor counted).

use std::io::Read;
use std::path::Path;

use super::{open, HeaderError, HeaderProblem};

/// The longest header row accepted, in bytes.
pub const MAX_CSV_HEADER_BYTES: u64 = 1 << 20;

/// The column names in the header row of the CSV file at `path`, fields separated by
/// `delimiter`.
pub fn read_csv_header(path: &Path, delimiter: u8) -> Result<Vec<String>, HeaderError> {
    let file = open(path)?;
    let error = |text: String| HeaderError::new(path, HeaderProblem::Invalid(text));
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(file.take(MAX_CSV_HEADER_BYTES + 1));
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| match e.kind() {
            ::csv::ErrorKind::Io(io) => HeaderError::new(path, super::io_problem(io)),
            ::csv::ErrorKind::Utf8 { .. } => error("the header row is not UTF-8 text".into()),
            _ => error(format!("malformed header row: {e}")),
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if reader.position().byte() > MAX_CSV_HEADER_BYTES {
        return Err(error(format!(
            "the header row is longer than {MAX_CSV_HEADER_BYTES} bytes"
        )));
    }
    if columns.is_empty() {
        return Err(error(
            "the file is empty; a header row naming the columns is expected".into(),
        ));
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &[u8], delimiter: u8) -> Result<Vec<String>, HeaderError> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("table.csv");
        std::fs::write(&path, text).expect("write");
        read_csv_header(&path, delimiter)
    }

    #[test]
    fn reads_the_column_names() {
        let columns = header(b"a,b,\"c,d\",target\n1,2,3,0\n", b',').expect("valid");
        assert_eq!(columns, ["a", "b", "c,d", "target"]);
        let columns = header(b"a;b\n", b';').expect("valid");
        assert_eq!(columns, ["a", "b"]);
    }

    #[test]
    fn refuses_empty_files_and_endless_header_rows() {
        let error = header(b"", b',').expect_err("empty");
        assert!(error.to_string().contains("the file is empty"), "{error}");
        let long = vec![b'a'; MAX_CSV_HEADER_BYTES as usize + 10];
        let error = header(&long, b',').expect_err("too long");
        assert!(error.to_string().contains("longer than"), "{error}");
    }
}
