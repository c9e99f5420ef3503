//! Perturbations, one module per family; each built-in ([`PerturbationBuiltin`]) declares its
//! schema beside its code and is listed once in [`crate::registry`].
//!
//! The runtime: every perturbation implements [`Perturbation`], which perturbs a batch in place
//! within the data set's valid range, drawing its random values from the sample's own stream
//! ([`sample_rng`]) so results never depend on batch boundaries or thread counts.

mod apply;
mod attack;
mod builtin;
mod corruption;
mod features;
mod geometric;
mod image;
mod noise;
mod occlusion;
mod sampling;
mod severity;
mod tabular;

pub use apply::{node_seed, sample_rng, Context, PerturbError, Perturbation};
pub use attack::{
    Apgd, ApgdBuiltin, Cw, CwBuiltin, Fgsm, FgsmBuiltin, Loss, Norm, Pgd, PgdBuiltin, Square,
    SquareBuiltin, Target, WorstOf, WorstOfBuiltin,
};
pub use builtin::{BindError, Inputs, Passes, PerturbationBuiltin};
pub use corruption::{
    Corruption, CorruptionBuiltin, CorruptionKind, BRIGHTNESS, CONTRAST, DEFOCUS_BLUR,
    ELASTIC_TRANSFORM, FOG, GAUSSIAN_BLUR, JPEG_COMPRESSION, MOTION_BLUR, PIXELATE, SATURATE,
    ZOOM_BLUR,
};
pub use features::Feature;
pub use geometric::{Geometric, GeometricBuiltin, Transform, ROTATE, SCALE, TRANSLATE};
pub use noise::{
    GaussianNoise, ImpulseNoise, ShotNoise, SpeckleNoise, Strength, StrengthNoise, UniformNoise,
    UniformNoiseBuiltin, GAUSSIAN_NOISE, IMPULSE_NOISE, SHOT_NOISE, SPECKLE_NOISE,
};
pub use occlusion::{Occlusion, OcclusionBuiltin};
pub use severity::Table;
pub use tabular::{
    FeatureDropout, FeatureNoise, FeatureStats, Quantize, TabularBuiltin, FEATURE_DROPOUT,
    FEATURE_NOISE, QUANTIZE,
};

use crate::schema::{Bounds, Param, Type};

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
