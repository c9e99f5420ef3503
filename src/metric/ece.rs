//! `ece`: expected calibration error over equal-width confidence bins (Guo et al., ICML 2017).

use super::builtin::{BuiltinMetric, Compute};
use super::fixed::{from_fixed, to_fixed, whole};
use super::predictions::{argmax, probability};
use super::schemas::{metric, MODEL, ON, UNDER};
use super::MetricState;
use super::{Accumulator, Estimate, MetricError, Predictions};
use crate::schema::{Args, Bounds, Param, Type};

/// The number of bins when a spec gives none.
pub const DEFAULT_BINS: usize = 15;

/// ECE = Σ_b (n_b / n)·|acc_b − conf_b| over bins b = ((b−1)/B, b/B] of the confidence (the
/// largest softmax probability). Each bin keeps its sample count, its correct count and its
/// confidence sum in fixed point, so the result does not depend on batching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ece {
    bins: Vec<Bin>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Bin {
    samples: u64,
    correct: u64,
    /// Σ confidence, in units of 2⁻⁴⁰.
    confidence: i128,
}

impl Ece {
    /// ECE over `bins` equal-width bins (at least one).
    pub fn new(bins: usize) -> Self {
        Ece {
            bins: vec![Bin::default(); bins.max(1)],
        }
    }
}

impl Accumulator for Ece {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        let count = self.bins.len();
        for sample in batch.samples() {
            let predicted = argmax(sample.logits);
            let confidence = probability(sample.logits, predicted);
            // Bin b holds ((b − 1)/B, b/B]: the upper edge belongs to the bin.
            let bin = ((confidence * count as f64).ceil() as usize).clamp(1, count) - 1;
            let bin = &mut self.bins[bin];
            bin.samples += 1;
            bin.correct += u64::from(predicted == sample.label as usize);
            bin.confidence += to_fixed(confidence);
        }
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        assert_eq!(
            self.bins.len(),
            other.bins.len(),
            "merging ECEs of different bin counts"
        );
        for (bin, theirs) in self.bins.iter_mut().zip(&other.bins) {
            bin.samples += theirs.samples;
            bin.correct += theirs.correct;
            bin.confidence += theirs.confidence;
        }
    }

    fn finish(&self) -> Estimate {
        // (n_b / n)·|acc_b − conf_b| = |correct_b − Σconf_b| / n: summed exactly as integers.
        let gaps: i128 = self
            .bins
            .iter()
            .map(|bin| (whole(bin.correct) - bin.confidence).abs())
            .sum();
        let samples: u64 = self.bins.iter().map(|bin| bin.samples).sum();
        Estimate::point(from_fixed(gaps) / samples as f64, samples)
    }
}

/// `ece`.
pub static ECE: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "ece",
        "expected calibration error: mean |accuracy − confidence| over equal-width confidence bins",
        &[
            MODEL,
            UNDER,
            ON,
            Param::with_default("bins", Type::Int, "15", "number of confidence bins")
                .bounded(Bounds::at_least(1.0)),
        ],
        Some("Guo et al., On Calibration of Modern Neural Networks, ICML 2017"),
    ),
    lower_is_better: true,
    needs_clean: false,
    compute: Compute::Streaming(|args: &dyn Args| {
        MetricState::new(Ece::new(
            args.number("bins").map_or(DEFAULT_BINS, |b| b as usize),
        ))
    }),
};
