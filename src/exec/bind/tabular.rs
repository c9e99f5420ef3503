//! Binding the tabular family: a strength, the features left unchanged, and the statistics of
//! the data set's features that scale it.

use std::sync::Arc;

use crate::perturb::{FeatureDropout, FeatureNoise, FeatureStats, Perturbation, Quantize};

use super::values::{immutable, not_implemented, number, parameter, perturb_error, Declaration};
use crate::exec::ExecError;

/// The runtime tabular perturbation a declaration describes, scaled by `stats`.
pub(super) fn bind(
    declaration: &Declaration<'_>,
    stats: Arc<FeatureStats>,
) -> Result<Box<dyn Perturbation>, ExecError> {
    let error = perturb_error(declaration);
    let required = |name: &str| {
        number(declaration.params, name).ok_or_else(|| {
            let problem = format!("`{}` needs `{name}`", declaration.schema);
            parameter(declaration.name, problem)
        })
    };
    let immutable = immutable(declaration);
    Ok(match declaration.schema {
        "feature_noise" => {
            Box::new(FeatureNoise::new(required("sigma")?, immutable, stats).map_err(error)?)
        }
        "feature_dropout" => {
            Box::new(FeatureDropout::new(required("rate")?, immutable, stats).map_err(error)?)
        }
        // The checker typed `bits` an integer in 1..16; `Quantize::new` checks it again.
        "quantize" => {
            Box::new(Quantize::new(required("bits")? as u32, immutable, stats).map_err(error)?)
        }
        other => return Err(not_implemented("perturbation", other)),
    })
}
