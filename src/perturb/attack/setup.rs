//! What every attack checks and derives before it runs on a batch, and the model calls it makes.

use crate::data::Batch;
use crate::model::Network;
use crate::perturb::apply::check_batch;
use crate::perturb::sampling::Sampler;
use crate::perturb::{sample_rng, Context, PerturbError};

use super::loss::{predicted, Objective};
use super::target::{checked_label, Target};
use crate::perturb::features::{mutable_mask, Feature};

/// A batch's attack problem: the model, the valid range, each sample's label, target class and
/// draws, and the values the attack may change.
pub(super) struct Setup<'a> {
    pub(super) model: &'a dyn Network,
    /// The valid range `[lo, hi]`.
    pub(super) range: (f64, f64),
    /// Values per sample.
    pub(super) size: usize,
    pub(super) classes: usize,
    pub(super) labels: Vec<usize>,
    /// The class each sample aims at (its label when untargeted).
    pub(super) targets: Vec<usize>,
    /// Whether each value of a sample may change (false for immutable features).
    pub(super) mutable: Vec<bool>,
    /// Each sample's draws, from its own stream ([`sample_rng`]), after the target's.
    pub(super) samplers: Vec<Sampler>,
}

impl<'a> Setup<'a> {
    /// Checks the batch, the range and the model, and draws the targets; `None` for an empty
    /// batch or empty samples, which the attack leaves as they are.
    pub(super) fn new(
        name: &'static str,
        batch: &Batch,
        ctx: &Context<'a>,
        target: Target,
        immutable: &[Feature],
    ) -> Result<Option<Self>, PerturbError> {
        let (lo, hi) = ctx.checked_range()?;
        let model = ctx
            .model
            .ok_or(PerturbError::ModelRequired { perturbation: name })?;
        check_batch(batch)?;
        let size = batch.sample_size();
        let mutable = mutable_mask(name, immutable, size, ctx)?;
        if batch.is_empty() || size == 0 {
            return Ok(None);
        }
        let classes = model.classes();
        let labels = batch
            .labels
            .iter()
            .zip(&batch.indices)
            .map(|(&label, &index)| checked_label(label, index, classes))
            .collect::<Result<Vec<_>, _>>()?;
        let mut samplers: Vec<Sampler> = batch
            .indices
            .iter()
            .map(|&index| Sampler::new(sample_rng(&ctx.seed, index)))
            .collect();
        let targets = target.classes(name, batch, &labels, model, &mut samplers)?;
        Ok(Some(Setup {
            model,
            range: (f64::from(lo), f64::from(hi)),
            size,
            classes,
            labels,
            targets,
            mutable,
            samplers,
        }))
    }

    /// The logits of the samples `active` (positions in the batch) at `inputs`.
    pub(super) fn logits(
        &self,
        inputs: &[f32],
        active: &[usize],
    ) -> Result<Vec<f32>, PerturbError> {
        let logits = self.model.forward(inputs, active.len())?;
        check_logits(&logits, active.len(), self.classes)?;
        Ok(logits)
    }

    /// The logits at `inputs` of the samples `active`, and the gradient of `objective` with
    /// respect to the inputs, zero at immutable values; checked for length, a sample's row with
    /// a non-finite value replaced by zeros.
    pub(super) fn gradient(
        &self,
        objective: Objective,
        inputs: &[f32],
        active: &[usize],
    ) -> Result<(Vec<f32>, Vec<f32>), PerturbError> {
        let labels: Vec<usize> = active.iter().map(|&s| self.labels[s]).collect();
        let targets: Vec<usize> = active.iter().map(|&s| self.targets[s]).collect();
        let classes = self.classes;
        let loss_gradient =
            |logits: &[f32]| objective.batch_gradient(logits, classes, &labels, &targets);
        let result = self
            .model
            .input_gradient(inputs, active.len(), &loss_gradient)?;
        check_logits(&result.logits, active.len(), classes)?;
        let mut gradient = result.gradient;
        if gradient.len() != inputs.len() {
            return Err(PerturbError::Gradient(format!(
                "has {} values for inputs of {}",
                gradient.len(),
                inputs.len()
            )));
        }
        zero_non_finite_rows(&mut gradient, self.size);
        for row in gradient.chunks_mut(self.size) {
            for (g, &free) in row.iter_mut().zip(&self.mutable) {
                if !free {
                    *g = 0.0;
                }
            }
        }
        Ok((result.logits, gradient))
    }

    /// Whether the model misclassifies sample `s` with logits `row`.
    pub(super) fn fooled(&self, s: usize, row: &[f32]) -> bool {
        predicted(row) != self.labels[s]
    }
}

/// Replaces every row (`size` values) of `gradient` that holds a NaN or an infinity by zeros:
/// such a row gives no direction, and the sample keeps its place rather than becoming NaN. The
/// engine counts these rows and reports them (the `non-finite-gradients` sanity flag).
pub(super) fn zero_non_finite_rows(gradient: &mut [f32], size: usize) {
    for row in gradient.chunks_mut(size.max(1)) {
        if row.iter().any(|g| !g.is_finite()) {
            row.fill(0.0);
        }
    }
}

/// Checks that a model gave `n × classes` logits.
pub(super) fn check_logits(logits: &[f32], n: usize, classes: usize) -> Result<(), PerturbError> {
    if logits.len() == n * classes {
        Ok(())
    } else {
        Err(PerturbError::Gradient(format!(
            "came with {} logits for {n} samples of {classes} classes",
            logits.len()
        )))
    }
}

/// The values of the samples `active` (positions in the batch) of `inputs`, one after another.
pub(super) fn gather(inputs: &[f32], size: usize, active: &[usize]) -> Vec<f32> {
    active
        .iter()
        .flat_map(|&s| &inputs[s * size..(s + 1) * size])
        .copied()
        .collect()
}

/// The sign of `g` as `torch.sign`: −1, 0 or 1 (0 for ±0).
pub(super) fn sign(g: f32) -> f64 {
    if g > 0.0 {
        1.0
    } else if g < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_follows_torch() {
        assert_eq!(
            [sign(2.0), sign(-0.5), sign(0.0), sign(-0.0)],
            [1.0, -1.0, 0.0, 0.0]
        );
    }
}
