//! Binding adversarial attacks: budgets, targets and the features they may not change.

use crate::check::Value;
use crate::perturb::{Fgsm, Perturbation, Target};

use super::values::{not_implemented, number, parameter, perturb_error, strings, Declaration};
use crate::exec::ExecError;

/// The runtime attack a declaration describes.
pub(super) fn bind(declaration: &Declaration<'_>) -> Result<Box<dyn Perturbation>, ExecError> {
    let error = perturb_error(declaration);
    let params = declaration.params;
    Ok(match declaration.schema {
        "fgsm" => {
            let eps = number(params, "eps")
                .ok_or_else(|| parameter(declaration.name, "`fgsm` needs `eps`".into()))?;
            if strings(params, "immutable").is_some_and(|features| !features.is_empty()) {
                let problem = "`immutable` features are not supported by the engine yet".into();
                return Err(parameter(declaration.name, problem));
            }
            Box::new(Fgsm::new(eps, target(declaration)?, Vec::new()).map_err(error)?)
        }
        other => return Err(not_implemented("perturbation", other)),
    })
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
