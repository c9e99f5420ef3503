//! Metrics: streaming accumulators over the predictions of an evaluation branch.

mod schemas;

pub use schemas::SCHEMAS;
