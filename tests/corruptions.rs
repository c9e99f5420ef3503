//! Corruptions and geometric transforms at run time: ranges, severities, determinism, snapshots of
//! a small ramp, values computed by hand or with the reference libraries, and an end-to-end run on
//! the bundled digits.

mod support;

use rbench::data::Batch;
use rbench::perturb::{
    Context, Corruption, CorruptionKind, Geometric, PerturbError, Perturbation, Table, Transform,
};
use support::runs::{gate_metric, repo, run_from_temp};

/// `values` (one sample per chunk of `shape`) perturbed by `perturbation`, the samples at dataset
/// indices `first..`, on the range `range`, with the seed `[seed; 32]`.
fn perturbed(
    perturbation: &dyn Perturbation,
    shape: &[usize],
    values: &[f32],
    first: u64,
    range: (f32, f32),
    seed: u8,
) -> Result<Vec<f32>, PerturbError> {
    let size: usize = shape.iter().product();
    let n = values.len() / size;
    let mut batch = Batch {
        sample_shape: shape.to_vec(),
        inputs: values.to_vec(),
        labels: vec![0; n],
        indices: (first..first + n as u64).collect(),
    };
    let ctx = Context {
        range,
        seed: [seed; 32],
        model: None,
        feature_names: None,
    };
    perturbation.apply(&mut batch, &ctx)?;
    Ok(batch.inputs)
}

fn corruption(kind: CorruptionKind, severity: u8) -> Corruption {
    Corruption::new(kind, severity, Table::Auto).expect("a valid severity")
}

/// `c` channels of an 8×8 pattern with every value in [0, 1]: ((7c + 3y + 5x) mod 11)/10.
fn pattern(channels: usize) -> Vec<f32> {
    let mut values = Vec::new();
    for c in 0..channels {
        for y in 0..8 {
            for x in 0..8 {
                values.push(((c * 7 + y * 3 + x * 5) % 11) as f32 / 10.0);
            }
        }
    }
    values
}

/// A smooth image: a diagonal ramp with a bright disc, `channels` × 16 × 16 in [0, 1].
fn smooth(channels: usize) -> Vec<f32> {
    let mut values = Vec::new();
    for c in 0..channels {
        for y in 0..16 {
            for x in 0..16 {
                let (dy, dx) = (y as f32 - 7.5, x as f32 - 7.5);
                let disc = if dy * dy + dx * dx < 16.0 { 0.4 } else { 0.0 };
                values.push(((x + y) as f32 / 40.0 + disc + 0.1 * c as f32).min(1.0));
            }
        }
    }
    values
}

fn mean_abs_change(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from((x - y).abs()))
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn every_corruption_stays_in_range_and_repeats() {
    for kind in CorruptionKind::ALL {
        for (shape, values) in [(vec![1, 8, 8], pattern(1)), (vec![3, 8, 8], pattern(3))] {
            // The data stored in [0, 255]: corruptions act on [0, 1] of it and come back.
            let scaled: Vec<f32> = values.iter().map(|v| v * 255.0).collect();
            let two = [scaled.clone(), scaled.clone()].concat();
            for severity in 1..=5 {
                let c = corruption(kind, severity);
                let out = perturbed(&c, &shape, &two, 0, (0.0, 255.0), 1).expect("applies");
                assert!(
                    out.iter()
                        .all(|v| v.is_finite() && (0.0..=255.0).contains(v)),
                    "{kind:?} {severity}"
                );
                let again = perturbed(&c, &shape, &two, 0, (0.0, 255.0), 1).expect("applies");
                assert_eq!(out, again, "{kind:?} {severity}: same seed, same values");
                let (first, second) = out.split_at(scaled.len());
                // Random corruptions draw per sample; others treat equal samples equally.
                if kind.is_random() && !(kind == CorruptionKind::ElasticTransform && severity == 1)
                {
                    assert_ne!(first, second, "{kind:?} {severity}: sample 1 draws anew");
                    let other = perturbed(&c, &shape, &two, 0, (0.0, 255.0), 2).expect("applies");
                    assert_ne!(out, other, "{kind:?} {severity}: another seed");
                } else if !kind.is_random() {
                    assert_eq!(first, second, "{kind:?} {severity}");
                }
            }
        }
    }
}

