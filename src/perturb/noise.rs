//! Additive and multiplicative noise; each takes an explicit strength or a CIFAR-10-C severity.

mod kinds;
mod severity;

pub use kinds::{GaussianNoise, ImpulseNoise, ShotNoise, SpeckleNoise, UniformNoise};
pub use severity::Strength;

use super::{CIFAR_C, SEVERITY, TABLE};
use crate::schema::{Bounds, Family, Kind, Param, Schema, Type};

const fn noise(name: &'static str, summary: &'static str, params: &'static [Param]) -> Schema {
    Schema::new(name, Kind::Perturbation(Family::Noise), summary, params).cites(CIFAR_C)
}

/// Every noise perturbation.
pub static SCHEMAS: &[Schema] = &[
    Schema {
        exclusive: &[&["sigma", "severity"]],
        ..noise(
            "gaussian_noise",
            "adds N(0, σ²) noise to every input value",
            &[
                Param::optional("sigma", Type::Float, "standard deviation σ")
                    .bounded(Bounds::at_least(0.0))
                    .sweepable(),
                SEVERITY,
                TABLE,
            ],
        )
    },
    Schema {
        exclusive: &[&["width"]],
        reference: None,
        ..noise(
            "uniform_noise",
            "adds noise drawn uniformly from [−width, width]",
            &[
                Param::optional("width", Type::Float, "half-width of the interval")
                    .bounded(Bounds::at_least(0.0))
                    .sweepable(),
            ],
        )
    },
    Schema {
        exclusive: &[&["photons", "severity"]],
        ..noise(
            "shot_noise",
            "Poisson noise: x ← Poisson(x·c)/c",
            &[
                Param::optional(
                    "photons",
                    Type::Float,
                    "photon count c (smaller is noisier)",
                )
                .bounded(Bounds::above(0.0))
                .sweepable(),
                SEVERITY,
                TABLE,
            ],
        )
    },
    Schema {
        exclusive: &[&["amount", "severity"]],
        ..noise(
            "impulse_noise",
            "salt-and-pepper noise: a fraction of values set to the range's ends",
            &[
                Param::optional("amount", Type::Float, "fraction of values replaced")
                    .bounded(Bounds::closed(0.0, 1.0))
                    .sweepable(),
                SEVERITY,
                TABLE,
            ],
        )
    },
    Schema {
        exclusive: &[&["sigma", "severity"]],
        ..noise(
            "speckle_noise",
            "multiplicative noise: x ← x + x·N(0, σ²)",
            &[
                Param::optional("sigma", Type::Float, "standard deviation σ")
                    .bounded(Bounds::at_least(0.0))
                    .sweepable(),
                SEVERITY,
                TABLE,
            ],
        )
    },
];
