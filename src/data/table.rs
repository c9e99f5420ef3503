//! CSV tables: a header row naming the columns, then one sample a row. `open` scans the file
//! once to index where each row starts; a batch reads and parses only its rows.

use std::io::Cursor;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::error::{DataError, DataProblem};
use super::selected::Rows;
use super::store::{hash_contents, ByteStore, Content, SeqReader};

/// The columns a table's samples are made of, and where its rows lie.
#[derive(Debug)]
pub(crate) struct CsvRows {
    store: ByteStore,
    path: PathBuf,
    delimiter: u8,
    /// Where each data row starts, then where the last one ends: one more than the rows.
    offsets: Vec<u64>,
    /// The feature columns, by index in a row, and their names.
    features: Vec<(usize, String)>,
    /// The feature columns' names, in sample order.
    feature_names: Vec<String>,
    label: (usize, String),
    sample_shape: Vec<usize>,
    content: Content,
}

impl CsvRows {
    /// The table at `path`: `label` is the label column, `features` the feature columns in
    /// order (default: every column but the label), fields separated by `delimiter`.
    pub(crate) fn open(
        path: &Path,
        label: &str,
        features: Option<&[String]>,
        delimiter: u8,
    ) -> Result<Self, DataError> {
        let reader = SeqReader::open(path)?;
        let store = ByteStore::open(path)?;
        let content = Content::File(path.to_path_buf());
        Self::index(path, reader, store, content, label, features, delimiter)
    }

    /// A table bundled in the binary; `name` stands for its path.
    pub(crate) fn from_bytes(
        name: &Path,
        bytes: &'static [u8],
        label: &str,
        delimiter: u8,
    ) -> Result<Self, DataError> {
        let reader = SeqReader::Static(Cursor::new(bytes));
        let store = ByteStore::Static(bytes);
        Self::index(
            name,
            reader,
            store,
            Content::Static(bytes),
            label,
            None,
            delimiter,
        )
    }

    /// Reads the header row, finds the columns, and indexes the rows.
    fn index(
        path: &Path,
        reader: SeqReader,
        store: ByteStore,
        content: Content,
        label: &str,
        features: Option<&[String]>,
        delimiter: u8,
    ) -> Result<Self, DataError> {
        let invalid = |text: String| DataError::invalid(path, text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .from_reader(reader);
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        if columns.is_empty() {
            return Err(invalid(
                "the file is empty; a header row naming the columns is expected".into(),
            ));
        }
        let find = |name: &str| {
            columns
                .iter()
                .position(|c| c == name)
                .map(|i| (i, name.to_string()))
                .ok_or_else(|| {
                    DataError::new(
                        path,
                        DataProblem::Missing {
                            kind: "column",
                            name: name.to_string(),
                            available: columns.clone(),
                        },
                    )
                })
        };
        let label = find(label)?;
        let features = match features {
            Some(names) => names
                .iter()
                .map(|n| find(n))
                .collect::<Result<Vec<_>, _>>()?,
            None => (0..columns.len())
                .filter(|&i| i != label.0)
                .map(|i| (i, columns[i].clone()))
                .collect(),
        };
        if features.iter().any(|(i, _)| *i == label.0) {
            return Err(invalid(format!(
                "the label column `{}` is also listed as a feature",
                label.1
            )));
        }
        if features.is_empty() {
            return Err(invalid(format!(
                "the table has no feature columns besides `{}`",
                label.1
            )));
        }
        let mut offsets = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(path, &e))?
        {
            offsets.push(record.position().map_or(0, |p| p.byte()));
        }
        offsets.push(reader.position().byte());
        Ok(CsvRows {
            store,
            path: path.to_path_buf(),
            delimiter,
            offsets,
            sample_shape: vec![features.len()],
            feature_names: features.iter().map(|(_, name)| name.clone()).collect(),
            features,
            label,
            content,
        })
    }

    /// The number in `field`, the value of sample `index` in column `column`.
    fn number(&self, field: &[u8], index: u64, column: &str) -> Result<f64, DataError> {
        let text = String::from_utf8_lossy(field);
        text.trim().parse::<f64>().map_err(|_| {
            DataError::invalid(
                &self.path,
                format!("sample {index}, column `{column}`: `{text}` is not a number"),
            )
        })
    }
}

impl Rows for CsvRows {
    fn count(&self) -> u64 {
        self.offsets.len() as u64 - 1
    }

    fn sample_shape(&self) -> &[usize] {
        &self.sample_shape
    }

    fn stored_as_u8(&self) -> bool {
        false
    }

    fn feature_names(&self) -> Option<&[String]> {
        Some(&self.feature_names)
    }

    fn read(
        &self,
        rows: Range<u64>,
        inputs: &mut Vec<f32>,
        labels: &mut Vec<i64>,
    ) -> Result<(), DataError> {
        let start = self.offsets[rows.start as usize];
        let end = self.offsets[rows.end as usize];
        let mut bytes = vec![0; (end - start) as usize];
        self.store
            .read_at(start, &mut bytes)
            .map_err(|e| DataError::io(&self.path, &e))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .from_reader(&bytes[..]);
        let mut record = csv::ByteRecord::new();
        for index in rows {
            let read = reader
                .read_byte_record(&mut record)
                .map_err(|e| csv_error(&self.path, &e))?;
            if !read {
                return Err(DataError::invalid(
                    &self.path,
                    format!("the file changed since it was opened: sample {index} is gone"),
                ));
            }
            for (column, name) in &self.features {
                inputs.push(self.number(&record[*column], index, name)? as f32);
            }
            let (column, name) = &self.label;
            let value = self.number(&record[*column], index, name)?;
            if value.fract() != 0.0 {
                return Err(DataError::invalid(
                    &self.path,
                    format!(
                        "sample {index}, column `{name}`: the label {value} is not a class index \
                         (0, 1, ...)"
                    ),
                ));
            }
            labels.push(value as i64);
        }
        Ok(())
    }

    fn origin(&self) -> PathBuf {
        self.path.clone()
    }

    fn describe_sample(&self, index: u64) -> (PathBuf, String) {
        (self.path.clone(), format!("sample {index}"))
    }

    fn hash(&self) -> Result<[u8; 32], DataError> {
        hash_contents([("", &self.content)])
    }
}

/// A CSV error as a problem of the file at `path`.
fn csv_error(path: &Path, error: &csv::Error) -> DataError {
    match error.kind() {
        csv::ErrorKind::Io(io) => DataError::io(path, io),
        csv::ErrorKind::Utf8 { pos, .. } => DataError::invalid(
            path,
            format!(
                "line {} is not UTF-8 text",
                pos.as_ref().map_or(0, |p| p.line())
            ),
        ),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => DataError::invalid(
            path,
            format!(
                "line {} has {}, but the header row has {expected_len}",
                pos.as_ref().map_or(0, |p| p.line()),
                if *len == 1 {
                    "1 field".into()
                } else {
                    format!("{len} fields")
                }
            ),
        ),
        _ => DataError::invalid(path, format!("malformed CSV: {error}")),
    }
}
