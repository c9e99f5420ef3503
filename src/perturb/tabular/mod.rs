//! Perturbations of tabular features: measurement noise, missing values and coarser storage,
//! each scaled by statistics of the features ([`FeatureStats`]) over the evaluated data set.

mod kinds;
mod stats;

pub use kinds::{FeatureDropout, FeatureNoise, Quantize};
pub use stats::FeatureStats;

use std::sync::Arc;

use super::builtin::{immutable, required, BindError, Inputs, PerturbationBuiltin};
use super::{Feature, PerturbError, Perturbation, IMMUTABLE};
use crate::schema::{Args, Bounds, Family, Kind, Param, Schema, Type};

/// A tabular perturbation: one strength, the features left unchanged, and the statistics of the
/// data set's features that scale it.
pub struct TabularBuiltin {
    schema: Schema,
    /// The parameter that gives the strength.
    strength: &'static str,
    make: MakeTabular,
}

/// Builds the runtime perturbation from its strength, its unchanged features and the statistics.
type MakeTabular =
    fn(f64, Vec<Feature>, Arc<FeatureStats>) -> Result<Box<dyn Perturbation>, PerturbError>;

impl PerturbationBuiltin for TabularBuiltin {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn needs_feature_stats(&self) -> bool {
        true
    }

    fn bind(&self, args: &dyn Args, inputs: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let strength = required(args, &self.schema, self.strength)?;
        let stats = inputs.feature_stats(self.schema.name)?;
        Ok((self.make)(strength, immutable(args), stats)?)
    }
}

const fn tabular(name: &'static str, summary: &'static str, params: &'static [Param]) -> Schema {
    Schema::new(name, Kind::Perturbation(Family::Tabular), summary, params)
}

/// `feature_noise`.
pub static FEATURE_NOISE: TabularBuiltin = TabularBuiltin {
    schema: tabular(
        "feature_noise",
        "adds Gaussian noise scaled by each feature's standard deviation",
        &[
            Param::required("sigma", Type::Float, "noise in units of each feature's std")
                .bounded(Bounds::at_least(0.0))
                .sweepable(),
            IMMUTABLE,
        ],
    ),
    strength: "sigma",
    make: |sigma, immutable, stats| Ok(Box::new(FeatureNoise::new(sigma, immutable, stats)?)),
};

/// `feature_dropout`.
pub static FEATURE_DROPOUT: TabularBuiltin = TabularBuiltin {
    schema: tabular(
        "feature_dropout",
        "replaces a random fraction of feature values with the feature's mean",
        &[
            Param::required("rate", Type::Float, "fraction of values replaced")
                .bounded(Bounds::closed(0.0, 1.0))
                .sweepable(),
            IMMUTABLE,
        ],
    )
    .cites(Some(
        "Yoon, Jordon & van der Schaar, ICML 2018 (GAIN): values missing completely at random, \
             the mask of `binary_sampler` in jsyoon0823/GAIN utils.py; then mean imputation",
    )),
    strength: "rate",
    make: |rate, immutable, stats| Ok(Box::new(FeatureDropout::new(rate, immutable, stats)?)),
};

/// `quantize`.
pub static QUANTIZE: TabularBuiltin = TabularBuiltin {
    schema: tabular(
        "quantize",
        "rounds each feature to 2^bits levels over its observed range",
        &[
            Param::required("bits", Type::Int, "bits per value")
                .bounded(Bounds::closed(1.0, 16.0))
                .sweepable(),
            IMMUTABLE,
        ],
    )
    .cites(Some(
        "Xu, Evans & Qi, NDSS 2018 (feature squeezing): bit-depth reduction as in the \
             Adversarial Robustness Toolbox's `FeatureSqueezing`, per feature over its observed \
             [min, max]",
    )),
    strength: "bits",
    // The checker typed `bits` an integer in 1..16; `Quantize::new` checks it again.
    make: |bits, immutable, stats| Ok(Box::new(Quantize::new(bits as u32, immutable, stats)?)),
};
