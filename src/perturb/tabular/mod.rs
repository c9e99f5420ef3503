//! Perturbations of tabular features: measurement noise, missing values and coarser storage,
//! each scaled by statistics of the features ([`FeatureStats`]) over the evaluated data set.

mod kinds;
mod stats;

pub use kinds::{FeatureDropout, FeatureNoise, Quantize};
pub use stats::FeatureStats;

use super::IMMUTABLE;
use crate::schema::{Bounds, Family, Kind, Param, Schema, Type};

const fn tabular(name: &'static str, summary: &'static str, params: &'static [Param]) -> Schema {
    Schema::new(name, Kind::Perturbation(Family::Tabular), summary, params)
}

/// Every tabular perturbation.
pub static SCHEMAS: &[Schema] = &[
    tabular(
        "feature_noise",
        "adds Gaussian noise scaled by each feature's standard deviation",
        &[
            Param::required("sigma", Type::Float, "noise in units of each feature's std")
                .bounded(Bounds::at_least(0.0))
                .sweepable(),
            IMMUTABLE,
        ],
    ),
    tabular(
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
    tabular(
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
];