#[test]
fn the_imagenet_table_runs_on_larger_images() {
    // 3×64×64 is past CIFAR-10-C's 32×32, so `auto` picks ImageNet-C's table.
    let values: Vec<f32> = (0..3 * 64 * 64)
        .map(|i| ((i * 37) % 101) as f32 / 100.0)
        .collect();
    for kind in CorruptionKind::ALL {
        let auto = perturbed(
            &corruption(kind, 5),
            &[3, 64, 64],
            &values,
            0,
            (0.0, 1.0),
            0,
        )
        .expect("applies");
        assert!(auto.iter().all(|v| (0.0..=1.0).contains(v)), "{kind:?}");
        let imagenet = Corruption::new(kind, 5, Table::ImageNet).expect("valid");
        let explicit =
            perturbed(&imagenet, &[3, 64, 64], &values, 0, (0.0, 1.0), 0).expect("applies");
        assert_eq!(auto, explicit, "{kind:?}");
        // Severity 3, where both tables' saturations stay below 1 on this image.
        let [cifar, imagenet] = [Table::Cifar, Table::ImageNet]
            .map(|table| Corruption::new(kind, 3, table).expect("valid"));
        let [small, large] = [cifar, imagenet]
            .map(|c| perturbed(&c, &[3, 64, 64], &values, 0, (0.0, 1.0), 0).expect("applies"));
        assert!(small != large, "{kind:?}: the two tables differ");
    }
}

#[test]
fn stronger_severities_change_more() {
    use CorruptionKind::*;
    for kind in [
        GaussianBlur,
        DefocusBlur,
        ZoomBlur,
        Brightness,
        Contrast,
        Pixelate,
        JpegCompression,
        Fog,
    ] {
        for channels in [1, 3] {
            let shape = [channels, 16, 16];
            let clean = smooth(channels);
            let changes: Vec<f64> = (1..=5)
                .map(|s| {
                    let out = perturbed(&corruption(kind, s), &shape, &clean, 0, (0.0, 1.0), 0)
                        .expect("applies");
                    mean_abs_change(&out, &clean)
                })
                .collect();
            // Resampling to 15, 14, 13, 12 and 10 pixels, or quantising at a quality, need not
            // change a small image more at each step; the ends are ordered.
            let monotone = !matches!(kind, Pixelate | JpegCompression);
            assert!(
                (!monotone || changes.windows(2).all(|w| w[0] <= w[1])) && changes[0] < changes[4],
                "{kind:?} on {channels} channels: {changes:?}"
            );
        }
    }
}

#[test]
fn contrast_and_brightness_follow_their_formulas() {
    let values = pattern(1);
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / 64.0;
    // CIFAR-10-C contrast, severity 4: c = 0.3.
    let out = perturbed(
        &corruption(CorruptionKind::Contrast, 4),
        &[1, 8, 8],
        &values,
        0,
        (0.0, 1.0),
        0,
    )
    .expect("applies");
    for (o, v) in out.iter().zip(&values) {
        let expected = (f64::from(*v) - mean) * 0.3 + mean;
        assert!((f64::from(*o) - expected).abs() < 1e-6);
    }
    // Brightness on grey images: x + c clipped, c = 0.15 at severity 3; on [0, 10] data, 1.5.
    let data: Vec<f32> = values.iter().map(|v| v * 10.0).collect();
    let out = perturbed(
        &corruption(CorruptionKind::Brightness, 3),
        &[8, 8],
        &data,
        0,
        (0.0, 10.0),
        0,
    )
    .expect("applies");
    for (o, v) in out.iter().zip(&data) {
        assert!((o - (v + 1.5).min(10.0)).abs() < 1e-5, "{o} from {v}");
    }
    // Saturate leaves grey images alone.
    let out = perturbed(
        &corruption(CorruptionKind::Saturate, 5),
        &[1, 8, 8],
        &values,
        0,
        (0.0, 1.0),
        0,
    )
    .expect("applies");
    assert_eq!(out, values);
}

