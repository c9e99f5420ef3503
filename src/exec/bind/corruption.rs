//! Binding the corruption family: a severity of a published table.

use crate::perturb::{Corruption, CorruptionKind, Perturbation};

use super::values::{not_implemented, parameter, perturb_error, severity, Declaration};
use crate::exec::ExecError;

/// The runtime corruption a declaration describes.
pub(super) fn bind(declaration: &Declaration<'_>) -> Result<Box<dyn Perturbation>, ExecError> {
    let kind = CorruptionKind::from_name(declaration.schema)
        .ok_or_else(|| not_implemented("perturbation", declaration.schema))?;
    let (severity, table) = severity(declaration).ok_or_else(|| {
        parameter(
            declaration.name,
            format!("`{}` needs `severity` (1 to 5)", declaration.schema),
        )
    })?;
    let corruption = Corruption::new(kind, severity, table).map_err(perturb_error(declaration))?;
    Ok(Box::new(corruption))
}
