//! The runtime of the geometric transforms: each output pixel reads the input at a transformed
//! position, bilinearly, the image extended beyond its edges by the fill value.
//!
//! Conventions: pixel centres sit at integer coordinates (column x, row y, row 0 at the top);
//! rotations and scalings are about the image centre ((W − 1)/2, (H − 1)/2); a positive angle
//! turns the image counter-clockwise as displayed. Values stay in the data's own units.

use crate::data::Batch;
use crate::perturb::image::{each_image, Image, Scale};
use crate::perturb::{Context, PerturbError, Perturbation};

/// Which transform, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    /// Rotation by `degrees`, counter-clockwise as displayed.
    Rotate { degrees: f64 },
    /// Shift by `dx` pixels to the right and `dy` downwards.
    Translate { dx: i64, dy: i64 },
    /// Scaling by `factor` (above 1 enlarges).
    Scale { factor: f64 },
}

/// A geometric transform and the value of the pixels it leaves uncovered.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometric {
    transform: Transform,
    fill: f64,
}

impl Geometric {
    /// `transform`, uncovered pixels set to `fill` (in the data's units, clipped to the range).
    pub fn new(transform: Transform, fill: f64) -> Result<Self, PerturbError> {
        let (name, problem) = match transform {
            Transform::Rotate { degrees } if !degrees.is_finite() => {
                ("rotate", format!("the angle must be finite, not {degrees}"))
            }
            Transform::Scale { factor } if !(factor.is_finite() && factor > 0.0) => (
                "scale",
                format!("the factor must be a finite value > 0, not {factor}"),
            ),
            _ if !fill.is_finite() => (
                transform.name(),
                format!("the fill value must be finite, not {fill}"),
            ),
            _ => return Ok(Geometric { transform, fill }),
        };
        Err(PerturbError::Parameter {
            perturbation: name,
            problem,
        })
    }
}

impl Transform {
    /// The built-in's name.
    pub fn name(self) -> &'static str {
        match self {
            Transform::Rotate { .. } => "rotate",
            Transform::Translate { .. } => "translate",
            Transform::Scale { .. } => "scale",
        }
    }

    /// The input position (row, column) output pixel (`y`, `x`) reads, with (`cy`, `cx`) the
    /// image centre and (`sin`, `cos`) of the rotation angle.
    fn source(self, y: f64, x: f64, (cy, cx): (f64, f64), (sin, cos): (f64, f64)) -> (f64, f64) {
        let (dy, dx) = (y - cy, x - cx);
        match self {
            Transform::Rotate { .. } => (cy + sin * dx + cos * dy, cx + cos * dx - sin * dy),
            Transform::Translate { dx: tx, dy: ty } => (y - ty as f64, x - tx as f64),
            Transform::Scale { factor } => (cy + dy / factor, cx + dx / factor),
        }
    }
}

/// sin and cos of `degrees`, exact at multiples of 90° (so quarter turns move pixels exactly).
fn sin_cos_degrees(degrees: f64) -> (f64, f64) {
    let turn = degrees.rem_euclid(360.0);
    [
        (0.0, (0.0, 1.0)),
        (90.0, (1.0, 0.0)),
        (180.0, (0.0, -1.0)),
        (270.0, (-1.0, 0.0)),
    ]
    .into_iter()
    .find(|&(quarter, _)| turn == quarter)
    .map_or_else(|| turn.to_radians().sin_cos(), |(_, exact)| exact)
}

/// Bilinear interpolation of `plane` at (`y`, `x`), neighbours outside the image worth `fill`.
fn sample(plane: &[f64], (h, w): (usize, usize), (y, x): (f64, f64), fill: f64) -> f64 {
    let (y0, x0) = (y.floor(), x.floor());
    let (fy, fx) = (y - y0, x - x0);
    let at = |r: f64, c: f64| {
        if r >= 0.0 && c >= 0.0 && (r as usize) < h && (c as usize) < w {
            plane[r as usize * w + c as usize]
        } else {
            fill
        }
    };
    // A neighbour of weight zero is not read, so an integer position reads one pixel exactly.
    let lerp = |a: f64, b: f64, t: f64| if t == 0.0 { a } else { a * (1.0 - t) + b * t };
    let row = |r: f64| {
        let right = if fx == 0.0 { 0.0 } else { at(r, x0 + 1.0) };
        lerp(at(r, x0), right, fx)
    };
    let bottom = if fy == 0.0 { 0.0 } else { row(y0 + 1.0) };
    lerp(row(y0), bottom, fy)
}

impl Perturbation for Geometric {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let transform = self.transform;
        let fill = self.fill;
        let angle = match transform {
            Transform::Rotate { degrees } => sin_cos_degrees(degrees),
            _ => (0.0, 1.0),
        };
        each_image(transform.name(), batch, ctx, Scale::Data, |image, _| {
            let (h, w) = (image.height, image.width);
            let centre = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
            let mut out = Image::filled(image.channels, h, w, fill);
            for c in 0..image.channels {
                let plane = image.plane(c);
                let target = out.plane_mut(c);
                for y in 0..h {
                    for x in 0..w {
                        let at = transform.source(y as f64, x as f64, centre, angle);
                        target[y * w + x] = sample(plane, (h, w), at, fill);
                    }
                }
            }
            *image = out;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_turns_are_exact() {
        assert_eq!(sin_cos_degrees(90.0), (1.0, 0.0));
        assert_eq!(sin_cos_degrees(-90.0), (-1.0, 0.0));
        assert_eq!(sin_cos_degrees(360.0), (0.0, 1.0));
        let (s, c) = sin_cos_degrees(30.0);
        assert!((s - 0.5).abs() < 1e-15 && (c - 3f64.sqrt() / 2.0).abs() < 1e-15);
    }

    #[test]
    fn samples_blend_with_the_fill_beyond_the_edges() {
        let plane = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(sample(&plane, (2, 2), (0.0, 1.0), 9.0), 2.0);
        assert_eq!(sample(&plane, (2, 2), (0.0, 0.5), 9.0), 1.5);
        assert_eq!(sample(&plane, (2, 2), (0.0, 1.5), 9.0), 5.5);
        assert_eq!(sample(&plane, (2, 2), (-1.0, 0.0), 9.0), 9.0);
    }
}
