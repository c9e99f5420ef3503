//! Metrics on hand-made predictions with known answers, intervals against published values, and
//! the determinism of streaming state: any batch split and any merge order give bit-identical
//! estimates.

use proptest::prelude::*;
use rbench::check::{Params, Value};
use rbench::metric::{
    auc, ce, combined_bound, mean_ce, relative_ce, Accumulator, Basis, Direction, Estimate,
    Evaluation, F1Average, MetricError, MetricState, Norm, PerturbationSize, Predictions,
    Statistic, DEFAULT_BINS,
};
use rbench::registry;

/// A streaming metric with its parameters, bound through the registry as a spec's call is.
#[derive(Debug, Clone, Copy)]
enum StreamingMetric {
    Accuracy,
    Error,
    RobustAccuracy,
    FlipRate,
    AttackSuccessRate,
    ConfidenceDrop,
    Brier,
    Ece { bins: usize },
    F1 { average: F1Average },
    ClassAccuracy { class: u32 },
    PerturbationNorm { norm: Norm, statistic: Statistic },
}

impl StreamingMetric {
    /// The built-in's name and the parameters a spec would give it.
    fn call(self) -> (&'static str, Vec<(&'static str, Value)>) {
        let word = |w: &str| Value::Word(w.to_string());
        match self {
            StreamingMetric::Accuracy => ("accuracy", vec![]),
            StreamingMetric::Error => ("error", vec![]),
            StreamingMetric::RobustAccuracy => ("robust_accuracy", vec![]),
            StreamingMetric::FlipRate => ("flip_rate", vec![]),
            StreamingMetric::AttackSuccessRate => ("attack_success_rate", vec![]),
            StreamingMetric::ConfidenceDrop => ("confidence_drop", vec![]),
            StreamingMetric::Brier => ("brier", vec![]),
            StreamingMetric::Ece { bins } => ("ece", vec![("bins", Value::Int(bins as i64))]),
            StreamingMetric::F1 { average } => {
                let average = match average {
                    F1Average::Macro => "macro",
                    F1Average::Micro => "micro",
                    F1Average::Weighted => "weighted",
                };
                ("f1", vec![("average", word(average))])
            }
            StreamingMetric::ClassAccuracy { class } => {
                ("class_accuracy", vec![("class", Value::Int(class.into()))])
            }
            StreamingMetric::PerturbationNorm { norm, statistic } => {
                let norm = match norm {
                    Norm::Linf => "linf",
                    Norm::L2 => "l2",
                };
                let statistic = match statistic {
                    Statistic::Mean => "mean",
                    Statistic::Median => "median",
                };
                let params = vec![("norm", word(norm)), ("statistic", word(statistic))];
                ("perturbation_norm", params)
            }
        }
    }

    fn name(self) -> &'static str {
        self.call().0
    }

    /// A fresh accumulator, from the registry's binding of the call.
    fn accumulator(self) -> MetricState {
        let (name, params) = self.call();
        let params: Params = params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let builtin = registry::metric(name).expect("a registered metric");
        match builtin.evaluation(&params) {
            Evaluation::Streaming(state) => state,
            Evaluation::Derived(derived) => panic!("`{name}` is derived ({derived:?})"),
        }
    }
}

/// Owned predictions of a batch, from which `Predictions` views are taken.
#[derive(Debug, Clone)]
struct Rows {
    classes: usize,
    logits: Vec<f32>,
    labels: Vec<u32>,
    indices: Vec<u64>,
    clean: Option<Vec<f32>>,
    /// The size of each sample's perturbation.
    sizes: Option<Vec<PerturbationSize>>,
}

impl Rows {
    /// Samples given as (logits, label); indices count from 0.
    fn new(classes: usize, samples: &[(&[f32], u32)]) -> Self {
        Rows {
            classes,
            logits: samples
                .iter()
                .flat_map(|(l, _)| l.iter().copied())
                .collect(),
            labels: samples.iter().map(|&(_, label)| label).collect(),
            indices: (0..samples.len() as u64).collect(),
            clean: None,
            sizes: None,
        }
    }

