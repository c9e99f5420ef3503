//! The Carlini-Wagner L2 attack (Carlini & Wagner, *Towards Evaluating the Robustness of Neural
//! Networks*, IEEE S&P 2017), as torchattacks' `CW` (`torchattacks/attacks/cw.py`): Adam on
//! ‖x' − x‖² + c·f(x') in tanh space, keeping the closest adversarial example found.

use crate::data::Batch;
use crate::perturb::{Context, PerturbError, Perturbation};

use super::loss::predicted;
use super::setup::Setup;
use super::target::Target;
use crate::perturb::features::Feature;

/// CW-L2: x' = lo + (hi − lo)·(tanh w + 1)/2, w starting at the clean input's preimage; Adam
/// (β = (0.9, 0.999), ε = 1e-8, torch's defaults) minimises ‖x' − x‖₂² + c·f(x'), with
/// f = max(z_y − max_{i≠y} z_i, −κ) untargeted and max(max_{i≠t} z_i − z_t, −κ) targeted. Each
/// step first records x' when it is adversarial (misclassified; targeted: classified as the
/// target) and closer than the best so far. Every max(1, ⌊steps/10⌋) steps a sample whose cost
/// rose since the last check stops. The result is the best adversarial example, else x.
#[derive(Debug, Clone, PartialEq)]
pub struct Cw {
    /// The weight c of the misclassification term.
    pub c: f64,
    /// The confidence margin κ ≥ 0.
    pub kappa: f64,
    /// Adam steps.
    pub steps: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// What the attack aims for.
    pub target: Target,
    /// Features left unchanged.
    pub immutable: Vec<Feature>,
}

impl Cw {
    /// Checks the parameters' domains: c > 0, κ ≥ 0 and lr > 0 finite, at least one step.
    pub fn check(&self) -> Result<(), PerturbError> {
        let finite = |v: f64| v.is_finite();
        let problem = if !(finite(self.c) && self.c > 0.0) {
            format!("c must be a finite value > 0, not {}", self.c)
        } else if !(finite(self.kappa) && self.kappa >= 0.0) {
            format!("κ must be a finite value ≥ 0, not {}", self.kappa)
        } else if !(finite(self.lr) && self.lr > 0.0) {
            format!(
                "the learning rate must be a finite value > 0, not {}",
                self.lr
            )
        } else if self.steps == 0 {
            "`steps` must be at least 1".to_string()
        } else {
            return Ok(());
        };
        Err(PerturbError::Parameter {
            perturbation: NAME,
            problem,
        })
    }

    /// f and its gradient with respect to the logits `row` of sample `s`.
    fn misclassification(&self, setup: &Setup<'_>, s: usize, row: &[f32]) -> (f64, Vec<f64>) {
        let aim = setup.targets[s];
        let mut other = None;
        for (class, &z) in row.iter().enumerate() {
            if class != aim && other.is_none_or(|o: usize| z > row[o]) {
                other = Some(class);
            }
        }
        let mut gradient = vec![0.0; row.len()];
        let Some(other) = other else {
            return (-self.kappa, gradient);
        };
        let (own, rival) = (f64::from(row[aim]), f64::from(row[other]));
        let (margin, sign) = if self.target.is_targeted() {
            (rival - own, -1.0)
        } else {
            (own - rival, 1.0)
        };
        if margin >= -self.kappa {
            gradient[aim] = sign;
            gradient[other] = -sign;
            (margin, gradient)
        } else {
            (-self.kappa, gradient)
        }
    }

    /// Whether sample `s` with logits `row` is adversarial.
    fn succeeded(&self, setup: &Setup<'_>, s: usize, row: &[f32]) -> bool {
        let class = predicted(row);
        if self.target.is_targeted() {
            class == setup.targets[s]
        } else {
            class != setup.labels[s]
        }
    }
}

