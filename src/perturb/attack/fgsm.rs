//! The fast gradient sign method (Goodfellow et al., *Explaining and Harnessing Adversarial
//! Examples*, ICLR 2015): one step of size ε along the sign of the cross-entropy's input gradient.

use crate::data::Batch;
use crate::model::Network;
use crate::perturb::apply::check_batch;
use crate::perturb::sampling::Sampler;
use crate::perturb::{sample_rng, Context, PerturbError, Perturbation};

/// The class an attack aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Away from the true label: ascend its cross-entropy.
    Untargeted,
    /// Towards the class other than the true label that the model finds least likely on the
    /// clean input (the first on ties), as torchattacks' `set_mode_targeted_least_likely`.
    LeastLikely,
    /// Towards a class drawn uniformly among those other than the true label, from the
    /// sample's stream.
    Random,
    /// Towards this class.
    Class(u32),
}

/// FGSM in the L∞ norm: x' = clip(x + ε·sign(∇ₓ CE(x, y))) untargeted, and
/// x' = clip(x − ε·sign(∇ₓ CE(x, t))) towards a target t. ε is in the inputs' own units.
#[derive(Debug, Clone, PartialEq)]
pub struct Fgsm {
    eps: f64,
    target: Target,
    immutable: Vec<usize>,
}

impl Fgsm {
    /// FGSM of budget `eps ≥ 0` towards `target`, leaving the values at the positions
    /// `immutable` (indices into a flattened sample, e.g. the columns of a table) unchanged.
    pub fn new(eps: f64, target: Target, immutable: Vec<usize>) -> Result<Self, PerturbError> {
        if !(eps.is_finite() && eps >= 0.0) {
            return Err(parameter(format!(
                "ε must be a finite value ≥ 0, not {eps}"
            )));
        }
        Ok(Fgsm {
            eps,
            target,
            immutable,
        })
    }

    /// The class whose cross-entropy each sample's step follows.
    fn targets(
        &self,
        batch: &Batch,
        model: &dyn Network,
        ctx: &Context<'_>,
    ) -> Result<Vec<usize>, PerturbError> {
        let classes = model.classes();
        let samples = batch.labels.iter().zip(&batch.indices);
        let labels = || {
            samples
                .clone()
                .map(|(&label, &index)| checked_label(label, index, classes))
        };
        match self.target {
            Target::Untargeted => labels().collect(),
            Target::Class(class) if class as usize >= classes => Err(parameter(format!(
                "target class {class} is not below the model's {classes} classes"
            ))),
            Target::Class(class) => Ok(vec![class as usize; batch.len()]),
            Target::Random | Target::LeastLikely if classes < 2 => Err(parameter(format!(
                "a target other than the label needs at least 2 classes, and the model has \
                 {classes}"
            ))),
            Target::Random => labels()
                .zip(&batch.indices)
                .map(|(label, &index)| {
                    let drawn =
                        Sampler::new(sample_rng(&ctx.seed, index)).below(classes as u64 - 1);
                    let drawn = drawn as usize;
                    Ok(if drawn >= label? { drawn + 1 } else { drawn })
                })
                .collect(),
            Target::LeastLikely => {
                let logits = model.forward(&batch.inputs, batch.len())?;
                if logits.len() != batch.len() * classes {
                    return Err(PerturbError::Gradient(format!(
                        "came with {} logits for {} samples of {classes} classes",
                        logits.len(),
                        batch.len()
                    )));
                }
                labels()
                    .zip(logits.chunks(classes))
                    .map(|(label, row)| Ok(least_likely(row, label?)))
                    .collect()
            }
        }
    }
}

