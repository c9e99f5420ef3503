//! Samples seen as images: `[C, H, W]` (C = 1 or 3) or `[H, W]` (grey), planar, in f64, and the
//! boundary rules that filters and resamplers extend them with.

use crate::data::Batch;
use crate::perturb::apply::samples_mut;
use crate::perturb::sampling::Sampler;
use crate::perturb::{sample_rng, Context, PerturbError};

/// One sample as an image: `channels` planes of `height × width` values, row-major.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Image {
    pub(crate) channels: usize,
    pub(crate) height: usize,
    pub(crate) width: usize,
    pub(crate) data: Vec<f64>,
}

impl Image {
    /// An image of the given size with every value `value`.
    pub(crate) fn filled(channels: usize, height: usize, width: usize, value: f64) -> Image {
        Image {
            channels,
            height,
            width,
            data: vec![value; channels * height * width],
        }
    }

    /// The values of channel `c`.
    pub(crate) fn plane(&self, c: usize) -> &[f64] {
        let size = self.height * self.width;
        &self.data[c * size..(c + 1) * size]
    }

    /// The values of channel `c`, mutable.
    pub(crate) fn plane_mut(&mut self, c: usize) -> &mut [f64] {
        let size = self.height * self.width;
        &mut self.data[c * size..(c + 1) * size]
    }

    /// Applies `f` to every channel plane in turn (with the plane's height and width).
    pub(crate) fn each_plane(&mut self, mut f: impl FnMut(&mut [f64], usize, usize)) {
        let (height, width) = (self.height, self.width);
        for c in 0..self.channels {
            f(self.plane_mut(c), height, width);
        }
    }
}

/// The `(channels, height, width)` of samples of `sample_shape`, or an error naming
/// `perturbation` when the samples are not images.
pub(crate) fn image_shape(
    perturbation: &'static str,
    sample_shape: &[usize],
) -> Result<(usize, usize, usize), PerturbError> {
    match *sample_shape {
        [c @ (1 | 3), h, w] if h > 0 && w > 0 => Ok((c, h, w)),
        [h, w] if h > 0 && w > 0 => Ok((1, h, w)),
        _ => Err(PerturbError::Parameter {
            perturbation,
            problem: format!(
                "acts on images of shape [C, H, W] with C = 1 or 3, or [H, W]; the samples have \
                 shape {sample_shape:?}"
            ),
        }),
    }
}

/// How values are read and written around `f` in [`each_image`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Values scaled to [0, 1] of the range: u = (x − lo)/(hi − lo), and back.
    Unit,
    /// Values in the data's own units.
    Data,
}

/// Replaces every sample of `batch` by `f` of its image, clipped to the range. `f` draws from the
/// sample's own stream.
pub(crate) fn each_image(
    perturbation: &'static str,
    batch: &mut Batch,
    ctx: &Context<'_>,
    scale: Scale,
    f: impl Fn(&mut Image, &mut Sampler) -> Result<(), PerturbError>,
) -> Result<(), PerturbError> {
    let (lo, hi) = ctx.checked_range()?;
    let (lo, hi) = (f64::from(lo), f64::from(hi));
    let width = hi - lo;
    let (channels, height, columns) = image_shape(perturbation, &batch.sample_shape)?;
    for (index, values) in samples_mut(batch)? {
        let mut image = Image {
            channels,
            height,
            width: columns,
            data: values
                .iter()
                .map(|&x| match scale {
                    Scale::Unit => (f64::from(x) - lo) / width,
                    Scale::Data => f64::from(x),
                })
                .collect(),
        };
        let mut draws = Sampler::new(sample_rng(&ctx.seed, index));
        f(&mut image, &mut draws)?;
        for (value, &v) in values.iter_mut().zip(&image.data) {
            let x = match scale {
                Scale::Unit => lo + width * v,
                Scale::Data => v,
            };
            *value = x.clamp(lo, hi) as f32;
        }
    }
    Ok(())
}

