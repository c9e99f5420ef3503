//! The model as an infer node runs it: every forward pass and input gradient counted, and every
//! input gradient inspected for rows that are identically zero or not finite — the signs of
//! masked or broken gradients that the sanity flags report (`exec::sanity`).

use std::sync::atomic::{AtomicU64, Ordering};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{InputGradient, ModelError, Network};

/// What the input gradients of one branch looked like, one count per sample and gradient
/// evaluation (an attack of k steps on n samples evaluates up to k·n rows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GradientCounts {
    /// Rows of input gradient the model computed.
    pub evaluated: u64,
    /// Rows in which every value is exactly zero: the loss does not change with the input (a
    /// saturated softmax, dead units, a quantising layer), so a gradient attack cannot move.
    pub zero: u64,
    /// Rows with a NaN or infinite value; attacks treat such a row as zero.
    pub non_finite: u64,
}

impl GradientCounts {
    /// The counts of one gradient of `n` samples, row by row.
    pub fn of(gradient: &[f32], n: usize) -> Self {
        let size = gradient.len().checked_div(n).unwrap_or(0).max(1);
        let mut counts = GradientCounts::default();
        for row in gradient.chunks(size).take(n) {
            counts.evaluated += 1;
            if row.iter().any(|g| !g.is_finite()) {
                counts.non_finite += 1;
            } else if row.iter().all(|&g| g == 0.0) {
                counts.zero += 1;
            }
        }
        counts
    }
}

/// The forward and backward passes of a whole run.
#[derive(Debug, Default)]
pub(super) struct Passes {
    pub forward: AtomicU64,
    pub backward: AtomicU64,
}

/// [`GradientCounts`] gathered from several threads.
#[derive(Debug, Default)]
pub(super) struct GradientTally {
    evaluated: AtomicU64,
    zero: AtomicU64,
    non_finite: AtomicU64,
}

impl GradientTally {
    fn add(&self, counts: GradientCounts) {
        self.evaluated
            .fetch_add(counts.evaluated, Ordering::Relaxed);
        self.zero.fetch_add(counts.zero, Ordering::Relaxed);
        self.non_finite
            .fetch_add(counts.non_finite, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn counts(&self) -> GradientCounts {
        GradientCounts {
            evaluated: self.evaluated.load(Ordering::Relaxed),
            zero: self.zero.load(Ordering::Relaxed),
            non_finite: self.non_finite.load(Ordering::Relaxed),
        }
    }
}

/// A network that counts the samples passed through it and inspects its input gradients.
pub(super) struct Counted<'n> {
    pub inner: &'n dyn Network,
    pub passes: &'n Passes,
    pub gradients: &'n GradientTally,
}

impl Network for Counted<'_> {
    fn input_shape(&self) -> &[usize] {
        self.inner.input_shape()
    }

    fn classes(&self) -> usize {
        self.inner.classes()
    }

    fn forward(&self, inputs: &[f32], n: usize) -> Result<Vec<f32>, ModelError> {
        self.passes.forward.fetch_add(n as u64, Ordering::Relaxed);
        self.inner.forward(inputs, n)
    }

    fn input_gradient(
        &self,
        inputs: &[f32],
        n: usize,
        loss_gradient: &dyn Fn(&[f32]) -> Vec<f32>,
    ) -> Result<InputGradient, ModelError> {
        self.passes.forward.fetch_add(n as u64, Ordering::Relaxed);
        self.passes.backward.fetch_add(n as u64, Ordering::Relaxed);
        let result = self.inner.input_gradient(inputs, n, loss_gradient)?;
        self.gradients.add(GradientCounts::of(&result.gradient, n));
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_as_zero_or_not_finite() {
        let gradient = [0.0, 0.0, 0.5, -0.0, f32::NAN, 0.0, 0.0, f32::INFINITY];
        assert_eq!(
            GradientCounts::of(&gradient, 4),
            GradientCounts {
                evaluated: 4,
                zero: 1,
                non_finite: 2
            }
        );
        assert_eq!(GradientCounts::of(&[], 0), GradientCounts::default());
    }
}
