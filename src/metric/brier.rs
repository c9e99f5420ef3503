//! `brier`: the Brier score, the mean squared distance between the predicted class probabilities
//! and the one-hot label (Brier, Monthly Weather Review 78(1), 1950): 0 for a model that puts all
//! its probability on the true class, 2 for one that puts it all on one wrong class.

use super::builtin::{BuiltinMetric, Compute};
use super::fixed::Moments;
use super::predictions::probability;
use super::schemas::{metric, BASIC};
use super::{Accumulator, Estimate, MetricError, MetricState, Predictions};

/// The mean over samples of Σ_k (p_k − 1[k = y])², with p the softmax of the logits and y the
/// label, summed over the classes in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Brier {
    scores: Moments,
}

impl Accumulator for Brier {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        for sample in batch.samples() {
            let score: f64 = (0..sample.logits.len())
                .map(|class| {
                    let truth = if class == sample.label as usize {
                        1.0
                    } else {
                        0.0
                    };
                    (probability(sample.logits, class) - truth).powi(2)
                })
                .sum();
            self.scores.push(score, sample.index)?;
        }
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        self.scores.merge(&other.scores);
    }

    fn finish(&self) -> Estimate {
        let (mean, std_error) = self.scores.mean_and_std_error();
        let count = self.scores.count();
        Estimate::mean(mean, std_error, count, count)
    }
}

/// `brier`.
pub static BRIER: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "brier",
        "Brier score: mean squared distance between the class probabilities and the one-hot label",
        BASIC,
        Some("Brier, Verification of Forecasts Expressed in Terms of Probability, Monthly Weather Review, 1950"),
    ),
    lower_is_better: true,
    needs_clean: false,
    compute: Compute::Streaming(|_| MetricState::new(Brier::default())),
};
