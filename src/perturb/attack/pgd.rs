//! Projected gradient descent (Madry et al., *Towards Deep Learning Models Resistant to
//! Adversarial Attacks*, ICLR 2018), step for step as torchattacks' `PGD` (L∞) and `PGDL2` (L2),
//! `torchattacks/attacks/pgd.py` and `pgdl2.py`, with restarts.

use crate::data::Batch;
use crate::perturb::{Context, PerturbError, Perturbation};

use super::loss::{Loss, Objective};
use super::norm::Norm;
use super::restarts::{run_restarts, Restart};
use super::setup::Setup;
use super::target::Target;
use crate::perturb::features::Feature;

/// PGD on the cross-entropy: from x₀ (or a random point of the ε-ball), `steps` times
/// x ← clip(Π_ε(x + α·d)), d = sign(∇) in L∞ and ∇/‖∇‖₂ in L2, Π_ε the projection onto the ball
/// around x₀ and clip the valid range (projection first). Untargeted attacks ascend CE(x, y),
/// targeted ones descend CE(x, t).
#[derive(Debug, Clone, PartialEq)]
pub struct Pgd {
    /// The threat model's norm.
    pub norm: Norm,
    /// The budget ε, in the inputs' units.
    pub eps: f64,
    /// The step size α; `None` for 2.5·ε/steps.
    pub step: Option<f64>,
    /// Iterations per restart.
    pub steps: usize,
    /// Whether each restart starts from a random point of the ball (else from x₀).
    pub random_start: bool,
    /// Independent runs, each on the samples earlier ones did not fool: a sample is robust only if
    /// it survives every one.
    pub restarts: usize,
    /// What the attack aims for.
    pub target: Target,
    /// Features left unchanged.
    pub immutable: Vec<Feature>,
}

impl Pgd {
    /// Checks the parameters' domains: ε ≥ 0 and α > 0 finite, at least one step and restart.
    pub fn check(&self) -> Result<(), PerturbError> {
        let problem = if !(self.eps.is_finite() && self.eps >= 0.0) {
            format!("ε must be a finite value ≥ 0, not {}", self.eps)
        } else if self.steps == 0 || self.restarts == 0 {
            "`steps` and `restarts` must be at least 1".to_string()
        } else if !self.step_size().is_finite() || self.step_size() < 0.0 {
            format!(
                "the step must be a finite value > 0, not {}",
                self.step_size()
            )
        } else {
            return Ok(());
        };
        Err(PerturbError::Parameter {
            perturbation: NAME,
            problem,
        })
    }

    /// The step size α: as given, or 2.5·ε/steps (Madry et al.'s choice of α for their L∞
    /// experiments, relative to ε).
    pub fn step_size(&self) -> f64 {
        self.step
            .unwrap_or(2.5 * self.eps / self.steps.max(1) as f64)
    }
}

impl Perturbation for Pgd {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        self.check()?;
        let Some(mut setup) = Setup::new(NAME, batch, ctx, self.target, &self.immutable)? else {
            return Ok(());
        };
        let objective = Objective {
            loss: Loss::CrossEntropy,
            targeted: self.target.is_targeted(),
        };
        let alpha = self.step_size();
        let run = |setup: &mut Setup<'_>, restart: &mut Restart| -> Result<(), PerturbError> {
            let size = setup.size;
            if self.random_start {
                for (k, &s) in restart.active.iter().enumerate() {
                    let part = k * size..(k + 1) * size;
                    self.norm.random_start(
                        self.eps,
                        &restart.clean[part.clone()],
                        &setup.mutable,
                        setup.range,
                        &mut setup.samplers[s],
                        &mut restart.inputs[part],
                    );
                }
            }
            for _ in 0..self.steps {
                let (_, gradient) = setup.gradient(objective, &restart.inputs, &restart.active)?;
                for k in 0..restart.active.len() {
                    let part = k * size..(k + 1) * size;
                    let direction = self.norm.direction(&gradient[part.clone()]);
                    let stepped: Vec<f64> = restart.inputs[part.clone()]
                        .iter()
                        .zip(&direction)
                        .map(|(&x, d)| f64::from(x) + alpha * d)
                        .collect();
                    self.norm.project(
                        self.eps,
                        &stepped,
                        &restart.clean[part.clone()],
                        &setup.mutable,
                        setup.range,
                        &mut restart.inputs[part],
                    );
                }
            }
            Ok(())
        };
        run_restarts(&mut setup, batch, self.restarts, objective, run)
    }
}

const NAME: &str = "pgd";
