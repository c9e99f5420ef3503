//! Colour corruptions: `brightness` and `saturate` in HSV space (scikit-image's `rgb2hsv` and
//! `hsv2rgb`), and `contrast`.

use crate::perturb::image::Image;

/// scikit-image's `color.rgb2hsv` of one pixel (`skimage/color/colorconv.py`): v = max,
/// s = (max − min)/v (0 where max = min), h from whichever channel is the maximum — blue over
/// green over red on ties, as its successive assignments leave it — divided by 6 modulo 1.
pub(super) fn rgb_to_hsv([r, g, b]: [f64; 3]) -> [f64; 3] {
    let v = r.max(g).max(b);
    let delta = v - r.min(g).min(b);
    if delta == 0.0 {
        return [0.0, 0.0, v];
    }
    let s = delta / v;
    let h = if b == v {
        4.0 + (r - g) / delta
    } else if g == v {
        2.0 + (b - r) / delta
    } else {
        (g - b) / delta
    };
    [(h / 6.0).rem_euclid(1.0), s, v]
}

/// scikit-image's `color.hsv2rgb` of one pixel: sector i = ⌊6h⌋ mod 6, f = 6h − ⌊6h⌋,
/// p = v(1 − s), q = v(1 − fs), t = v(1 − (1 − f)s).
pub(super) fn hsv_to_rgb([h, s, v]: [f64; 3]) -> [f64; 3] {
    let sector = (h * 6.0).floor();
    let f = h * 6.0 - sector;
    let p = v * (1.0 - s);
    let q = v * (1.0 - f * s);
    let t = v * (1.0 - (1.0 - f) * s);
    match (sector as i64).rem_euclid(6) {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// Applies `f` to the HSV value of every pixel of a 3-channel image.
fn each_hsv(image: &mut Image, f: impl Fn([f64; 3]) -> [f64; 3]) {
    let size = image.height * image.width;
    for i in 0..size {
        let rgb = [0, 1, 2].map(|c| image.data[c * size + i]);
        let out = hsv_to_rgb(f(rgb_to_hsv(rgb)));
        for (c, value) in out.into_iter().enumerate() {
            image.data[c * size + i] = value;
        }
    }
}

/// `brightness`: v ← clip(v + c, 0, 1) in HSV. A grey image is its own V channel:
/// x ← clip(x + c, 0, 1).
pub(super) fn brightness(image: &mut Image, c: f64) {
    if image.channels == 3 {
        each_hsv(image, |[h, s, v]| [h, s, (v + c).clamp(0.0, 1.0)]);
    } else {
        image
            .data
            .iter_mut()
            .for_each(|x| *x = (*x + c).clamp(0.0, 1.0));
    }
}

/// `saturate`: s ← clip(s·factor + offset, 0, 1) in HSV. A grey image has no saturation to
/// change and is left as it is.
pub(super) fn saturate(image: &mut Image, factor: f64, offset: f64) {
    if image.channels == 3 {
        each_hsv(image, |[h, s, v]| {
            [h, (s * factor + offset).clamp(0.0, 1.0), v]
        });
    }
}

/// `contrast`: x ← (x − m)·c + m, m the mean of x's channel over the image.
pub(super) fn contrast(image: &mut Image, c: f64) {
    image.each_plane(|plane, _, _| {
        let mean = plane.iter().sum::<f64>() / plane.len() as f64;
        plane.iter_mut().for_each(|x| *x = (*x - mean) * c + mean);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsv_round_trips_and_matches_known_values() {
        assert_eq!(rgb_to_hsv([1.0, 0.0, 0.0]), [0.0, 1.0, 1.0]);
        assert_eq!(rgb_to_hsv([0.0, 0.5, 0.0]), [1.0 / 3.0, 1.0, 0.5]);
        assert_eq!(rgb_to_hsv([0.2, 0.2, 0.2]), [0.0, 0.0, 0.2]);
        // Red the maximum, green below blue: a hue just under 1.
        let [h, _, _] = rgb_to_hsv([1.0, 0.0, 0.5]);
        assert!((h - 11.0 / 12.0).abs() < 1e-15);
        for rgb in [
            [0.1, 0.7, 0.3],
            [0.9, 0.2, 0.6],
            [0.4, 0.4, 0.8],
            [0.5, 0.3, 0.3],
        ] {
            let back = hsv_to_rgb(rgb_to_hsv(rgb));
            for (a, b) in back.iter().zip(rgb) {
                assert!((a - b).abs() < 1e-12, "{rgb:?} → {back:?}");
            }
        }
    }

    #[test]
    fn brightness_raises_the_maximum_and_keeps_hue() {
        let mut image = Image {
            channels: 3,
            height: 1,
            width: 1,
            data: vec![0.4, 0.2, 0.1],
        };
        brightness(&mut image, 0.2);
        // v 0.4 → 0.6, s = 0.75 kept: min = 0.6·0.25 = 0.15, and the hue keeps g at 1/3 of the way.
        let expected = [0.6, 0.6 - (0.6 - 0.15) * 2.0 / 3.0, 0.15];
        for (a, b) in image.data.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{:?}", image.data);
        }
    }
}
