//! Which files a spec names: the paths its data sets and models read, each checked against
//! the [`crate::confine`] rule before anything is read.

use std::path::Path;

use crate::check::{Spec, Value};

/// A path a spec reads, and the declaration that names it.
pub(super) struct NamedPath<'s> {
    pub path: &'s Path,
    /// The data source call, or the whole model declaration.
    pub span: crate::syntax::Span,
    /// Whether a model declaration names it (its label goes on the declaration's first line).
    pub model: bool,
}

/// Every path a spec's data sets and models read.
pub(super) fn named_paths(spec: &Spec) -> impl Iterator<Item = NamedPath<'_>> {
    let datasets = spec.datasets.iter().flat_map(|dataset| {
        dataset
            .source
            .params
            .values()
            .filter_map(move |value| match value {
                Value::Path(path) => Some(NamedPath {
                    path,
                    span: dataset.source.span,
                    model: false,
                }),
                _ => None,
            })
    });
    let models = spec.models.iter().map(|model| NamedPath {
        path: model.path(),
        span: model.span,
        model: true,
    });
    datasets.chain(models)
}
