//! Perturbations at run time: FGSM against a linear model, whose input gradient has a closed form,
//! and the noises' statistics, severity tables and determinism (same seed, same values; any batch
//! split, same values).

mod support;

use rbench::data::Batch;
use rbench::model::{InputGradient, ModelError, Network};
use rbench::perturb::{
    node_seed, Context, Fgsm, GaussianNoise, ImpulseNoise, PerturbError, Perturbation, ShotNoise,
    SpeckleNoise, Strength, Table, Target, UniformNoise,
};
use support::networks::Mlp;

/// A model that always fails.
struct Broken;

impl Network for Broken {
    fn input_shape(&self) -> &[usize] {
        &[2]
    }
    fn classes(&self) -> usize {
        2
    }
    fn forward(&self, _: &[f32], _: usize) -> Result<Vec<f32>, ModelError> {
        Err(ModelError::Runtime("out of memory".into()))
    }
    fn input_gradient(
        &self,
        _: &[f32],
        _: usize,
        _: &dyn Fn(&[f32]) -> Vec<f32>,
    ) -> Result<InputGradient, ModelError> {
        Err(ModelError::Runtime("out of memory".into()))
    }
}

fn batch(sample_shape: &[usize], inputs: Vec<f32>, labels: Vec<u32>) -> Batch {
    let indices = (0..labels.len() as u64).collect();
    Batch {
        sample_shape: sample_shape.to_vec(),
        inputs,
        labels,
        indices,
    }
}

/// `n` samples of `shape`, every value `value`, labels 0.
fn constant(shape: &[usize], n: usize, value: f32) -> Batch {
    let size: usize = shape.iter().product();
    batch(shape, vec![value; n * size], vec![0; n])
}

fn ctx<'a>(range: (f32, f32), seed: u64, model: Option<&'a dyn Network>) -> Context<'a> {
    Context {
        range,
        seed: node_seed(seed, &[7; 32]),
        model,
        feature_names: None,
    }
}

fn perturbed(p: &dyn Perturbation, mut b: Batch, ctx: &Context<'_>) -> Batch {
    p.apply(&mut b, ctx).expect("perturbation applies");
    b
}

fn sign(v: f32) -> f32 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

fn softmax(logits: &[f32]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = logits
        .iter()
        .map(|&l| (f64::from(l) - f64::from(max)).exp())
        .collect();
    let total: f64 = exps.iter().sum();
    exps.iter().map(|e| e / total).collect()
}

// ----- FGSM ---------------------------------------------------------------------------------

/// Two classes, four features; the last feature has the same weight in both classes.
fn binary() -> Mlp {
    Mlp::linear(
        vec![vec![0.5, -1.0, 2.0, 0.0], vec![-0.25, 1.5, 2.5, 0.0]],
        vec![0.1, -0.1],
    )
}

#[test]
fn fgsm_on_a_binary_linear_model_steps_along_the_weight_difference() {
    // ∇ₓ CE(y) = Σ_c (p_c − [c = y]) w_c = p_other · (w_other − w_y), so the step is
    // ε·sign(w_other − w_y): (−0.75, 2.5, 0.5, 0) for y = 0 and its opposite for y = 1.
    let model = binary();
    let eps = 0.125;
    let inputs = vec![0.5, 0.5, 0.5, 0.5, 0.2, 0.9, 0.0, 1.0];
    let labels = vec![0, 1];
    let out = perturbed(
        &Fgsm::new(eps, Target::Untargeted, vec![]).expect("valid"),
        batch(&[4], inputs.clone(), labels.clone()),
        &ctx((0.0, 1.0), 1, Some(&model)),
    );
    for (s, &label) in labels.iter().enumerate() {
        let (y, other) = (label as usize, 1 - label as usize);
        for j in 0..4 {
            let direction = sign(model.output[other].0[j] - model.output[y].0[j]);
            let x = inputs[s * 4 + j];
            let expected = (f64::from(x) + eps * f64::from(direction)).clamp(0.0, 1.0) as f32;
            assert_eq!(out.inputs[s * 4 + j], expected, "sample {s}, feature {j}");
        }
    }
    // The equal-weight feature has a zero gradient: sign(0) = 0 leaves it where it was.
    assert_eq!(out.inputs[3], 0.5);
    assert_eq!(out.inputs[7], 1.0);
}

