//! The part every source shares: positions to rows, batches, checks of values and labels, and
//! the cached content hash. Each format only reads rows ([`Rows`]).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::batch::Batch;
use super::error::{DataError, DataProblem};
use super::selection::{Positions, Selection};
use super::source::Source;

/// A format's reader: the rows of its files, by index in the files.
pub(crate) trait Rows: Send + Sync + 'static {
    /// How many samples the files hold.
    fn count(&self) -> u64;

    /// The shape of one sample.
    fn sample_shape(&self) -> &[usize];

    /// Whether values are stored as `uint8` (divided by 255 when the range is `[0, 1]`).
    fn stored_as_u8(&self) -> bool;

    /// The names of a sample's values, in order, where the format has them (a table's columns).
    fn feature_names(&self) -> Option<&[String]> {
        None
    }

    /// Appends the values and labels of the rows `rows` (in order) to `inputs` and `labels`.
    fn read(
        &self,
        rows: Range<u64>,
        inputs: &mut Vec<f32>,
        labels: &mut Vec<i64>,
    ) -> Result<(), DataError>;

    /// The file or folder that messages about the whole source name.
    fn origin(&self) -> PathBuf;

    /// The file holding sample `index`'s values, and how messages name the sample.
    fn describe_sample(&self, index: u64) -> (PathBuf, String);

    /// The file holding sample `index`'s label, and how messages name the sample.
    fn describe_label(&self, index: u64) -> (PathBuf, String) {
        self.describe_sample(index)
    }

    /// The content hash of every file read.
    fn hash(&self) -> Result<[u8; 32], DataError>;
}

/// A format's rows with a selection applied: the [`Source`] every format gives.
pub(crate) struct Selected<R> {
    rows: R,
    positions: Positions,
    classes: u32,
    range: (f32, f32),
    /// 1/255 for `uint8` data declared in `[0, 1]`, else none.
    scale: Option<f32>,
    hash: OnceLock<[u8; 32]>,
}

impl<R: Rows> Selected<R> {
    /// `rows` with `selection` applied, as a boxed source.
    pub(crate) fn boxed(rows: R, selection: &Selection) -> Result<Box<dyn Source>, DataError> {
        let positions = Positions::new(selection, rows.count())
            .map_err(|text| DataError::invalid(&rows.origin(), text))?;
        let scale = (rows.stored_as_u8() && selection.range == (0.0, 1.0)).then_some(255.0);
        Ok(Box::new(Selected {
            rows,
            positions,
            classes: selection.classes,
            range: selection.range,
            scale,
            hash: OnceLock::new(),
        }))
    }

    /// Checks the values and label of the sample at file index `index`.
    fn check(&self, index: u64, values: &[f32], label: i64) -> Result<u32, DataError> {
        let (low, high) = self.range;
        if let Some(&value) = values.iter().find(|v| !(low..=high).contains(*v)) {
            let (path, sample) = self.rows.describe_sample(index);
            let problem = if value.is_finite() {
                DataProblem::OutOfRange {
                    sample,
                    value,
                    low,
                    high,
                }
            } else {
                DataProblem::NotFinite { sample, value }
            };
            return Err(DataError::new(&path, problem));
        }
        match u32::try_from(label) {
            Ok(label) if label < self.classes => Ok(label),
            _ => {
                let (path, sample) = self.rows.describe_label(index);
                Err(DataError::new(
                    &path,
                    DataProblem::LabelOutOfRange {
                        sample,
                        label,
                        classes: self.classes,
                    },
                ))
            }
        }
    }
}

impl<R: Rows> Source for Selected<R> {
    fn len(&self) -> usize {
        self.positions.len()
    }

    fn sample_shape(&self) -> &[usize] {
        self.rows.sample_shape()
    }

    fn feature_names(&self) -> Option<&[String]> {
        self.rows.feature_names()
    }

    fn batch(&self, positions: Range<usize>) -> Result<Batch, DataError> {
        assert!(
            positions.start <= positions.end && positions.end <= self.len(),
            "batch positions {positions:?} outside 0..{}",
            self.len()
        );
        let sample_size: usize = self.sample_shape().iter().product();
        let count = positions.len();
        let mut inputs = Vec::with_capacity(count * sample_size);
        let mut raw_labels = Vec::with_capacity(count);
        // Consecutive file rows are read with one call (all of them when not shuffled).
        let indices: Vec<u64> = positions.clone().map(|p| self.positions.index(p)).collect();
        let mut run_start = 0;
        for i in 1..=indices.len() {
            if i == indices.len() || indices[i] != indices[i - 1] + 1 {
                let rows = indices[run_start]..indices[i - 1] + 1;
                self.rows.read(rows, &mut inputs, &mut raw_labels)?;
                run_start = i;
            }
        }
        if let Some(divisor) = self.scale {
            inputs.iter_mut().for_each(|v| *v /= divisor);
        }
        let labels = indices
            .iter()
            .enumerate()
            .map(|(i, &index)| {
                let values = &inputs[i * sample_size..(i + 1) * sample_size];
                self.check(index, values, raw_labels[i])
            })
            .collect::<Result<Vec<u32>, DataError>>()?;
        Ok(Batch {
            sample_shape: self.sample_shape().to_vec(),
            inputs,
            labels,
            indices: positions.map(|p| p as u64).collect(),
        })
    }

    fn content_hash(&self) -> Result<[u8; 32], DataError> {
        if let Some(hash) = self.hash.get() {
            return Ok(*hash);
        }
        let hash = self.rows.hash()?;
        Ok(*self.hash.get_or_init(|| hash))
    }
}
