//! Perturbations of tabular features.

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
    ),
    tabular(
        "quantize",
        "rounds each feature to 2^bits levels over its range",
        &[
            Param::required("bits", Type::Int, "bits per value")
                .bounded(Bounds::closed(1.0, 16.0))
                .sweepable(),
            IMMUTABLE,
        ],
    ),
];