impl Perturbation for Fgsm {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let (lo, hi) = ctx.checked_range()?;
        let model = ctx
            .model
            .ok_or(PerturbError::ModelRequired { perturbation: NAME })?;
        check_batch(batch)?;
        let size = batch.sample_size();
        if let Some(&position) = self.immutable.iter().find(|&&i| i >= size) {
            return Err(parameter(format!(
                "immutable feature {position} is outside samples of {size} values"
            )));
        }
        if batch.is_empty() || size == 0 {
            return Ok(());
        }
        let classes = model.classes();
        let targets = self.targets(batch, model, ctx)?;
        let loss_gradient = |logits: &[f32]| cross_entropy_gradient(logits, &targets, classes);
        let gradient = model
            .input_gradient(&batch.inputs, batch.len(), &loss_gradient)?
            .gradient;
        if gradient.len() != batch.inputs.len() {
            return Err(PerturbError::Gradient(format!(
                "has {} values for inputs of {}",
                gradient.len(),
                batch.inputs.len()
            )));
        }
        if let Some(bad) = gradient.iter().position(|g| !g.is_finite()) {
            return Err(PerturbError::Gradient(format!(
                "is not finite for the sample at index {}",
                batch.indices[bad / size]
            )));
        }
        let mut mutable = vec![true; size];
        for &position in &self.immutable {
            mutable[position] = false;
        }
        // Untargeted steps climb the true label's loss; targeted ones descend the target's.
        let direction = match self.target {
            Target::Untargeted => 1.0,
            _ => -1.0,
        };
        let (lo, hi) = (f64::from(lo), f64::from(hi));
        for (values, grads) in batch.inputs.chunks_mut(size).zip(gradient.chunks(size)) {
            for ((x, &g), &free) in values.iter_mut().zip(grads).zip(&mutable) {
                if free {
                    let step = direction * self.eps * sign(g);
                    *x = (f64::from(*x) + step).clamp(lo, hi) as f32;
                }
            }
        }
        Ok(())
    }
}

const NAME: &str = "fgsm";

fn parameter(problem: String) -> PerturbError {
    PerturbError::Parameter {
        perturbation: NAME,
        problem,
    }
}

fn checked_label(label: u32, index: u64, classes: usize) -> Result<usize, PerturbError> {
    if (label as usize) < classes {
        Ok(label as usize)
    } else {
        Err(PerturbError::Batch(format!(
            "the label {label} of the sample at index {index} is not below the model's {classes} \
             classes"
        )))
    }
}

/// The sign of `g` as `torch.sign`: −1, 0 or 1 (0 for ±0).
fn sign(g: f32) -> f64 {
    if g > 0.0 {
        1.0
    } else if g < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The class of the smallest logit other than `label` (which must not be the only class); the
/// first one on ties.
fn least_likely(logits: &[f32], label: usize) -> usize {
    let mut least: Option<usize> = None;
    for (class, &logit) in logits.iter().enumerate() {
        if class != label && least.is_none_or(|l| logit < logits[l]) {
            least = Some(class);
        }
    }
    least.unwrap_or(0)
}

/// The gradient, with respect to the logits, of the cross-entropy of each row towards its target
/// class, summed over the rows: softmax(l) − onehot(t). The sum (not the mean) keeps a sample's
/// gradient independent of its batch's size. The softmax is computed in f64 after subtracting the
/// row's largest logit, so no exponential overflows.
fn cross_entropy_gradient(logits: &[f32], targets: &[usize], classes: usize) -> Vec<f32> {
    let mut gradient = Vec::with_capacity(logits.len());
    for (row, &target) in logits.chunks(classes.max(1)).zip(targets) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exps: Vec<f64> = row
            .iter()
            .map(|&l| (f64::from(l) - f64::from(max)).exp())
            .collect();
        let total: f64 = exps.iter().sum();
        gradient.extend(exps.iter().enumerate().map(|(class, e)| {
            let onehot = if class == target { 1.0 } else { 0.0 };
            (e / total - onehot) as f32
        }));
    }
    gradient
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_gradient_is_softmax_minus_onehot() {
        let g = cross_entropy_gradient(&[0.0, 0.0, 1000.0, 2.0f32.ln(), 0.0, 0.0], &[0, 1], 3);
        assert_eq!(&g[..3], &[-1.0, 0.0, 1.0]);
        let expected = [0.5, 0.25 - 1.0, 0.25];
        for (a, b) in g[3..].iter().zip(expected) {
            assert!((f64::from(*a) - b).abs() < 1e-7);
        }
    }

    #[test]
    fn sign_and_least_likely_follow_torch() {
        assert_eq!(
            [sign(2.0), sign(-0.5), sign(0.0), sign(-0.0)],
            [1.0, -1.0, 0.0, 0.0]
        );
        assert_eq!(least_likely(&[3.0, 1.0, 1.0, 2.0], 0), 1);
        assert_eq!(least_likely(&[3.0, 1.0, 1.0, 2.0], 1), 2);
        assert_eq!(least_likely(&[0.0, 5.0], 0), 1);
    }

    #[test]
    fn eps_is_checked() {
        assert!(Fgsm::new(-0.1, Target::Untargeted, vec![]).is_err());
        assert!(Fgsm::new(f64::INFINITY, Target::Untargeted, vec![]).is_err());
        assert!(Fgsm::new(0.0, Target::Untargeted, vec![]).is_ok());
    }
}
