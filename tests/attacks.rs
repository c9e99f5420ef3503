//! Adversarial attacks at run time: budgets (every result inside the ε-ball and the range),
//! agreement with torchattacks on the bundled digits MLP, restarts and cascades that never make
//! a sample more robust, targeted success, determinism, query budgets and immutable features.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use rbench::data::{self, Batch, Selection, Source, SourceSpec};
use rbench::model::{InputGradient, ModelError, Network, OnnxModel};
use rbench::perturb::{
    node_seed, Apgd, Context, Cw, Feature, Fgsm, Loss, Norm, Perturbation, Pgd, Square, Target,
    WorstOf,
};
use support::networks::Mlp;

// ----- models and data ----------------------------------------------------------------------

/// Counts the samples every forward pass (and gradient) sees: the queries of a black-box attack.
struct Counted<'a> {
    inner: &'a dyn Network,
    forwarded: AtomicUsize,
    differentiated: AtomicUsize,
}

impl Network for Counted<'_> {
    fn input_shape(&self) -> &[usize] {
        self.inner.input_shape()
    }
    fn classes(&self) -> usize {
        self.inner.classes()
    }
    fn forward(&self, inputs: &[f32], n: usize) -> Result<Vec<f32>, ModelError> {
        self.forwarded.fetch_add(n, Ordering::Relaxed);
        self.inner.forward(inputs, n)
    }
    fn input_gradient(
        &self,
        inputs: &[f32],
        n: usize,
        loss_gradient: &dyn Fn(&[f32]) -> Vec<f32>,
    ) -> Result<InputGradient, ModelError> {
        self.differentiated.fetch_add(n, Ordering::Relaxed);
        self.inner.input_gradient(inputs, n, loss_gradient)
    }
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn open(spec: &SourceSpec, selection: Selection) -> Box<dyn Source> {
    data::open(spec, &selection).expect("the bundled data opens")
}

/// The first `n` digits of the test split, `[1, 8, 8]` in [0, 1].
fn digits(n: usize) -> Batch {
    let spec = SourceSpec::Npz {
        path: examples().join("data/digits_test.npz"),
        x: "x".into(),
        y: "y".into(),
    };
    open(&spec, Selection::all(10, (0.0, 1.0)))
        .batch(0..n)
        .expect("the digits read")
}

fn digits_mlp() -> OnnxModel {
    OnnxModel::load(&examples().join("models/digits_mlp.onnx")).expect("the digits MLP loads")
}

fn ctx<'a>(model: &'a dyn Network, range: (f32, f32)) -> Context<'a> {
    Context {
        range,
        seed: node_seed(11, &[5; 32]),
        model: Some(model),
        feature_names: None,
    }
}

fn attacked(attack: &dyn Perturbation, mut batch: Batch, ctx: &Context<'_>) -> Batch {
    attack.apply(&mut batch, ctx).expect("the attack runs");
    batch
}

/// Whether the model still classifies each sample of `batch` as its label.
fn robust(model: &dyn Network, batch: &Batch) -> Vec<bool> {
    let classes = model.classes();
    let logits = model.forward(&batch.inputs, batch.len()).expect("forward");
    logits
        .chunks(classes)
        .zip(&batch.labels)
        .map(|(row, &label)| {
            let best = (0..classes).fold(0, |b, i| if row[i] > row[b] { i } else { b });
            best == label as usize
        })
        .collect()
}

fn robust_count(model: &dyn Network, batch: &Batch) -> usize {
    robust(model, batch).into_iter().filter(|&r| r).count()
}

fn pgd(norm: Norm, eps: f64, steps: usize, random_start: bool, restarts: usize) -> Pgd {
    Pgd {
        norm,
        eps,
        step: None,
        steps,
        random_start,
        restarts,
        target: Target::Untargeted,
        immutable: vec![],
    }
}

fn apgd(norm: Norm, eps: f64, loss: Loss) -> Apgd {
    Apgd {
        norm,
        eps,
        steps: 20,
        loss,
        rho: 0.75,
        restarts: 1,
        target: Target::Untargeted,
        immutable: vec![],
    }
}

fn square(eps: f64, queries: usize) -> Square {
    Square {
        eps,
        queries,
        p_init: 0.8,
        restarts: 1,
        target: Target::Untargeted,
        immutable: vec![],
    }
}

