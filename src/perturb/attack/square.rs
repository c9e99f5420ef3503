//! The Square Attack in L∞ (Andriushchenko et al., *Square Attack: a Query-Efficient Black-Box
//! Adversarial Attack via Random Search*, ECCV 2020), as `SquareAttack.attack_single_run` of
//! auto-attack (`autoattack/square.py`, norm `Linf`, loss `margin`): scores only, no gradients.

use crate::data::Batch;
use crate::perturb::sampling::Sampler;
use crate::perturb::{Context, PerturbError, Perturbation};

use super::loss::{Loss, Objective};
use super::restarts::{run_restarts, Restart};
use super::setup::Setup;
use super::target::Target;
use crate::perturb::features::Feature;

/// Square Attack (L∞): start from vertical stripes x₀ ± ε (one sign per channel and column), then
/// repeatedly draw a square of side s at a random place and set it, per channel, to ±2ε added to
/// the best point so far, projected onto the ε-ball and the range; keep the candidate when it
/// lowers the loss (untargeted: the margin z_y − max_{i≠y} z_i; targeted: CE towards the target)
/// or fools the model. s follows p_init's schedule. A sample stops once fooled.
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    /// The budget ε (L∞), in the inputs' units.
    pub eps: f64,
    /// Model queries per sample and restart, the first one included.
    pub queries: usize,
    /// The initial fraction of a sample's values a square covers.
    pub p_init: f64,
    /// Independent runs, each on the samples earlier ones did not fool: a sample is robust only if
    /// it survives every one.
    pub restarts: usize,
    /// What the attack aims for.
    pub target: Target,
    /// Features left unchanged.
    pub immutable: Vec<Feature>,
}

impl Square {
    /// Checks the parameters' domains: ε ≥ 0 finite, p_init in (0, 1], at least one query and
    /// one restart.
    pub fn check(&self) -> Result<(), PerturbError> {
        let problem = if !(self.eps.is_finite() && self.eps >= 0.0) {
            format!("ε must be a finite value ≥ 0, not {}", self.eps)
        } else if self.queries == 0 || self.restarts == 0 {
            "`queries` and `restarts` must be at least 1".to_string()
        } else if !(self.p_init > 0.0 && self.p_init <= 1.0) {
            format!("p_init must lie in (0, 1], not {}", self.p_init)
        } else {
            return Ok(());
        };
        Err(PerturbError::Parameter {
            perturbation: NAME,
            problem,
        })
    }

    /// Attacks `batch` in place and returns the model queries each sample used (at most
    /// `queries × restarts`).
    pub fn attack(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<Vec<usize>, PerturbError> {
        self.check()?;
        let mut used = vec![0; batch.len()];
        let Some(mut setup) = Setup::new(NAME, batch, ctx, self.target, &self.immutable)? else {
            return Ok(used);
        };
        let (c, h, w) = layout(&batch.sample_shape);
        // The squares' scores: the objective is only used to rank the restarts' results.
        let objective = Objective {
            loss: Loss::CrossEntropy,
            targeted: self.target.is_targeted(),
        };
        let run = |setup: &mut Setup<'_>, restart: &mut Restart| {
            self.run(setup, restart, (c, h, w), &mut used)
        };
        run_restarts(&mut setup, batch, self.restarts, objective, run)?;
        Ok(used)
    }

