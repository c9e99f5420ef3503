//! Common corruptions with severities 1–5, parameter tables as in CIFAR-10-C and ImageNet-C.

mod blur;
mod color;
mod digital;
mod elastic;
mod fog;
mod kinds;
mod tables;

pub use kinds::{Corruption, CorruptionKind};

use super::{CIFAR_C, SEVERITY, TABLE};
use crate::schema::{Family, Kind, Param, Schema};

const PARAMS: &[Param] = &[SEVERITY, TABLE];

const fn corruption(name: &'static str, summary: &'static str) -> Schema {
    Schema {
        exclusive: &[&["severity"]],
        ..Schema::new(
            name,
            Kind::Perturbation(Family::Corruption),
            summary,
            PARAMS,
        )
        .cites(CIFAR_C)
    }
}

/// Every corruption.
pub static SCHEMAS: &[Schema] = &[
    corruption("gaussian_blur", "Gaussian blur"),
    corruption(
        "defocus_blur",
        "blur with a disk kernel, as an out-of-focus lens",
    ),
    corruption("motion_blur", "blur along a line at a random angle"),
    corruption("zoom_blur", "the mean of zoomed-in copies of the image"),
    corruption("brightness", "raises the V channel in HSV space"),
    corruption("contrast", "scales values towards their mean"),
    corruption("saturate", "scales the S channel in HSV space"),
    corruption("pixelate", "downsamples with box filtering, then upsamples"),
    corruption("jpeg_compression", "JPEG encoding at a low quality"),
    corruption("elastic_transform", "local elastic displacement of pixels"),
    corruption("fog", "adds plasma-fractal fog"),
];
