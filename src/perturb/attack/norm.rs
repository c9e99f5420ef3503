//! Threat-model norms: steps, projections onto the ε-ball, and random starts inside it.

use crate::perturb::sampling::Sampler;

use super::setup::sign;

/// The norm of a threat model: perturbations δ with ‖δ‖ ≤ ε.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// max |δᵢ| ≤ ε.
    Linf,
    /// √(Σ δᵢ²) ≤ ε.
    L2,
}

/// The Euclidean norm of `values`.
pub(super) fn l2(values: impl Iterator<Item = f64>) -> f64 {
    values.map(|v| v * v).sum::<f64>().sqrt()
}

impl Norm {
    /// The steepest-ascent direction of size 1 in this norm, for the gradient `g`: sign(g) for
    /// L∞ (torchattacks `PGD`), g / (‖g‖₂ + 1e-10) for L2 (torchattacks `PGDL2`).
    pub(super) fn direction(self, gradient: &[f32]) -> Vec<f64> {
        match self {
            Norm::Linf => gradient.iter().map(|&g| sign(g)).collect(),
            Norm::L2 => {
                let norm = l2(gradient.iter().map(|&g| f64::from(g))) + 1e-10;
                gradient.iter().map(|&g| f64::from(g) / norm).collect()
            }
        }
    }

    /// Projects `x` onto the ε-ball around `clean`, then clips it to `range` and rounds it to
    /// `f32`, in torchattacks' order: L∞ clamps δ = x − x₀ to [−ε, ε]; L2 scales δ by
    /// min(1, ε/‖δ‖₂). Values that are not `mutable` are left in `out` as they are.
    pub(super) fn project(
        self,
        eps: f64,
        x: &[f64],
        clean: &[f32],
        mutable: &[bool],
        range: (f64, f64),
        out: &mut [f32],
    ) {
        let delta: Vec<f64> = x
            .iter()
            .zip(clean)
            .zip(mutable)
            .map(|((&x, &c), &free)| if free { x - f64::from(c) } else { 0.0 })
            .collect();
        let factor = match self {
            Norm::Linf => 1.0,
            Norm::L2 => {
                let norm = l2(delta.iter().copied());
                if norm > eps {
                    eps / norm
                } else {
                    1.0
                }
            }
        };
        for (((o, &d), &c), &free) in out.iter_mut().zip(&delta).zip(clean).zip(mutable) {
            if free {
                let d = match self {
                    Norm::Linf => d.clamp(-eps, eps),
                    Norm::L2 => d * factor,
                };
                *o = (f64::from(c) + d).clamp(range.0, range.1) as f32;
            }
        }
    }

    /// A random point of the ε-ball around `clean`, clipped to `range`, drawn from `sampler`:
    /// L∞ adds a uniform draw from [−ε, ε] to each value (torchattacks `PGD`); L2 draws a
    /// normal direction and a radius uniform in [0, ε] (torchattacks `PGDL2`: not uniform in the
    /// ball's volume). Immutable values are neither drawn nor changed.
    pub(super) fn random_start(
        self,
        eps: f64,
        clean: &[f32],
        mutable: &[bool],
        range: (f64, f64),
        sampler: &mut Sampler,
        out: &mut [f32],
    ) {
        let free = mutable.iter().filter(|&&m| m).count();
        let delta: Vec<f64> = match self {
            Norm::Linf => (0..free)
                .map(|_| eps * (2.0 * sampler.uniform() - 1.0))
                .collect(),
            Norm::L2 => {
                let direction: Vec<f64> = (0..free).map(|_| sampler.normal()).collect();
                let radius = sampler.uniform();
                let norm = l2(direction.iter().copied());
                let scale = if norm > 0.0 { radius / norm * eps } else { 0.0 };
                direction.into_iter().map(|d| d * scale).collect()
            }
        };
        let mut delta = delta.into_iter();
        for ((o, &c), &m) in out.iter_mut().zip(clean).zip(mutable) {
            if m {
                let d = delta.next().unwrap_or(0.0);
                *o = (f64::from(c) + d).clamp(range.0, range.1) as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projections_land_in_the_ball_and_the_range() {
        let clean = [0.5f32, 0.5, 0.5];
        let mut out = clean;
        Norm::Linf.project(
            0.1,
            &[0.9, 0.45, 0.0],
            &clean,
            &[true; 3],
            (0.0, 1.0),
            &mut out,
        );
        assert_eq!(out, [0.6, 0.45, 0.4]);
        Norm::L2.project(
            0.5,
            &[1.5, 0.5, 0.5],
            &clean,
            &[true, true, false],
            (0.0, 2.0),
            &mut out,
        );
        assert_eq!(out, [1.0, 0.5, 0.4]);
        let direction = Norm::L2.direction(&[3.0, 4.0]);
        assert!((direction[0] - 0.6).abs() < 1e-9 && (direction[1] - 0.8).abs() < 1e-9);
    }
}
