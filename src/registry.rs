//! The registry of built-ins: every schema, gathered from the modules that declare them.

use crate::schema::Schema;

/// Every built-in, in a stable order: sources, architectures, perturbations, metrics.
pub fn builtins() -> impl Iterator<Item = &'static Schema> {
    crate::data::SCHEMAS
        .iter()
        .chain(crate::model::SCHEMAS)
        .chain(crate::perturb::schemas())
        .chain(crate::metric::SCHEMAS)
}

/// The built-in called `name`.
pub fn find(name: &str) -> Option<&'static Schema> {
    builtins().find(|s| s.name == name)
}
