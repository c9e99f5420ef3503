//! Binding adversarial attacks: budgets, targets and the features they may not change.

use crate::check::{PerturbationId, Target as Part, Value};
use crate::perturb::{Apgd, Cw, Fgsm, Loss, Norm, Perturbation, Pgd, Square, Target, WorstOf};

use super::values::{
    immutable, not_implemented, number, parameter, perturb_error, word, Declaration,
};
use crate::exec::ExecError;

/// The runtime attack a declaration describes.
pub(super) fn bind(declaration: &Declaration<'_>) -> Result<Box<dyn Perturbation>, ExecError> {
    let error = perturb_error(declaration);
    let params = declaration.params;
    let required = |name: &str| {
        number(params, name).ok_or_else(|| {
            let problem = format!("`{}` needs `{name}`", declaration.schema);
            parameter(declaration.name, problem)
        })
    };
    let count = |name: &str, default: usize| number(params, name).map_or(default, |v| v as usize);
    Ok(match declaration.schema {
        "fgsm" => Box::new(
            Fgsm::new(
                required("eps")?,
                target(declaration)?,
                immutable(declaration),
            )
            .map_err(error)?,
        ),
        "pgd" => {
            let pgd = Pgd {
                norm: norm(declaration),
                eps: required("eps")?,
                step: number(params, "step"),
                steps: count("steps", 10),
                random_start: !matches!(params.get("random_start"), Some(Value::Bool(false))),
                restarts: count("restarts", 1),
                target: target(declaration)?,
                immutable: immutable(declaration),
            };
            pgd.check().map_err(error)?;
            Box::new(pgd)
        }
        "apgd" => {
            let apgd = Apgd {
                norm: norm(declaration),
                eps: required("eps")?,
                steps: count("steps", 100),
                loss: match word(params, "loss") {
                    Some("dlr") => Loss::Dlr,
                    _ => Loss::CrossEntropy,
                },
                rho: number(params, "rho").unwrap_or(0.75),
                restarts: count("restarts", 1),
                target: target(declaration)?,
                immutable: immutable(declaration),
            };
            apgd.check().map_err(error)?;
            Box::new(apgd)
        }
        "square" => {
            let square = Square {
                eps: required("eps")?,
                queries: count("queries", 1000),
                p_init: number(params, "p_init").unwrap_or(0.8),
                restarts: count("restarts", 1),
                target: target(declaration)?,
                immutable: immutable(declaration),
            };
            square.check().map_err(error)?;
            Box::new(square)
        }
        "cw" => {
            let cw = Cw {
                c: number(params, "c").unwrap_or(1.0),
                kappa: number(params, "kappa").unwrap_or(0.0),
                steps: count("steps", 50),
                lr: number(params, "lr").unwrap_or(0.01),
                target: target(declaration)?,
                immutable: immutable(declaration),
            };
            cw.check().map_err(error)?;
            Box::new(cw)
        }
        other => return Err(not_implemented("perturbation", other)),
    })
}

/// `worst_of`: the cascade of its parts' members, in order, each bound by `bind_part`.
pub(super) fn worst_of(
    parts: &[Part],
    mut bind_part: impl FnMut(PerturbationId, usize) -> Result<Box<dyn Perturbation>, ExecError>,
) -> Result<Box<dyn Perturbation>, ExecError> {
    let mut members = Vec::new();
    for part in parts {
        if let Part::Members {
            perturbation,
            members: chosen,
        } = part
        {
            for &member in chosen {
                members.push(bind_part(*perturbation, member)?);
            }
        }
    }
    Ok(Box::new(WorstOf::new(members)))
}

/// The threat model's norm, from `norm` (default L∞).
fn norm(declaration: &Declaration<'_>) -> Norm {
    match word(declaration.params, "norm") {
        Some("l2") => Norm::L2,
        _ => Norm::Linf,
    }
}

/// The class an attack aims at, from its `targeted` parameter.
fn target(declaration: &Declaration<'_>) -> Result<Target, ExecError> {
    Ok(match declaration.params.get("targeted") {
        None => Target::Untargeted,
        Some(Value::Word(w)) if w == "least_likely" => Target::LeastLikely,
        Some(Value::Word(w)) if w == "random" => Target::Random,
        Some(Value::Int(class)) => Target::Class(u32::try_from(*class).map_err(|_| {
            parameter(
                declaration.name,
                format!("class {class} is not a class index"),
            )
        })?),
        Some(other) => {
            let problem = format!("`targeted = {other}` is not a target");
            return Err(parameter(declaration.name, problem));
        }
    })
}