#[test]
fn fgsm_with_zero_budget_is_the_identity() {
    let model = binary();
    let clean = batch(
        &[4],
        vec![0.1, 0.2, 0.3, 0.4, 0.9, 0.8, 0.7, 0.6],
        vec![0, 1],
    );
    let out = perturbed(
        &Fgsm::new(0.0, Target::Untargeted, vec![]).expect("valid"),
        clean.clone(),
        &ctx((0.0, 1.0), 1, Some(&model)),
    );
    assert_eq!(out, clean);
}

#[test]
fn fgsm_stays_in_range_and_keeps_immutable_features() {
    let model = binary();
    let clean = batch(
        &[4],
        vec![0.0, 1.0, 0.5, 0.5, 1.0, 0.0, 0.5, 0.5],
        vec![0, 1],
    );
    let fgsm = Fgsm::new(10.0, Target::Untargeted, vec![1.into(), 2.into()]).expect("valid");
    let out = perturbed(&fgsm, clean.clone(), &ctx((0.0, 1.0), 1, Some(&model)));
    assert!(out.inputs.iter().all(|x| (0.0..=1.0).contains(x)));
    for s in 0..2 {
        assert_eq!(out.inputs[s * 4 + 1], clean.inputs[s * 4 + 1]);
        assert_eq!(out.inputs[s * 4 + 2], clean.inputs[s * 4 + 2]);
    }
    // Feature 0 moves to an end of the range: sign(w₁ − w₀) = −1 for label 0, +1 for label 1.
    assert_eq!(out.inputs[0], 0.0);
    assert_eq!(out.inputs[4], 1.0);
}

/// Three classes, three features.
fn ternary() -> Mlp {
    Mlp::linear(
        vec![
            vec![1.0, -0.5, 0.25],
            vec![-0.5, 1.0, 0.75],
            vec![0.25, 0.5, -1.0],
        ],
        vec![0.0, 0.2, -0.1],
    )
}

/// The targeted FGSM step computed here, independently: x − ε·sign(Σ_c (p_c − [c = t]) w_c).
fn targeted_step(model: &Mlp, x: &[f32], target: usize, eps: f64) -> Vec<f32> {
    let logits = model.forward(x, 1).expect("forward");
    let p = softmax(&logits);
    (0..x.len())
        .map(|j| {
            let g: f64 = (0..3)
                .map(|c| {
                    let onehot = if c == target { 1.0 } else { 0.0 };
                    (p[c] - onehot) * f64::from(model.output[c].0[j])
                })
                .sum();
            (f64::from(x[j]) - eps * f64::from(sign(g as f32))).clamp(-1.0, 1.0) as f32
        })
        .collect()
}

#[test]
fn targeted_fgsm_moves_towards_its_target() {
    let model = ternary();
    let x = vec![0.3, -0.2, 0.1];
    let clean = batch(&[3], x.clone(), vec![0]);
    let logits = model.forward(&x, 1).expect("forward");
    // The least likely class other than the label 0.
    let least_likely = (1..3)
        .min_by(|&a, &b| logits[a].total_cmp(&logits[b]))
        .expect("classes");
    let eps = 0.05;
    let range = ctx((-1.0, 1.0), 3, Some(&model));
    for (target, class) in [
        (Target::Class(2), 2),
        (Target::Class(1), 1),
        (Target::LeastLikely, least_likely),
    ] {
        let fgsm = Fgsm::new(eps, target, vec![]).expect("valid");
        let out = perturbed(&fgsm, clean.clone(), &range);
        assert_eq!(
            out.inputs,
            targeted_step(&model, &x, class, eps),
            "{target:?}"
        );
        let before = softmax(&logits)[class];
        let after = softmax(&model.forward(&out.inputs, 1).expect("forward"))[class];
        assert!(after > before, "{target:?}: p(target) {before} → {after}");
    }
    // Class 2 is the least likely of all; when it is the label, the target is the next one.
    assert_eq!(least_likely, 2);
    let fgsm = Fgsm::new(eps, Target::LeastLikely, vec![]).expect("valid");
    let out = perturbed(&fgsm, batch(&[3], x.clone(), vec![2]), &range);
    assert_eq!(out.inputs, targeted_step(&model, &x, 1, eps));
}