/// The largest distance, in `norm`, between a sample of `a` and the same sample of `b`.
fn largest_distance(norm: Norm, a: &Batch, b: &Batch) -> f64 {
    let size = a.sample_size();
    a.inputs
        .chunks(size)
        .zip(b.inputs.chunks(size))
        .map(|(x, y)| {
            let d = x.iter().zip(y).map(|(x, y)| f64::from(x - y).abs());
            match norm {
                Norm::Linf => d.fold(0.0, f64::max),
                Norm::L2 => d.map(|d| d * d).sum::<f64>().sqrt(),
            }
        })
        .fold(0.0, f64::max)
}

// ----- agreement with torchattacks ----------------------------------------------------------

/// Robust counts on the first 200 digits of the test split (195 classified correctly when clean)
/// printed by `tests/reference/attacks_torchattacks.py` (torch 2.15.0, torchattacks 3.5.1):
///
///     /work/venv-attacks/bin/python tests/reference/attacks_torchattacks.py
///
/// FGSM and PGD (L∞, 10 steps of 2.5·ε/10, no random start) at ε = 1/16, 2/16, 3/16, and PGDL2
/// (10 steps of 2.5·ε/10, no random start) at ε = 0.5 and 1. The data is in [0, 1] already.
/// These are the script's float64 numbers: rbench computes the loss gradient in f64, while in
/// float32 torch's softmax gradient p_y − 1 cancels to 0 on confidently classified samples, which
/// turns some signs and leaves more samples robust (float32: FGSM 126, 24, 8; PGD 119, 15, 5).
const TORCHATTACKS_FGSM: [usize; 3] = [126, 21, 5];
const TORCHATTACKS_PGD_LINF: [usize; 3] = [119, 14, 4];
const TORCHATTACKS_PGD_L2: [(f64, usize); 2] = [(0.5, 62), (1.0, 1)];
/// CW (c, robust count; κ = 0, 50 steps, lr 0.01) from the same script's `PaperCW`:
/// torchattacks' `CW` with the paper's f, which rbench computes (torchattacks' own f leaves 86
/// and 83 robust).
const TORCHATTACKS_CW_PAPER_F: [(f64, usize); 2] = [(1.0, 73), (10.0, 72)];

fn assert_within_one_sample(ours: usize, reference: usize, what: &str) {
    assert!(
        ours.abs_diff(reference) <= 1,
        "{what}: {ours} robust samples, torchattacks {reference}"
    );
}

#[test]
fn fgsm_pgd_and_cw_match_torchattacks_on_the_digits_mlp() {
    let model = digits_mlp();
    let clean = digits(200);
    let ctx = ctx(&model, (0.0, 1.0));
    assert_eq!(robust_count(&model, &clean), 195);
    for (i, sixteenths) in [1.0, 2.0, 3.0].into_iter().enumerate() {
        let eps = sixteenths / 16.0;
        let fgsm = Fgsm::new(eps, Target::Untargeted, vec![]).expect("valid");
        let ours = robust_count(&model, &attacked(&fgsm, clean.clone(), &ctx));
        assert_within_one_sample(ours, TORCHATTACKS_FGSM[i], &format!("FGSM ε = {eps}"));
        let pgd = pgd(Norm::Linf, eps, 10, false, 1);
        let ours = robust_count(&model, &attacked(&pgd, clean.clone(), &ctx));
        assert_within_one_sample(ours, TORCHATTACKS_PGD_LINF[i], &format!("PGD ε = {eps}"));
    }
    for (eps, reference) in TORCHATTACKS_PGD_L2 {
        let pgd = pgd(Norm::L2, eps, 10, false, 1);
        let ours = robust_count(&model, &attacked(&pgd, clean.clone(), &ctx));
        assert_within_one_sample(ours, reference, &format!("PGD L2 ε = {eps}"));
    }
    for (c, reference) in TORCHATTACKS_CW_PAPER_F {
        let cw = Cw {
            c,
            kappa: 0.0,
            steps: 50,
            lr: 0.01,
            target: Target::Untargeted,
            immutable: vec![],
        };
        let ours = robust_count(&model, &attacked(&cw, clean.clone(), &ctx));
        assert_within_one_sample(ours, reference, &format!("CW c = {c}"));
    }
}

