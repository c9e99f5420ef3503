//! Auto-PGD (Croce & Hein, *Reliable Evaluation of Adversarial Robustness with an Ensemble of
//! Diverse Parameter-free Attacks*, ICML 2020), step for step as `APGDAttack.attack_single_run`
//! of auto-attack (`autoattack/autopgd_base.py`), in L∞ and L2, with the CE or DLR loss.

use crate::data::Batch;
use crate::perturb::{Context, PerturbError, Perturbation};

use super::loss::{Loss, Objective};
use super::norm::{l2, Norm};
use super::restarts::{run_restarts, Restart};
use super::setup::{sign, Setup};
use super::target::Target;
use crate::perturb::features::Feature;

/// APGD: a random start at distance ε (L∞: a uniform draw scaled to ‖·‖∞ = ε; L2: a normal
/// draw scaled to ‖·‖₂ = ε), then `steps` projected steps with momentum 0.75 (none on the first)
/// and step size 2ε, halved at checkpoints where the loss oscillated (it rose in at most ρ·k of
/// the last k steps) or where the previous checkpoint did not halve it and the best loss has
/// not improved since; a halving also returns the iterate to the best point. Checkpoint
/// intervals start at ⌊0.22·steps⌋ and shrink by ⌊0.03·steps⌋ down to ⌊0.06·steps⌋ (each at
/// least 1). A run's result is its last iterate that fooled the model, else its highest-loss one.
#[derive(Debug, Clone, PartialEq)]
pub struct Apgd {
    /// The threat model's norm.
    pub norm: Norm,
    /// The budget ε, in the inputs' units.
    pub eps: f64,
    /// Iterations per restart.
    pub steps: usize,
    /// The loss ascended: CE (APGD-CE) or DLR (APGD-DLR; targeted: the targeted DLR loss).
    pub loss: Loss,
    /// The oscillation threshold ρ of the step-size halving.
    pub rho: f64,
    /// Independent runs, accounted as in auto-attack: the first run that fools a sample wins.
    pub restarts: usize,
    /// What the attack aims for.
    pub target: Target,
    /// Features left unchanged.
    pub immutable: Vec<Feature>,
}

impl Apgd {
    /// Checks the parameters' domains: ε ≥ 0 finite, ρ in [0, 1], at least one step and restart.
    pub fn check(&self) -> Result<(), PerturbError> {
        let problem = if !(self.eps.is_finite() && self.eps >= 0.0) {
            format!("ε must be a finite value ≥ 0, not {}", self.eps)
        } else if self.steps == 0 || self.restarts == 0 {
            "`steps` and `restarts` must be at least 1".to_string()
        } else if !(0.0..=1.0).contains(&self.rho) {
            format!("ρ must lie in [0, 1], not {}", self.rho)
        } else {
            return Ok(());
        };
        Err(parameter(problem))
    }
}

/// The state of one restart's samples, each a block of `size` values (or one value) per sample.
struct Run {
    x: Vec<f32>,
    old: Vec<f32>,
    gradient: Vec<f32>,
    best: Vec<f32>,
    best_gradient: Vec<f32>,
    best_loss: Vec<f64>,
    best_adversarial: Vec<f32>,
    fooled: Vec<bool>,
    step: Vec<f64>,
}

impl Perturbation for Apgd {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        self.check()?;
        let Some(mut setup) = Setup::new(NAME, batch, ctx, self.target, &self.immutable)? else {
            return Ok(());
        };
        let targeted = self.target.is_targeted();
        let needed = self.loss.min_classes(targeted);
        if setup.classes < needed {
            return Err(parameter(format!(
                "the DLR loss needs at least {needed} classes, and the model has {}",
                setup.classes
            )));
        }
        let objective = Objective {
            loss: self.loss,
            targeted,
        };
        let run =
            |setup: &mut Setup<'_>, restart: &mut Restart| self.run(setup, restart, objective);
        run_restarts(&mut setup, batch, self.restarts, objective, run)
    }
}

