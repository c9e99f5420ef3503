//! `occlusion`: a square of each image, at a random place, replaced by a fill value, as Random
//! Erasing (Zhong et al., AAAI 2020) and Cutout (DeVries & Taylor, 2017) occlude images; here at a
//! fixed size, so a sweep over `size` measures how accuracy falls as more of the object is hidden.

use super::builtin::{required, BindError, Inputs, PerturbationBuiltin};
use super::image::{each_image, Scale};
use super::{Context, PerturbError, Perturbation};
use crate::data::Batch;
use crate::schema::{Args, Bounds, Family, Kind, Param, Schema, Type};

/// Occlusion of a square whose side is `size` × the image's shorter side (rounded to whole
/// pixels), placed uniformly at random inside the image, every channel set to `fill`.
#[derive(Debug, Clone, PartialEq)]
pub struct Occlusion {
    size: f64,
    fill: f64,
}

impl Occlusion {
    /// An occlusion of relative side `size` in [0, 1], filled with `fill` (in the data's units).
    pub fn new(size: f64, fill: f64) -> Result<Occlusion, PerturbError> {
        let problem = if !(0.0..=1.0).contains(&size) {
            format!("`size` must lie in [0, 1], not {size}")
        } else if !fill.is_finite() {
            format!("`fill` must be a finite number, not {fill}")
        } else {
            return Ok(Occlusion { size, fill });
        };
        Err(PerturbError::Parameter {
            perturbation: "occlusion",
            problem,
        })
    }
}

impl Perturbation for Occlusion {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        each_image("occlusion", batch, ctx, Scale::Data, |image, draws| {
            let (height, width) = (image.height, image.width);
            let side = (self.size * height.min(width) as f64).round() as usize;
            if side == 0 {
                return Ok(());
            }
            let top = draws.below((height - side + 1) as u64) as usize;
            let left = draws.below((width - side + 1) as u64) as usize;
            image.each_plane(|plane, _, width| {
                for row in plane.chunks_mut(width).skip(top).take(side) {
                    row[left..left + side].fill(self.fill);
                }
            });
            Ok(())
        })
    }
}

/// `occlusion`.
pub struct OcclusionBuiltin;

static OCCLUSION_SCHEMA: Schema = Schema::new(
    "occlusion",
    Kind::Perturbation(Family::Geometric),
    "hides a square of each image, at a random place, behind a fill value",
    &[
        Param::required(
            "size",
            Type::Float,
            "the square's side, a fraction of the image's shorter side",
        )
        .bounded(Bounds::closed(0.0, 1.0))
        .sweepable(),
        Param::with_default(
            "fill",
            Type::Float,
            "0",
            "the value of hidden pixels, in the data's units",
        ),
    ],
)
.cites(Some(
    "Zhong et al., Random Erasing Data Augmentation, AAAI 2020; DeVries & Taylor, Improved \
     Regularization of Convolutional Neural Networks with Cutout, 2017",
));

impl PerturbationBuiltin for OcclusionBuiltin {
    fn schema(&self) -> &Schema {
        &OCCLUSION_SCHEMA
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let size = required(args, self.schema(), "size")?;
        let fill = args.number("fill").unwrap_or(0.0);
        Ok(Box::new(Occlusion::new(size, fill)?))
    }
}
