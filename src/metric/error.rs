//! Why a metric could not read a batch or produce a number.

use thiserror::Error;

/// A problem with the predictions a metric reads, or with the estimates a derived metric combines.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricError {
    /// A slice of the batch does not have the length the others imply.
    #[error("{what} holds {found} values where {expected} were expected")]
    Shape {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A label is not a class of the model.
    #[error("sample {index} has label {label}, but the model has {classes} classes")]
    Label {
        index: u64,
        label: u32,
        classes: usize,
    },
    /// A model produced a NaN or infinite logit.
    #[error("the logits of sample {index} are not all finite")]
    NonFinite { index: u64 },
    /// A batch has a different number of classes than the batches before it.
    #[error("a batch has {found} classes where earlier batches had {expected}")]
    Classes { expected: usize, found: usize },
    /// The class asked for by `class_accuracy` is not a class of the model.
    #[error("class {class} is not a class of the model ({classes} classes)")]
    ClassOutOfRange { class: u32, classes: usize },
    /// The metric compares with the clean predictions, which the batch lacks.
    #[error("this metric needs the clean predictions of the same samples")]
    MissingClean,
    /// The metric measures perturbations, but the batch lacks their sizes (a clean branch).
    #[error("this metric measures perturbations, and these predictions come without them")]
    MissingSizes,
    /// A value is too large to be summed exactly.
    #[error("sample {index}: {value} is beyond the range metrics sum exactly (|x| < 2^24)")]
    TooLarge { index: u64, value: f64 },
    /// A confidence level outside (0, 1).
    #[error("a confidence level must lie strictly between 0 and 1, not {0}")]
    Level(f64),
    /// A bound was asked of an estimate that has no confidence interval.
    #[error("this metric has no confidence interval")]
    NoInterval,
    /// A derived metric got estimates that do not fit together.
    #[error("{0}")]
    Derived(String),
}
