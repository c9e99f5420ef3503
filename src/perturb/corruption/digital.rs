//! Digital corruptions: `pixelate` (Pillow's box resampling down, then up) and
//! `jpeg_compression` (an encode–decode round trip).

use std::io::Cursor;

use image::ImageFormat;
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};

use crate::perturb::image::Image;
use crate::perturb::PerturbError;

/// Pillow's resampling weights (`precompute_coeffs` in `libImaging/Resample.c`) for the box
/// filter (support ½, weight 1 on (−½, ½]) from `input` to `output` samples: output i is centred
/// on (i + ½)·scale with scale = input/output; the support grows by the scale when shrinking.
/// Returns, per output sample, its first input index and normalised weights.
fn box_coefficients(input: usize, output: usize) -> Vec<(usize, Vec<f64>)> {
    let scale = input as f64 / output as f64;
    let filter_scale = scale.max(1.0);
    let support = 0.5 * filter_scale;
    (0..output)
        .map(|i| {
            let centre = (i as f64 + 0.5) * scale;
            let first = ((centre - support + 0.5) as i64).max(0) as usize;
            let last = ((centre + support + 0.5) as i64).min(input as i64) as usize;
            let weights: Vec<f64> = (first..last)
                .map(|x| {
                    let t = (x as f64 - centre + 0.5) / filter_scale;
                    if t > -0.5 && t <= 0.5 {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            let sum: f64 = weights.iter().sum();
            let weights = if sum == 0.0 {
                weights
            } else {
                weights.into_iter().map(|w| w / sum).collect()
            };
            (first, weights)
        })
        .collect()
}

/// Pillow's `resize((width, height), Image.BOX)` of one plane: the horizontal pass, then the
/// vertical one.
fn resize_box(plane: &[f64], height: usize, width: usize, to: (usize, usize)) -> Vec<f64> {
    let (to_height, to_width) = to;
    let horizontal = box_coefficients(width, to_width);
    let mut wide = vec![0.0; height * to_width];
    for y in 0..height {
        for (x, (first, weights)) in horizontal.iter().enumerate() {
            wide[y * to_width + x] = weights
                .iter()
                .enumerate()
                .map(|(k, w)| w * plane[y * width + first + k])
                .sum();
        }
    }
    let vertical = box_coefficients(height, to_height);
    let mut out = vec![0.0; to_height * to_width];
    for (y, (first, weights)) in vertical.iter().enumerate() {
        for x in 0..to_width {
            out[y * to_width + x] = weights
                .iter()
                .enumerate()
                .map(|(k, w)| w * wide[(first + k) * to_width + x])
                .sum();
        }
    }
    out
}

/// `pixelate`: each channel resized with Pillow's box filter to `int(H·c) × int(W·c)` (at least
/// 1×1), then back to H × W.
pub(super) fn pixelate(image: &mut Image, c: f64) {
    let small = (
        ((image.height as f64 * c) as usize).max(1),
        ((image.width as f64 * c) as usize).max(1),
    );
    image.each_plane(|plane, h, w| {
        let reduced = resize_box(plane, h, w, small);
        let restored = resize_box(&reduced, small.0, small.1, (h, w));
        plane.copy_from_slice(&restored);
    });
}

/// `jpeg_compression`: the image, rounded to 8 bits, encoded as a baseline JPEG at `quality`
/// the way Pillow's `save(..., 'JPEG', quality=q)` has libjpeg do it — IJG quality scaling of the
/// standard tables, the libjpeg integer DCT, and for RGB 4:2:0 chroma subsampling by 2×2 averages
/// (`jpeg-encoder`, whose DCT is libjpeg-turbo's) — and decoded again (`image`'s decoder).
pub(super) fn jpeg_compression(image: &mut Image, quality: u8) -> Result<(), PerturbError> {
    let size = image.height * image.width;
    let problem = |problem: String| PerturbError::Parameter {
        perturbation: "jpeg_compression",
        problem,
    };
    let side = |n: usize| {
        u16::try_from(n).map_err(|_| problem(format!("JPEG sides end at 65535 pixels, not {n}")))
    };
    let (width, height) = (side(image.width)?, side(image.height)?);
    let bytes: Vec<u8> = (0..size)
        .flat_map(|i| (0..image.channels).map(move |c| c * size + i))
        .map(|k| (image.data[k].clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let color = if image.channels == 3 {
        ColorType::Rgb
    } else {
        ColorType::Luma
    };
    let mut encoded = Vec::new();
    let mut encoder = Encoder::new(&mut encoded, quality);
    encoder.set_sampling_factor(SamplingFactor::F_2_2);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder
        .encode(&bytes, width, height, color)
        .map_err(|e| problem(format!("cannot encode the image: {e}")))?;
    let decoded = image::load(Cursor::new(encoded), ImageFormat::Jpeg)
        .map_err(|e| problem(format!("cannot decode the image: {e}")))?;
    let pixels = if image.channels == 3 {
        decoded.to_rgb8().into_raw()
    } else {
        decoded.to_luma8().into_raw()
    };
    for (i, pixel) in pixels.chunks(image.channels).enumerate().take(size) {
        for (c, &value) in pixel.iter().enumerate() {
            image.data[c * size + i] = f64::from(value) / 255.0;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_weights_average_whole_pixels_when_halving() {
        let coefficients = box_coefficients(4, 2);
        assert_eq!(coefficients[0], (0, vec![0.5, 0.5]));
        assert_eq!(coefficients[1], (2, vec![0.5, 0.5]));
        // Upsampling 2 → 4 copies the nearest pixel.
        let up = box_coefficients(2, 4);
        assert_eq!(up.iter().map(|(f, _)| *f).collect::<Vec<_>>(), [0, 0, 1, 1]);
    }

    #[test]
    fn pixelate_blocks_a_ramp() {
        let mut image = Image {
            channels: 1,
            height: 1,
            width: 4,
            data: vec![0.0, 0.2, 0.4, 0.6],
        };
        pixelate(&mut image, 0.5);
        let expected = [0.1, 0.1, 0.5, 0.5];
        for (a, b) in image.data.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{:?}", image.data);
        }
    }
}