    fn with_clean(mut self, clean: &[&[f32]]) -> Self {
        self.clean = Some(clean.iter().flat_map(|l| l.iter().copied()).collect());
        self
    }

    /// Perturbations measured between clean and perturbed inputs of equal-sized samples.
    fn with_inputs(mut self, clean: &[f32], perturbed: &[f32]) -> Self {
        self.sizes = Some(perturbation_sizes(self.labels.len(), clean, perturbed));
        self
    }

    fn predictions(&self) -> Predictions<'_> {
        let mut batch = Predictions::new(self.classes, &self.logits, &self.labels, &self.indices)
            .expect("valid predictions");
        if let Some(clean) = &self.clean {
            batch = batch.with_clean(clean).expect("valid clean logits");
        }
        if let Some(sizes) = &self.sizes {
            batch = batch.with_sizes(sizes).expect("valid sizes");
        }
        batch
    }

    /// Samples `range` as a batch of their own.
    fn slice(&self, range: std::ops::Range<usize>) -> Rows {
        let k = self.classes;
        let rows = range.start * k..range.end * k;
        Rows {
            classes: k,
            logits: self.logits[rows.clone()].to_vec(),
            labels: self.labels[range.clone()].to_vec(),
            indices: self.indices[range.clone()].to_vec(),
            clean: self.clean.as_ref().map(|c| c[rows].to_vec()),
            sizes: self.sizes.as_ref().map(|s| s[range].to_vec()),
        }
    }
}

/// The perturbation size of each of `n` equal-sized samples.
fn perturbation_sizes(n: usize, clean: &[f32], perturbed: &[f32]) -> Vec<PerturbationSize> {
    let size = clean.len() / n.max(1);
    clean
        .chunks(size)
        .zip(perturbed.chunks(size))
        .map(|(c, p)| PerturbationSize::between(c, p))
        .collect()
}

fn evaluate(metric: StreamingMetric, rows: &Rows) -> Estimate {
    let mut state = metric.accumulator();
    state
        .add(&rows.predictions())
        .expect("metric reads the batch");
    state.finish()
}

fn close(found: f64, expected: f64, tolerance: f64) {
    assert!(
        (found - expected).abs() <= tolerance,
        "found {found}, expected {expected}"
    );
}

/// ln(p / (1 − p)) as a logit of class 0 against 0, so the softmax of class 0 is p.
fn odds(p: f64) -> f32 {
    (p / (1.0 - p)).ln() as f32
}

#[test]
fn accuracy_error_and_robust_accuracy_count_top1_hits() {
    let rows = Rows::new(
        3,
        &[
            (&[2.0, 1.0, 0.0], 0),
            (&[0.0, 3.0, 1.0], 1),
            (&[1.0, 1.0, 0.0], 1), // tie: the first class wins, so wrong
            (&[0.0, 0.0, 5.0], 0),
        ],
    );
    let accuracy = evaluate(StreamingMetric::Accuracy, &rows);
    assert_eq!(accuracy.value, 0.5);
    assert_eq!(accuracy.samples, 4);
    assert_eq!(
        accuracy.basis,
        Basis::Proportion {
            successes: 2,
            trials: 4
        }
    );
    assert_eq!(evaluate(StreamingMetric::RobustAccuracy, &rows), accuracy);
    let error = evaluate(StreamingMetric::Error, &rows);
    assert_eq!(error.value, 0.5);
    assert_eq!(
        error.basis,
        Basis::Proportion {
            successes: 2,
            trials: 4
        }
    );
}

