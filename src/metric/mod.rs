//! Metrics: streaming accumulators over the predictions of an evaluation branch, their confidence
//! intervals, and the metrics derived from several branches (corruption errors, areas under
//! sweeps). How each number is computed: `docs/metrics.md`.

mod accumulator;
mod accuracy;
mod auc;
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
pub use accuracy::{Accuracy, ClassAccuracy, ErrorRate};
pub use auc::auc;
pub use confidence_drop::ConfidenceDrop;
pub use corruption::{ce, mean_ce, relative_ce};
pub use ece::{Ece, DEFAULT_BINS};
pub use error::MetricError;
pub use estimate::{combined_bound, wilson, Basis, Direction, Estimate, Interval, REPORT_LEVEL};
pub use f1::{F1Average, F1};
pub use flips::{AttackSuccessRate, FlipRate};
pub use perturbation_norm::{Norm, PerturbationNorm, PerturbationSize, Statistic};
pub use predictions::{argmax, probability, Predictions, Sample};
pub use quantile::normal_quantile;
pub use schemas::SCHEMAS;
pub use streaming::{MetricState, StreamingMetric};
