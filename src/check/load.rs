//! Loading imports: each `import "path" as ns` reads, parses and registers another unit.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{CheckError, Checker, Unit};
use crate::confine::{self, Confinement, Reach};
use crate::syntax::{self, ast, FileId, SourceFile};

impl Checker<'_> {
    /// Registers a parsed file as the next unit.
    pub(super) fn add_unit(
        &mut self,
        source: SourceFile,
        ast: ast::File,
        path: PathBuf,
        prefix: String,
    ) -> usize {
        self.units.push(Unit {
            source,
            ast: Arc::new(ast),
            path,
            prefix,
            imports: Default::default(),
            scope: Default::default(),
        });
        self.units.len() - 1
    }

    /// Loads the imports of `unit`, depth first, diagnosing cycles with the chain of files.
    pub(super) fn load_imports(&mut self, unit: usize) {
        self.load_imports_from(unit, &mut vec![unit]);
    }

    fn load_imports_from(&mut self, unit: usize, chain: &mut Vec<usize>) {
        let imports: Vec<(String, String, syntax::Span)> = self.units[unit]
            .ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Import(import) => Some((
                    import.path.value.clone(),
                    import.alias.name.clone(),
                    import.path.span,
                )),
                _ => None,
            })
            .collect();
        for (relative, alias, span) in imports {
            let path = normalize(&self.units[unit].dir().join(&relative));
            if let Some(open) = chain.iter().position(|&u| self.units[u].path == path) {
                let mut names: Vec<String> = chain[open..]
                    .iter()
                    .map(|&u| self.units[u].source.name.clone())
                    .collect();
                names.push(self.units[chain[open]].source.name.clone());
                self.error(
                    unit,
                    CheckError::ImportCycle {
                        chain: names.join(" → "),
                        span: span.into(),
                    },
                );
                continue;
            }
            let target = match self.units.iter().position(|u| u.path == path) {
                Some(existing) => Some(existing),
                None => self.read_unit(unit, &relative, &path, &alias, span, chain),
            };
            if let Some(target) = target {
                self.units[unit].imports.insert(alias, target);
                if !chain.contains(&target) && target == self.units.len() - 1 {
                    chain.push(target);
                    self.load_imports_from(target, chain);
                    chain.pop();
                }
            }
        }
    }

    /// Reads and parses one imported file; `None` (with a diagnostic) when it cannot be used.
    fn read_unit(
        &mut self,
        importer: usize,
        relative: &str,
        path: &Path,
        alias: &str,
        span: syntax::Span,
        chain: &[usize],
    ) -> Option<usize> {
        if let Some(reason) = self.import_refusal(path) {
            let error = CheckError::ImportRefused {
                path: relative.to_string(),
                reason,
                span: span.into(),
            };
            self.error(importer, error);
            return None;
        }
        let bytes = match self.loader.read(path) {
            Ok(bytes) => bytes,
            // Not a regular file, or too large.
            Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => {
                let error = CheckError::ImportRefused {
                    path: relative.to_string(),
                    reason: err.to_string(),
                    span: span.into(),
                };
                self.error(importer, error);
                return None;
            }
            Err(err) => {
                let mut help = format!(
                    "import paths are relative to the importing file: this one resolves to `{}`",
                    path.display()
                );
                if chain.len() > 1 {
                    let files: Vec<String> = chain
                        .iter()
                        .map(|&u| format!("`{}`", self.units[u].source.name))
                        .collect();
                    help.push_str(&format!(
                        " (imported through {} → `{relative}`)",
                        files.join(" → ")
                    ));
                }
                self.error(
                    importer,
                    CheckError::ImportNotFound {
                        path: relative.to_string(),
                        reason: err.to_string(),
                        span: span.into(),
                        help,
                    },
                );
                return None;
            }
        };
        let id = FileId(self.units.len() as u32);
        let name = display_name(&self.units[0].path, path);
        let parsed = SourceFile::from_bytes(id, name, bytes)
            .and_then(|source| syntax::parse(&source).map(|file| (source, file)));
        match parsed {
            Ok((source, file)) => {
                let prefix = format!("{}{alias}.", self.units[importer].prefix);
                Some(self.add_unit(source, file, path.to_path_buf(), prefix))
            }
            Err(errors) => {
                self.syntax.push(errors);
                None
            }
        }
    }

    /// Why the file at `path` may not be imported, if it may not: only `.rbench` files inside
    /// the root spec's project ([`crate::confine`]), whatever the run allows for data.
    fn import_refusal(&self, path: &Path) -> Option<String> {
        let confinement = Confinement::new(&self.units[0].path, &Reach::Project);
        let resolved = confine::resolve(path);
        if !confinement.permits(&resolved) {
            return Some("it lies outside the spec's project".into());
        }
        let spec_file = resolved.extension().is_some_and(|e| e == "rbench");
        (!spec_file).then(|| format!("`{}` is not a `.rbench` file", resolved.display()))
    }
}

/// A path with `.` and `..` components folded, so one file imported twice is recognised.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// How diagnostics name an imported file: relative to the root spec's folder when possible.
fn display_name(root: &Path, path: &Path) -> String {
    let root_dir = root.parent().unwrap_or_else(|| Path::new(""));
    path.strip_prefix(root_dir)
        .unwrap_or(path)
        .display()
        .to_string()
}
