//! Binding the geometric family: rotations, translations and scalings with a fill value.

use crate::perturb::{Geometric, Perturbation, Transform};

use super::values::{not_implemented, number, parameter, perturb_error, Declaration};
use crate::exec::ExecError;

/// The runtime transform a declaration describes.
pub(super) fn bind(declaration: &Declaration<'_>) -> Result<Box<dyn Perturbation>, ExecError> {
    let params = declaration.params;
    let required = |name: &str| {
        number(params, name).ok_or_else(|| {
            parameter(
                declaration.name,
                format!("`{}` needs `{name}`", declaration.schema),
            )
        })
    };
    let pixels = |name: &str| {
        let value = number(params, name).unwrap_or(0.0);
        if value.fract() == 0.0 && value.abs() <= 1e15 {
            Ok(value as i64)
        } else {
            let problem = format!("`{name}` must be a whole number of pixels, not {value}");
            Err(parameter(declaration.name, problem))
        }
    };
    let transform = match declaration.schema {
        "rotate" => Transform::Rotate {
            degrees: required("degrees")?,
        },
        "translate" => Transform::Translate {
            dx: pixels("dx")?,
            dy: pixels("dy")?,
        },
        "scale" => Transform::Scale {
            factor: required("factor")?,
        },
        other => return Err(not_implemented("perturbation", other)),
    };
    let fill = number(params, "fill").unwrap_or(0.0);
    let geometric = Geometric::new(transform, fill).map_err(perturb_error(declaration))?;
    Ok(Box::new(geometric))
}
