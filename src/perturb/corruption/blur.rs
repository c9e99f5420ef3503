//! Blurs: Gaussian (scipy's `gaussian_filter`), defocus (OpenCV's `filter2D` with an antialiased
//! disk), motion (ImageMagick's `MotionBlurImage`) and zoom (the mean of centre zooms, scipy's
//! `zoom` of order 1).

use crate::perturb::image::{bilinear, Boundary, Image};

/// scipy.ndimage's 1-D Gaussian weights (`_gaussian_kernel1d`): radius `int(truncate·σ + 0.5)`,
/// w(k) ∝ exp(−k²/2σ²) for k = −radius..=radius, normalised to sum 1.
pub(super) fn gaussian_weights(sigma: f64, truncate: f64) -> Vec<f64> {
    let radius = (truncate * sigma + 0.5) as isize;
    let weights: Vec<f64> = (-radius..=radius)
        .map(|k| (-0.5 / (sigma * sigma) * (k * k) as f64).exp())
        .collect();
    let sum: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / sum).collect()
}

/// Correlates every row (`along_rows`) or every column of `plane` with the odd-length,
/// centred `weights`, extending the plane by `boundary` (scipy's `correlate1d`). A kernel longer
/// than a periodic extension's period is first folded onto one period, which gives the same sums
/// in fewer steps (ImageNet-C's elastic σ of 170.8 pixels has 1025 weights).
fn correlate_axis(
    plane: &mut [f64],
    height: usize,
    width: usize,
    weights: &[f64],
    boundary: Boundary,
    along_rows: bool,
) {
    let (lines, length) = if along_rows {
        (height, width)
    } else {
        (width, height)
    };
    let radius = (weights.len() / 2) as isize;
    // Offsets from each position and their weights: k − radius, or folded modulo the period.
    let taps: Vec<(isize, f64)> = match boundary.period(length) {
        Some(period) if weights.len() > period => {
            let mut folded = vec![0.0; period];
            for (k, w) in weights.iter().enumerate() {
                folded[(k as isize - radius).rem_euclid(period as isize) as usize] += w;
            }
            folded
                .into_iter()
                .enumerate()
                .map(|(m, w)| (m as isize, w))
                .collect()
        }
        _ => weights
            .iter()
            .enumerate()
            .map(|(k, &w)| (k as isize - radius, w))
            .collect(),
    };
    let source = plane.to_vec();
    let at = |line: usize, i: usize| {
        if along_rows {
            line * width + i
        } else {
            i * width + line
        }
    };
    for line in 0..lines {
        for i in 0..length {
            let mut sum = 0.0;
            for &(offset, w) in &taps {
                let j = boundary.index(i as isize + offset, length);
                sum += w * source[at(line, j)];
            }
            plane[at(line, i)] = sum;
        }
    }
}

/// scipy.ndimage's `gaussian_filter` of a 2-D plane with σ on both axes: columns then rows,
/// each with [`gaussian_weights`]; σ ≤ 1e-15 leaves the plane unchanged, as scipy skips it.
pub(super) fn gaussian_filter(
    plane: &mut [f64],
    height: usize,
    width: usize,
    sigma: f64,
    truncate: f64,
    boundary: Boundary,
) {
    if sigma <= 1e-15 {
        return;
    }
    let weights = gaussian_weights(sigma, truncate);
    correlate_axis(plane, height, width, &weights, boundary, false);
    correlate_axis(plane, height, width, &weights, boundary, true);
}

/// `gaussian_blur`: skimage's `filters.gaussian(x, sigma)` on each channel: scipy's
/// `gaussian_filter` with skimage's defaults, `truncate = 4` and `mode = 'nearest'`.
pub(super) fn gaussian_blur(image: &mut Image, sigma: f64) {
    image.each_plane(|plane, h, w| gaussian_filter(plane, h, w, sigma, 4.0, Boundary::Nearest));
}

