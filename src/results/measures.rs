//! What a run measured: metric estimates, each branch's accuracy, and the sanity flags on attack
//! results.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One metric call of a gate and its estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricResult {
    pub gate: String,
    /// The call as written: `accuracy(net, noise)`.
    pub label: String,
    pub metric: String,
    pub model: String,
    pub dataset: String,
    /// What the model ran under: `clean` or member labels (`noise[sigma = 0.1]`).
    pub targets: Vec<String>,
    /// `null` when no sample defines it (a rate of zero trials, `perturbation_norm` when no
    /// attack succeeded).
    #[serde(with = "super::undefined")]
    #[schemars(with = "Option<f64>")]
    pub value: f64,
    /// The two-sided 95% interval, for metrics that have one.
    pub interval: Option<Interval>,
    pub samples: u64,
}

/// The accuracy of one model on one dataset under one branch (clean or a perturbation member).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BranchResult {
    pub model: String,
    pub dataset: String,
    /// The perturbation's name; `None` for the clean branch.
    pub perturbation: Option<String>,
    /// `clean`, or the member's label (`noise[sigma = 0.1]`).
    pub label: String,
    /// The member's swept numeric parameters, by name (empty for the clean branch).
    pub swept: BTreeMap<String, f64>,
    /// Top-1 accuracy; `null` for a branch without samples.
    #[serde(with = "super::undefined")]
    #[schemars(with = "Option<f64>")]
    pub accuracy: f64,
    /// Its two-sided 95% Wilson interval.
    pub interval: Option<Interval>,
    pub samples: u64,
}

/// A confidence interval `[low, high]` at `level`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    pub level: f64,
}

/// One suspicious figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SanityFlag {
    /// `accuracy-rises-with-eps`, `black-box-stronger`, `zero-gradients` or
    /// `non-finite-gradients`.
    pub check: String,
    pub model: String,
    pub dataset: String,
    /// The branches concerned, by label (`fgsm[eps = 0.1]`).
    pub branches: Vec<String>,
    /// What was seen, with the accuracies.
    pub message: String,
}