#[test]
fn class_accuracy_reads_only_its_class() {
    let rows = Rows::new(
        2,
        &[
            (&[1.0, 0.0], 0),
            (&[0.0, 1.0], 0),
            (&[0.0, 1.0], 0),
            (&[0.0, 1.0], 1),
        ],
    );
    let zero = evaluate(StreamingMetric::ClassAccuracy { class: 0 }, &rows);
    assert_eq!(
        zero.basis,
        Basis::Proportion {
            successes: 1,
            trials: 3
        }
    );
    assert_eq!(zero.samples, 4);
    let one = evaluate(StreamingMetric::ClassAccuracy { class: 1 }, &rows);
    assert_eq!(one.value, 1.0);
    let mut missing = StreamingMetric::ClassAccuracy { class: 2 }.accumulator();
    assert_eq!(
        missing.add(&rows.predictions()),
        Err(MetricError::ClassOutOfRange {
            class: 2,
            classes: 2
        })
    );
}

#[test]
fn flips_and_attack_successes_compare_with_the_clean_prediction() {
    // (perturbed, clean, label): clean correct → still correct; clean correct → flipped wrong;
    // clean wrong → flipped to another wrong class; clean wrong → flipped to correct.
    let rows = Rows::new(
        3,
        &[
            (&[5.0, 0.0, 0.0], 0),
            (&[0.0, 5.0, 0.0], 0),
            (&[0.0, 0.0, 5.0], 0),
            (&[0.0, 0.0, 5.0], 2),
        ],
    )
    .with_clean(&[
        &[5.0, 0.0, 0.0],
        &[5.0, 0.0, 0.0],
        &[0.0, 5.0, 0.0],
        &[5.0, 0.0, 0.0],
    ]);
    let flips = evaluate(StreamingMetric::FlipRate, &rows);
    assert_eq!(
        flips.basis,
        Basis::Proportion {
            successes: 3,
            trials: 4
        }
    );
    let attack = evaluate(StreamingMetric::AttackSuccessRate, &rows);
    assert_eq!(
        attack.basis,
        Basis::Proportion {
            successes: 1,
            trials: 2
        }
    );
    assert_eq!(attack.samples, 4);
    let without_clean = Rows::new(2, &[(&[1.0, 0.0], 0)]);
    let mut state = StreamingMetric::FlipRate.accumulator();
    assert_eq!(
        state.add(&without_clean.predictions()),
        Err(MetricError::MissingClean)
    );
}

#[test]
fn confidence_drop_is_the_mean_loss_of_the_clean_class() {
    // Clean predicts class 0 with 0.75 then 0.9; perturbed gives class 0 0.5 then 0.3 (the second
    // prediction flips, and the drop is still measured on the clean class).
    let rows = Rows::new(2, &[(&[0.0, 0.0], 0), (&[odds(0.3), 0.0], 0)])
        .with_clean(&[&[odds(0.75), 0.0], &[odds(0.9), 0.0]]);
    let drop = evaluate(StreamingMetric::ConfidenceDrop, &rows);
    // Drops 0.25 and 0.6: mean 0.425, s² = 0.06125, standard error √(0.06125 / 2) = 0.175.
    close(drop.value, 0.425, 1e-6);
    let Basis::Mean { count, std_error } = drop.basis else {
        panic!("a mean has a normal interval: {drop:?}");
    };
    assert_eq!(count, 2);
    close(std_error, 0.175, 1e-6);
    let interval = drop.interval.expect("a 95% interval");
    close(interval.low, 0.425 - 1.959_964 * 0.175, 1e-5);
    close(interval.high, 0.425 + 1.959_964 * 0.175, 1e-5);
}