impl Perturbation for Cw {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        self.check()?;
        let Some(setup) = Setup::new(NAME, batch, ctx, self.target, &self.immutable)? else {
            return Ok(());
        };
        let (size, classes) = (setup.size, setup.classes);
        let (lo, hi) = setup.range;
        let half = (hi - lo) / 2.0;
        let clean = batch.inputs.clone();
        // torchattacks' `inverse_tanh_space`: atanh of the value mapped to [−1, 1]; the ends of the
        // range map to ±∞, where tanh's slope is 0, so values at an end never move.
        let mut w: Vec<f64> = clean
            .iter()
            .map(|&x| {
                let t = ((f64::from(x) - lo) / half - 1.0).clamp(-1.0, 1.0);
                0.5 * ((1.0 + t) / (1.0 - t)).ln()
            })
            .collect();
        let mut adam = Adam::new(self.lr, w.len());
        let mut best = clean.clone();
        let mut best_distance = vec![1e10; batch.len()];
        let mut previous_cost = vec![1e10; batch.len()];
        let mut running: Vec<usize> = (0..batch.len()).collect();
        let check_every = (self.steps / 10).max(1);
        for step in 0..self.steps {
            if running.is_empty() {
                break;
            }
            let adversarial: Vec<f32> = running
                .iter()
                .flat_map(|&s| s * size..(s + 1) * size)
                .map(|i| {
                    if setup.mutable[i % size] {
                        (lo + half * (w[i].tanh() + 1.0)) as f32
                    } else {
                        clean[i]
                    }
                })
                .collect();
            let misclassification = std::cell::RefCell::new(Vec::with_capacity(running.len()));
            let loss_gradient = |logits: &[f32]| {
                let mut values = misclassification.borrow_mut();
                values.clear();
                running
                    .iter()
                    .zip(logits.chunks(classes))
                    .flat_map(|(&s, row)| {
                        let (value, gradient) = self.misclassification(&setup, s, row);
                        values.push(value);
                        gradient.into_iter().map(|g| (self.c * g) as f32)
                    })
                    .collect()
            };
            let mut result =
                setup
                    .model
                    .input_gradient(&adversarial, running.len(), &loss_gradient)?;
            super::setup::check_logits(&result.logits, running.len(), classes)?;
            if result.gradient.len() != adversarial.len() {
                return Err(PerturbError::Gradient(format!(
                    "has {} values for inputs of {}",
                    result.gradient.len(),
                    adversarial.len()
                )));
            }
            super::setup::zero_non_finite_rows(&mut result.gradient, size);
            let misclassification = misclassification.into_inner();
            let t = (step + 1) as i32;
            let mut still = Vec::with_capacity(running.len());
            for (k, &s) in running.iter().enumerate() {
                let values = &adversarial[k * size..(k + 1) * size];
                let distance: f64 = values
                    .iter()
                    .zip(&clean[s * size..(s + 1) * size])
                    .map(|(&a, &x)| (f64::from(a) - f64::from(x)).powi(2))
                    .sum();
                let row = &result.logits[k * classes..(k + 1) * classes];
                if self.succeeded(&setup, s, row) && best_distance[s] > distance {
                    best_distance[s] = distance;
                    best[s * size..(s + 1) * size].copy_from_slice(values);
                }
                for (j, (&value, &free)) in values.iter().zip(&setup.mutable).enumerate() {
                    let i = s * size + j;
                    if !free {
                        continue;
                    }
                    let input_gradient = 2.0 * (f64::from(value) - f64::from(clean[i]))
                        + f64::from(result.gradient[k * size + j]);
                    let g = input_gradient * half * (1.0 - w[i].tanh().powi(2));
                    w[i] -= adam.step(i, g, t);
                }
                let cost = distance + self.c * misclassification[k];
                let stops = step % check_every == 0 && {
                    let rose = cost > previous_cost[s];
                    previous_cost[s] = cost;
                    rose
                };
                if !stops {
                    still.push(s);
                }
            }
            running = still;
        }
        batch.inputs = best;
        Ok(())
    }
}

const NAME: &str = "cw";

/// Adam (Kingma & Ba, ICLR 2015) with torch's defaults β = (0.9, 0.999) and ε = 1e-8, one pair of
/// moments per value.
struct Adam {
    lr: f64,
    first: Vec<f64>,
    second: Vec<f64>,
}

impl Adam {
    const BETA1: f64 = 0.9;
    const BETA2: f64 = 0.999;
    const EPS: f64 = 1e-8;

    fn new(lr: f64, values: usize) -> Self {
        Adam {
            lr,
            first: vec![0.0; values],
            second: vec![0.0; values],
        }
    }

    /// The decrease of value `i` at step `t` (from 1) for its gradient `g`, bias-corrected.
    fn step(&mut self, i: usize, g: f64, t: i32) -> f64 {
        self.first[i] = Self::BETA1 * self.first[i] + (1.0 - Self::BETA1) * g;
        self.second[i] = Self::BETA2 * self.second[i] + (1.0 - Self::BETA2) * g * g;
        let first = self.first[i] / (1.0 - Self::BETA1.powi(t));
        let second = self.second[i] / (1.0 - Self::BETA2.powi(t));
        self.lr * first / (second.sqrt() + Self::EPS)
    }
}
