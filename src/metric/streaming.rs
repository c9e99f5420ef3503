//! The streaming metrics as values: what the engine builds from a metric call, and one state type
//! that holds any of their accumulators.

use super::{
    Accumulator, Accuracy, AttackSuccessRate, ClassAccuracy, ConfidenceDrop, Ece, ErrorRate,
    Estimate, F1Average, FlipRate, MetricError, Norm, PerturbationNorm, Predictions, Statistic, F1,
};

/// A metric computed from one branch's predictions, with its typed parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamingMetric {
    Accuracy,
    Error,
    /// The same number as `Accuracy`, named for reports of attacks.
    RobustAccuracy,
    FlipRate,
    AttackSuccessRate,
    ConfidenceDrop,
    Ece {
        bins: usize,
    },
    F1 {
        average: F1Average,
    },
    ClassAccuracy {
        class: u32,
    },
    PerturbationNorm {
        norm: Norm,
        statistic: Statistic,
    },
}

impl StreamingMetric {
    /// The metric's name in specs (the name of its schema).
    pub fn name(&self) -> &'static str {
        match self {
            StreamingMetric::Accuracy => "accuracy",
            StreamingMetric::Error => "error",
            StreamingMetric::RobustAccuracy => "robust_accuracy",
            StreamingMetric::FlipRate => "flip_rate",
            StreamingMetric::AttackSuccessRate => "attack_success_rate",
            StreamingMetric::ConfidenceDrop => "confidence_drop",
            StreamingMetric::Ece { .. } => "ece",
            StreamingMetric::F1 { .. } => "f1",
            StreamingMetric::ClassAccuracy { .. } => "class_accuracy",
            StreamingMetric::PerturbationNorm { .. } => "perturbation_norm",
        }
    }

    /// Whether batches must carry the clean logits of the same samples.
    pub fn needs_clean(&self) -> bool {
        matches!(
            self,
            StreamingMetric::FlipRate
                | StreamingMetric::AttackSuccessRate
                | StreamingMetric::ConfidenceDrop
                | StreamingMetric::PerturbationNorm { .. }
        )
    }

    /// A fresh accumulator of this metric.
    pub fn accumulator(&self) -> MetricState {
        match *self {
            StreamingMetric::Accuracy | StreamingMetric::RobustAccuracy => {
                MetricState::Accuracy(Accuracy::default())
            }
            StreamingMetric::Error => MetricState::Error(ErrorRate::default()),
            StreamingMetric::FlipRate => MetricState::FlipRate(FlipRate::default()),
            StreamingMetric::AttackSuccessRate => {
                MetricState::AttackSuccessRate(AttackSuccessRate::default())
            }
            StreamingMetric::ConfidenceDrop => {
                MetricState::ConfidenceDrop(ConfidenceDrop::default())
            }
            StreamingMetric::Ece { bins } => MetricState::Ece(Ece::new(bins)),
            StreamingMetric::F1 { average } => MetricState::F1(F1::new(average)),
            StreamingMetric::ClassAccuracy { class } => {
                MetricState::ClassAccuracy(ClassAccuracy::new(class))
            }
            StreamingMetric::PerturbationNorm { norm, statistic } => {
                MetricState::PerturbationNorm(PerturbationNorm::new(norm, statistic))
            }
        }
    }
}

/// The accumulator of any streaming metric.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricState {
    Accuracy(Accuracy),
    Error(ErrorRate),
    FlipRate(FlipRate),
    AttackSuccessRate(AttackSuccessRate),
    ConfidenceDrop(ConfidenceDrop),
    Ece(Ece),
    F1(F1),
    ClassAccuracy(ClassAccuracy),
    PerturbationNorm(PerturbationNorm),
}

/// Applies `$body` to the accumulator inside any variant of a `MetricState`.
macro_rules! each_state {
    ($state:expr, $inner:ident => $body:expr) => {
        match $state {
            MetricState::Accuracy($inner) => $body,
            MetricState::Error($inner) => $body,
            MetricState::FlipRate($inner) => $body,
            MetricState::AttackSuccessRate($inner) => $body,
            MetricState::ConfidenceDrop($inner) => $body,
            MetricState::Ece($inner) => $body,
            MetricState::F1($inner) => $body,
            MetricState::ClassAccuracy($inner) => $body,
            MetricState::PerturbationNorm($inner) => $body,
        }
    };
}

impl Accumulator for MetricState {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        each_state!(self, state => state.add(batch))
    }

    fn merge(&mut self, other: &Self) {
        match (self, other) {
            (MetricState::Accuracy(a), MetricState::Accuracy(b)) => a.merge(b),
            (MetricState::Error(a), MetricState::Error(b)) => a.merge(b),
            (MetricState::FlipRate(a), MetricState::FlipRate(b)) => a.merge(b),
            (MetricState::AttackSuccessRate(a), MetricState::AttackSuccessRate(b)) => a.merge(b),
            (MetricState::ConfidenceDrop(a), MetricState::ConfidenceDrop(b)) => a.merge(b),
            (MetricState::Ece(a), MetricState::Ece(b)) => a.merge(b),
            (MetricState::F1(a), MetricState::F1(b)) => a.merge(b),
            (MetricState::ClassAccuracy(a), MetricState::ClassAccuracy(b)) => a.merge(b),
            (MetricState::PerturbationNorm(a), MetricState::PerturbationNorm(b)) => a.merge(b),
            (a, b) => panic!("merging the states of different metrics: {a:?} and {b:?}"),
        }
    }

    fn finish(&self) -> Estimate {
        each_state!(self, state => state.finish())
    }
}