#[test]
fn ece_matches_a_hand_computed_example() {
    // Confidences 0.5 (right), 0.9 (wrong), 0.9 (right), 0.75 (right). Five bins:
    // (0.4, 0.6]: 1 sample, |1 − 0.5| = 0.5; (0.6, 0.8]: 1, |1 − 0.75| = 0.25;
    // (0.8, 1]: 2, |0.5 − 0.9| = 0.4. ECE = (0.5 + 0.25 + 2 × 0.4) / 4 = 0.3875.
    let rows = Rows::new(
        2,
        &[
            (&[0.0, 0.0], 0),
            (&[odds(0.9), 0.0], 1),
            (&[odds(0.9), 0.0], 0),
            (&[0.0, odds(0.75)], 1),
        ],
    );
    let ece = evaluate(StreamingMetric::Ece { bins: 5 }, &rows);
    close(ece.value, 0.3875, 1e-6);
    assert_eq!(ece.interval, None);
    // One bin: |3/4 − mean confidence 3.05/4| = 0.0125.
    close(
        evaluate(StreamingMetric::Ece { bins: 1 }, &rows).value,
        0.0125,
        1e-6,
    );
    // A perfectly calibrated bin: confidence 0.5, half right.
    let calibrated = Rows::new(2, &[(&[0.0, 0.0], 0), (&[0.0, 0.0], 1)]);
    let exact = evaluate(StreamingMetric::Ece { bins: DEFAULT_BINS }, &calibrated);
    assert_eq!(exact.value, 0.0);
}

#[test]
fn f1_averages_agree_with_scikit_learn() {
    // y_true = [0, 0, 0, 1, 2], y_pred = [0, 0, 1, 1, 1], and a fourth class that never occurs.
    // sklearn.metrics.f1_score: macro 0.4333…, weighted 0.58, micro 0.6.
    let one_hot = |class: usize| -> [f32; 4] {
        let mut logits = [0.0; 4];
        logits[class] = 1.0;
        logits
    };
    let predicted = [0, 0, 1, 1, 1].map(one_hot);
    let labels = [0, 0, 0, 1, 2];
    let samples: Vec<(&[f32], u32)> = predicted
        .iter()
        .zip(labels)
        .map(|(logits, label)| (&logits[..], label))
        .collect();
    let rows = Rows::new(4, &samples);
    let f1 = |average| evaluate(StreamingMetric::F1 { average }, &rows).value;
    close(f1(F1Average::Macro), 1.3 / 3.0, 1e-15);
    close(f1(F1Average::Weighted), 0.58, 1e-15);
    assert_eq!(f1(F1Average::Micro), 0.6);
}

#[test]
fn perturbation_norms_are_measured_on_successful_attacks_only() {
    // Four samples of three values: the first attack fails, the other three succeed with
    // perturbations (0.5, 0, 0), (0.25, 0, 0) and (0.375, 0.5, 0).
    let rows = Rows::new(
        2,
        &[
            (&[1.0, 0.0], 0),
            (&[0.0, 1.0], 0),
            (&[0.0, 1.0], 0),
            (&[0.0, 1.0], 0),
        ],
    )
    .with_clean(&[&[1.0f32, 0.0][..]; 4])
    .with_inputs(
        &[0.0; 12],
        &[
            0.9, 0.9, 0.9, 0.5, 0.0, 0.0, 0.25, 0.0, 0.0, 0.375, 0.5, 0.0,
        ],
    );
    let norm = |norm, statistic| {
        evaluate(StreamingMetric::PerturbationNorm { norm, statistic }, &rows).value
    };
    close(norm(Norm::Linf, Statistic::Mean), 1.25 / 3.0, 1e-12);
    assert_eq!(norm(Norm::Linf, Statistic::Median), 0.5);
    close(norm(Norm::L2, Statistic::Mean), 1.375 / 3.0, 1e-12);
    assert_eq!(norm(Norm::L2, Statistic::Median), 0.5);
    let mut state = StreamingMetric::PerturbationNorm {
        norm: Norm::L2,
        statistic: Statistic::Mean,
    }
    .accumulator();
    let no_inputs = Rows::new(2, &[(&[0.0, 1.0], 0)]).with_clean(&[&[1.0, 0.0]]);
    assert_eq!(
        state.add(&no_inputs.predictions()),
        Err(MetricError::MissingSizes)
    );
}