#[test]
fn gaussian_blur_of_a_point_is_the_sampled_gaussian() {
    // σ = 0.7 (CIFAR-10-C severity 3): scipy's radius int(4·0.7 + 0.5) = 3.
    let sigma = 0.7f64;
    let raw: Vec<f64> = (-3..=3)
        .map(|k: i32| (-f64::from(k * k) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = raw.iter().sum();
    let w: Vec<f64> = raw.iter().map(|v| v / sum).collect();
    let blur = corruption(CorruptionKind::GaussianBlur, 3);
    // A point in the middle of a 16×16 image: w(dy)·w(dx).
    let mut point = vec![0.0f32; 256];
    point[8 * 16 + 8] = 1.0;
    let out = perturbed(&blur, &[1, 16, 16], &point, 0, (0.0, 1.0), 0).expect("applies");
    for y in 0..16 {
        for x in 0..16 {
            let (dy, dx) = (y as i32 - 8, x as i32 - 8);
            let expected = if dy.abs() <= 3 && dx.abs() <= 3 {
                w[(dy + 3) as usize] * w[(dx + 3) as usize]
            } else {
                0.0
            };
            assert!((f64::from(out[y * 16 + x]) - expected).abs() < 1e-7);
        }
    }
    // A point in the corner: skimage's `nearest` boundary repeats it, so the corner gets the
    // weights of every offset ≤ 0 on both axes.
    let mut corner = vec![0.0f32; 256];
    corner[0] = 1.0;
    let out = perturbed(&blur, &[1, 16, 16], &corner, 0, (0.0, 1.0), 0).expect("applies");
    let edge: f64 = w[..4].iter().sum();
    assert!((f64::from(out[0]) - edge * edge).abs() < 1e-7);
    assert!((f64::from(out[1]) - edge * w[..3].iter().sum::<f64>()).abs() < 1e-7);
}

/// Sums and two values (indices 9 and last) of the corruptions of `pattern(c)` at CIFAR-10-C
/// severity 3, computed with the source's functions (make_cifar_c.py) on scikit-image 0.25,
/// scipy 1.15, OpenCV 4.12 and Pillow 11, the images kept in floats, `int(32·c)` read as
/// `int(8·c)`; elastic_transform and fog fed the same uniforms as ours (seed [0; 32], sample 0);
/// motion_blur by ImageMagick 6.9.11 Q16 (`convert -motion-blur 6x2+θ` on a 16-bit image, θ the
/// angle our draws give sample 0, 30.32°), so to 16-bit precision.
const REFERENCE: &[(&str, usize, f64, [f64; 2])] = &[
    ("motion_blur", 1, 30.373297, [0.731350, 0.100008]),
    ("motion_blur", 3, 95.137819, [0.731350, 0.400000]),
    ("gaussian_blur", 1, 31.810373, [0.484802, 0.344788]),
    ("gaussian_blur", 3, 95.610375, [0.484802, 0.465206]),
    ("defocus_blur", 1, 31.556086, [0.525317, 0.444060]),
    ("defocus_blur", 3, 95.356087, [0.525317, 0.499827]),
    ("zoom_blur", 1, 31.673680, [0.746218, 0.297794]),
    ("zoom_blur", 3, 95.433314, [0.746218, 0.541176]),
    ("saturate", 1, 31.800000, [0.800000, 0.100000]),
    ("saturate", 3, 82.664286, [0.800000, 0.342857]),
    ("pixelate", 1, 31.799999, [0.375000, 0.100000]),
    ("pixelate", 3, 95.599991, [0.375000, 0.400000]),
    ("elastic_transform", 1, 31.082031, [0.451196, 0.619279]),
    ("elastic_transform", 3, 95.280617, [0.451196, 0.540181]),
    ("fog", 1, 26.844946, [0.567111, 0.226230]),
    ("fog", 3, 80.649123, [0.567111, 0.397659]),
];

#[test]
fn corruptions_match_the_reference_implementation() {
    for &(name, channels, sum, [at9, last]) in REFERENCE {
        let kind = CorruptionKind::from_name(name).expect("a corruption");
        let c = Corruption::new(kind, 3, Table::Cifar).expect("valid");
        let out = perturbed(&c, &[channels, 8, 8], &pattern(channels), 0, (0.0, 1.0), 0)
            .expect("applies");
        let total: f64 = out.iter().map(|&v| f64::from(v)).sum();
        // ImageMagick's 16-bit output is within 1/65535 a value.
        let tolerance = if kind == CorruptionKind::MotionBlur {
            2e-5
        } else {
            2e-6
        };
        let close = |a: f64, b: f64, n: usize| (a - b).abs() < tolerance * n as f64;
        assert!(close(total, sum, out.len()), "{name} {channels}: {total}");
        assert!(close(f64::from(out[9]), at9, 1), "{name}: {}", out[9]);
        let end = f64::from(out[out.len() - 1]);
        assert!(close(end, last, 1), "{name}: {end}");
    }
}

/// A grid of values with three decimals, one row per line.
fn grid(values: &[f32], width: usize) -> String {
    values
        .chunks(width)
        .map(|row| {
            row.iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn severity_three_of_a_ramp() {
    // 1×8×8, value (x + y)/14: a diagonal ramp from 0 to 1.
    let ramp: Vec<f32> = (0..64).map(|i| ((i % 8 + i / 8) as f32) / 14.0).collect();
    for kind in CorruptionKind::ALL {
        let out =
            perturbed(&corruption(kind, 3), &[1, 8, 8], &ramp, 0, (0.0, 1.0), 7).expect("applies");
        insta::assert_snapshot!(format!("ramp_{}", kind.name()), grid(&out, 8));
    }
}

#[test]
fn images_only_and_severities_one_to_five() {
    let blur = corruption(CorruptionKind::GaussianBlur, 1);
    let error = perturbed(&blur, &[30], &[0.5; 30], 0, (0.0, 1.0), 0).expect_err("not an image");
    assert!(matches!(error, PerturbError::Parameter { .. }), "{error}");
    assert!(error.to_string().contains("[30]"), "{error}");
    let rotate = Geometric::new(Transform::Rotate { degrees: 10.0 }, 0.0).expect("valid");
    assert!(perturbed(&rotate, &[2, 4, 4], &[0.0; 32], 0, (0.0, 1.0), 0).is_err());
    let elastic = corruption(CorruptionKind::ElasticTransform, 2);
    let error = perturbed(&elastic, &[1, 2, 2], &[0.5; 4], 0, (0.0, 1.0), 0).expect_err("2×2");
    assert!(error.to_string().contains("3×3"), "{error}");
    assert!(Corruption::new(CorruptionKind::Fog, 0, Table::Auto).is_err());
    assert!(Corruption::new(CorruptionKind::Fog, 6, Table::Auto).is_err());
    assert!(Geometric::new(Transform::Scale { factor: 0.0 }, 0.0).is_err());
    assert!(Geometric::new(Transform::Rotate { degrees: 1.0 }, f64::NAN).is_err());
}

fn transformed(transform: Transform, fill: f64, shape: &[usize], values: &[f32]) -> Vec<f32> {
    let geometric = Geometric::new(transform, fill).expect("valid");
    perturbed(&geometric, shape, values, 0, (0.0, 100.0), 0).expect("applies")
}

#[test]
fn rotations_turn_about_the_centre() {
    let values: Vec<f32> = (0..25).map(|v| v as f32).collect();
    let shape = [1, 5, 5];
    assert_eq!(
        transformed(Transform::Rotate { degrees: 0.0 }, 0.0, &shape, &values),
        values
    );
    // 90° counter-clockwise: out[y][x] = in[x][n − 1 − y], numpy's rot90.
    let turned = transformed(Transform::Rotate { degrees: 90.0 }, 0.0, &shape, &values);
    for y in 0..5 {
        for x in 0..5 {
            assert_eq!(turned[y * 5 + x], values[x * 5 + (4 - y)]);
        }
    }
    // −90° is the other way; 360° is the identity.
    let back = transformed(Transform::Rotate { degrees: -90.0 }, 0.0, &shape, &turned);
    assert_eq!(back, values);
    assert_eq!(
        transformed(Transform::Rotate { degrees: 360.0 }, 0.0, &shape, &values),
        values
    );
    // 45°: the centre stays, the corners uncover and blend with the fill.
    let tilted = transformed(Transform::Rotate { degrees: 45.0 }, 50.0, &shape, &values);
    assert_eq!(tilted[12], 12.0);
    assert!(tilted[0] > 12.0, "{}", tilted[0]);
}

#[test]
fn translations_shift_exactly_and_fill() {
    let values: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let shape = [3, 4];
    let shifted = transformed(
        Transform::Translate { dx: 1, dy: -1 },
        99.0,
        &shape,
        &values,
    );
    let expected = [
        99.0, 4.0, 5.0, 6.0, 99.0, 8.0, 9.0, 10.0, 99.0, 99.0, 99.0, 99.0,
    ];
    assert_eq!(shifted, expected);
    // Fill values are clipped to the range.
    let clipped = transformed(
        Transform::Translate { dx: 9, dy: 0 },
        500.0,
        &shape,
        &values,
    );
    assert!(clipped.iter().all(|&v| v == 100.0));
}

#[test]
fn scaling_about_the_centre() {
    let values: Vec<f32> = (0..25).map(|v| v as f32).collect();
    let shape = [1, 5, 5];
    assert_eq!(
        transformed(Transform::Scale { factor: 1.0 }, 0.0, &shape, &values),
        values
    );
    // Doubling: output (y, x) reads (2 + (y − 2)/2, 2 + (x − 2)/2).
    let zoomed = transformed(Transform::Scale { factor: 2.0 }, 0.0, &shape, &values);
    assert_eq!(zoomed[12], 12.0);
    assert_eq!(zoomed[0], 6.0);
    assert_eq!(zoomed[1], 6.5);
    // Halving: the border reads outside the image, which is the fill.
    let shrunk = transformed(Transform::Scale { factor: 0.5 }, 0.0, &shape, &values);
    assert_eq!(shrunk[0], 0.0);
    assert_eq!(shrunk[6], 0.0);
    assert_eq!(shrunk[12], 12.0);
}

#[test]
fn digits_accuracy_falls_with_blur_and_rotation() {
    let gates: String = (1..=5)
        .map(|s| format!("require blur{s}: accuracy(m, blur[severity = {s}]) >= 0%\n"))
        .chain(
            [0, 30, 60]
                .iter()
                .map(|d| format!("require turn{d}: accuracy(m, turn[degrees = {d}]) >= 0%\n")),
        )
        .collect();
    let spec = format!(
        "benchmark digits {{\n  seed = 1\n}}\n\ndataset data {{\n  source = sample(digits)\n  \
         classes = 10\n  range = [0, 1]\n}}\n\nmodel m {{\n  onnx = \"{}\"\n}}\n\n\
         perturbation blur = defocus_blur(severity: 1..5)\n\
         perturbation turn = rotate(degrees: [0, 30, 60])\n\n\
         evaluate m on data under [blur, turn]\n\n{gates}",
        repo("examples/models/digits_mlp.onnx")
    );
    let results = run_from_temp(&spec);
    let accuracy = |gate: &str| gate_metric(&results, gate);
    let blur: Vec<f64> = (1..=5).map(|s| accuracy(&format!("blur{s}"))).collect();
    let turn: Vec<f64> = [0, 30, 60]
        .iter()
        .map(|d| accuracy(&format!("turn{d}")))
        .collect();
    // Rotation by 0 is the identity: the clean accuracy of the digits MLP, 438/449.
    assert!((turn[0] - 438.0 / 449.0).abs() < 1e-12, "{turn:?}");
    assert!(turn[0] > turn[1] && turn[1] > turn[2], "{turn:?}");
    assert!(blur.windows(2).all(|w| w[0] >= w[1]), "{blur:?}");
    assert!(blur[0] > blur[4] + 0.05, "{blur:?}");
}
