//! Metrics: streaming accumulators over the predictions of an evaluation branch, their confidence
//! intervals, and the metrics derived from several branches (corruption errors, areas under
//! sweeps). How each number is computed: `docs/metrics.md`.

mod accumulator;
mod accuracy;
mod auc;
mod brier;
mod builtin;
mod confidence_drop;
mod corruption;
mod ece;
mod error;
mod estimate;
mod f1;
mod fixed;
mod flips;
mod perturbation_norm;
mod predictions;
mod quantile;
mod schemas;
mod streaming;

pub use accumulator::Accumulator;
pub use accuracy::{
    Accuracy, ClassAccuracy, ErrorRate, ACCURACY, CLASS_ACCURACY, ERROR, ROBUST_ACCURACY,
};
pub use auc::{auc, AUC};
pub use brier::{Brier, BRIER};
pub use builtin::{BuiltinMetric, Compute, Derived, Evaluation, MetricBuiltin};
pub use confidence_drop::{ConfidenceDrop, CONFIDENCE_DROP};
pub use corruption::{ce, mean_ce, relative_ce, CE, MCE, RELATIVE_MCE};
pub use ece::{Ece, DEFAULT_BINS, ECE};
pub use error::MetricError;
pub use estimate::{combined_bound, wilson, Basis, Direction, Estimate, Interval, REPORT_LEVEL};
pub use f1::{F1Average, F1, F1_SCORE};
pub use flips::{AttackSuccessRate, FlipRate, ATTACK_SUCCESS_RATE, FLIP_RATE};
pub use perturbation_norm::{
    Norm, PerturbationNorm, PerturbationSize, Statistic, PERTURBATION_NORM,
};
pub use predictions::{argmax, probability, Predictions, Sample};
pub use quantile::normal_quantile;
pub use streaming::MetricState;
