//! The interface every streaming metric implements.

use super::{Estimate, MetricError, Predictions};

/// A streaming metric: its state is sufficient statistics held as integers (counts, fixed-point
/// sums), so adding batches in any split and merging partial states in any order gives a
/// bit-identical [`Estimate`].
pub trait Accumulator {
    /// Reads one batch of predictions.
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError>;

    /// Folds in the state of another accumulator of the same metric and settings (a shard of the
    /// same branch). Merging states of different settings is a bug of the caller and panics.
    fn merge(&mut self, other: &Self);

    /// The metric's value over everything added and merged so far.
    fn finish(&self) -> Estimate;
}
