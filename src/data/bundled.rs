//! The data sets bundled with rbench, built into the binary: the test splits of scikit-learn's
//! `digits` and `breast_cancer` (see `examples/data/README.md` for their origin and the split).

use std::path::PathBuf;

use super::error::DataError;
use super::selected::Selected;
use super::selection::Selection;
use super::source::{BundledSample, Source};
use super::{arrays, table};

/// `examples/data/digits_test.npz`: `x` float32 `[449, 1, 8, 8]` in [0, 1], `y` int64 `[449]`.
static DIGITS_TEST: &[u8] = include_bytes!("../../examples/data/digits_test.npz");

/// `examples/data/breast_cancer_test.csv`: 142 rows, 30 features and `target`.
static BREAST_CANCER_TEST: &[u8] = include_bytes!("../../examples/data/breast_cancer_test.csv");

/// Opens the bundled data set `sample`; messages name it `sample(digits)`.
pub(crate) fn open(
    sample: BundledSample,
    selection: &Selection,
) -> Result<Box<dyn Source>, DataError> {
    let name = PathBuf::from(format!("sample({})", sample.name()));
    match sample {
        BundledSample::Digits => {
            Selected::boxed(arrays::npz_bytes(&name, DIGITS_TEST, "x", "y")?, selection)
        }
        BundledSample::BreastCancer => Selected::boxed(
            table::CsvRows::from_bytes(&name, BREAST_CANCER_TEST, "target", b',')?,
            selection,
        ),
    }
}
