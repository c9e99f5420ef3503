//! The runtime of each tabular perturbation. Each value x of feature j is perturbed with the
//! statistics of feature j, unless the feature is immutable, and clipped to the declared range.
//!
//! Draws come from the sample's own stream, one per value in row-major order, immutable
//! features included (their draws are discarded): declaring a feature immutable leaves every
//! other feature's result as it was.

use std::sync::Arc;

use super::FeatureStats;
use crate::data::Batch;
use crate::perturb::apply::samples_mut;
use crate::perturb::features::{mutable_mask, Feature};
use crate::perturb::sampling::Sampler;
use crate::perturb::{sample_rng, Context, PerturbError, Perturbation};

/// Feature noise: x ← x + σ·s_j·z with z ~ N(0, 1) and s_j the feature's (population) standard
/// deviation. A constant feature (s_j = 0) is left as it is.
#[derive(Debug, Clone)]
pub struct FeatureNoise {
    sigma: f64,
    immutable: Vec<Feature>,
    stats: Arc<FeatureStats>,
}

/// Feature dropout: each value, independently with probability `rate`, is replaced by its
/// feature's mean (missing completely at random, then imputed with the mean).
#[derive(Debug, Clone)]
pub struct FeatureDropout {
    rate: f64,
    immutable: Vec<Feature>,
    stats: Arc<FeatureStats>,
}

/// Quantisation: each value is rounded to the nearest of 2^bits evenly spaced levels from the
/// feature's minimum to its maximum, both levels themselves. Deterministic; a constant feature is
/// left as it is.
#[derive(Debug, Clone)]
pub struct Quantize {
    bits: u32,
    immutable: Vec<Feature>,
    stats: Arc<FeatureStats>,
}

impl FeatureNoise {
    /// Noise of `sigma ≥ 0` standard deviations of each feature, leaving `immutable` unchanged.
    pub fn new(
        sigma: f64,
        immutable: Vec<Feature>,
        stats: Arc<FeatureStats>,
    ) -> Result<Self, PerturbError> {
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(parameter(
                "feature_noise",
                format!("`sigma` must be a finite number ≥ 0, not {sigma}"),
            ));
        }
        Ok(FeatureNoise {
            sigma,
            immutable,
            stats,
        })
    }
}

impl FeatureDropout {
    /// Dropout of each value with probability `rate` ∈ [0, 1], leaving `immutable` unchanged.
    pub fn new(
        rate: f64,
        immutable: Vec<Feature>,
        stats: Arc<FeatureStats>,
    ) -> Result<Self, PerturbError> {
        if !(0.0..=1.0).contains(&rate) {
            return Err(parameter(
                "feature_dropout",
                format!("`rate` must lie in [0, 1], not {rate}"),
            ));
        }
        Ok(FeatureDropout {
            rate,
            immutable,
            stats,
        })
    }
}

impl Quantize {
    /// Quantisation to 2^`bits` levels, `bits` in 1..=16, leaving `immutable` unchanged.
    pub fn new(
        bits: u32,
        immutable: Vec<Feature>,
        stats: Arc<FeatureStats>,
    ) -> Result<Self, PerturbError> {
        if !(1..=16).contains(&bits) {
            return Err(parameter(
                "quantize",
                format!("`bits` must lie in 1..16, not {bits}"),
            ));
        }
        Ok(Quantize {
            bits,
            immutable,
            stats,
        })
    }
}

impl Perturbation for FeatureNoise {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let (sigma, stats) = (self.sigma, &*self.stats);
        each_feature(
            "feature_noise",
            batch,
            ctx,
            &self.immutable,
            stats,
            |draw, x, j| x + sigma * stats.std(j) * draw.normal(),
        )
    }
}

impl Perturbation for FeatureDropout {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let (rate, stats) = (self.rate, &*self.stats);
        // One uniform u per value; u < rate drops it (never at rate 0, always at rate 1).
        each_feature(
            "feature_dropout",
            batch,
            ctx,
            &self.immutable,
            stats,
            |draw, x, j| {
                if draw.uniform() < rate {
                    stats.mean(j)
                } else {
                    x
                }
            },
        )
    }
}

impl Perturbation for Quantize {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let stats = &*self.stats;
        let steps = f64::from((1u32 << self.bits) - 1);
        each_feature("quantize", batch, ctx, &self.immutable, stats, |_, x, j| {
            let (lo, hi) = (stats.min(j), stats.max(j));
            if hi > lo {
                // As ART's FeatureSqueezing: rint(u·(2^bits − 1)) / (2^bits − 1) on u ∈ [0, 1],
                // rounding half to even like numpy's `rint`.
                let u = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
                lo + (u * steps).round_ties_even() / steps * (hi - lo)
            } else {
                x
            }
        })
    }
}

