//! `f1`: the F1 score over classes, from a confusion matrix of integer counts.

use super::builtin::{BuiltinMetric, Compute};
use super::predictions::argmax;
use super::schemas::{metric, MODEL, ON, UNDER};
use super::MetricState;
use super::{Accumulator, Estimate, MetricError, Predictions};
use crate::schema::{Args, Param, Type};

/// How per-class F1 scores are combined, as scikit-learn's `f1_score(average=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F1Average {
    /// The unweighted mean over the classes that occur as a label or a prediction.
    Macro,
    /// F1 of the pooled counts: for single-label classification, the accuracy.
    Micro,
    /// The mean weighted by each class's number of true samples.
    Weighted,
}

/// The F1 score: per class 2·TP / (2·TP + FP + FN), 0 when the class never occurs as a label
/// nor as a prediction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct F1 {
    average: F1Average,
    classes: usize,
    /// `confusion[label * classes + predicted]`.
    confusion: Vec<u64>,
}

impl F1 {
    /// The F1 score combined by `average`.
    pub fn new(average: F1Average) -> Self {
        F1 {
            average,
            classes: 0,
            confusion: Vec::new(),
        }
    }

    /// The true positives, false positives and false negatives of `class`.
    fn counts(&self, class: usize) -> (u64, u64, u64) {
        let k = self.classes;
        let tp = self.confusion[class * k + class];
        let predicted: u64 = (0..k).map(|label| self.confusion[label * k + class]).sum();
        let actual: u64 = self.confusion[class * k..(class + 1) * k].iter().sum();
        (tp, predicted - tp, actual - tp)
    }

    fn adopt(&mut self, classes: usize) -> Result<(), MetricError> {
        if self.classes == 0 {
            self.classes = classes;
            self.confusion = vec![0; classes * classes];
        } else if self.classes != classes {
            return Err(MetricError::Classes {
                expected: self.classes,
                found: classes,
            });
        }
        Ok(())
    }
}

impl Accumulator for F1 {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.adopt(batch.classes())?;
        for sample in batch.samples() {
            self.confusion[sample.label as usize * self.classes + argmax(sample.logits)] += 1;
        }
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        assert_eq!(self.average, other.average, "merging different F1 averages");
        if other.classes == 0 {
            return;
        }
        if self.classes == 0 {
            self.classes = other.classes;
            self.confusion = other.confusion.clone();
            return;
        }
        assert_eq!(
            self.classes, other.classes,
            "merging F1 of different classes"
        );
        for (mine, theirs) in self.confusion.iter_mut().zip(&other.confusion) {
            *mine += theirs;
        }
    }

    fn finish(&self) -> Estimate {
        let samples: u64 = self.confusion.iter().sum();
        let per_class = (0..self.classes).map(|class| self.counts(class));
        match self.average {
            F1Average::Micro => {
                let correct = (0..self.classes)
                    .map(|c| self.confusion[c * self.classes + c])
                    .sum();
                Estimate::proportion(correct, samples, samples)
            }
            F1Average::Macro => {
                let scores: Vec<f64> = per_class
                    .filter(|&(tp, fp, fn_)| tp + fp + fn_ > 0)
                    .map(|(tp, fp, fn_)| f1(tp, fp, fn_))
                    .collect();
                let value = scores.iter().sum::<f64>() / scores.len() as f64;
                Estimate::point(value, samples)
            }
            F1Average::Weighted => {
                let weighted: f64 = per_class
                    .map(|(tp, fp, fn_)| (tp + fn_) as f64 * f1(tp, fp, fn_))
                    .sum();
                Estimate::point(weighted / samples as f64, samples)
            }
        }
    }
}

/// 2·TP / (2·TP + FP + FN), 0 when the class never occurs.
fn f1(tp: u64, fp: u64, fn_: u64) -> f64 {
    let denominator = 2 * tp + fp + fn_;
    if denominator == 0 {
        0.0
    } else {
        (2 * tp) as f64 / denominator as f64
    }
}

/// `f1`.
pub static F1_SCORE: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "f1",
        "F1 score over classes",
        &[
            MODEL,
            UNDER,
            ON,
            Param::with_default(
                "average",
                Type::Enum(&["macro", "micro", "weighted"]),
                "macro",
                "how per-class scores are combined",
            ),
        ],
        None,
    ),
    lower_is_better: false,
    needs_clean: false,
    compute: Compute::Streaming(|args: &dyn Args| {
        MetricState::new(F1::new(match args.word("average") {
            Some("micro") => F1Average::Micro,
            Some("weighted") => F1Average::Weighted,
            _ => F1Average::Macro,
        }))
    }),
};