#[test]
fn random_targets_avoid_the_label_and_depend_on_the_seed_alone() {
    let model = ternary();
    let x: Vec<f32> = (0..30).map(|i| (i as f32 * 0.37).sin() * 0.5).collect();
    let labels: Vec<u32> = (0..10).map(|i| i % 3).collect();
    let clean = batch(&[3], x.clone(), labels.clone());
    let fgsm = Fgsm::new(0.05, Target::Random, vec![]).expect("valid");
    let range = ctx((-1.0, 1.0), 5, Some(&model));
    let out = perturbed(&fgsm, clean.clone(), &range);
    let mut chosen = std::collections::BTreeSet::new();
    for s in 0..10 {
        let sample = &x[s * 3..s * 3 + 3];
        let got = &out.inputs[s * 3..s * 3 + 3];
        let targets: Vec<usize> = (0..3)
            .filter(|&t| targeted_step(&model, sample, t, 0.05) == got)
            .collect();
        assert!(!targets.is_empty(), "sample {s} follows no class");
        assert!(!targets.contains(&(labels[s] as usize)), "sample {s}");
        chosen.extend(targets);
    }
    assert_eq!(chosen.len(), 3, "every class is drawn as a target");
    assert_eq!(perturbed(&fgsm, clean.clone(), &range), out);
    assert_batch_split_free(&fgsm, &clean, &range);
}

#[test]
fn fgsm_reports_what_it_cannot_do() {
    let model = binary();
    let b = batch(&[4], vec![0.5; 4], vec![0]);
    let apply = |fgsm: Fgsm, ctx: &Context<'_>| fgsm.apply(&mut b.clone(), ctx);
    let untargeted = || Fgsm::new(0.1, Target::Untargeted, vec![]).expect("valid");
    assert!(matches!(
        apply(untargeted(), &ctx((0.0, 1.0), 1, None)),
        Err(PerturbError::ModelRequired { .. })
    ));
    assert!(matches!(
        apply(untargeted(), &ctx((0.0, 1.0), 1, Some(&Broken))),
        Err(PerturbError::Model(ModelError::Runtime(_)))
    ));
    assert!(matches!(
        apply(
            Fgsm::new(0.1, Target::Class(2), vec![]).expect("valid"),
            &ctx((0.0, 1.0), 1, Some(&model))
        ),
        Err(PerturbError::Parameter { .. })
    ));
    assert!(matches!(
        apply(
            Fgsm::new(0.1, Target::Untargeted, vec![4.into()]).expect("valid"),
            &ctx((0.0, 1.0), 1, Some(&model))
        ),
        Err(PerturbError::Parameter { .. })
    ));
    assert!(matches!(
        apply(untargeted(), &ctx((1.0, 0.0), 1, Some(&model))),
        Err(PerturbError::Range { .. })
    ));
    let bad_label = batch(&[4], vec![0.5; 4], vec![2]);
    assert!(matches!(
        untargeted().apply(&mut bad_label.clone(), &ctx((0.0, 1.0), 1, Some(&model))),
        Err(PerturbError::Batch(_))
    ));
}

// ----- Noise --------------------------------------------------------------------------------

/// Every noise at one strength (uniform noise has no severity table: it takes half-width 0.1).
fn noises(strength: Strength) -> Vec<(&'static str, Box<dyn Perturbation>)> {
    vec![
        (
            "gaussian_noise",
            Box::new(GaussianNoise::new(strength).expect("valid")),
        ),
        (
            "uniform_noise",
            Box::new(UniformNoise::new(0.1).expect("valid")),
        ),
        (
            "shot_noise",
            Box::new(ShotNoise::new(strength).expect("valid")),
        ),
        (
            "impulse_noise",
            Box::new(ImpulseNoise::new(strength).expect("valid")),
        ),
        (
            "speckle_noise",
            Box::new(SpeckleNoise::new(strength).expect("valid")),
        ),
    ]
}

/// A batch of varied values in [0, 1]: 10 samples of 3 × 4 × 4.
fn varied() -> Batch {
    let inputs = (0..10 * 48)
        .map(|i| ((i as f32 * 0.618).fract() * 64.0).round() / 64.0)
        .collect();
    batch(&[3, 4, 4], inputs, (0..10).map(|i| i % 3).collect())
}

/// Perturbing `clean` whole equals perturbing each sample alone.
fn assert_batch_split_free(p: &dyn Perturbation, clean: &Batch, ctx: &Context<'_>) {
    let whole = perturbed(p, clean.clone(), ctx);
    let size = clean.sample_size();
    for s in 0..clean.len() {
        let one = Batch {
            sample_shape: clean.sample_shape.clone(),
            inputs: clean.sample(s).to_vec(),
            labels: vec![clean.labels[s]],
            indices: vec![clean.indices[s]],
        };
        let alone = perturbed(p, one, ctx);
        assert_eq!(
            alone.inputs,
            whole.inputs[s * size..(s + 1) * size],
            "sample {s}"
        );
    }
}

