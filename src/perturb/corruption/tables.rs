//! The parameters of each corruption at severities 1–5, copied from hendrycks/robustness:
//! `ImageNet-C/create_c/make_cifar_c.py` (CIFAR-10-C) and
//! `ImageNet-C/imagenet_c/imagenet_c/corruptions.py` (ImageNet-C), where each function reads
//! `c = [...][severity - 1]`. Products are written as the source writes them (`32 * 0.05`).

use crate::perturb::severity::Severities;

/// `gaussian_blur`: σ in pixels.
pub(super) const GAUSSIAN_BLUR: Severities<f64> = Severities {
    cifar: [0.4, 0.6, 0.7, 0.8, 1.0],
    imagenet: [1.0, 2.0, 3.0, 4.0, 6.0],
};

/// `defocus_blur`: (disk radius, alias blur σ), in pixels.
pub(super) const DEFOCUS_BLUR: Severities<(f64, f64)> = Severities {
    cifar: [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1.0, 0.2), (1.5, 0.1)],
    imagenet: [(3.0, 0.1), (4.0, 0.5), (6.0, 0.5), (8.0, 0.5), (10.0, 0.5)],
};

/// `motion_blur`: (radius, σ) of ImageMagick's motion blur, in pixels.
pub(super) const MOTION_BLUR: Severities<(f64, f64)> = Severities {
    cifar: [(6.0, 1.0), (6.0, 1.5), (6.0, 2.0), (8.0, 2.0), (9.0, 2.5)],
    imagenet: [
        (10.0, 3.0),
        (15.0, 5.0),
        (15.0, 8.0),
        (15.0, 12.0),
        (20.0, 15.0),
    ],
};

/// `zoom_blur`: the zoom factors `np.arange(1, stop, step)`, as (step, count): factor i is
/// `1 + i·((1 + step) − 1)`, numpy's arange arithmetic, and count is numpy's
/// `ceil((stop − 1)/step)` (so `np.arange(1, 1.06, 0.01)` has 7 factors, 1.00 to 1.06).
pub(super) const ZOOM_BLUR: Severities<(f64, usize)> = Severities {
    // np.arange(1, 1.06, .01), (1, 1.11, .01), (1, 1.16, .01), (1, 1.21, .01), (1, 1.26, .01)
    cifar: [(0.01, 7), (0.01, 12), (0.01, 16), (0.01, 21), (0.01, 26)],
    // np.arange(1, 1.11, .01), (1, 1.16, .01), (1, 1.21, .02), (1, 1.26, .02), (1, 1.31, .03)
    imagenet: [(0.01, 12), (0.01, 16), (0.02, 11), (0.02, 13), (0.03, 11)],
};

/// `brightness`: added to the V channel of HSV.
pub(super) const BRIGHTNESS: Severities<f64> = Severities {
    cifar: [0.05, 0.1, 0.15, 0.2, 0.3],
    imagenet: [0.1, 0.2, 0.3, 0.4, 0.5],
};

/// `contrast`: the factor deviations from the channel mean are scaled by.
pub(super) const CONTRAST: Severities<f64> = Severities {
    cifar: [0.75, 0.5, 0.4, 0.3, 0.15],
    imagenet: [0.4, 0.3, 0.2, 0.1, 0.05],
};

/// `saturate`: (factor, offset) of the S channel of HSV: s ← s·factor + offset.
pub(super) const SATURATE: Severities<(f64, f64)> = Severities {
    cifar: [(0.3, 0.0), (0.1, 0.0), (1.5, 0.0), (2.0, 0.1), (2.5, 0.2)],
    imagenet: [(0.3, 0.0), (0.1, 0.0), (2.0, 0.0), (5.0, 0.1), (20.0, 0.2)],
};

/// `pixelate`: the fraction of each side the image is reduced to.
pub(super) const PIXELATE: Severities<f64> = Severities {
    cifar: [0.95, 0.9, 0.85, 0.75, 0.65],
    imagenet: [0.6, 0.5, 0.4, 0.3, 0.25],
};

/// `jpeg_compression`: the JPEG quality.
pub(super) const JPEG_QUALITY: Severities<u8> = Severities {
    cifar: [80, 65, 58, 50, 40],
    imagenet: [25, 18, 15, 10, 7],
};

/// `elastic_transform`: (α, σ, affine) in pixels — the displacement scale, the smoothing σ of the
/// displacement field and the half-width of the uniform jitter of the affine's points. The
/// ImageNet-C source multiplies by 244 where it meant 224 (its comment says so); we keep 244.
pub(super) const ELASTIC: Severities<(f64, f64, f64)> = Severities {
    cifar: [
        (32.0 * 0.0, 32.0 * 0.0, 32.0 * 0.08),
        (32.0 * 0.05, 32.0 * 0.2, 32.0 * 0.07),
        (32.0 * 0.08, 32.0 * 0.06, 32.0 * 0.06),
        (32.0 * 0.1, 32.0 * 0.04, 32.0 * 0.05),
        (32.0 * 0.1, 32.0 * 0.03, 32.0 * 0.03),
    ],
    imagenet: [
        (244.0 * 2.0, 244.0 * 0.7, 244.0 * 0.1),
        (244.0 * 2.0, 244.0 * 0.08, 244.0 * 0.2),
        (244.0 * 0.05, 244.0 * 0.01, 244.0 * 0.02),
        (244.0 * 0.07, 244.0 * 0.01, 244.0 * 0.02),
        (244.0 * 0.12, 244.0 * 0.01, 244.0 * 0.02),
    ],
};

/// `fog`: (strength, wibble decay) of the plasma fractal, and the fractal's map size.
pub(super) const FOG: Severities<(f64, f64)> = Severities {
    cifar: [(0.2, 3.0), (0.5, 3.0), (0.75, 2.5), (1.0, 2.0), (1.5, 1.75)],
    imagenet: [(1.5, 2.0), (2.0, 2.0), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4)],
};

/// `fog`: `plasma_fractal`'s `mapsize` default in each source.
pub(super) const FOG_MAP_SIZE: Severities<usize> = Severities {
    cifar: [32; 5],
    imagenet: [256; 5],
};
