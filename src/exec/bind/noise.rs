//! Binding the noise family: an explicit strength, or a severity of a published table.

use crate::perturb::{
    GaussianNoise, ImpulseNoise, Perturbation, ShotNoise, SpeckleNoise, Strength, UniformNoise,
};

use super::values::{not_implemented, number, parameter, perturb_error, severity, Declaration};
use crate::exec::ExecError;

/// The runtime noise a declaration describes.
pub(super) fn bind(declaration: &Declaration<'_>) -> Result<Box<dyn Perturbation>, ExecError> {
    let error = perturb_error(declaration);
    let strength = |param: &str| match (number(declaration.params, param), severity(declaration)) {
        (Some(value), _) => Ok(Strength::Value(value)),
        (None, Some((severity, table))) => Ok(Strength::Severity(severity, table)),
        _ => Err(parameter(
            declaration.name,
            format!("`{}` needs `{param}` or `severity`", declaration.schema),
        )),
    };
    Ok(match declaration.schema {
        "gaussian_noise" => Box::new(GaussianNoise::new(strength("sigma")?).map_err(error)?),
        "shot_noise" => Box::new(ShotNoise::new(strength("photons")?).map_err(error)?),
        "impulse_noise" => Box::new(ImpulseNoise::new(strength("amount")?).map_err(error)?),
        "speckle_noise" => Box::new(SpeckleNoise::new(strength("sigma")?).map_err(error)?),
        "uniform_noise" => {
            let width = number(declaration.params, "width").ok_or_else(|| {
                parameter(declaration.name, "`uniform_noise` needs `width`".into())
            })?;
            Box::new(UniformNoise::new(width).map_err(error)?)
        }
        other => return Err(not_implemented("perturbation", other)),
    })
}