impl Apgd {
    /// One run on the samples of `restart`, leaving each one's result in `restart.inputs`.
    fn run(
        &self,
        setup: &mut Setup<'_>,
        restart: &mut Restart,
        objective: Objective,
    ) -> Result<(), PerturbError> {
        let size = setup.size;
        let n = restart.active.len();
        let block = |k: usize| k * size..(k + 1) * size;
        let mut x = restart.clean.clone();
        for (k, &s) in restart.active.iter().enumerate() {
            self.start(setup, s, &restart.clean[block(k)], &mut x[block(k)]);
        }
        let (logits, gradient) = setup.gradient(objective, &x, &restart.active)?;
        let losses = self.losses(setup, &restart.active, &logits, objective);
        let fooled: Vec<bool> = self.fooled(setup, &restart.active, &logits);
        let mut run = Run {
            old: x.clone(),
            best: x.clone(),
            best_adversarial: x.clone(),
            x,
            best_gradient: gradient.clone(),
            gradient,
            best_loss: losses,
            fooled,
            step: vec![2.0 * self.eps; n],
        };
        let first_check = ((0.22 * self.steps as f64) as usize).max(1);
        let min_check = ((0.06 * self.steps as f64) as usize).max(1);
        let decrease = ((0.03 * self.steps as f64) as usize).max(1);
        let mut check = first_check;
        let mut since_check = 0;
        let mut loss_steps = vec![vec![0.0f64; n]; self.steps];
        let mut best_at_last_check = run.best_loss.clone();
        let mut reduced_at_last_check = vec![true; n];
        for i in 0..self.steps {
            let momentum = if i > 0 { 0.75 } else { 1.0 };
            for k in 0..n {
                let next = self.update(
                    setup,
                    &restart.clean[block(k)],
                    &run.x[block(k)],
                    &run.old[block(k)],
                    &run.gradient[block(k)],
                    run.step[k],
                    momentum,
                );
                run.old[block(k)].copy_from_slice(&run.x[block(k)]);
                run.x[block(k)].copy_from_slice(&next);
            }
            let (logits, gradient) = setup.gradient(objective, &run.x, &restart.active)?;
            run.gradient = gradient;
            let losses = self.losses(setup, &restart.active, &logits, objective);
            let fooled = self.fooled(setup, &restart.active, &logits);
            for k in 0..n {
                if fooled[k] {
                    run.fooled[k] = true;
                    run.best_adversarial[block(k)].copy_from_slice(&run.x[block(k)]);
                }
                loss_steps[i][k] = losses[k];
                if losses[k] > run.best_loss[k] {
                    run.best[block(k)].copy_from_slice(&run.x[block(k)]);
                    run.best_gradient[block(k)].copy_from_slice(&run.gradient[block(k)]);
                    run.best_loss[k] = losses[k];
                }
            }
            since_check += 1;
            if since_check == check {
                for k in 0..n {
                    // auto-attack's `check_oscillation` reads the zero-initialised loss buffer
                    // cyclically: before step 0 comes the (unwritten) last step.
                    let rises = (0..check)
                        .filter(|&c| {
                            let previous = (i + self.steps - c - 1) % self.steps;
                            loss_steps[i - c][k] > loss_steps[previous][k]
                        })
                        .count();
                    let oscillates = rises as f64 <= check as f64 * self.rho;
                    let stalled =
                        !reduced_at_last_check[k] && best_at_last_check[k] >= run.best_loss[k];
                    let reduce = oscillates || stalled;
                    reduced_at_last_check[k] = reduce;
                    best_at_last_check[k] = run.best_loss[k];
                    if reduce {
                        run.step[k] /= 2.0;
                        run.x[block(k)].copy_from_slice(&run.best[block(k)]);
                        run.gradient[block(k)].copy_from_slice(&run.best_gradient[block(k)]);
                    }
                }
                check = check.saturating_sub(decrease).max(min_check);
                since_check = 0;
            }
        }
        for k in 0..n {
            let result = if run.fooled[k] {
                &run.best_adversarial[block(k)]
            } else {
                &run.best[block(k)]
            };
            restart.inputs[block(k)].copy_from_slice(result);
        }
        Ok(())
    }