#[test]
fn wilson_intervals_match_published_values() {
    // Wilson (1927); values as in Newcombe (1998), Statistics in Medicine 17, table I.
    let eight = Estimate::proportion(8, 10, 10).interval.expect("interval");
    close(eight.low, 0.4902, 5e-5);
    close(eight.high, 0.9433, 5e-5);
    assert_eq!(eight.level, 0.95);
    let none = Estimate::proportion(0, 10, 10).interval.expect("interval");
    assert_eq!(none.low, 0.0);
    close(none.high, 0.2775, 5e-5);
    let all = Estimate::proportion(10, 10, 10).interval.expect("interval");
    close(all.low, 0.7225, 5e-5);
    assert_eq!(all.high, 1.0);
    let ninety = Estimate::proportion(8, 10, 10)
        .interval_at(0.99)
        .expect("valid level")
        .expect("interval");
    assert!(ninety.low < eight.low && ninety.high > eight.high);
    assert_eq!(Estimate::proportion(0, 0, 0).interval, None);
    assert!(Estimate::proportion(0, 0, 0).value.is_nan());
}

#[test]
fn gates_compare_one_sided_bounds() {
    let estimate = Estimate::proportion(8, 10, 10);
    // One-sided 95%: z = Φ⁻¹(0.95) = 1.645.
    let low = estimate.bound(Direction::Lower, 0.95).expect("bound");
    let high = estimate.bound(Direction::Upper, 0.95).expect("bound");
    close(low, 0.540_792_805_687_488, 1e-12);
    close(high, 0.931_442_012_262_468, 1e-12);
    // A one-sided bound at 97.5% is the end of the two-sided 95% interval.
    let two_sided = estimate.interval.expect("interval");
    close(
        estimate.bound(Direction::Lower, 0.975).expect("bound"),
        two_sided.low,
        1e-15,
    );
    assert_eq!(
        estimate.bound(Direction::Lower, 1.0),
        Err(MetricError::Level(1.0))
    );
    assert_eq!(
        Estimate::point(0.1, 10).bound(Direction::Upper, 0.95),
        Err(MetricError::NoInterval)
    );
}

#[test]
fn differences_of_proportions_follow_newcombe() {
    // Newcombe (1998), method 10, example (a): 56/70 − 48/80, 95% interval [0.0524, 0.3339].
    let a = Estimate::proportion(56, 70, 70);
    let b = Estimate::proportion(48, 80, 80);
    let terms = [(1.0, &a), (-1.0, &b)];
    let low = combined_bound(&terms, Direction::Lower, 0.975).expect("bound");
    let high = combined_bound(&terms, Direction::Upper, 0.975).expect("bound");
    close(low, 0.0524, 5e-5);
    close(high, 0.3339, 5e-5);
    let ece = Estimate::point(0.1, 10);
    assert_eq!(
        combined_bound(&[(1.0, &a), (1.0, &ece)], Direction::Lower, 0.9),
        Err(MetricError::NoInterval)
    );
}