    /// One run on the samples of `restart`; adds each sample's queries to `used`.
    fn run(
        &self,
        setup: &mut Setup<'_>,
        restart: &mut Restart,
        (c, h, w): (usize, usize, usize),
        used: &mut [usize],
    ) -> Result<(), PerturbError> {
        let size = setup.size;
        let classes = setup.classes;
        let block = |k: usize| k * size..(k + 1) * size;
        let n = restart.active.len();
        let (lo, hi) = setup.range;
        let mut best = restart.clean.clone();
        for (k, &s) in restart.active.iter().enumerate() {
            let sampler = &mut setup.samplers[s];
            let signs: Vec<f64> = (0..c * w).map(|_| random_sign(sampler)).collect();
            for (i, (x, &x0)) in best[block(k)]
                .iter_mut()
                .zip(&restart.clean[block(k)])
                .enumerate()
            {
                if setup.mutable[i] {
                    let (channel, column) = (i / (h * w), i % w);
                    let value = f64::from(x0) + self.eps * signs[channel * w + column];
                    *x = value.clamp(lo, hi) as f32;
                }
            }
        }
        let mut best_logits = setup.logits(&best, &restart.active)?;
        let mut scores: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                self.score(
                    setup,
                    restart.active[k],
                    &best_logits[k * classes..(k + 1) * classes],
                )
            })
            .collect();
        for &s in &restart.active {
            used[s] += 1;
        }
        for iteration in 0..self.queries - 1 {
            let searching: Vec<usize> = (0..n).filter(|&k| scores[k].0 > 0.0).collect();
            if searching.is_empty() {
                break;
            }
            let p = self.p_selection(iteration);
            let side = ((p * (size / c) as f64).sqrt().round_ties_even() as usize)
                .max(1)
                .min(h.min(w));
            let mut candidates = Vec::with_capacity(searching.len() * size);
            for &k in &searching {
                let sampler = &mut setup.samplers[restart.active[k]];
                let top = ((h - side) as f64 * sampler.uniform()) as usize;
                let left = ((w - side) as f64 * sampler.uniform()) as usize;
                let signs: Vec<f64> = (0..c).map(|_| random_sign(sampler)).collect();
                let clean = &restart.clean[block(k)];
                let mut candidate = best[block(k)].to_vec();
                for (i, x) in candidate.iter_mut().enumerate() {
                    let (channel, row, column) = (i / (h * w), (i / w) % h, i % w);
                    let inside =
                        (top..top + side).contains(&row) && (left..left + side).contains(&column);
                    if inside && setup.mutable[i] {
                        let x0 = f64::from(clean[i]);
                        let value = f64::from(*x) + 2.0 * self.eps * signs[channel];
                        *x = value.clamp(x0 - self.eps, x0 + self.eps).clamp(lo, hi) as f32;
                    }
                }
                candidates.extend(candidate);
            }
            let members: Vec<usize> = searching.iter().map(|&k| restart.active[k]).collect();
            let logits = setup.logits(&candidates, &members)?;
            for (j, &k) in searching.iter().enumerate() {
                used[restart.active[k]] += 1;
                let row = &logits[j * classes..(j + 1) * classes];
                let (margin, loss) = self.score(setup, restart.active[k], row);
                let improved = loss < scores[k].1;
                if improved {
                    scores[k].1 = loss;
                }
                if improved || margin <= 0.0 {
                    scores[k].0 = margin;
                    best[block(k)].copy_from_slice(&candidates[j * size..(j + 1) * size]);
                    best_logits[k * classes..(k + 1) * classes].copy_from_slice(row);
                }
            }
        }
        restart.inputs = best;
        restart.logits = Some(best_logits);
        Ok(())
    }

    /// The margin (> 0 while the attack has not succeeded) and the loss the search lowers:
    /// untargeted, both z_y − max_{i≠y} z_i; targeted, max_{i≠t} z_i − z_t and CE(z, t)
    /// (auto-attack's `margin_and_loss`).
    fn score(&self, setup: &Setup<'_>, s: usize, row: &[f32]) -> (f64, f64) {
        let aim = setup.targets[s];
        let others = row
            .iter()
            .enumerate()
            .filter(|&(class, _)| class != aim)
            .fold(f64::NEG_INFINITY, |m, (_, &z)| m.max(f64::from(z)));
        let own = f64::from(row[aim]);
        if self.target.is_targeted() {
            let objective = Objective {
                loss: Loss::CrossEntropy,
                targeted: false,
            };
            let (cross_entropy, _) = objective.value_and_gradient(row, aim, aim);
            (others - own, cross_entropy)
        } else {
            (own - others, own - others)
        }
    }

    /// The fraction p of values a square covers at `iteration`: p_init halved at the reference's
    /// iterations 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 of 10,000, rescaled to the
    /// query budget (auto-attack's `p_selection` with `resc_schedule`).
    fn p_selection(&self, iteration: usize) -> f64 {
        let it = (iteration as f64 / self.queries as f64 * 10_000.0) as usize;
        let halvings = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000]
            .iter()
            .filter(|&&at| it > at)
            .count();
        self.p_init / f64::from(1u32 << halvings)
    }
}

impl Perturbation for Square {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        self.attack(batch, ctx).map(|_| ())
    }
}

const NAME: &str = "square";

/// A sample's layout as channels, height and width: the last two dimensions are the image, the
/// ones before it channels; a flat sample of d values is one row (1, 1, d).
fn layout(shape: &[usize]) -> (usize, usize, usize) {
    match shape {
        [] => (1, 1, 1),
        [w] => (1, 1, *w),
        [leading @ .., h, w] => (leading.iter().product(), *h, *w),
    }
}

/// −1 or 1 with equal probability (auto-attack's `random_choice`: the sign of a uniform draw
/// from [−1, 1)).
fn random_sign(sampler: &mut Sampler) -> f64 {
    if sampler.uniform() < 0.5 {
        -1.0
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_halves_p_at_the_reference_iterations() {
        let square = Square {
            eps: 0.1,
            queries: 10_000,
            p_init: 0.8,
            restarts: 1,
            target: Target::Untargeted,
            immutable: vec![],
        };
        assert_eq!(square.p_selection(10), 0.8);
        assert_eq!(square.p_selection(11), 0.4);
        assert_eq!(square.p_selection(201), 0.1);
        assert_eq!(square.p_selection(9_999), 0.8 / 512.0);
        assert_eq!(layout(&[3, 32, 32]), (3, 32, 32));
        assert_eq!(layout(&[30]), (1, 1, 30));
    }
}
