//! Geometric transforms of images; uncovered pixels take a fill value.

mod transform;

pub use transform::{Geometric, Transform};

use crate::schema::{Bounds, Family, Kind, Param, Schema, Type};

const FILL: Param = Param::with_default(
    "fill",
    Type::Float,
    "0",
    "value of pixels left uncovered, in the data's units",
);

const fn geometric(name: &'static str, summary: &'static str, params: &'static [Param]) -> Schema {
    Schema::new(name, Kind::Perturbation(Family::Geometric), summary, params)
}

/// Every geometric transform.
pub static SCHEMAS: &[Schema] = &[
    geometric(
        "rotate",
        "rotates about the image centre (bilinear)",
        &[
            Param::required("degrees", Type::Float, "angle, counter-clockwise")
                .bounded(Bounds::closed(-360.0, 360.0))
                .unit("degrees")
                .sweepable(),
            FILL,
        ],
    ),
    geometric(
        "translate",
        "shifts the image",
        &[
            Param::with_default("dx", Type::Int, "0", "shift to the right")
                .unit("pixels")
                .sweepable(),
            Param::with_default("dy", Type::Int, "0", "shift downwards")
                .unit("pixels")
                .sweepable(),
            FILL,
        ],
    ),
    geometric(
        "scale",
        "scales about the image centre (bilinear)",
        &[
            Param::required("factor", Type::Float, "scale factor (1 is the identity)")
                .bounded(Bounds::above(0.0))
                .sweepable(),
            FILL,
        ],
    ),
];