#[test]
fn corruption_errors_follow_hendrycks_and_dietterich() {
    let errors = |values: &[f64]| -> Vec<Estimate> {
        values.iter().map(|&e| Estimate::point(e, 100)).collect()
    };
    // Corruption A: errors sum to 2.0 against the baseline's 3.0 → CE 2/3.
    let model_a = errors(&[0.2, 0.3, 0.4, 0.5, 0.6]);
    let baseline_a = errors(&[0.4, 0.5, 0.6, 0.7, 0.8]);
    // Corruption B: 1.0 against 2.0 → CE 0.5.
    let model_b = errors(&[0.1, 0.15, 0.2, 0.25, 0.3]);
    let baseline_b = errors(&[0.3, 0.35, 0.4, 0.45, 0.5]);
    let ce_a = ce(&model_a, &baseline_a).expect("ce");
    let ce_b = ce(&model_b, &baseline_b).expect("ce");
    close(ce_a.value, 2.0 / 3.0, 1e-15);
    close(ce_b.value, 0.5, 1e-15);
    assert_eq!(ce_a.samples, 500);
    close(
        mean_ce(&[ce_a, ce_b]).expect("mce").value,
        (2.0 / 3.0 + 0.5) / 2.0,
        1e-15,
    );
    // Relative: clean errors 0.1 (model) and 0.3 (baseline): (2.0 − 0.5) / (3.0 − 1.5) = 1.
    let clean = Estimate::point(0.1, 100);
    let baseline_clean = Estimate::point(0.3, 100);
    let relative = relative_ce(&clean, &model_a, &baseline_clean, &baseline_a).expect("relative");
    close(relative.value, 1.0, 1e-15);
    assert!(ce(&model_a, &baseline_a[..4]).is_err());
    assert!(ce(&model_a, &errors(&[0.0; 5])).is_err());
    assert!(mean_ce(&[]).is_err());
}

#[test]
fn auc_is_the_mean_height_of_the_accuracy_curve() {
    let at = |strength: f64, accuracy: f64| (strength, Estimate::point(accuracy, 10));
    // Members given out of order: strengths 0, 1, 3 with accuracies 1, 0.5, 0.5:
    // area 0.75 + 1.0 = 1.75 over a range of 3.
    let points = [at(3.0, 0.5), at(0.0, 1.0), at(1.0, 0.5)];
    let area = auc(&points).expect("auc");
    close(area.value, 1.75 / 3.0, 1e-15);
    assert_eq!(area.samples, 30);
    assert_eq!(auc(&[at(0.1, 0.7)]).expect("auc").value, 0.7);
    assert!(auc(&[]).is_err());
    assert!(auc(&[at(1.0, 0.5), at(1.0, 0.6)]).is_err());
}

#[test]
fn every_streaming_metric_has_a_schema() {
    let metrics = [
        StreamingMetric::Accuracy,
        StreamingMetric::Error,
        StreamingMetric::RobustAccuracy,
        StreamingMetric::FlipRate,
        StreamingMetric::AttackSuccessRate,
        StreamingMetric::ConfidenceDrop,
        StreamingMetric::Brier,
        StreamingMetric::Ece { bins: 15 },
        StreamingMetric::F1 {
            average: F1Average::Macro,
        },
        StreamingMetric::ClassAccuracy { class: 0 },
        StreamingMetric::PerturbationNorm {
            norm: Norm::Linf,
            statistic: Statistic::Mean,
        },
    ];
    let mut names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
    names.extend(["ce", "mce", "relative_mce", "auc"]);
    let mut schemas: Vec<&str> = registry::METRICS.iter().map(|m| m.schema().name).collect();
    names.sort_unstable();
    schemas.sort_unstable();
    assert_eq!(names, schemas);
}

/// Every float of an estimate as bits, so equality means bit-identical.
fn fingerprint(estimate: &Estimate) -> Vec<u64> {
    let mut bits = vec![estimate.value.to_bits(), estimate.samples];
    if let Some(interval) = estimate.interval {
        bits.extend([interval.low, interval.high, interval.level].map(f64::to_bits));
    }
    match estimate.basis {
        Basis::Proportion { successes, trials } => bits.extend([successes, trials]),
        Basis::Mean { count, std_error } => bits.extend([count, std_error.to_bits()]),
        Basis::Point => {}
    }
    bits
}

