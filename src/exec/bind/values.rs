//! Reading checked parameter values back as typed Rust values, and the errors of binding.

use crate::check::{Params, Value};
use crate::exec::ExecError;
use crate::perturb::{Feature, PerturbError, Table};

pub(super) fn number(params: &Params, name: &str) -> Option<f64> {
    params.get(name).and_then(Value::as_f64)
}

pub(super) fn word<'p>(params: &'p Params, name: &str) -> Option<&'p str> {
    match params.get(name) {
        Some(Value::Word(w)) => Some(w),
        _ => None,
    }
}

pub(super) fn strings(params: &Params, name: &str) -> Option<Vec<String>> {
    match params.get(name) {
        Some(Value::List(items)) => items
            .iter()
            .map(|item| match item {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

pub(super) fn parameter(declaration: &str, problem: String) -> ExecError {
    ExecError::Parameter {
        declaration: declaration.to_string(),
        problem,
    }
}

pub(super) fn not_implemented(kind: &'static str, name: &str) -> ExecError {
    ExecError::NotImplemented {
        kind,
        name: name.to_string(),
    }
}

/// One member of a perturbation declaration, as its family's binder reads it.
pub struct Declaration<'a> {
    /// The declared name (`noise`, `cc.blur`), for errors about its parameters.
    pub name: &'a str,
    /// The member's label (`noise[sigma = 0.1]`), for errors while it runs.
    pub label: &'a str,
    /// The built-in's name (`gaussian_noise`).
    pub schema: &'static str,
    /// The member's parameters, swept ones at this member's value.
    pub params: &'a Params,
}

/// Wraps a runtime perturbation error with the member it came from.
pub(super) fn perturb_error<'d>(
    declaration: &'d Declaration<'_>,
) -> impl Fn(PerturbError) -> ExecError + 'd {
    move |source| ExecError::Perturb {
        perturbation: declaration.label.to_string(),
        source,
    }
}

/// The `severity` of a corruption and the table (`table:`) it indexes, when one is given.
pub(super) fn severity(declaration: &Declaration<'_>) -> Option<(u8, Table)> {
    let Some(Value::Int(severity)) = declaration.params.get("severity") else {
        return None;
    };
    let table = match word(declaration.params, "table") {
        Some("cifar") => Table::Cifar,
        Some("imagenet") => Table::ImageNet,
        _ => Table::Auto,
    };
    Some((u8::try_from(*severity).ok()?, table))
}

/// The features named by `immutable`, resolved against the data's columns when the perturbation
/// runs.
pub(super) fn immutable(declaration: &Declaration<'_>) -> Vec<Feature> {
    strings(declaration.params, "immutable")
        .unwrap_or_default()
        .into_iter()
        .map(Feature::Name)
        .collect()
}