/// OpenCV's `getGaussianKernel(size, σ)` for σ > 0: w(i) ∝ exp(−(i − (size−1)/2)²/2σ²).
fn opencv_gaussian_kernel(size: usize, sigma: f64) -> Vec<f64> {
    let centre = (size as f64 - 1.0) / 2.0;
    let weights: Vec<f64> = (0..size)
        .map(|i| (-(i as f64 - centre).powi(2) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / sum).collect()
}

/// The source's `disk(radius, alias_blur)`: the indicator of x² + y² ≤ r² on the grid
/// −8..=8 (radius ≤ 8) or −r..=r, normalised to sum 1, then blurred by OpenCV's `GaussianBlur`
/// with a 3×3 (radius ≤ 8) or 5×5 kernel of σ = `alias_blur` and OpenCV's default border
/// (reflect-101). Returns the kernel and its side.
pub(super) fn disk(radius: f64, alias_blur: f64) -> (Vec<f64>, usize) {
    let (half, blur_size) = if radius <= 8.0 {
        (8, 3)
    } else {
        (radius as isize, 5)
    };
    let side = (2 * half + 1) as usize;
    let mut kernel: Vec<f64> = (-half..=half)
        .flat_map(|y| {
            (-half..=half).map(move |x| {
                if ((x * x + y * y) as f64) <= radius * radius {
                    1.0
                } else {
                    0.0
                }
            })
        })
        .collect();
    let sum: f64 = kernel.iter().sum();
    kernel.iter_mut().for_each(|v| *v /= sum);
    let weights = opencv_gaussian_kernel(blur_size, alias_blur);
    correlate_axis(&mut kernel, side, side, &weights, Boundary::Mirror, true);
    correlate_axis(&mut kernel, side, side, &weights, Boundary::Mirror, false);
    (kernel, side)
}

/// `defocus_blur`: OpenCV's `filter2D(x, -1, disk(radius, alias_blur))` on each channel: the
/// kernel centred on each pixel, the image extended by reflect-101 (OpenCV's default border).
pub(super) fn defocus_blur(image: &mut Image, radius: f64, alias_blur: f64) {
    let (kernel, side) = disk(radius, alias_blur);
    let half = (side / 2) as isize;
    image.each_plane(|plane, h, w| {
        let source = plane.to_vec();
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0.0;
                for ky in 0..side {
                    let row = Boundary::Mirror.index(y as isize + ky as isize - half, h);
                    for kx in 0..side {
                        let column = Boundary::Mirror.index(x as isize + kx as isize - half, w);
                        sum += kernel[ky * side + kx] * source[row * w + column];
                    }
                }
                plane[y * w + x] = sum;
            }
        }
    });
}

/// `motion_blur`: ImageMagick's `MotionBlurImage(radius, σ, angle)` (MagickCore `effect.c`).
/// Its kernel has width `2·ceil(radius) + 1` (`GetOptimalKernelWidth1D` for radius > 0) and
/// weights k(i) ∝ exp(−i²/2σ²) for i = 0..width (`GetMotionBlurKernel`, normalised); pixel (x, y)
/// becomes Σ k(i)·p(x + ⌈i·cos θ − ½⌉, y + ⌈i·sin θ − ½⌉), a one-sided line towards the angle
/// θ (y pointing down), the image extended by its edge values (ImageMagick's default `edge`
/// virtual pixels).
pub(super) fn motion_blur(image: &mut Image, radius: f64, sigma: f64, degrees: f64) {
    let width = (2.0 * radius.ceil() + 1.0) as usize;
    let sigma = if sigma.abs() < 1e-12 { 1e-12 } else { sigma };
    let kernel: Vec<f64> = (0..width)
        .map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = kernel.iter().sum();
    // The offsets exactly as ImageMagick computes them, through the point (w·sin θ, w·cos θ).
    let angle = degrees.to_radians();
    let (px, py) = (width as f64 * angle.sin(), width as f64 * angle.cos());
    let norm = px.hypot(py);
    let offsets: Vec<(isize, isize)> = (0..width)
        .map(|i| {
            let i = i as f64;
            (
                (i * py / norm - 0.5).ceil() as isize,
                (i * px / norm - 0.5).ceil() as isize,
            )
        })
        .collect();
    image.each_plane(|plane, h, w| {
        let source = plane.to_vec();
        for y in 0..h {
            for x in 0..w {
                let mut total = 0.0;
                for (k, &(dx, dy)) in kernel.iter().zip(&offsets) {
                    let row = Boundary::Nearest.index(y as isize + dy, h);
                    let column = Boundary::Nearest.index(x as isize + dx, w);
                    total += k / sum * source[row * w + column];
                }
                plane[y * w + x] = total;
            }
        }
    });
}

/// One axis of the source's `clipped_zoom`: the crop `ceil(n/z)` long starting at
/// `(n − crop)//2`, zoomed by scipy's `zoom(order=1)` to `round(crop·z)` values (output j reads
/// input j·(crop − 1)/(out − 1)), of which `n` are kept from `(out − n)//2`. Returns the input
/// coordinate of each kept output position.
fn zoom_coordinates(n: usize, zoom: f64) -> Vec<f64> {
    let crop = ((n as f64 / zoom).ceil() as usize).clamp(1, n);
    let top = (n - crop) / 2;
    let out = ((crop as f64 * zoom).round_ties_even() as usize).max(n);
    let step = if out > 1 {
        (crop as f64 - 1.0) / (out as f64 - 1.0)
    } else {
        1.0
    };
    let trim = (out - n) / 2;
    (trim..trim + n)
        .map(|j| top as f64 + j as f64 * step)
        .collect()
}

