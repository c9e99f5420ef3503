//! A built-in perturbation as one value: its schema, how its checked parameters become a runtime
//! [`Perturbation`], and the model work it costs. Every built-in is listed once, in
//! [`crate::registry`]; the checker, the planner, the engine and the docs ask the registry.

use std::sync::Arc;

use super::{Feature, FeatureStats, PerturbError, Perturbation, Table};
use crate::schema::{Args, Schema};

/// A perturbation, attack or ensemble that specs can declare.
pub trait PerturbationBuiltin: Sync {
    /// Its name, parameters and documentation (`'static` for the registry's `'static` values).
    fn schema(&self) -> &Schema;

    /// Whether binding needs the statistics of the data set's features (tabular perturbations
    /// scale by them); the engine computes them only for those that ask.
    fn needs_feature_stats(&self) -> bool {
        false
    }

    /// The runtime perturbation for one member's parameters.
    fn bind(&self, args: &dyn Args, inputs: Inputs) -> Result<Box<dyn Perturbation>, BindError>;

    /// The model work of one sample, given that of the member's parts (an ensemble's attacks;
    /// empty for every other built-in). Perturbations that never call the model cost nothing.
    fn passes(&self, _args: &dyn Args, _parts: &[Passes]) -> Passes {
        Passes::default()
    }
}

/// What a perturbation binds with besides its parameters.
#[derive(Default)]
pub struct Inputs {
    /// The data set's feature statistics, when [`PerturbationBuiltin::needs_feature_stats`].
    pub feature_stats: Option<Arc<FeatureStats>>,
    /// An ensemble's parts, bound, in order.
    pub parts: Vec<Box<dyn Perturbation>>,
}

impl Inputs {
    /// The feature statistics, which the engine gives every built-in that asks for them.
    pub fn feature_stats(&self, name: &'static str) -> Result<Arc<FeatureStats>, BindError> {
        self.feature_stats.clone().ok_or_else(|| {
            BindError::Parameter(format!("`{name}` needs the data set's feature statistics"))
        })
    }
}

/// Why a member's parameters do not make a perturbation.
#[derive(Debug)]
pub enum BindError {
    /// A parameter is missing or unusable: reported against the declaration.
    Parameter(String),
    /// The runtime refused the values: reported against the member.
    Perturb(PerturbError),
}

impl From<PerturbError> for BindError {
    fn from(error: PerturbError) -> Self {
        BindError::Perturb(error)
    }
}

/// Model passes per sample: forward passes and input gradients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Passes {
    pub forward: u64,
    pub backward: u64,
}

impl Passes {
    /// `n` input gradients, each with its forward pass.
    pub fn gradients(n: u64) -> Passes {
        Passes {
            forward: n,
            backward: n,
        }
    }

    /// `n` forward passes alone (queries of a black-box attack).
    pub fn queries(n: u64) -> Passes {
        Passes {
            forward: n,
            backward: 0,
        }
    }
}

impl std::iter::Sum for Passes {
    fn sum<I: Iterator<Item = Passes>>(iter: I) -> Passes {
        iter.fold(Passes::default(), |a, b| Passes {
            forward: a.forward + b.forward,
            backward: a.backward + b.backward,
        })
    }
}

/// A number the checker guarantees (required, or with a default); missing is a binding error.
pub fn required(args: &dyn Args, schema: &Schema, param: &str) -> Result<f64, BindError> {
    args.number(param)
        .ok_or_else(|| BindError::Parameter(format!("`{}` needs `{param}`", schema.name)))
}

/// A count parameter, or `default` when absent.
pub fn count(args: &dyn Args, param: &str, default: usize) -> usize {
    args.number(param).map_or(default, |v| v as usize)
}

/// A count for the cost model: the parameter's value, or 1 when absent.
pub fn passes_count(args: &dyn Args, param: &str) -> u64 {
    args.int(param).map_or(1, |i| u64::try_from(i).unwrap_or(0))
}

/// The `severity` of a corruption and the table (`table:`) it indexes, when one is given.
pub fn severity(args: &dyn Args) -> Option<(u8, Table)> {
    let severity = u8::try_from(args.int("severity")?).ok()?;
    let table = match args.word("table") {
        Some("cifar") => Table::Cifar,
        Some("imagenet") => Table::ImageNet,
        _ => Table::Auto,
    };
    Some((severity, table))
}

/// The features named by `immutable`, resolved against the data's columns when the perturbation
/// runs.
pub fn immutable(args: &dyn Args) -> Vec<Feature> {
    args.strings("immutable")
        .unwrap_or_default()
        .into_iter()
        .map(Feature::Name)
        .collect()
}
