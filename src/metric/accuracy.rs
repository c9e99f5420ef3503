//! `accuracy` (and `robust_accuracy`, the same number under an attack), `error` and
//! `class_accuracy`: proportions of correctly classified samples, with Wilson intervals.

use super::builtin::{BuiltinMetric, Compute};
use super::schemas::{metric, BASIC, MODEL, ON, UNDER};
use super::MetricState;
use super::{Accumulator, Estimate, MetricError, Predictions};
use crate::schema::{Args, Bounds, Param, Type};

/// The fraction of samples classified correctly (top-1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accuracy {
    correct: u64,
    samples: u64,
}

impl Accumulator for Accuracy {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        self.correct += batch.samples().filter(|s| s.correct()).count() as u64;
        self.samples += batch.len() as u64;
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        self.correct += other.correct;
        self.samples += other.samples;
    }

    fn finish(&self) -> Estimate {
        Estimate::proportion(self.correct, self.samples, self.samples)
    }
}

/// The fraction of samples classified wrongly: 1 − accuracy, counted as such so its interval is
/// the Wilson interval of the errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorRate {
    accuracy: Accuracy,
}

impl Accumulator for ErrorRate {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        self.accuracy.add(batch)
    }

    fn merge(&mut self, other: &Self) {
        self.accuracy.merge(&other.accuracy);
    }

    fn finish(&self) -> Estimate {
        let Accuracy { correct, samples } = self.accuracy;
        Estimate::proportion(samples - correct, samples, samples)
    }
}

/// The accuracy on the samples labelled `class`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassAccuracy {
    class: u32,
    correct: u64,
    members: u64,
    samples: u64,
}

impl ClassAccuracy {
    /// The accuracy on class `class` (an index into the logits).
    pub fn new(class: u32) -> Self {
        ClassAccuracy {
            class,
            correct: 0,
            members: 0,
            samples: 0,
        }
    }
}

impl Accumulator for ClassAccuracy {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        if self.class as usize >= batch.classes() {
            return Err(MetricError::ClassOutOfRange {
                class: self.class,
                classes: batch.classes(),
            });
        }
        for sample in batch.samples().filter(|s| s.label == self.class) {
            self.members += 1;
            self.correct += u64::from(sample.correct());
        }
        self.samples += batch.len() as u64;
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        assert_eq!(
            self.class, other.class,
            "merging accuracies of different classes"
        );
        self.correct += other.correct;
        self.members += other.members;
        self.samples += other.samples;
    }

    fn finish(&self) -> Estimate {
        Estimate::proportion(self.correct, self.members, self.samples)
    }
}

/// `accuracy`.
pub static ACCURACY: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "accuracy",
        "fraction of samples classified correctly",
        BASIC,
        None,
    ),
    lower_is_better: false,
    needs_clean: false,
    compute: Compute::Streaming(|_| MetricState::new(Accuracy::default())),
};

/// `error`.
pub static ERROR: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "error",
        "fraction of samples classified wrongly (1 − accuracy)",
        BASIC,
        None,
    ),
    lower_is_better: true,
    needs_clean: false,
    compute: Compute::Streaming(|_| MetricState::new(ErrorRate::default())),
};

/// `robust_accuracy`: the same number as `accuracy`, named for reports of attacks.
pub static ROBUST_ACCURACY: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "robust_accuracy",
        "accuracy under an attack (the same as `accuracy`, named for reports)",
        BASIC,
        None,
    ),
    lower_is_better: false,
    needs_clean: false,
    compute: Compute::Streaming(|_| MetricState::new(Accuracy::default())),
};

/// `class_accuracy`.
pub static CLASS_ACCURACY: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "class_accuracy",
        "accuracy on the samples of one class",
        &[
            MODEL,
            UNDER,
            ON,
            Param::required("class", Type::Int, "the class index").bounded(Bounds::at_least(0.0)),
        ],
        None,
    ),
    lower_is_better: false,
    needs_clean: false,
    compute: Compute::Streaming(|args: &dyn Args| {
        MetricState::new(ClassAccuracy::new(
            args.number("class").map_or(0, |c| c as u32),
        ))
    }),
};
