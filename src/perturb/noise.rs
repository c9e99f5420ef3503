//! Additive and multiplicative noise; each takes an explicit strength or a CIFAR-10-C severity.

mod kinds;
mod severity;

pub use kinds::{GaussianNoise, ImpulseNoise, ShotNoise, SpeckleNoise, UniformNoise};
pub use severity::Strength;

use super::builtin::{required, severity, BindError, Inputs, PerturbationBuiltin};
use super::{PerturbError, Perturbation, CIFAR_C, SEVERITY, TABLE};
use crate::schema::{Args, Bounds, Family, Kind, Param, Schema, Type};

const fn noise(name: &'static str, summary: &'static str, params: &'static [Param]) -> Schema {
    Schema::new(name, Kind::Perturbation(Family::Noise), summary, params).cites(CIFAR_C)
}

/// A noise of one strength parameter (σ, photons, amount) or a severity of its published table.
pub struct StrengthNoise {
    schema: Schema,
    /// The parameter that gives the strength when no severity does.
    strength: &'static str,
    make: fn(Strength) -> Result<Box<dyn Perturbation>, PerturbError>,
}

impl PerturbationBuiltin for StrengthNoise {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let strength = match (args.number(self.strength), severity(args)) {
            (Some(value), _) => Strength::Value(value),
            (None, Some((severity, table))) => Strength::Severity(severity, table),
            _ => {
                return Err(BindError::Parameter(format!(
                    "`{}` needs `{}` or `severity`",
                    self.schema.name, self.strength
                )))
            }
        };
        Ok((self.make)(strength)?)
    }
}

/// `gaussian_noise`.
pub static GAUSSIAN_NOISE: StrengthNoise = StrengthNoise {
    schema: Schema {
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
    strength: "sigma",
    make: |strength| Ok(Box::new(GaussianNoise::new(strength)?)),
};

/// `uniform_noise`: it has no severity table, so it takes its width alone.
pub struct UniformNoiseBuiltin;

static UNIFORM_NOISE_SCHEMA: Schema = Schema {
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
};

impl PerturbationBuiltin for UniformNoiseBuiltin {
    fn schema(&self) -> &Schema {
        &UNIFORM_NOISE_SCHEMA
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let width = required(args, self.schema(), "width")?;
        Ok(Box::new(UniformNoise::new(width)?))
    }
}

/// `shot_noise`.
pub static SHOT_NOISE: StrengthNoise = StrengthNoise {
    schema: Schema {
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
    strength: "photons",
    make: |strength| Ok(Box::new(ShotNoise::new(strength)?)),
};

/// `impulse_noise`.
pub static IMPULSE_NOISE: StrengthNoise = StrengthNoise {
    schema: Schema {
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
    strength: "amount",
    make: |strength| Ok(Box::new(ImpulseNoise::new(strength)?)),
};

/// `speckle_noise`.
pub static SPECKLE_NOISE: StrengthNoise = StrengthNoise {
    schema: Schema {
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
    strength: "sigma",
    make: |strength| Ok(Box::new(SpeckleNoise::new(strength)?)),
};
