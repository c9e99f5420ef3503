//! `elastic_transform`: the source's random affine warp (OpenCV's `getAffineTransform` and
//! `warpAffine`) followed by a smoothed random displacement field (scipy's `map_coordinates`).

use super::blur::gaussian_filter;
use super::kinds::uniform;
use crate::perturb::image::{bilinear, Boundary, Image};
use crate::perturb::sampling::Sampler;
use crate::perturb::PerturbError;

/// A 2×3 affine map: (x, y) ↦ (a·x + b·y + c, d·x + e·y + f).
type Affine = [[f64; 3]; 2];

/// The affine map taking the three points `from` to `to` (OpenCV's `getAffineTransform`), by
/// Cramer's rule; `None` when the points are collinear.
fn affine_through(from: [[f64; 2]; 3], to: [[f64; 2]; 3]) -> Option<Affine> {
    let det3 = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let rows = from.map(|[x, y]| [x, y, 1.0]);
    let det = det3(rows);
    if det.abs() < 1e-12 {
        return None;
    }
    let solve = |rhs: [f64; 3]| {
        [0, 1, 2].map(|column| {
            let mut m = rows;
            for (row, value) in m.iter_mut().zip(rhs) {
                row[column] = value;
            }
            det3(m) / det
        })
    };
    Some([solve(to.map(|p| p[0])), solve(to.map(|p| p[1]))])
}

/// The inverse of an invertible affine map.
fn invert(m: Affine) -> Option<Affine> {
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    if det.abs() < 1e-12 {
        return None;
    }
    let (a, b, d, e) = (m[1][1] / det, -m[0][1] / det, -m[1][0] / det, m[0][0] / det);
    Some([
        [a, b, -(a * m[0][2] + b * m[1][2])],
        [d, e, -(d * m[0][2] + e * m[1][2])],
    ])
}

/// `elastic_transform` with displacement scale `alpha`, field smoothing `sigma` and affine
/// jitter `jitter` (pixels). Draws: the 6 jitters of the affine's points, then H·W uniforms for
/// dx and H·W for dy, row-major.
pub(super) fn elastic_transform(
    image: &mut Image,
    (alpha, sigma, jitter): (f64, f64, f64),
    draws: &mut Sampler,
) -> Result<(), PerturbError> {
    let (h, w) = (image.height, image.width);
    // The source's points: centre (H//2, W//2) ± min(H, W)//3, read by OpenCV as (x, y).
    let centre = [(h / 2) as f64, (w / 2) as f64];
    let half = (h.min(w) / 3) as f64;
    let from = [
        [centre[0] + half, centre[1] + half],
        [centre[0] + half, centre[1] - half],
        [centre[0] - half, centre[1] - half],
    ];
    let mut to = from;
    for point in &mut to {
        for value in point.iter_mut() {
            *value += uniform(draws, -jitter, jitter);
        }
    }
    let inverse =
        affine_through(from, to)
            .and_then(invert)
            .ok_or_else(|| PerturbError::Parameter {
                perturbation: "elastic_transform",
                problem: format!("needs images of at least 3×3 pixels, not {h}×{w}"),
            })?;
    // warpAffine: dst(x, y) = src(M⁻¹(x, y)), bilinear, reflect-101 border.
    let source = image.clone();
    for c in 0..image.channels {
        let plane = source.plane(c);
        let out = image.plane_mut(c);
        for y in 0..h {
            for x in 0..w {
                let (xf, yf) = (x as f64, y as f64);
                let sx = inverse[0][0] * xf + inverse[0][1] * yf + inverse[0][2];
                let sy = inverse[1][0] * xf + inverse[1][1] * yf + inverse[1][2];
                out[y * w + x] = bilinear(plane, h, w, sy, sx, Boundary::Mirror);
            }
        }
    }
    // The displacement fields: uniform on [−1, 1), skimage's gaussian (mode reflect,
    // truncate 3), times α.
    let mut field = || {
        let mut values: Vec<f64> = (0..h * w).map(|_| uniform(draws, -1.0, 1.0)).collect();
        gaussian_filter(&mut values, h, w, sigma, 3.0, Boundary::Reflect);
        values.iter_mut().for_each(|v| *v *= alpha);
        values
    };
    let dx = field();
    let dy = field();
    // map_coordinates(order=1, mode='reflect') at (y + dy, x + dx).
    let warped = image.clone();
    for c in 0..image.channels {
        let plane = warped.plane(c);
        let out = image.plane_mut(c);
        for y in 0..h {
            for x in 0..w {
                let k = y * w + x;
                let (sy, sx) = (y as f64 + dy[k], x as f64 + dx[k]);
                out[k] = bilinear(plane, h, w, sy, sx, Boundary::Reflect);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_maps_the_points_and_inverts() {
        let from = [[6.0, 6.0], [6.0, 2.0], [2.0, 2.0]];
        let to = [[6.5, 5.0], [7.0, 2.5], [1.0, 2.0]];
        let m = affine_through(from, to).expect("not collinear");
        for (p, q) in from.iter().zip(&to) {
            let x = m[0][0] * p[0] + m[0][1] * p[1] + m[0][2];
            let y = m[1][0] * p[0] + m[1][1] * p[1] + m[1][2];
            assert!((x - q[0]).abs() < 1e-12 && (y - q[1]).abs() < 1e-12);
        }
        let back = invert(m).expect("invertible");
        let x = back[0][0] * 6.5 + back[0][1] * 5.0 + back[0][2];
        assert!((x - 6.0).abs() < 1e-12);
        assert!(affine_through([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], to).is_none());
    }
}
