//! The fast gradient sign method (Goodfellow et al., *Explaining and Harnessing Adversarial
//! Examples*, ICLR 2015): one step of size ε along the sign of the cross-entropy's input gradient.

use crate::data::Batch;
use crate::perturb::{Context, PerturbError, Perturbation};

use super::loss::{Loss, Objective};
use super::setup::{sign, Setup};
use super::target::Target;
use crate::perturb::features::Feature;

/// FGSM in the L∞ norm: x' = clip(x + ε·sign(∇ₓ CE(x, y))) untargeted, and
/// x' = clip(x − ε·sign(∇ₓ CE(x, t))) towards a target t (torchattacks `FGSM`). ε is in the
/// inputs' own units.
#[derive(Debug, Clone, PartialEq)]
pub struct Fgsm {
    eps: f64,
    target: Target,
    immutable: Vec<Feature>,
}

impl Fgsm {
    /// FGSM of budget `eps ≥ 0` towards `target`, leaving the `immutable` features unchanged.
    pub fn new(eps: f64, target: Target, immutable: Vec<Feature>) -> Result<Self, PerturbError> {
        if !(eps.is_finite() && eps >= 0.0) {
            return Err(PerturbError::Parameter {
                perturbation: NAME,
                problem: format!("ε must be a finite value ≥ 0, not {eps}"),
            });
        }
        Ok(Fgsm {
            eps,
            target,
            immutable,
        })
    }
}

impl Perturbation for Fgsm {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let Some(setup) = Setup::new(NAME, batch, ctx, self.target, &self.immutable)? else {
            return Ok(());
        };
        let objective = Objective {
            loss: Loss::CrossEntropy,
            targeted: self.target.is_targeted(),
        };
        let all: Vec<usize> = (0..batch.len()).collect();
        let (_, gradient) = setup.gradient(objective, &batch.inputs, &all)?;
        let (lo, hi) = setup.range;
        for (values, grads) in batch
            .inputs
            .chunks_mut(setup.size)
            .zip(gradient.chunks(setup.size))
        {
            for ((x, &g), &free) in values.iter_mut().zip(grads).zip(&setup.mutable) {
                if free {
                    *x = (f64::from(*x) + self.eps * sign(g)).clamp(lo, hi) as f32;
                }
            }
        }
        Ok(())
    }
}

const NAME: &str = "fgsm";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eps_is_checked() {
        assert!(Fgsm::new(-0.1, Target::Untargeted, vec![]).is_err());
        assert!(Fgsm::new(f64::INFINITY, Target::Untargeted, vec![]).is_err());
        assert!(Fgsm::new(0.0, Target::Untargeted, vec![]).is_ok());
    }
}
