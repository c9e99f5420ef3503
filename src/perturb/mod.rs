//! Perturbations, one module per family; each declares its schemas beside its code.
//!
//! The runtime: every perturbation implements [`Perturbation`], which perturbs a batch in place
//! within the data set's valid range, drawing its random values from the sample's own stream
//! ([`sample_rng`]) so results never depend on batch boundaries or thread counts.

mod apply;
mod attack;
mod corruption;
mod features;
mod geometric;
mod image;
mod noise;
mod sampling;
mod severity;
mod tabular;

pub use apply::{node_seed, sample_rng, Context, PerturbError, Perturbation};
pub use attack::{Apgd, Cw, Fgsm, Loss, Norm, Pgd, Square, Target, WorstOf};
pub use corruption::{Corruption, CorruptionKind};
pub use features::Feature;
pub use geometric::{Geometric, Transform};
pub use noise::{GaussianNoise, ImpulseNoise, ShotNoise, SpeckleNoise, Strength, UniformNoise};
pub use severity::Table;
pub use tabular::{FeatureDropout, FeatureNoise, FeatureStats, Quantize};

use crate::schema::{Bounds, Param, Schema, Type};

/// Every perturbation, family by family.
pub fn schemas() -> impl Iterator<Item = &'static Schema> {
    noise::SCHEMAS
        .iter()
        .chain(corruption::SCHEMAS)
        .chain(geometric::SCHEMAS)
        .chain(tabular::SCHEMAS)
        .chain(attack::SCHEMAS)
}

/// `severity: 1..5`, the corruption strength levels of CIFAR-10-C and ImageNet-C.
const SEVERITY: Param =
    Param::optional("severity", Type::Int, "corruption severity, 1 (mild) to 5")
        .bounded(Bounds::closed(1.0, 5.0))
        .sweepable();

/// Which published parameter table a severity indexes.
const TABLE: Param = Param::with_default(
    "table",
    Type::Enum(&["auto", "cifar", "imagenet"]),
    "auto",
    "severity table: CIFAR-10-C (inputs up to 32×32) or ImageNet-C; `auto` picks by input size",
);

/// Features (tabular column names) a perturbation must leave unchanged.
const IMMUTABLE: Param = Param::optional(
    "immutable",
    Type::List(&Type::Str),
    "features left unchanged (tabular data)",
);

const CIFAR_C: Option<&str> = Some(
    "Hendrycks & Dietterich, ICLR 2019; parameters of make_cifar_c.py and ImageNet-C corruptions.py \
     (hendrycks/robustness)",
);
