//! Data sources: typed descriptions of where samples come from, opened into streams of batches.
//!
//! [`open`] reads only headers and indexes; samples are read a batch at a time, by position, so
//! several branches can read batches of one source in parallel, and memory grows with the batch
//! size, not with the dataset:
//!
//! - npy, npz (stored members), IDX and safetensors read exactly the rows of a batch, with
//!   positional reads (no memory map, no shared cursor).
//! - A gzip-compressed IDX file or a deflated npz member cannot be read at an offset: it is
//!   decompressed once, at `open`, into an anonymous temporary file (removed when the source is
//!   dropped), streaming through a fixed-size buffer; then it is read like a plain file. An IDX
//!   file is decompressed only as far as the selection reads (`offset + limit` rows, unless
//!   shuffled).
//! - A selection whose results would not fit [`MAX_SELECTION_BYTES`](super::MAX_SELECTION_BYTES)
//!   is refused at `open`, before anything is read.
//! - A CSV table is scanned once at `open` to index where each row starts (8 bytes a row); a batch
//!   parses only its rows.
//! - An image folder is listed once; a batch decodes and resizes only its images.
//! - A shuffle keeps the permuted indices of the kept samples (8 bytes a sample).
//!
//! Values and the declared range: values are kept as stored, converted to `f32`, with one
//! exception: `uint8` data (arrays of type `uint8`, and image pixels) is divided by 255 when the
//! declared range is exactly `[0, 1]`, the convention of MNIST-style files. Every value must then
//! be finite and lie in the declared range; labels must be integers in `0..classes`. These checks
//! run on every batch read, and an error names the file and the first offending sample. `open`
//! checks what the headers tell: types, shapes, and that samples and labels are as many.

use std::ops::Range;
use std::path::PathBuf;

use super::batch::Batch;
use super::error::DataError;
use super::selection::Selection;
use super::{arrays, bundled, images, selected::Selected, table};

/// A dataset's samples and labels after selection, read a batch at a time.
pub trait Source: Send + Sync {
    /// How many samples the selection keeps.
    fn len(&self) -> usize;

    /// Whether the selection keeps no sample (never true for an opened source).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shape of one sample: `[1, 28, 28]` for a grey image, `[30]` for a table row.
    fn sample_shape(&self) -> &[usize];

    /// The names of a sample's values, in order, where the data has them: a CSV table's feature
    /// columns. Attacks resolve `immutable` feature names with them.
    fn feature_names(&self) -> Option<&[String]> {
        None
    }

    /// The samples at `positions`, checked; `Batch::indices` holds the positions. Panics if
    /// `positions` does not lie within `0..len()` (a caller's bug, not a data problem).
    fn batch(&self, positions: Range<usize>) -> Result<Batch, DataError>;

    /// The blake3 hash of the bytes of every file the source reads (whole files, whatever the
    /// selection), streamed once and then remembered. It keys caches and provenance records.
    fn content_hash(&self) -> Result<[u8; 32], DataError>;
}

/// Where a dataset's samples and labels come from, with every argument typed.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// Arrays `x` (samples `[N, ...]`) and `y` (labels `[N]`) in an `.npz` archive.
    Npz { path: PathBuf, x: String, y: String },
    /// Samples and labels in two `.npy` files.
    Npy { x: PathBuf, y: PathBuf },
    /// IDX images `[N, height, width]` (read as `[1, height, width]`) and labels `[N]`, plain
    /// or gzip-compressed (`.gz`).
    Idx { images: PathBuf, labels: PathBuf },
    /// A CSV table with a header row: the feature columns (default: all but the label) and an
    /// integer label column.
    Csv {
        path: PathBuf,
        label: String,
        features: Option<Vec<String>>,
        delimiter: u8,
    },
    /// A folder with one sub-folder of PNG/JPEG images per class (sorted by name), resized to
    /// `size` = `[height, width]`: samples `[1 or 3, height, width]`.
    Images {
        path: PathBuf,
        size: [usize; 2],
        grayscale: bool,
    },
    /// Tensors `x` (samples) and `y` (labels) in a safetensors file.
    Safetensors { path: PathBuf, x: String, y: String },
    /// A data set bundled with rbench.
    Sample(BundledSample),
}

/// The data sets bundled with rbench: the test splits of the files in `examples/data/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundledSample {
    /// scikit-learn's `digits` test split: 449 grey 8×8 digits `[1, 8, 8]` in [0, 1], 10 classes.
    Digits,
    /// scikit-learn's `breast_cancer` test split: 142 rows of 30 raw measurements, 2 classes.
    BreastCancer,
}

impl BundledSample {
    /// The name `sample(...)` takes: `digits`, `breast_cancer`.
    pub fn name(self) -> &'static str {
        match self {
            BundledSample::Digits => "digits",
            BundledSample::BreastCancer => "breast_cancer",
        }
    }

    /// The bundled data set called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [BundledSample::Digits, BundledSample::BreastCancer]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// Opens the source `spec` describes, keeping the samples `selection` selects; reads headers
/// and indexes only, and checks what they tell.
pub fn open(spec: &SourceSpec, selection: &Selection) -> Result<Box<dyn Source>, DataError> {
    Ok(match spec {
        SourceSpec::Npz { path, x, y } => Selected::boxed(arrays::npz(path, x, y)?, selection)?,
        SourceSpec::Npy { x, y } => Selected::boxed(arrays::npy(x, y)?, selection)?,
        SourceSpec::Idx { images, labels } => Selected::boxed(
            arrays::idx(images, labels, selection.rows_read())?,
            selection,
        )?,
        SourceSpec::Safetensors { path, x, y } => {
            Selected::boxed(arrays::safetensors(path, x, y)?, selection)?
        }
        SourceSpec::Csv {
            path,
            label,
            features,
            delimiter,
        } => Selected::boxed(
            table::CsvRows::open(path, label, features.as_deref(), *delimiter)?,
            selection,
        )?,
        SourceSpec::Images {
            path,
            size,
            grayscale,
        } => Selected::boxed(images::ImageRows::open(path, *size, *grayscale)?, selection)?,
        SourceSpec::Sample(sample) => bundled::open(*sample, selection)?,
    })
}