    /// The starting point: x₀ + ε·t/‖t‖ (‖·‖∞ for L∞ with t uniform in [−1, 1], ‖·‖₂ for L2 with
    /// t standard normal; the norm plus 1e-12), clipped to the range. Immutable values stay.
    fn start(&self, setup: &mut Setup<'_>, s: usize, clean: &[f32], out: &mut [f32]) {
        let free = setup.mutable.iter().filter(|&&m| m).count();
        let sampler = &mut setup.samplers[s];
        let t: Vec<f64> = match self.norm {
            Norm::Linf => (0..free).map(|_| 2.0 * sampler.uniform() - 1.0).collect(),
            Norm::L2 => (0..free).map(|_| sampler.normal()).collect(),
        };
        let norm = match self.norm {
            Norm::Linf => t.iter().fold(0.0f64, |m, v| m.max(v.abs())),
            Norm::L2 => l2(t.iter().copied()),
        } + 1e-12;
        let mut t = t.into_iter();
        let (lo, hi) = setup.range;
        for ((o, &c), &m) in out.iter_mut().zip(clean).zip(&setup.mutable) {
            if m {
                let d = self.eps * t.next().unwrap_or(0.0) / norm;
                *o = (f64::from(c) + d).clamp(lo, hi) as f32;
            }
        }
    }

    /// One step with momentum `momentum` from `x` (previous iterate `old`), as auto-attack:
    /// z = P(x + η·d(∇)), then P(x + momentum·(z − x) + (1 − momentum)·(x − old)), P the
    /// projection onto the ε-ball around x₀ followed by clipping.
    #[allow(clippy::too_many_arguments)]
    fn update(
        &self,
        setup: &Setup<'_>,
        clean: &[f32],
        x: &[f32],
        old: &[f32],
        gradient: &[f32],
        step: f64,
        momentum: f64,
    ) -> Vec<f32> {
        let clean: Vec<f64> = clean.iter().map(|&v| f64::from(v)).collect();
        let x: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let direction: Vec<f64> = match self.norm {
            Norm::Linf => gradient.iter().map(|&g| sign(g)).collect(),
            Norm::L2 => {
                let norm = l2(gradient.iter().map(|&g| f64::from(g))) + 1e-12;
                gradient.iter().map(|&g| f64::from(g) / norm).collect()
            }
        };
        let z: Vec<f64> = x
            .iter()
            .zip(&direction)
            .map(|(x, d)| x + step * d)
            .collect();
        let z = self.project(&clean, &z, setup.range);
        let mixed: Vec<f64> = x
            .iter()
            .zip(&z)
            .zip(old)
            .map(|((&x, &z), &old)| {
                x + (z - x) * momentum + (x - f64::from(old)) * (1.0 - momentum)
            })
            .collect();
        let next = self.project(&clean, &mixed, setup.range);
        next.iter()
            .zip(&clean)
            .zip(&setup.mutable)
            .map(|((&v, &c), &m)| if m { v as f32 } else { c as f32 })
            .collect()
    }

    /// auto-attack's projection and clipping: L∞ clamps to [x₀ − ε, x₀ + ε]; L2 rescales
    /// δ = z − x₀ to δ/(‖δ‖₂ + 1e-12)·min(ε, ‖δ‖₂); then both clip to the range.
    fn project(&self, clean: &[f64], z: &[f64], (lo, hi): (f64, f64)) -> Vec<f64> {
        match self.norm {
            Norm::Linf => z
                .iter()
                .zip(clean)
                .map(|(&z, &c)| z.clamp(c - self.eps, c + self.eps).clamp(lo, hi))
                .collect(),
            Norm::L2 => {
                let norm = l2(z.iter().zip(clean).map(|(z, c)| z - c));
                let scale = norm.min(self.eps) / (norm + 1e-12);
                z.iter()
                    .zip(clean)
                    .map(|(&z, &c)| (c + (z - c) * scale).clamp(lo, hi))
                    .collect()
            }
        }
    }

    /// Each sample's objective at `logits`.
    fn losses(
        &self,
        setup: &Setup<'_>,
        active: &[usize],
        logits: &[f32],
        objective: Objective,
    ) -> Vec<f64> {
        active
            .iter()
            .zip(logits.chunks(setup.classes))
            .map(|(&s, row)| {
                objective
                    .value_and_gradient(row, setup.labels[s], setup.targets[s])
                    .0
            })
            .collect()
    }

    /// Whether the model misclassifies each sample at `logits`.
    fn fooled(&self, setup: &Setup<'_>, active: &[usize], logits: &[f32]) -> Vec<bool> {
        active
            .iter()
            .zip(logits.chunks(setup.classes))
            .map(|(&s, row)| setup.fooled(s, row))
            .collect()
    }
}

const NAME: &str = "apgd";

fn parameter(problem: String) -> PerturbError {
    PerturbError::Parameter {
        perturbation: NAME,
        problem,
    }
}