#[test]
fn zero_strength_noise_is_the_identity() {
    let clean = varied();
    let zero: Vec<Box<dyn Perturbation>> = vec![
        Box::new(GaussianNoise::new(Strength::Value(0.0)).expect("valid")),
        Box::new(UniformNoise::new(0.0).expect("valid")),
        Box::new(ImpulseNoise::new(Strength::Value(0.0)).expect("valid")),
        Box::new(SpeckleNoise::new(Strength::Value(0.0)).expect("valid")),
    ];
    for p in &zero {
        assert_eq!(
            perturbed(p.as_ref(), clean.clone(), &ctx((0.0, 1.0), 1, None)),
            clean
        );
    }
}

#[test]
fn noise_is_deterministic_and_independent_of_batch_splits() {
    let clean = varied();
    let (a, b) = (ctx((0.0, 1.0), 1, None), ctx((0.0, 1.0), 2, None));
    for (name, p) in noises(Strength::Severity(5, Table::Auto)) {
        let first = perturbed(p.as_ref(), clean.clone(), &a);
        assert_ne!(first, clean, "{name} changes something");
        assert_eq!(perturbed(p.as_ref(), clean.clone(), &a), first, "{name}");
        assert_ne!(perturbed(p.as_ref(), clean.clone(), &b), first, "{name}");
        assert!(
            first.inputs.iter().all(|x| (0.0..=1.0).contains(x)),
            "{name}"
        );
        assert_batch_split_free(p.as_ref(), &clean, &a);
    }
}

#[test]
fn a_sample_draws_by_its_index_not_its_position() {
    let p = GaussianNoise::new(Strength::Value(0.1)).expect("valid");
    let range = ctx((0.0, 1.0), 1, None);
    let mut b = constant(&[8], 2, 0.5);
    b.indices = vec![41, 40];
    let swapped = perturbed(&p, b, &range);
    let mut c = constant(&[8], 2, 0.5);
    c.indices = vec![40, 41];
    let ordered = perturbed(&p, c, &range);
    assert_eq!(swapped.inputs[..8], ordered.inputs[8..]);
    assert_ne!(swapped.inputs[..8], swapped.inputs[8..]);
}

/// Mean and variance of x' − x.
fn change_moments(clean: &Batch, noisy: &Batch) -> (f64, f64) {
    let d: Vec<f64> = noisy
        .inputs
        .iter()
        .zip(&clean.inputs)
        .map(|(y, x)| f64::from(*y) - f64::from(*x))
        .collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let variance = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance)
}

#[test]
fn gaussian_noise_has_its_mean_and_variance_in_units_of_the_range() {
    // Range [0, 255], σ = 0.05 of the width: standard deviation 12.75 around mid-grey, clipped
    // only beyond 10σ.
    let clean = constant(&[1, 32, 32], 20, 127.5);
    let p = GaussianNoise::new(Strength::Value(0.05)).expect("valid");
    let noisy = perturbed(&p, clean.clone(), &ctx((0.0, 255.0), 9, None));
    let (mean, variance) = change_moments(&clean, &noisy);
    let n = clean.inputs.len() as f64;
    let sd = 12.75;
    assert!(mean.abs() < 5.0 * sd / n.sqrt(), "mean {mean}");
    let expected = sd * sd;
    assert!(
        (variance - expected).abs() < 5.0 * expected * (2.0 / n).sqrt(),
        "variance {variance}"
    );
}

#[test]
fn shot_noise_with_many_photons_is_nearly_the_identity() {
    let clean = varied();
    let p = ShotNoise::new(Strength::Value(1e9)).expect("valid");
    let noisy = perturbed(&p, clean.clone(), &ctx((0.0, 1.0), 1, None));
    // Standard deviation √(u/c) ≤ 3.2e-5.
    for (y, x) in noisy.inputs.iter().zip(&clean.inputs) {
        assert!((y - x).abs() < 2e-4, "{x} → {y}");
    }
    assert_ne!(noisy, clean);
}