#[test]
fn stronger_attacks_leave_fewer_digits_robust() {
    let model = digits_mlp();
    let clean = digits(449);
    let ctx = ctx(&model, (0.0, 1.0));
    for eps in [1.0 / 16.0, 2.0 / 16.0] {
        let fgsm = Fgsm::new(eps, Target::Untargeted, vec![]).expect("valid");
        let fgsm = robust_count(&model, &attacked(&fgsm, clean.clone(), &ctx));
        let pgd = robust_count(
            &model,
            &attacked(&pgd(Norm::Linf, eps, 10, true, 1), clean.clone(), &ctx),
        );
        let apgd = robust_count(
            &model,
            &attacked(
                &apgd(Norm::Linf, eps, Loss::CrossEntropy),
                clean.clone(),
                &ctx,
            ),
        );
        assert!(pgd <= fgsm, "ε = {eps}: PGD {pgd} > FGSM {fgsm}");
        assert!(apgd <= fgsm, "ε = {eps}: APGD {apgd} > FGSM {fgsm}");
    }
}

// ----- budgets ------------------------------------------------------------------------------

fn weights(values: Vec<f32>, rows: usize, columns: usize) -> Vec<(Vec<f32>, f32)> {
    values
        .chunks(columns + 1)
        .take(rows)
        .map(|row| (row[..columns].to_vec(), row[columns]))
        .collect()
}

