//! Which files a spec may read. A spec names data and model files by path; a path that leaves
//! the spec's project — its git repository, else its folder — is refused unless it lies under
//! one of the benchmark's `data_roots` or the run allows reading anywhere (`--allow-outside`).
//! Paths are compared after resolving `..` and symbolic links, so neither smuggles a file in.

use std::path::{Component, Path, PathBuf};

use crate::check::{Spec, Value};

/// How far the files a spec names may lie from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The spec's project and the benchmark's `data_roots` (the default).
    Project,
    /// Anywhere the user running rbench can read (`--allow-outside`).
    Anywhere,
}

/// The folders a spec's files may be read from.
pub(super) struct Allowed {
    /// The project: the nearest folder above the spec holding `.git`, else the spec's folder.
    pub project: PathBuf,
    /// The project first, then each data root; all resolved.
    roots: Vec<PathBuf>,
}

impl Allowed {
    /// The folders `spec` may read from.
    pub fn for_spec(spec: &Spec) -> Self {
        let folder = Path::new(&spec.files[0].name)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let folder = resolve(&folder);
        let project = folder
            .ancestors()
            .find(|dir| dir.join(".git").exists())
            .unwrap_or(&folder)
            .to_path_buf();
        let roots = std::iter::once(project.clone())
            .chain(spec.benchmark.data_roots.iter().map(|root| resolve(root)))
            .collect();
        Allowed { project, roots }
    }

    /// Whether `path` lies under the project or a data root.
    pub fn permits(&self, path: &Path) -> bool {
        let path = resolve(path);
        self.roots.iter().any(|root| path.starts_with(root))
    }
}

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

/// `path` made absolute, with symbolic links followed where it exists and `.`/`..` folded
/// lexically where it does not (a missing file is reported later by the reader).
fn resolve(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    // The longest existing ancestor is resolved for real, the rest folded.
    let mut folded = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                folded.pop();
            }
            Component::CurDir => {}
            other => folded.push(other),
        }
    }
    folded
        .ancestors()
        .find_map(|ancestor| {
            let real = ancestor.canonicalize().ok()?;
            let rest = folded.strip_prefix(ancestor).ok()?;
            Some(real.join(rest))
        })
        .unwrap_or(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_paths_fold_their_parents_and_follow_links_above_them() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let real = dir.path().join("real");
        std::fs::create_dir(&real).expect("folder");
        std::os::unix::fs::symlink(&real, dir.path().join("alias")).expect("link");
        let resolved = resolve(&dir.path().join("alias/sub/../missing.npz"));
        let expected = real.canonicalize().expect("exists").join("missing.npz");
        assert_eq!(resolved, expected);
    }
}