#[test]
fn impulse_noise_replaces_its_amount_half_by_salt_half_by_pepper() {
    let clean = constant(&[1, 32, 32], 20, 0.25);
    let p = ImpulseNoise::new(Strength::Value(0.2)).expect("valid");
    let noisy = perturbed(&p, clean.clone(), &ctx((-1.0, 1.0), 4, None));
    let n = clean.inputs.len() as f64;
    let count = |v: f32| noisy.inputs.iter().filter(|&&x| x == v).count() as f64 / n;
    let (salt, pepper, kept) = (count(1.0), count(-1.0), count(0.25));
    assert_eq!(salt + pepper + kept, 1.0);
    let tolerance = |p: f64| 5.0 * (p * (1.0 - p) / n).sqrt();
    assert!(
        (salt + pepper - 0.2).abs() < tolerance(0.2),
        "{salt} + {pepper}"
    );
    assert!((salt - 0.1).abs() < tolerance(0.1), "salt {salt}");
    assert!((pepper - 0.1).abs() < tolerance(0.1), "pepper {pepper}");
}

#[test]
fn noise_grows_with_severity_in_both_tables() {
    let clean = constant(&[1, 32, 32], 20, 0.5);
    let range = ctx((0.0, 1.0), 11, None);
    for table in [Table::Cifar, Table::ImageNet] {
        for name in [
            "gaussian_noise",
            "shot_noise",
            "impulse_noise",
            "speckle_noise",
        ] {
            let variances: Vec<f64> = (1..=5)
                .map(|s| {
                    let (_, p) = noises(Strength::Severity(s, table))
                        .into_iter()
                        .find(|(n, _)| *n == name)
                        .expect("noise");
                    change_moments(&clean, &perturbed(p.as_ref(), clean.clone(), &range)).1
                })
                .collect();
            assert!(
                variances.windows(2).all(|w| w[0] < w[1]),
                "{name} {table:?}: {variances:?}"
            );
        }
    }
}

#[test]
fn severity_tables_follow_the_input_size() {
    // Severity 3 of Gaussian noise: σ 0.08 (CIFAR-10-C) for 32×32 inputs, 0.18 (ImageNet-C) for
    // 64×64 ones.
    let p = GaussianNoise::new(Strength::Severity(3, Table::Auto)).expect("valid");
    let range = ctx((0.0, 1.0), 12, None);
    for (shape, sigma) in [([3, 32, 32], 0.08), ([3, 64, 64], 0.18)] {
        let clean = constant(&shape, 4, 0.5);
        let (_, variance) = change_moments(&clean, &perturbed(&p, clean.clone(), &range));
        let n = clean.inputs.len() as f64;
        let expected: f64 = sigma * sigma;
        assert!(
            (variance - expected).abs() < 6.0 * expected * (2.0 / n).sqrt(),
            "{shape:?}: {variance} vs {expected}"
        );
    }
}

#[test]
fn invalid_strengths_are_refused() {
    assert!(GaussianNoise::new(Strength::Value(-1.0)).is_err());
    assert!(GaussianNoise::new(Strength::Severity(0, Table::Auto)).is_err());
    assert!(SpeckleNoise::new(Strength::Severity(6, Table::Cifar)).is_err());
    assert!(ShotNoise::new(Strength::Value(0.0)).is_err());
    assert!(ImpulseNoise::new(Strength::Value(1.5)).is_err());
    assert!(UniformNoise::new(f64::NAN).is_err());
}

#[test]
fn noise_at_severity_3() {
    // An 8 × 8 ramp over [0, 1], small enough for the CIFAR-10-C table.
    let ramp = (0..64).map(|i| i as f32 / 63.0).collect();
    let clean = batch(&[1, 8, 8], ramp, vec![0]);
    let mut report = format!("input:\n{}", rows(&clean.inputs));
    for (name, p) in noises(Strength::Severity(3, Table::Auto)) {
        let out = perturbed(p.as_ref(), clean.clone(), &ctx((0.0, 1.0), 2026, None));
        report.push_str(&format!("{name}:\n{}", rows(&out.inputs)));
    }
    insta::assert_snapshot!(report);
}

/// Values rounded to 4 decimals, 8 to a line.
fn rows(values: &[f32]) -> String {
    values
        .chunks(8)
        .map(|row| {
            let parts: Vec<String> = row.iter().map(|v| format!("{v:.4}")).collect();
            format!("  {}\n", parts.join(" "))
        })
        .collect()
}