/// `zoom_blur`: the mean of the image and its centre zooms by `1 + i·((1 + step) − 1)` for
/// i = 0..count (the source's `(x + Σ clipped_zoom(x, z)) / (len(c) + 1)`). Each axis is
/// cropped and zoomed on its own (the source crops a square from the height alone).
pub(super) fn zoom_blur(image: &mut Image, step: f64, count: usize) {
    let delta = (1.0 + step) - 1.0;
    let source = image.clone();
    let mut total = source.data.clone();
    for i in 0..count {
        let zoom = 1.0 + i as f64 * delta;
        let rows = zoom_coordinates(source.height, zoom);
        let columns = zoom_coordinates(source.width, zoom);
        for c in 0..source.channels {
            let plane = source.plane(c);
            let offset = c * source.height * source.width;
            for (y, &sy) in rows.iter().enumerate() {
                for (x, &sx) in columns.iter().enumerate() {
                    total[offset + y * source.width + x] += bilinear(
                        plane,
                        source.height,
                        source.width,
                        sy,
                        sx,
                        Boundary::Nearest,
                    );
                }
            }
        }
    }
    let divisor = (count + 1) as f64;
    for (value, sum) in image.data.iter_mut().zip(total) {
        *value = sum / divisor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_weights_follow_scipy() {
        // σ = 0.4, truncate 4: radius int(2.1) = 2.
        let w = gaussian_weights(0.4, 4.0);
        assert_eq!(w.len(), 5);
        let raw: Vec<f64> = (-2..=2i32)
            .map(|k| (-f64::from(k * k) / 0.32).exp())
            .collect();
        let sum: f64 = raw.iter().sum();
        for (a, b) in w.iter().zip(&raw) {
            assert!((a - b / sum).abs() < 1e-15);
        }
    }

    #[test]
    fn folded_kernels_give_the_same_sums() {
        // σ = 3 on a 4-pixel line: 25 weights over a reflect period of 8.
        let plane: Vec<f64> = (0..12).map(|v| f64::from(v).sin()).collect();
        let weights = gaussian_weights(3.0, 4.0);
        let mut folded = plane.clone();
        correlate_axis(&mut folded, 3, 4, &weights, Boundary::Reflect, true);
        for line in 0..3 {
            for i in 0..4 {
                let direct: f64 = weights
                    .iter()
                    .enumerate()
                    .map(|(k, w)| {
                        let j = Boundary::Reflect.index(i as isize + k as isize - 12, 4);
                        w * plane[line * 4 + j]
                    })
                    .sum();
                assert!((folded[line * 4 + i] - direct).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn small_disks_are_a_blurred_point() {
        // radius 0.3: only the centre is inside, so the kernel is the 3×3 Gaussian of σ 0.4.
        let (kernel, side) = disk(0.3, 0.4);
        assert_eq!(side, 17);
        let g = opencv_gaussian_kernel(3, 0.4);
        assert!((kernel[8 * 17 + 8] - g[1] * g[1]).abs() < 1e-15);
        assert!((kernel[7 * 17 + 9] - g[0] * g[2]).abs() < 1e-15);
        assert!((kernel.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(kernel[6 * 17 + 8], 0.0);
    }

    #[test]
    fn zooms_of_one_percent_leave_32_pixels_alone() {
        // ceil(32/1.01) = 32 and round(32·1.01) = 32: the identity, as in the source.
        let coordinates = zoom_coordinates(32, 1.01);
        assert!(coordinates.iter().enumerate().all(|(i, &c)| c == i as f64));
        // ceil(32/1.06) = 31, round(31·1.06) = 33: input j·30/32.
        let coordinates = zoom_coordinates(32, 1.06);
        assert_eq!(coordinates[32 - 1], 31.0 * 30.0 / 32.0);
    }

    #[test]
    fn motion_blur_at_zero_degrees_looks_right() {
        // A delta at column 2 of one row: pixel x reads x, x + 1, …; so x ≤ 2 sees it.
        let mut image = Image::filled(1, 1, 8, 0.0);
        image.data[2] = 1.0;
        motion_blur(&mut image, 2.0, 1.0, 0.0);
        let k: Vec<f64> = (0..5).map(|i| (-f64::from(i * i) / 2.0).exp()).collect();
        let sum: f64 = k.iter().sum();
        assert!((image.data[2] - k[0] / sum).abs() < 1e-15);
        assert!((image.data[0] - k[2] / sum).abs() < 1e-15);
        assert_eq!(image.data[3], 0.0);
    }
}