/// Every streaming metric, each setting once.
fn all_metrics(classes: u32) -> Vec<StreamingMetric> {
    let mut metrics = vec![
        StreamingMetric::Accuracy,
        StreamingMetric::Error,
        StreamingMetric::FlipRate,
        StreamingMetric::AttackSuccessRate,
        StreamingMetric::ConfidenceDrop,
        StreamingMetric::Brier,
        StreamingMetric::Ece { bins: 1 },
        StreamingMetric::Ece { bins: 15 },
        StreamingMetric::ClassAccuracy { class: classes - 1 },
    ];
    for average in [F1Average::Macro, F1Average::Micro, F1Average::Weighted] {
        metrics.push(StreamingMetric::F1 { average });
    }
    for norm in [Norm::Linf, Norm::L2] {
        for statistic in [Statistic::Mean, Statistic::Median] {
            metrics.push(StreamingMetric::PerturbationNorm { norm, statistic });
        }
    }
    metrics
}

const SAMPLE_SIZE: usize = 3;

/// A logit: often a small integer (so ties and equal confidences occur), else any value.
fn logit() -> impl Strategy<Value = f32> {
    prop_oneof![(-2i8..3).prop_map(f32::from), -8.0f32..8.0]
}

/// Random predictions with clean logits and inputs, cut into batches, and an order of the batches.
fn split_rows() -> impl Strategy<Value = (Rows, Vec<std::ops::Range<usize>>, Vec<usize>)> {
    (2usize..5, 1usize..40)
        .prop_flat_map(|(classes, n)| {
            (
                Just(classes),
                prop::collection::vec(logit(), n * classes),
                prop::collection::vec(logit(), n * classes),
                prop::collection::vec(0..classes as u32, n),
                prop::collection::vec(-1.0f32..1.0, n * SAMPLE_SIZE),
                prop::collection::vec(1usize..8, 1..n + 1),
            )
        })
        .prop_flat_map(|(classes, logits, clean, labels, deltas, sizes)| {
            let n = labels.len();
            let clean_inputs: Vec<f32> = (0..n * SAMPLE_SIZE).map(|i| i as f32 / 10.0).collect();
            let perturbed: Vec<f32> = clean_inputs
                .iter()
                .zip(&deltas)
                .map(|(c, d)| c + d)
                .collect();
            let rows = Rows {
                classes,
                logits,
                labels,
                indices: (0..n as u64).map(|i| i * 7 + 3).collect(),
                clean: Some(clean),
                sizes: Some(perturbation_sizes(n, &clean_inputs, &perturbed)),
            };
            let mut ranges = Vec::new();
            let mut start = 0;
            for size in sizes {
                if start < n {
                    let end = (start + size).min(n);
                    ranges.push(start..end);
                    start = end;
                }
            }
            if start < n {
                ranges.push(start..n);
            }
            let order: Vec<usize> = (0..ranges.len()).collect();
            (Just(rows), Just(ranges), Just(order).prop_shuffle())
        })
}

proptest! {
    #[test]
    fn any_split_and_merge_order_gives_bit_identical_estimates(
        (rows, ranges, order) in split_rows()
    ) {
        let batches: Vec<Rows> = ranges.iter().map(|r| rows.slice(r.clone())).collect();
        for metric in all_metrics(rows.classes as u32) {
            let whole = evaluate(metric, &rows);
            // One state per batch, merged in a shuffled order.
            let states: Vec<MetricState> = batches
                .iter()
                .map(|batch| {
                    let mut state = metric.accumulator();
                    state.add(&batch.predictions()).expect("metric reads the batch");
                    state
                })
                .collect();
            let mut merged = metric.accumulator();
            for &i in &order {
                merged.merge(&states[i]);
            }
            prop_assert_eq!(fingerprint(&merged.finish()), fingerprint(&whole), "{:?}", metric);
            // All batches into one state, in the shuffled order.
            let mut streamed = metric.accumulator();
            for &i in &order {
                streamed.add(&batches[i].predictions()).expect("metric reads the batch");
            }
            prop_assert_eq!(fingerprint(&streamed.finish()), fingerprint(&whole), "{:?}", metric);
        }
    }
}
