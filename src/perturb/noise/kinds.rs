//! The runtime of each noise: independent draws per input value, on values scaled to [0, 1] of
//! the declared range, then clipped to it (as CIFAR-10-C does on images scaled to [0, 1]).

use super::severity::{
    checked, level, Domain, Strength, GAUSSIAN_SIGMA, IMPULSE_AMOUNT, SHOT_PHOTONS, SPECKLE_SIGMA,
};
use crate::data::Batch;
use crate::perturb::apply::samples_mut;
use crate::perturb::sampling::Sampler;
use crate::perturb::{sample_rng, Context, PerturbError, Perturbation};

/// Additive Gaussian noise: x ← x + σ·w·z with z ~ N(0, 1) and w the range's width.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianNoise {
    strength: Strength,
}

/// Additive uniform noise: x ← x + h·w·u with u uniform on [−1, 1) and w the range's width.
#[derive(Debug, Clone, PartialEq)]
pub struct UniformNoise {
    half_width: f64,
}

/// Shot (Poisson) noise: on u = (x − lo)/w, u ← Poisson(u·c)/c, with c the photon count.
#[derive(Debug, Clone, PartialEq)]
pub struct ShotNoise {
    strength: Strength,
}

/// Impulse (salt-and-pepper) noise: each value, with probability `amount`, becomes the range's
/// upper or lower end, each with probability ½.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpulseNoise {
    strength: Strength,
}

/// Speckle (multiplicative) noise: on u = (x − lo)/w, u ← u + u·σ·z with z ~ N(0, 1).
#[derive(Debug, Clone, PartialEq)]
pub struct SpeckleNoise {
    strength: Strength,
}

impl GaussianNoise {
    /// Gaussian noise of standard deviation σ (a fraction of the range's width), or a severity.
    pub fn new(strength: Strength) -> Result<Self, PerturbError> {
        let strength = checked(
            "gaussian_noise",
            strength,
            Domain::NonNegative,
            Some(&GAUSSIAN_SIGMA),
        )?;
        Ok(GaussianNoise { strength })
    }
}

impl UniformNoise {
    /// Uniform noise of half-width `h ≥ 0` (a fraction of the range's width). It has no
    /// severity table, so it takes the value alone.
    pub fn new(half_width: f64) -> Result<Self, PerturbError> {
        checked(
            "uniform_noise",
            Strength::Value(half_width),
            Domain::NonNegative,
            None,
        )?;
        Ok(UniformNoise { half_width })
    }
}

impl ShotNoise {
    /// Shot noise of photon count `c > 0` (smaller is noisier), or a severity.
    pub fn new(strength: Strength) -> Result<Self, PerturbError> {
        let strength = checked(
            "shot_noise",
            strength,
            Domain::Positive,
            Some(&SHOT_PHOTONS),
        )?;
        Ok(ShotNoise { strength })
    }
}

impl ImpulseNoise {
    /// Impulse noise replacing a fraction `amount` ∈ [0, 1] of the values, or a severity.
    pub fn new(strength: Strength) -> Result<Self, PerturbError> {
        let strength = checked(
            "impulse_noise",
            strength,
            Domain::Fraction,
            Some(&IMPULSE_AMOUNT),
        )?;
        Ok(ImpulseNoise { strength })
    }
}

impl SpeckleNoise {
    /// Speckle noise of standard deviation σ, or a severity.
    pub fn new(strength: Strength) -> Result<Self, PerturbError> {
        let strength = checked(
            "speckle_noise",
            strength,
            Domain::NonNegative,
            Some(&SPECKLE_SIGMA),
        )?;
        Ok(SpeckleNoise { strength })
    }
}

impl Perturbation for GaussianNoise {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let sigma = level(self.strength, &GAUSSIAN_SIGMA, &batch.sample_shape);
        each_value(batch, ctx, |draw, x, range| {
            x + sigma * range.width() * draw.normal()
        })
    }
}

impl Perturbation for UniformNoise {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let half_width = self.half_width;
        each_value(batch, ctx, |draw, x, range| {
            x + half_width * range.width() * (2.0 * draw.uniform() - 1.0)
        })
    }
}

impl Perturbation for ShotNoise {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let photons = level(self.strength, &SHOT_PHOTONS, &batch.sample_shape);
        each_value(batch, ctx, |draw, x, range| {
            let count = draw.poisson(range.unit(x) * photons);
            range.lo + range.width() * (count / photons)
        })
    }
}

impl Perturbation for ImpulseNoise {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let amount = level(self.strength, &IMPULSE_AMOUNT, &batch.sample_shape);
        // One uniform u per value: u < amount/2 is salt, amount/2 ≤ u < amount is pepper.
        each_value(batch, ctx, |draw, x, range| {
            let u = draw.uniform();
            if u < amount / 2.0 {
                range.hi
            } else if u < amount {
                range.lo
            } else {
                x
            }
        })
    }
}

impl Perturbation for SpeckleNoise {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let sigma = level(self.strength, &SPECKLE_SIGMA, &batch.sample_shape);
        each_value(batch, ctx, |draw, x, range| {
            x + (x - range.lo) * sigma * draw.normal()
        })
    }
}

/// The declared range, in f64.
#[derive(Debug, Clone, Copy)]
struct Range {
    lo: f64,
    hi: f64,
}

impl Range {
    fn width(self) -> f64 {
        self.hi - self.lo
    }

    /// `x` scaled to [0, 1] of the range.
    fn unit(self, x: f64) -> f64 {
        (x - self.lo) / self.width()
    }
}

/// Replaces every value x of every sample by `noise(draws, x, range)` clipped to the range, the
/// draws coming from the sample's own stream, value by value in row-major order.
fn each_value(
    batch: &mut Batch,
    ctx: &Context<'_>,
    noise: impl Fn(&mut Sampler, f64, Range) -> f64,
) -> Result<(), PerturbError> {
    let (lo, hi) = ctx.checked_range()?;
    let range = Range {
        lo: f64::from(lo),
        hi: f64::from(hi),
    };
    for (index, values) in samples_mut(batch)? {
        let mut draws = Sampler::new(sample_rng(&ctx.seed, index));
        for value in values {
            let noisy = noise(&mut draws, f64::from(*value), range);
            *value = noisy.clamp(range.lo, range.hi) as f32;
        }
    }
    Ok(())
}
