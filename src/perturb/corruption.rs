//! Common corruptions with severities 1–5, parameter tables as in CIFAR-10-C and ImageNet-C.

mod blur;
mod color;
mod digital;
mod elastic;
mod fog;
mod kinds;
mod tables;

pub use kinds::{Corruption, CorruptionKind};

use super::builtin::{severity, BindError, Inputs, PerturbationBuiltin};
use super::{Perturbation, CIFAR_C, SEVERITY, TABLE};
use crate::schema::{Args, Family, Kind, Param, Schema};

const PARAMS: &[Param] = &[SEVERITY, TABLE];

/// A corruption at a severity of its published table.
pub struct CorruptionBuiltin {
    kind: CorruptionKind,
    schema: Schema,
}

impl CorruptionBuiltin {
    const fn new(kind: CorruptionKind, summary: &'static str) -> CorruptionBuiltin {
        let schema = Schema::new(
            kind.name(),
            Kind::Perturbation(Family::Corruption),
            summary,
            PARAMS,
        )
        .cites(CIFAR_C);
        CorruptionBuiltin {
            kind,
            schema: Schema {
                exclusive: &[&["severity"]],
                ..schema
            },
        }
    }
}

impl PerturbationBuiltin for CorruptionBuiltin {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let (severity, table) = severity(args).ok_or_else(|| {
            BindError::Parameter(format!("`{}` needs `severity` (1 to 5)", self.schema.name))
        })?;
        Ok(Box::new(Corruption::new(self.kind, severity, table)?))
    }
}

/// `gaussian_blur`.
pub static GAUSSIAN_BLUR: CorruptionBuiltin =
    CorruptionBuiltin::new(CorruptionKind::GaussianBlur, "Gaussian blur");

/// `defocus_blur`.
pub static DEFOCUS_BLUR: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::DefocusBlur,
    "blur with a disk kernel, as an out-of-focus lens",
);

/// `motion_blur`.
pub static MOTION_BLUR: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::MotionBlur,
    "blur along a line at a random angle",
);

/// `zoom_blur`.
pub static ZOOM_BLUR: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::ZoomBlur,
    "the mean of zoomed-in copies of the image",
);

/// `brightness`.
pub static BRIGHTNESS: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::Brightness,
    "raises the V channel in HSV space",
);

/// `contrast`.
pub static CONTRAST: CorruptionBuiltin =
    CorruptionBuiltin::new(CorruptionKind::Contrast, "scales values towards their mean");

/// `saturate`.
pub static SATURATE: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::Saturate,
    "scales the S channel in HSV space",
);

/// `pixelate`.
pub static PIXELATE: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::Pixelate,
    "downsamples with box filtering, then upsamples",
);

/// `jpeg_compression`.
pub static JPEG_COMPRESSION: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::JpegCompression,
    "JPEG encoding at a low quality",
);

/// `elastic_transform`.
pub static ELASTIC_TRANSFORM: CorruptionBuiltin = CorruptionBuiltin::new(
    CorruptionKind::ElasticTransform,
    "local elastic displacement of pixels",
);

/// `fog`.
pub static FOG: CorruptionBuiltin =
    CorruptionBuiltin::new(CorruptionKind::Fog, "adds plasma-fractal fog");
