//! Geometric transforms of images; uncovered pixels take a fill value.

mod transform;

pub use transform::{Geometric, Transform};

use super::builtin::{required, BindError, Inputs, PerturbationBuiltin};
use super::Perturbation;
use crate::schema::{Args, Bounds, Family, Kind, Param, Schema, Type};

const FILL: Param = Param::with_default(
    "fill",
    Type::Float,
    "0",
    "value of pixels left uncovered, in the data's units",
);

/// A rotation, translation or scaling, with the fill value of uncovered pixels.
pub struct GeometricBuiltin {
    schema: Schema,
    /// The transform a member's parameters describe.
    transform: fn(&dyn Args, &Schema) -> Result<Transform, BindError>,
}

impl GeometricBuiltin {
    const fn new(
        name: &'static str,
        summary: &'static str,
        params: &'static [Param],
        transform: fn(&dyn Args, &Schema) -> Result<Transform, BindError>,
    ) -> GeometricBuiltin {
        GeometricBuiltin {
            schema: Schema::new(name, Kind::Perturbation(Family::Geometric), summary, params),
            transform,
        }
    }
}

impl PerturbationBuiltin for GeometricBuiltin {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let transform = (self.transform)(args, &self.schema)?;
        let fill = args.number("fill").unwrap_or(0.0);
        Ok(Box::new(Geometric::new(transform, fill)?))
    }
}

/// A shift in whole pixels (0 when absent).
fn pixels(args: &dyn Args, name: &str) -> Result<i64, BindError> {
    let value = args.number(name).unwrap_or(0.0);
    if value.fract() == 0.0 && value.abs() <= 1e15 {
        Ok(value as i64)
    } else {
        Err(BindError::Parameter(format!(
            "`{name}` must be a whole number of pixels, not {value}"
        )))
    }
}

/// `rotate`.
pub static ROTATE: GeometricBuiltin = GeometricBuiltin::new(
    "rotate",
    "rotates about the image centre (bilinear)",
    &[
        Param::required("degrees", Type::Float, "angle, counter-clockwise")
            .bounded(Bounds::closed(-360.0, 360.0))
            .unit("degrees")
            .sweepable(),
        FILL,
    ],
    |args, schema| {
        Ok(Transform::Rotate {
            degrees: required(args, schema, "degrees")?,
        })
    },
);

/// `translate`.
pub static TRANSLATE: GeometricBuiltin = GeometricBuiltin::new(
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
    |args, _| {
        Ok(Transform::Translate {
            dx: pixels(args, "dx")?,
            dy: pixels(args, "dy")?,
        })
    },
);

/// `scale`.
pub static SCALE: GeometricBuiltin = GeometricBuiltin::new(
    "scale",
    "scales about the image centre (bilinear)",
    &[
        Param::required("factor", Type::Float, "scale factor (1 is the identity)")
            .bounded(Bounds::above(0.0))
            .sweepable(),
        FILL,
    ],
    |args, schema| {
        Ok(Transform::Scale {
            factor: required(args, schema, "factor")?,
        })
    },
);