/// Small random networks (linear or with 5 hidden ReLUs) of 4 classes on 6 inputs, with a batch
/// of 3 samples in [0, 1].
fn networks() -> impl Strategy<Value = (Mlp, Batch)> {
    let d = 6;
    (
        any::<bool>(),
        prop::collection::vec(-2.0f32..2.0, 5 * (d + 1)),
        prop::collection::vec(-2.0f32..2.0, 4 * (d + 1)),
        prop::collection::vec(0.0f32..=1.0, 3 * d),
        prop::collection::vec(0u32..4, 3),
    )
        .prop_map(move |(linear, hidden, output, inputs, labels)| {
            let hidden = if linear {
                vec![]
            } else {
                weights(hidden, 5, d)
            };
            let features = if linear { d } else { 5 };
            let model = Mlp {
                shape: vec![d],
                hidden,
                output: weights(output, 4, features),
            };
            let batch = Batch {
                sample_shape: vec![d],
                inputs,
                labels,
                indices: vec![4, 9, 2],
            };
            (model, batch)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_attack_stays_in_its_ball_and_the_range(
        (model, clean) in networks(),
        eps in 0.0f64..0.5,
    ) {
        let ctx = ctx(&model, (0.0, 1.0));
        let linf: Vec<Box<dyn Perturbation>> = vec![
            Box::new(Fgsm::new(eps, Target::Untargeted, vec![]).expect("valid")),
            Box::new(pgd(Norm::Linf, eps, 5, true, 2)),
            Box::new(apgd(Norm::Linf, eps, Loss::CrossEntropy)),
            Box::new(apgd(Norm::Linf, eps, Loss::Dlr)),
            Box::new(square(eps, 30)),
        ];
        let l2: Vec<Box<dyn Perturbation>> = vec![
            Box::new(pgd(Norm::L2, eps, 5, true, 2)),
            Box::new(apgd(Norm::L2, eps, Loss::CrossEntropy)),
        ];
        for (norm, attacks) in [(Norm::Linf, linf), (Norm::L2, l2)] {
            for attack in attacks {
                let out = attacked(attack.as_ref(), clean.clone(), &ctx);
                prop_assert!(out.inputs.iter().all(|x| (0.0..=1.0).contains(x)));
                let distance = largest_distance(norm, &out, &clean);
                prop_assert!(distance <= eps + 1e-6, "{norm:?}: {distance} > {eps}");
            }
        }
    }
}

#[test]
fn one_pgd_step_of_size_eps_is_fgsm() {
    let model = digits_mlp();
    let clean = digits(100);
    let ctx = ctx(&model, (0.0, 1.0));
    let eps = 0.1;
    let fgsm = Fgsm::new(eps, Target::Untargeted, vec![]).expect("valid");
    let mut one_step = pgd(Norm::Linf, eps, 1, false, 1);
    one_step.step = Some(eps);
    assert_eq!(
        attacked(&fgsm, clean.clone(), &ctx),
        attacked(&one_step, clean, &ctx)
    );
}

// ----- restarts, cascades, targets ----------------------------------------------------------

#[test]
fn restarts_never_make_a_sample_more_robust() {
    let model = digits_mlp();
    let clean = digits(200);
    let ctx = ctx(&model, (0.0, 1.0));
    let eps = 1.0 / 16.0;
    let once = robust(
        &model,
        &attacked(&pgd(Norm::Linf, eps, 5, true, 1), clean.clone(), &ctx),
    );
    let thrice = robust(
        &model,
        &attacked(&pgd(Norm::Linf, eps, 5, true, 3), clean.clone(), &ctx),
    );
    for (s, (once, thrice)) in once.iter().zip(&thrice).enumerate() {
        assert!(
            *once || !*thrice,
            "sample {s} fooled by one restart survived three"
        );
    }
    let (once, thrice) = (
        once.iter().filter(|&&r| r).count(),
        thrice.iter().filter(|&&r| r).count(),
    );
    assert!(thrice <= once, "{thrice} > {once}");
}

#[test]
fn worst_of_is_at_most_as_robust_as_each_member() {
    let model = digits_mlp();
    let clean = digits(200);
    let ctx = ctx(&model, (0.0, 1.0));
    let eps = 1.0 / 16.0;
    let members = || -> Vec<Box<dyn Perturbation>> {
        vec![
            Box::new(Fgsm::new(eps, Target::Untargeted, vec![]).expect("valid")),
            Box::new(square(eps, 100)),
            Box::new(pgd(Norm::Linf, eps, 10, true, 1)),
        ]
    };
    let worst = attacked(&WorstOf::new(members()), clean.clone(), &ctx);
    let worst_robust = robust(&model, &worst);
    assert!(largest_distance(Norm::Linf, &worst, &clean) <= eps + 1e-6);
    let count = worst_robust.iter().filter(|&&r| r).count();
    for (i, member) in members().iter().enumerate() {
        // Each member runs with its own derived key inside the cascade, so compare counts.
        let alone = robust_count(&model, &attacked(member.as_ref(), clean.clone(), &ctx));
        assert!(count <= alone, "worst_of {count} > member {i} {alone}");
    }
    // A sample the model misclassifies when clean is not attacked.
    let clean_robust = robust(&model, &clean);
    for (s, r) in clean_robust.iter().enumerate() {
        if !r {
            let size = clean.sample_size();
            assert_eq!(
                worst.inputs[s * size..(s + 1) * size],
                clean.inputs[s * size..(s + 1) * size]
            );
        }
    }
}

#[test]
fn targeted_attacks_reach_their_target() {
    let model = digits_mlp();
    let clean = digits(100);
    let ctx = ctx(&model, (0.0, 1.0));
    let classes = model.classes();
    let labelled_three = clean.labels.iter().filter(|&&l| l == 3).count();
    let mut pgd = pgd(Norm::Linf, 0.3, 20, false, 1);
    pgd.target = Target::Class(3);
    let towards = |loss| Apgd {
        target: Target::Class(3),
        ..apgd(Norm::Linf, 0.3, loss)
    };
    let (apgd_ce, apgd_dlr) = (towards(Loss::CrossEntropy), towards(Loss::Dlr));
    for attack in [&pgd as &dyn Perturbation, &apgd_ce] {
        let out = attacked(attack, clean.clone(), &ctx);
        let logits = model.forward(&out.inputs, out.len()).expect("forward");
        let hits = logits
            .chunks(classes)
            .filter(|row| (0..classes).all(|c| row[c] <= row[3]))
            .count();
        assert!(hits >= 95, "{hits}/100 classified as the target");
    }
    // The targeted DLR loss only lifts z_t above z_y: success is a misclassification, as in
    // auto-attack, so the samples that are not 3s all end up misclassified.
    let out = attacked(&apgd_dlr, clean.clone(), &ctx);
    assert_eq!(robust_count(&model, &out), labelled_three);
}

#[test]
fn cw_finds_close_adversarial_examples() {
    let model = digits_mlp();
    let clean = digits(100);
    let ctx = ctx(&model, (0.0, 1.0));
    let cw = Cw {
        c: 10.0,
        kappa: 0.0,
        steps: 100,
        lr: 0.01,
        target: Target::Untargeted,
        immutable: vec![],
    };
    let out = attacked(&cw, clean.clone(), &ctx);
    let robust_after = robust_count(&model, &out);
    assert!(
        robust_after < robust_count(&model, &clean) / 2,
        "{robust_after} robust"
    );
    // A sample is either left clean or moved to an adversarial example.
    let still = robust(&model, &out);
    let size = clean.sample_size();
    for (s, &survived) in still.iter().enumerate() {
        if survived {
            assert_eq!(
                out.inputs[s * size..(s + 1) * size],
                clean.inputs[s * size..(s + 1) * size]
            );
        }
    }
}

// ----- determinism and queries --------------------------------------------------------------

/// Every attack with random draws, on the digits MLP.
fn random_attacks() -> Vec<Box<dyn Perturbation>> {
    let eps = 1.0 / 16.0;
    let mut targeted = pgd(Norm::L2, 1.0, 5, true, 2);
    targeted.target = Target::Random;
    vec![
        Box::new(pgd(Norm::Linf, eps, 5, true, 2)),
        Box::new(targeted),
        Box::new(apgd(Norm::L2, 0.5, Loss::Dlr)),
        Box::new(square(eps, 50)),
    ]
}

#[test]
fn attacks_are_deterministic_and_independent_of_the_batch_split() {
    let model = Mlp {
        shape: vec![1, 8, 8],
        hidden: weights(
            (0..65 * 12)
                .map(|i| ((i * 37 % 23) as f32 - 11.0) / 40.0)
                .collect(),
            12,
            64,
        ),
        output: weights(
            (0..13 * 10)
                .map(|i| ((i * 19 % 17) as f32 - 8.0) / 5.0)
                .collect(),
            10,
            12,
        ),
    };
    let clean = digits(40);
    let ctx = ctx(&model, (0.0, 1.0));
    let size = clean.sample_size();
    for attack in random_attacks() {
        let whole = attacked(attack.as_ref(), clean.clone(), &ctx);
        assert_eq!(whole, attacked(attack.as_ref(), clean.clone(), &ctx));
        let mut split = Vec::new();
        for range in [0..13, 13..14, 14..40] {
            let part = Batch {
                sample_shape: clean.sample_shape.clone(),
                inputs: clean.inputs[range.start * size..range.end * size].to_vec(),
                labels: clean.labels[range.clone()].to_vec(),
                indices: clean.indices[range].to_vec(),
            };
            split.extend(attacked(attack.as_ref(), part, &ctx).inputs);
        }
        assert_eq!(whole.inputs, split);
        assert_ne!(whole.inputs, clean.inputs);
    }
}

#[test]
fn square_stays_within_its_query_budget_and_uses_no_gradient() {
    let inner = digits_mlp();
    let model = Counted {
        inner: &inner,
        forwarded: AtomicUsize::new(0),
        differentiated: AtomicUsize::new(0),
    };
    let clean = digits(60);
    let ctx = ctx(&model, (0.0, 1.0));
    let budget = 40;
    let mut batch = clean.clone();
    let used = square(2.0 / 16.0, budget)
        .attack(&mut batch, &ctx)
        .expect("the attack runs");
    assert!(used.iter().all(|&q| q <= budget), "{used:?}");
    assert!(used.iter().any(|&q| q < budget), "no sample stopped early");
    assert_eq!(
        model.forwarded.load(Ordering::Relaxed),
        used.iter().sum::<usize>()
    );
    assert_eq!(model.differentiated.load(Ordering::Relaxed), 0);
    assert!(robust_count(&inner, &batch) < robust_count(&inner, &clean));
}

// ----- immutable features -------------------------------------------------------------------

#[test]
fn immutable_features_stay_bit_identical_on_a_table() {
    let spec = SourceSpec::Csv {
        path: examples().join("data/breast_cancer_test.csv"),
        label: "target".into(),
        features: None,
        delimiter: b',',
    };
    let source = open(&spec, Selection::all(2, (0.0, 4300.0)));
    let names = source.feature_names().expect("a table names its columns");
    assert_eq!(names.len(), 30);
    let clean = source.batch(0..source.len()).expect("the table reads");
    let model = OnnxModel::load(&examples().join("models/breast_cancer_mlp.onnx"))
        .expect("the model loads");
    let ctx = Context {
        feature_names: Some(names),
        ..ctx(&model, (0.0, 4300.0))
    };
    let fixed = ["mean radius", "worst area"];
    let positions: Vec<usize> = fixed
        .iter()
        .map(|f| names.iter().position(|n| n == f).expect("a column"))
        .collect();
    let immutable: Vec<Feature> = fixed.iter().map(|&f| f.into()).collect();
    let attacks: Vec<Box<dyn Perturbation>> = vec![
        Box::new(Fgsm::new(20.0, Target::Untargeted, immutable.clone()).expect("valid")),
        Box::new(Pgd {
            immutable: immutable.clone(),
            ..pgd(Norm::Linf, 20.0, 5, true, 1)
        }),
        Box::new(Apgd {
            immutable: immutable.clone(),
            ..apgd(Norm::L2, 50.0, Loss::CrossEntropy)
        }),
        Box::new(Square {
            immutable: immutable.clone(),
            ..square(20.0, 20)
        }),
        Box::new(Cw {
            c: 1.0,
            kappa: 0.0,
            steps: 10,
            lr: 0.5,
            target: Target::Untargeted,
            immutable: immutable.clone(),
        }),
    ];
    let size = clean.sample_size();
    for attack in attacks {
        let out = attacked(attack.as_ref(), clean.clone(), &ctx);
        assert_ne!(out.inputs, clean.inputs);
        for s in 0..clean.len() {
            for &p in &positions {
                let (a, b) = (out.inputs[s * size + p], clean.inputs[s * size + p]);
                assert_eq!(a.to_bits(), b.to_bits(), "sample {s}, feature {p}");
            }
        }
    }
    let unknown = Pgd {
        immutable: vec!["mean radius".into(), "age".into()],
        ..pgd(Norm::Linf, 1.0, 1, false, 1)
    };
    let error = unknown
        .apply(&mut clean.clone(), &ctx)
        .expect_err("`age` is not a column");
    assert!(
        error
            .to_string()
            .contains("`age` is not a feature of the data"),
        "{error}"
    );
    let unnamed = Context {
        feature_names: None,
        ..ctx
    };
    assert!(unknown.apply(&mut clean.clone(), &unnamed).is_err());
}

// ----- end to end ---------------------------------------------------------------------------

/// Runs `rbench run` on `spec` (written to a temporary folder, with the example models copied
/// beside it); returns the exit code and the standard error.
fn run_spec(spec: &str) -> (i32, String) {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    for model in ["digits_mlp.onnx", "breast_cancer_mlp.onnx"] {
        std::fs::copy(
            examples().join("models").join(model),
            dir.path().join(model),
        )
        .expect("copy the model");
    }
    std::fs::write(dir.path().join("bench.rbench"), spec).expect("write the spec");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rbench"))
        .current_dir(dir.path())
        .args(["run", "bench.rbench", "--quiet"])
        .output()
        .expect("rbench runs");
    let code = output.status.code().expect("an exit code");
    (code, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn every_attack_runs_from_a_spec_and_worst_of_is_the_worst() {
    let spec = r#"benchmark attacks { seed = 5 }
dataset digits {
  source = sample(digits)
  classes = 10
  range = [0, 1]
  limit = 60
}
model mlp { onnx = "digits_mlp.onnx" }
perturbation pgd = pgd(eps: 1/16, steps: 5, restarts: 2)
perturbation pgd_l2 = pgd(norm: l2, eps: 0.5, steps: 5)
perturbation apgd = apgd(eps: 1/16, steps: 10, loss: dlr)
perturbation square = square(eps: 1/16, queries: 50)
perturbation cw = cw(steps: 10, targeted: least_likely)
perturbation worst = worst_of([pgd, apgd, square])
evaluate mlp on digits under [pgd, pgd_l2, apgd, square, cw, worst]
require below_pgd: robust_accuracy(mlp, worst) <= robust_accuracy(mlp, pgd)
require below_apgd: robust_accuracy(mlp, worst) <= robust_accuracy(mlp, apgd)
require below_square: robust_accuracy(mlp, worst) <= robust_accuracy(mlp, square)
require attacked: robust_accuracy(mlp, pgd) < accuracy(mlp, clean)
"#;
    let (code, stderr) = run_spec(spec);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn immutable_features_are_resolved_by_name_when_the_attack_runs() {
    let spec = |features: &str| {
        format!(
            r#"benchmark table {{ seed = 5 }}
dataset cancer {{
  source = sample(breast_cancer)
  classes = 2
  range = [0, 4300]
}}
model mlp {{ onnx = "breast_cancer_mlp.onnx" }}
perturbation attack = pgd(eps: 5, steps: 3, immutable: [{features}])
evaluate mlp on cancer under [attack]
require ran: accuracy(mlp, attack) >= 0
"#
        )
    };
    let (code, stderr) = run_spec(&spec(r#""mean radius", "worst area""#));
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run_spec(&spec(r#""mean radius", "age""#));
    assert_ne!(code, 0);
    assert!(
        stderr.contains("`age` is not a feature of the data"),
        "{stderr}"
    );
}
