//! The runtime of the corruptions: a kind, a severity and the table it indexes; each sample is
//! scaled to [0, 1] of the range, corrupted as the source does, and scaled back and clipped.

use super::tables::{
    BRIGHTNESS, CONTRAST, DEFOCUS_BLUR, ELASTIC, FOG, FOG_MAP_SIZE, GAUSSIAN_BLUR, JPEG_QUALITY,
    MOTION_BLUR, PIXELATE, SATURATE, ZOOM_BLUR,
};
use super::{blur, color, digital, elastic, fog};
use crate::data::Batch;
use crate::perturb::image::{each_image, Scale};
use crate::perturb::sampling::Sampler;
use crate::perturb::{Context, PerturbError, Perturbation, Table};

/// Which corruption of CIFAR-10-C / ImageNet-C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorruptionKind {
    /// `gaussian_blur`.
    GaussianBlur,
    /// `defocus_blur`.
    DefocusBlur,
    /// `motion_blur`.
    MotionBlur,
    /// `zoom_blur`.
    ZoomBlur,
    /// `brightness`.
    Brightness,
    /// `contrast`.
    Contrast,
    /// `saturate`.
    Saturate,
    /// `pixelate`.
    Pixelate,
    /// `jpeg_compression`.
    JpegCompression,
    /// `elastic_transform`.
    ElasticTransform,
    /// `fog`.
    Fog,
}

impl CorruptionKind {
    /// Every corruption, in the order of the schemas.
    pub const ALL: [CorruptionKind; 11] = [
        CorruptionKind::GaussianBlur,
        CorruptionKind::DefocusBlur,
        CorruptionKind::MotionBlur,
        CorruptionKind::ZoomBlur,
        CorruptionKind::Brightness,
        CorruptionKind::Contrast,
        CorruptionKind::Saturate,
        CorruptionKind::Pixelate,
        CorruptionKind::JpegCompression,
        CorruptionKind::ElasticTransform,
        CorruptionKind::Fog,
    ];

    /// The built-in's name, as a spec writes it.
    pub const fn name(self) -> &'static str {
        match self {
            CorruptionKind::GaussianBlur => "gaussian_blur",
            CorruptionKind::DefocusBlur => "defocus_blur",
            CorruptionKind::MotionBlur => "motion_blur",
            CorruptionKind::ZoomBlur => "zoom_blur",
            CorruptionKind::Brightness => "brightness",
            CorruptionKind::Contrast => "contrast",
            CorruptionKind::Saturate => "saturate",
            CorruptionKind::Pixelate => "pixelate",
            CorruptionKind::JpegCompression => "jpeg_compression",
            CorruptionKind::ElasticTransform => "elastic_transform",
            CorruptionKind::Fog => "fog",
        }
    }

    /// The corruption a built-in's name stands for.
    pub fn from_name(name: &str) -> Option<CorruptionKind> {
        CorruptionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the corruption draws random values (from the sample's own stream).
    pub fn is_random(self) -> bool {
        matches!(
            self,
            CorruptionKind::MotionBlur | CorruptionKind::ElasticTransform | CorruptionKind::Fog
        )
    }
}

/// A corruption at a severity 1–5 of a published table.
#[derive(Debug, Clone, PartialEq)]
pub struct Corruption {
    kind: CorruptionKind,
    severity: u8,
    table: Table,
}

impl Corruption {
    /// The corruption `kind` at `severity` (1 to 5) of `table`.
    pub fn new(kind: CorruptionKind, severity: u8, table: Table) -> Result<Self, PerturbError> {
        if !(1..=5).contains(&severity) {
            return Err(PerturbError::Parameter {
                perturbation: kind.name(),
                problem: format!("the severity must be between 1 and 5, not {severity}"),
            });
        }
        Ok(Corruption {
            kind,
            severity,
            table,
        })
    }
}

impl Perturbation for Corruption {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let shape = batch.sample_shape.clone();
        let (s, table) = (self.severity, self.table);
        let kind = self.kind;
        each_image(kind.name(), batch, ctx, Scale::Unit, |image, draws| {
            match kind {
                CorruptionKind::GaussianBlur => {
                    blur::gaussian_blur(image, *GAUSSIAN_BLUR.at(s, table, &shape));
                }
                CorruptionKind::DefocusBlur => {
                    let (radius, alias) = *DEFOCUS_BLUR.at(s, table, &shape);
                    blur::defocus_blur(image, radius, alias);
                }
                CorruptionKind::MotionBlur => {
                    let (radius, sigma) = *MOTION_BLUR.at(s, table, &shape);
                    let angle = uniform(draws, -45.0, 45.0);
                    blur::motion_blur(image, radius, sigma, angle);
                }
                CorruptionKind::ZoomBlur => {
                    let (step, count) = *ZOOM_BLUR.at(s, table, &shape);
                    blur::zoom_blur(image, step, count);
                }
                CorruptionKind::Brightness => {
                    color::brightness(image, *BRIGHTNESS.at(s, table, &shape));
                }
                CorruptionKind::Contrast => color::contrast(image, *CONTRAST.at(s, table, &shape)),
                CorruptionKind::Saturate => {
                    let (factor, offset) = *SATURATE.at(s, table, &shape);
                    color::saturate(image, factor, offset);
                }
                CorruptionKind::Pixelate => {
                    digital::pixelate(image, *PIXELATE.at(s, table, &shape))
                }
                CorruptionKind::JpegCompression => {
                    digital::jpeg_compression(image, *JPEG_QUALITY.at(s, table, &shape))?;
                }
                CorruptionKind::ElasticTransform => {
                    elastic::elastic_transform(image, *ELASTIC.at(s, table, &shape), draws)?;
                }
                CorruptionKind::Fog => fog::fog(
                    image,
                    *FOG.at(s, table, &shape),
                    *FOG_MAP_SIZE.at(s, table, &shape),
                    draws,
                ),
            }
            Ok(())
        })
    }
}

/// A uniform draw from [lo, hi), as numpy's `uniform(lo, hi)`: lo + (hi − lo)·u.
pub(super) fn uniform(draws: &mut Sampler, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * draws.uniform()
}