fn parameter(perturbation: &'static str, problem: String) -> PerturbError {
    PerturbError::Parameter {
        perturbation,
        problem,
    }
}

/// Replaces every value x of feature j of every sample by `perturb(draws, x, j)` clipped to the
/// range, unless feature j is immutable; `draws` is the sample's own stream, called for every
/// value in row-major order.
fn each_feature(
    name: &'static str,
    batch: &mut Batch,
    ctx: &Context<'_>,
    immutable: &[Feature],
    stats: &FeatureStats,
    perturb: impl Fn(&mut Sampler, f64, usize) -> f64,
) -> Result<(), PerturbError> {
    let (lo, hi) = ctx.checked_range()?;
    let size = batch.sample_size();
    if size != stats.features() {
        return Err(PerturbError::Batch(format!(
            "samples of {size} values, and statistics of {} features",
            stats.features()
        )));
    }
    let mutable = mutable_mask(name, immutable, size, ctx)?;
    for (index, values) in samples_mut(batch)? {
        let mut draws = Sampler::new(sample_rng(&ctx.seed, index));
        for ((value, &mutable), j) in values.iter_mut().zip(&mutable).zip(0..) {
            let perturbed = perturb(&mut draws, f64::from(*value), j);
            if mutable {
                *value = perturbed.clamp(f64::from(lo), f64::from(hi)) as f32;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(names: Option<&[String]>) -> Context<'_> {
        Context {
            range: (0.0, 10.0),
            seed: [9; 32],
            model: None,
            feature_names: names,
        }
    }

    /// Three samples of three features: the first spread over [1, 3], the second constant.
    fn batch() -> (Batch, Arc<FeatureStats>) {
        let batch = Batch {
            sample_shape: vec![3],
            inputs: vec![1.0, 4.0, 0.0, 2.0, 4.0, 5.0, 3.0, 4.0, 10.0],
            labels: vec![0, 1, 0],
            indices: vec![0, 1, 2],
        };
        let mut stats = FeatureStats::new(3);
        stats.add_batch(&batch);
        (batch, Arc::new(stats))
    }

    #[test]
    fn quantize_rounds_to_levels_over_the_observed_range() {
        let (mut b, stats) = batch();
        // One bit: two levels, each feature's min and max; halfway values round to the even (lower)
        // level, as numpy's `rint`.
        Quantize::new(1, vec![], stats)
            .expect("valid")
            .apply(&mut b, &ctx(None))
            .expect("applies");
        assert_eq!(b.inputs, [1.0, 4.0, 0.0, 1.0, 4.0, 0.0, 3.0, 4.0, 10.0]);
    }

    #[test]
    fn dropout_at_rate_one_is_the_mean_and_constants_have_no_noise() {
        let (mut b, stats) = batch();
        FeatureDropout::new(1.0, vec![], stats.clone())
            .expect("valid")
            .apply(&mut b, &ctx(None))
            .expect("applies");
        assert_eq!(b.inputs, [2.0, 4.0, 5.0, 2.0, 4.0, 5.0, 2.0, 4.0, 5.0]);
        let (mut b, _) = batch();
        FeatureNoise::new(3.0, vec![], stats)
            .expect("valid")
            .apply(&mut b, &ctx(None))
            .expect("applies");
        assert!(b.inputs.iter().skip(1).step_by(3).all(|&v| v == 4.0));
        assert!(b.inputs.iter().all(|v| (0.0..=10.0).contains(v)));
    }

    #[test]
    fn bad_parameters_and_mismatched_data_are_errors() {
        let (mut b, stats) = batch();
        assert!(FeatureNoise::new(-1.0, vec![], stats.clone()).is_err());
        assert!(FeatureNoise::new(f64::NAN, vec![], stats.clone()).is_err());
        assert!(FeatureDropout::new(1.5, vec![], stats.clone()).is_err());
        assert!(Quantize::new(0, vec![], stats.clone()).is_err());
        assert!(Quantize::new(17, vec![], stats).is_err());
        let wrong = Arc::new(FeatureStats::new(4));
        let noise = FeatureNoise::new(0.1, vec![], wrong).expect("valid");
        let error = noise.apply(&mut b, &ctx(None)).expect_err("4 ≠ 3 features");
        assert!(matches!(error, PerturbError::Batch(_)), "{error}");
    }

    #[test]
    fn unknown_immutable_features_are_named() {
        let (mut b, stats) = batch();
        let names = ["a".to_string(), "b".to_string(), "c".to_string()];
        let dropout = FeatureDropout::new(0.5, vec!["z".into()], stats).expect("valid");
        let message = dropout
            .apply(&mut b, &ctx(Some(&names)))
            .expect_err("unknown")
            .to_string();
        assert!(message.contains("`z` is not a feature"), "{message}");
        assert!(message.contains("feature_dropout"), "{message}");
    }
}
