//! `perturbation_norm`: the size of the perturbations that succeed, measured on the inputs.

use super::builtin::{BuiltinMetric, Compute};
use super::fixed::Moments;
use super::predictions::argmax;
use super::schemas::{metric, MODEL, ON, UNDER};
use super::MetricState;
use super::{Accumulator, Estimate, MetricError, Predictions};
use crate::schema::{Args, Param, Type};

/// The norm of a perturbation δ = perturbed − clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// max |δᵢ|.
    Linf,
    /// √(Σ δᵢ²).
    L2,
}

/// The size of one sample's perturbation δ = perturbed − clean, in both norms, computed in f64
/// over the values as the model reads them (after clipping to the valid range).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PerturbationSize {
    /// max |δᵢ|.
    pub linf: f64,
    /// √(Σ δᵢ²).
    pub l2: f64,
}

impl PerturbationSize {
    /// The size of `perturbed − clean`, value by value in order (slices of equal length).
    pub fn between(clean: &[f32], perturbed: &[f32]) -> Self {
        let (mut linf, mut squares) = (0.0f64, 0.0f64);
        for (&p, &c) in perturbed.iter().zip(clean) {
            let d = f64::from(p) - f64::from(c);
            linf = linf.max(d.abs());
            squares += d * d;
        }
        PerturbationSize {
            linf,
            l2: squares.sqrt(),
        }
    }

    /// The size in `norm`.
    pub fn in_norm(&self, norm: Norm) -> f64 {
        match norm {
            Norm::Linf => self.linf,
            Norm::L2 => self.l2,
        }
    }
}

/// How the norms of successful perturbations are summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    Mean,
    Median,
}

/// The mean or median norm over successful perturbations: samples classified correctly when clean
/// and wrongly when perturbed (the successes of `attack_success_rate`).
#[derive(Debug, Clone, PartialEq)]
pub struct PerturbationNorm {
    norm: Norm,
    summary: Summary,
    samples: u64,
}

/// The mean needs sums; the median keeps every norm (8 bytes per successful sample).
#[derive(Debug, Clone, PartialEq)]
enum Summary {
    Mean(Moments),
    /// The norm of each success.
    Median(Vec<f64>),
}

impl PerturbationNorm {
    /// The `statistic` of the `norm`s of successful perturbations.
    pub fn new(norm: Norm, statistic: Statistic) -> Self {
        let summary = match statistic {
            Statistic::Mean => Summary::Mean(Moments::default()),
            Statistic::Median => Summary::Median(Vec::new()),
        };
        PerturbationNorm {
            norm,
            summary,
            samples: 0,
        }
    }
}

impl Accumulator for PerturbationNorm {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        for sample in batch.samples() {
            let clean = sample.require_clean()?;
            let label = sample.label as usize;
            if argmax(clean) != label || sample.correct() {
                continue;
            }
            let size = sample
                .size
                .ok_or(MetricError::MissingSizes)?
                .in_norm(self.norm);
            match &mut self.summary {
                Summary::Mean(moments) => moments.push(size, sample.index)?,
                Summary::Median(norms) => norms.push(size),
            }
        }
        self.samples += batch.len() as u64;
        Ok(())
    }

    fn merge(&mut self, other: &Self) {
        assert_eq!(self.norm, other.norm, "merging different norms");
        match (&mut self.summary, &other.summary) {
            (Summary::Mean(mine), Summary::Mean(theirs)) => mine.merge(theirs),
            (Summary::Median(mine), Summary::Median(theirs)) => mine.extend_from_slice(theirs),
            _ => panic!("merging a mean norm with a median norm"),
        }
        self.samples += other.samples;
    }

    fn finish(&self) -> Estimate {
        match &self.summary {
            Summary::Mean(moments) => {
                let (mean, std_error) = moments.mean_and_std_error();
                Estimate::mean(mean, std_error, moments.count(), self.samples)
            }
            Summary::Median(norms) => Estimate::point(median(norms), self.samples),
        }
    }
}

/// The middle norm (the mean of the two middle ones for an even count), NaN for none. Sorting
/// makes the order of arrival irrelevant.
fn median(norms: &[f64]) -> f64 {
    let mut sorted = norms.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// `perturbation_norm`.
pub static PERTURBATION_NORM: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "perturbation_norm",
        "mean or median norm of the perturbations of successful attacks",
        &[
            MODEL,
            UNDER,
            ON,
            Param::with_default(
                "norm",
                Type::Enum(&["linf", "l2"]),
                "linf",
                "the norm measured",
            ),
            Param::with_default(
                "statistic",
                Type::Enum(&["mean", "median"]),
                "mean",
                "how the norms are summarised",
            ),
        ],
        None,
    ),
    lower_is_better: false,
    needs_clean: true,
    compute: Compute::Streaming(|args: &dyn Args| {
        let norm = match args.word("norm") {
            Some("l2") => Norm::L2,
            _ => Norm::Linf,
        };
        let statistic = match args.word("statistic") {
            Some("median") => Statistic::Median,
            _ => Statistic::Mean,
        };
        MetricState::new(PerturbationNorm::new(norm, statistic))
    }),
};
