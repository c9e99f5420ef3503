//! Per-feature statistics of a data set: mean, population standard deviation, minimum and
//! maximum of each of a sample's values, the scales of the tabular perturbations.
//!
//! A spec declares no training set, so they are taken over the evaluated data itself (after its
//! `limit`, `offset` and `shuffle`), in one pass over its samples in dataset order. Welford's
//! update (B. P. Welford, Technometrics 4, 1962; Knuth, TAOCP vol. 2, 4.2.2) runs sample by
//! sample in f64: accurate to f64 rounding (no cancellation), and the same bits whatever the batch
//! size or the number of threads of a run.

use crate::data::{Batch, DataError, Source};

/// Samples read per batch while the statistics are gathered; it changes no result.
const STATS_BATCH: usize = 1024;

/// The mean, population standard deviation, minimum and maximum of each feature (each value of
/// a flattened sample) over a data set.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureStats {
    count: u64,
    mean: Vec<f64>,
    /// Σ (x − mean)², Welford's running sum of squared deviations.
    squares: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
}

impl FeatureStats {
    /// The statistics of no sample yet, for samples of `features` values.
    pub fn new(features: usize) -> FeatureStats {
        FeatureStats {
            count: 0,
            mean: vec![0.0; features],
            squares: vec![0.0; features],
            min: vec![f64::INFINITY; features],
            max: vec![f64::NEG_INFINITY; features],
        }
    }

    /// The statistics of every sample of `source`, read in dataset order.
    pub fn of_source(source: &dyn Source) -> Result<FeatureStats, DataError> {
        let features = source.sample_shape().iter().product();
        let mut stats = FeatureStats::new(features);
        let n = source.len();
        let batches = (0..n)
            .step_by(STATS_BATCH)
            .map(|start| start..(start + STATS_BATCH).min(n));
        for positions in batches {
            stats.add_batch(&source.batch(positions)?);
        }
        Ok(stats)
    }

    /// Adds the samples of `batch`, in order. Its samples must have [`Self::features`] values
    /// (a source's batches do).
    pub fn add_batch(&mut self, batch: &Batch) {
        for sample in batch.inputs.chunks(self.features().max(1)) {
            self.add(sample);
        }
    }

    /// Adds one sample, of [`Self::features`] values.
    pub fn add(&mut self, sample: &[f32]) {
        self.count += 1;
        let n = self.count as f64;
        for (j, &value) in sample.iter().enumerate().take(self.features()) {
            let x = f64::from(value);
            let delta = x - self.mean[j];
            self.mean[j] += delta / n;
            self.squares[j] += delta * (x - self.mean[j]);
            self.min[j] = self.min[j].min(x);
            self.max[j] = self.max[j].max(x);
        }
    }

    /// The number of values of a sample.
    pub fn features(&self) -> usize {
        self.mean.len()
    }

    /// The number of samples added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean of feature `j` (0 before any sample).
    pub fn mean(&self, j: usize) -> f64 {
        self.mean[j]
    }

    /// The population standard deviation of feature `j` (divided by n, as numpy's `std`): 0 for
    /// a constant feature, and before any sample.
    pub fn std(&self, j: usize) -> f64 {
        match self.count {
            0 => 0.0,
            n => (self.squares[j] / n as f64).max(0.0).sqrt(),
        }
    }

    /// The smallest value of feature `j` (+∞ before any sample).
    pub fn min(&self, j: usize) -> f64 {
        self.min[j]
    }

    /// The largest value of feature `j` (−∞ before any sample).
    pub fn max(&self, j: usize) -> f64 {
        self.max[j]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of(rows: &[[f32; 2]]) -> FeatureStats {
        let mut stats = FeatureStats::new(2);
        for row in rows {
            stats.add(row);
        }
        stats
    }

    #[test]
    fn moments_match_the_two_pass_formulas() {
        let rows = [[1.0, 5.0], [2.0, 5.0], [4.0, 5.0], [9.0, 5.0]];
        let stats = stats_of(&rows);
        assert_eq!(stats.count(), 4);
        assert_eq!(stats.mean(0), 4.0);
        // Σ (x − 4)² = 9 + 4 + 0 + 25 = 38, over n = 4.
        assert!((stats.std(0) - (38.0f64 / 4.0).sqrt()).abs() < 1e-15);
        assert_eq!((stats.min(0), stats.max(0)), (1.0, 9.0));
        // A constant feature has no spread.
        assert_eq!((stats.mean(1), stats.std(1)), (5.0, 0.0));
    }

    #[test]
    fn large_offsets_keep_their_variance() {
        // Values near 1e6 with a spread of 1: a naive Σx² − n·mean² loses it in f32 and strains
        // f64; Welford's update keeps it.
        let rows: Vec<[f32; 2]> = (0..1000)
            .map(|i| [1e6 + if i % 2 == 0 { 1.0 } else { -1.0 }, 0.0])
            .collect();
        let stats = stats_of(&rows);
        assert!((stats.mean(0) - 1e6).abs() < 1e-9);
        assert!((stats.std(0) - 1.0).abs() < 1e-12, "{}", stats.std(0));
    }

    #[test]
    fn batches_add_like_samples() {
        let batch = Batch {
            sample_shape: vec![2],
            inputs: vec![1.0, 5.0, 2.0, 5.0, 4.0, 5.0],
            labels: vec![0, 1, 0],
            indices: vec![0, 1, 2],
        };
        let mut by_batch = FeatureStats::new(2);
        by_batch.add_batch(&batch);
        assert_eq!(by_batch, stats_of(&[[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]]));
        let empty = FeatureStats::new(3);
        assert_eq!((empty.mean(2), empty.std(2)), (0.0, 0.0));
    }
}
