//! Metrics that compare each sample's prediction with its clean prediction: `flip_rate` and
//! `attack_success_rate`.

use super::builtin::{BuiltinMetric, Compute};
use super::predictions::argmax;
use super::schemas::{metric, BASIC};
use super::MetricState;
use super::{Accumulator, Estimate, MetricError, Predictions};

/// The fraction of all samples whose predicted class differs from the clean prediction, whether
/// or not either is correct.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlipRate {
    flips: u64,
    samples: u64,
}

impl Accumulator for FlipRate {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        for sample in batch.samples() {
            let clean = sample.require_clean()?;
            self.flips += u64::from(argmax(sample.logits) != argmax(clean));
        }
        self.samples += batch.len() as u64;
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        self.flips += other.flips;
        self.samples += other.samples;
    }

    fn finish(&self) -> Estimate {
        Estimate::proportion(self.flips, self.samples, self.samples)
    }
}

/// Among the samples classified correctly when clean, the fraction misclassified under the
/// perturbation (the convention of torchattacks and ART: samples already wrong do not count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttackSuccessRate {
    successes: u64,
    attacked: u64,
    samples: u64,
}

impl Accumulator for AttackSuccessRate {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        for sample in batch.samples() {
            if argmax(sample.require_clean()?) == sample.label as usize {
                self.attacked += 1;
                self.successes += u64::from(!sample.correct());
            }
        }
        self.samples += batch.len() as u64;
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        self.successes += other.successes;
        self.attacked += other.attacked;
        self.samples += other.samples;
    }

    fn finish(&self) -> Estimate {
        Estimate::proportion(self.successes, self.attacked, self.samples)
    }
}

/// `attack_success_rate`.
pub static ATTACK_SUCCESS_RATE: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "attack_success_rate",
        "among samples classified correctly when clean, the fraction the perturbation flips to a wrong class",
        BASIC,
        None,
    ),
    lower_is_better: true,
    needs_clean: true,
    compute: Compute::Streaming(|_| MetricState::new(AttackSuccessRate::default())),
};

/// `flip_rate`.
pub static FLIP_RATE: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "flip_rate",
        "fraction of samples whose predicted class differs from the clean prediction",
        BASIC,
        Some("Hendrycks & Dietterich, ICLR 2019 (flip probability)"),
    ),
    lower_is_better: true,
    needs_clean: true,
    compute: Compute::Streaming(|_| MetricState::new(FlipRate::default())),
};