/// How an image is extended beyond its edges, named as scipy.ndimage names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boundary {
    /// The edge value repeats (`a a | a b c d | d d`): scipy `nearest`, OpenCV
    /// `BORDER_REPLICATE`, ImageMagick's `edge` virtual pixels.
    Nearest,
    /// Half-sample symmetric (`b a | a b c d | d c`): scipy `reflect`, OpenCV `BORDER_REFLECT`.
    Reflect,
    /// Whole-sample symmetric (`c b | a b c d | c b`): scipy `mirror`, OpenCV
    /// `BORDER_REFLECT_101` (OpenCV's default).
    Mirror,
}

impl Boundary {
    /// The period of the extension of a line of `n` values, when it is periodic.
    pub(crate) fn period(self, n: usize) -> Option<usize> {
        match self {
            Boundary::Nearest => None,
            Boundary::Reflect => Some(2 * n),
            Boundary::Mirror => Some((2 * n).saturating_sub(2).max(1)),
        }
    }

    /// The index inside `0..n` (n > 0) that index `i` stands for.
    pub(crate) fn index(self, i: isize, n: usize) -> usize {
        let n = n as isize;
        let inside = match self {
            Boundary::Nearest => i.clamp(0, n - 1),
            Boundary::Reflect => {
                let m = i.rem_euclid(2 * n);
                if m < n {
                    m
                } else {
                    2 * n - 1 - m
                }
            }
            Boundary::Mirror if n == 1 => 0,
            Boundary::Mirror => {
                let m = i.rem_euclid(2 * n - 2);
                if m < n {
                    m
                } else {
                    2 * n - 2 - m
                }
            }
        };
        inside as usize
    }
}

/// Bilinear interpolation of `plane` (`height × width`) at row `y`, column `x` (pixel centres at
/// integers), the four neighbours taken through `boundary`.
pub(crate) fn bilinear(
    plane: &[f64],
    height: usize,
    width: usize,
    y: f64,
    x: f64,
    boundary: Boundary,
) -> f64 {
    let (y0, x0) = (y.floor(), x.floor());
    let (fy, fx) = (y - y0, x - x0);
    let (y0, x0) = (y0 as isize, x0 as isize);
    let at =
        |r: isize, c: isize| plane[boundary.index(r, height) * width + boundary.index(c, width)];
    let top = at(y0, x0) * (1.0 - fx) + at(y0, x0 + 1) * fx;
    let bottom = at(y0 + 1, x0) * (1.0 - fx) + at(y0 + 1, x0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_extend_as_scipy_names_them() {
        let ext = |b: Boundary| (-3..7).map(|i| b.index(i, 4)).collect::<Vec<_>>();
        assert_eq!(ext(Boundary::Nearest), [0, 0, 0, 0, 1, 2, 3, 3, 3, 3]);
        assert_eq!(ext(Boundary::Reflect), [2, 1, 0, 0, 1, 2, 3, 3, 2, 1]);
        assert_eq!(ext(Boundary::Mirror), [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
        assert_eq!(Boundary::Mirror.index(-5, 1), 0);
        assert_eq!(Boundary::Reflect.index(9, 1), 0);
        for b in [Boundary::Reflect, Boundary::Mirror] {
            for n in 1..5 {
                let p = b.period(n).expect("periodic") as isize;
                assert!((-9..9).all(|i| b.index(i, n) == b.index(i + p, n)));
            }
        }
    }

    #[test]
    fn only_images_have_an_image_shape() {
        assert_eq!(image_shape("p", &[3, 4, 5]).ok(), Some((3, 4, 5)));
        assert_eq!(image_shape("p", &[4, 5]).ok(), Some((1, 4, 5)));
        assert!(image_shape("p", &[30]).is_err());
        assert!(image_shape("p", &[2, 4, 4]).is_err());
        assert!(image_shape("p", &[0, 4]).is_err());
    }

    #[test]
    fn bilinear_interpolates_between_centres() {
        let plane = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(bilinear(&plane, 2, 2, 0.0, 0.5, Boundary::Nearest), 0.5);
        assert_eq!(bilinear(&plane, 2, 2, 0.5, 0.5, Boundary::Nearest), 1.5);
        assert_eq!(bilinear(&plane, 2, 2, 1.0, 1.0, Boundary::Nearest), 3.0);
    }
}
