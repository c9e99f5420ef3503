//! `confidence_drop`: how much probability the clean prediction's class loses under a
//! perturbation, averaged over samples.

use super::builtin::{BuiltinMetric, Compute};
use super::fixed::Moments;
use super::predictions::{argmax, probability};
use super::schemas::{metric, BASIC};
use super::MetricState;
use super::{Accumulator, Estimate, MetricError, Predictions};

/// The mean over samples of p_clean(ĉ) − p_perturbed(ĉ), where ĉ is the clean prediction and p the
/// softmax; negative when the perturbation makes the model surer of its clean answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfidenceDrop {
    drops: Moments,
}

impl Accumulator for ConfidenceDrop {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        for sample in batch.samples() {
            let clean = sample.require_clean()?;
            let class = argmax(clean);
            let drop = probability(clean, class) - probability(sample.logits, class);
            self.drops.push(drop, sample.index)?;
        }
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        self.drops.merge(&other.drops);
    }

    fn finish(&self) -> Estimate {
        let (mean, std_error) = self.drops.mean_and_std_error();
        let count = self.drops.count();
        Estimate::mean(mean, std_error, count, count)
    }
}

/// `confidence_drop`.
pub static CONFIDENCE_DROP: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "confidence_drop",
        "mean drop of the probability of the clean prediction's class",
        BASIC,
        None,
    ),
    lower_is_better: true,
    needs_clean: true,
    compute: Compute::Streaming(|_| MetricState::new(ConfidenceDrop::default())),
};
