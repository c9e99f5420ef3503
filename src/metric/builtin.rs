//! A built-in metric as one value: its schema, whether a smaller value is better, whether it reads
//! the clean branch beside the one it measures, and how it is computed — a streaming accumulator
//! bound to its parameters, or a formula over other branches' estimates. Every built-in is listed
//! once, in [`crate::registry`].

use super::MetricState;
use crate::schema::{Args, Schema};

/// A metric that gates and `metric` declarations can call.
pub trait MetricBuiltin: Sync {
    /// Its name, parameters and documentation (`'static` for the registry's `'static` values).
    fn schema(&self) -> &Schema;

    /// Whether a smaller value is better (errors, flip rates); a regression is a rise then.
    fn lower_is_better(&self) -> bool {
        false
    }

    /// Whether it compares each branch's predictions with the clean ones of the same samples, so
    /// the plan runs the clean branch before it.
    fn needs_clean(&self) -> bool {
        false
    }

    /// How the metric is computed, for one call's parameters.
    fn evaluation(&self, args: &dyn Args) -> Evaluation;
}

/// How a metric's value comes about.
#[derive(Debug, Clone)]
pub enum Evaluation {
    /// An accumulator fed the predictions of every branch the call targets.
    Streaming(MetricState),
    /// A formula over estimates of other branches (corruption errors, areas under sweeps).
    Derived(Derived),
}

/// The metrics computed from the estimates of several branches; the engine picks the branches,
/// the formulas are [`super::ce`], [`super::relative_ce`], [`super::mean_ce`] and [`super::auc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// `ce`: one corruption's errors over a baseline's.
    Ce,
    /// `mce`: the mean `ce` over corruptions.
    Mce,
    /// `relative_mce`: as `mce`, on errors above each model's clean error.
    RelativeMce,
    /// `auc`: the area under an accuracy-versus-strength curve.
    Auc,
}

/// A metric defined by its schema, its direction, whether it reads the clean branch, and how it is
/// computed: the value that most metrics register.
pub struct BuiltinMetric {
    pub(super) schema: Schema,
    pub(super) lower_is_better: bool,
    pub(super) needs_clean: bool,
    pub(super) compute: Compute,
}

/// How a [`BuiltinMetric`] is computed.
pub enum Compute {
    /// A fresh accumulator for the call's parameters.
    Streaming(fn(&dyn Args) -> MetricState),
    /// A formula over other branches' estimates.
    Derived(Derived),
}

impl MetricBuiltin for BuiltinMetric {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn lower_is_better(&self) -> bool {
        self.lower_is_better
    }

    fn needs_clean(&self) -> bool {
        self.needs_clean
    }

    fn evaluation(&self, args: &dyn Args) -> Evaluation {
        match self.compute {
            Compute::Streaming(accumulator) => Evaluation::Streaming(accumulator(args)),
            Compute::Derived(derived) => Evaluation::Derived(derived),
        }
    }
}
