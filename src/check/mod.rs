//! The check stage: a parsed spec (and the files it imports) to a [`Spec`] in which every name is
//! resolved, every value typed, folded and range-checked, and every sweep expanded.
//!
//! The checker reports *all* problems of all files, each a [`CheckError`] with a stable code
//! `rbench::check::<kind>`; it reads no file but the spec's imports.

mod blocks;
mod condition;
mod error;
mod evaluate;
mod fields;
mod gates;
mod load;
mod maps;
mod numbers;
mod params;
mod perturbations;
mod scope;
mod spec;
mod sweeps;
mod value;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use condition::{Arithmetic, Comparison, Condition, Logic, Numeric, Severity};
pub use error::{CheckError, CheckErrors, ImportedError, Problem};
pub use fields::{BENCHMARK_FIELDS, DATASET_FIELDS, FRAMEWORK_FIELDS, MODEL_FIELDS};
pub use spec::*;
pub use value::Value;

use crate::syntax::{ast, SourceFile, Span};
use scope::Scope;

/// Reads the files a spec imports (a seam, so tests can check specs without a file system).
pub trait Loader {
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// The largest spec file rbench reads, in bytes (4 MiB), the root spec and each import alike: a
/// larger one is refused by its size on disk before it is read, so no spec can make the compiler
/// hold more than a bounded amount of text (a real benchmark is a few kilobytes).
pub const MAX_SPEC_BYTES: u64 = 4 << 20;

/// Reads imports from the file system: regular files of at most [`MAX_SPEC_BYTES`] only
/// ([`crate::confine::read_regular`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        crate::confine::read_regular(path, MAX_SPEC_BYTES)
    }
}

/// Checks the spec whose parsed text is `file`, read from `path`, loading imports with `loader`.
pub fn check(
    source: SourceFile,
    file: ast::File,
    path: &Path,
    loader: &dyn Loader,
) -> Result<Spec, CheckErrors> {
    let mut checker = Checker::new(loader);
    checker.add_unit(source, file, path.to_path_buf(), String::new());
    checker.load_imports(0);
    for unit in 0..checker.units.len() {
        checker.collect_scope(unit);
    }
    let spec = checker.check_root();
    if checker.errors.is_empty() && checker.syntax.is_empty() {
        if let Some(spec) = spec {
            return Ok(spec);
        }
    }
    let sources: Vec<SourceFile> = checker.units.iter().map(|u| u.source.clone()).collect();
    let root_name = sources[0].name.clone();
    checker
        .errors
        .sort_by_key(|(file, e)| (*file, error_start(e)));
    Err(CheckErrors::new(
        &root_name,
        &sources,
        checker.syntax,
        checker.errors,
    ))
}

fn error_start(error: &CheckError) -> usize {
    use miette::Diagnostic;
    error
        .labels()
        .and_then(|mut labels| labels.next())
        .map_or(0, |l| l.offset())
}

/// One file of the compilation: the root spec or an imported suite.
pub(crate) struct Unit {
    pub source: SourceFile,
    /// Shared, so a pass over the items holds them while it reports errors, without a copy.
    pub ast: Arc<ast::File>,
    /// Where it was read from (for resolving relative paths).
    pub path: PathBuf,
    /// How the root file names this unit's declarations: `""` for the root, `"cc."` for an
    /// import `as cc`.
    pub prefix: String,
    /// Import aliases of this unit → unit index.
    pub imports: HashMap<String, usize>,
    pub scope: Scope,
}

impl Unit {
    /// The folder relative paths in this file are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }
}

/// A memo slot for declarations checked on demand (perturbations and metrics reference others).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    InProgress,
    /// Checked; the index of the result.
    Done(usize),
    Failed,
}

/// Declarations checked on demand, by (unit, name).
type Memo = HashMap<(usize, String), Slot>;

/// What to say when a declaration is defined in terms of itself.
struct Cycle<'a> {
    kind: &'a str,
    help: &'a str,
}

/// The checker's state while it walks the files.
pub(crate) struct Checker<'l> {
    loader: &'l dyn Loader,
    units: Vec<Unit>,
    syntax: Vec<SyntaxErrorsOf>,
    errors: Vec<(usize, CheckError)>,
    datasets: Vec<Dataset>,
    dataset_ids: HashMap<(usize, String), Option<DatasetId>>,
    models: Vec<Model>,
    model_ids: HashMap<(usize, String), Option<ModelId>>,
    perturbations: Vec<Perturbation>,
    perturbation_ids: Memo,
    metrics: Memo,
    metric_conditions: Vec<Numeric>,
    evaluations: Vec<Evaluation>,
    /// Whether some `evaluate` names something that failed to check (or there is none): metric
    /// calls then do not report combinations as not evaluated, which would only echo that error.
    evaluations_incomplete: bool,
    benchmark_seed: u64,
    /// Members of the perturbations checked so far, against `sweeps::MAX_SPEC_MEMBERS`.
    members_declared: usize,
}

type SyntaxErrorsOf = crate::syntax::SyntaxErrors;

impl<'l> Checker<'l> {
    fn new(loader: &'l dyn Loader) -> Self {
        Checker {
            loader,
            units: Vec::new(),
            syntax: Vec::new(),
            errors: Vec::new(),
            datasets: Vec::new(),
            dataset_ids: HashMap::new(),
            models: Vec::new(),
            model_ids: HashMap::new(),
            perturbations: Vec::new(),
            perturbation_ids: HashMap::new(),
            metrics: HashMap::new(),
            metric_conditions: Vec::new(),
            evaluations: Vec::new(),
            evaluations_incomplete: false,
            benchmark_seed: 0,
            members_declared: 0,
        }
    }

    /// The result of declaration `name` of `unit`, checked with `check` the first time it is
    /// needed (it returns the index of its result). A reference back to a declaration still
    /// being checked is a cycle, reported at `reference` (or at the declaration).
    fn on_demand(
        &mut self,
        memo: fn(&mut Self) -> &mut Memo,
        (unit, name): (usize, &str),
        reference: Option<Span>,
        cycle: Cycle<'_>,
        check: impl FnOnce(&mut Self) -> Option<usize>,
    ) -> Option<usize> {
        let key = (unit, name.to_string());
        match memo(self).get(&key).copied() {
            Some(Slot::Done(index)) => return Some(index),
            Some(Slot::Failed) => return None,
            Some(Slot::InProgress) => {
                let span = reference.unwrap_or(self.units[unit].scope.names[name].span);
                self.error(
                    unit,
                    CheckError::CyclicDefinition {
                        name: name.to_string(),
                        kind: cycle.kind.into(),
                        span: span.into(),
                        help: cycle.help.into(),
                    },
                );
                return None;
            }
            None => {}
        }
        memo(self).insert(key.clone(), Slot::InProgress);
        let result = check(self);
        memo(self).insert(key, result.map_or(Slot::Failed, Slot::Done));
        result
    }

    /// Records an error found in `unit`.
    fn error(&mut self, unit: usize, error: CheckError) {
        self.errors.push((unit, error));
    }

    fn span_text(&self, span: Span) -> &str {
        let text: &str = &self.units[span.file.0 as usize].source.text;
        &text[span.start..span.end]
    }

    /// Whether the root is a suite: no `benchmark` header, and only declarations a suite may
    /// hold (perturbations, metrics, imports), so it is checked as a file for `import`.
    fn root_is_suite(&self) -> bool {
        self.units[0].ast.items.iter().all(|item| {
            matches!(
                item.kind,
                ast::ItemKind::Perturbation(_)
                    | ast::ItemKind::Metric(_)
                    | ast::ItemKind::Import(_)
            )
        })
    }

    /// Checks the root file's declarations in dependency order and assembles the spec.
    fn check_root(&mut self) -> Option<Spec> {
        let suite = self.root_is_suite();
        let benchmark = if suite {
            Some(self.suite_header())
        } else {
            self.benchmark()
        };
        self.benchmark_seed = benchmark.as_ref().map_or(0, |b| b.seed);
        self.check_imported_items();
        for unit in 0..self.units.len() {
            self.all_perturbations(unit);
        }
        self.all_datasets_and_models();
        if !suite {
            self.evaluate();
        }
        let gates = self.gates();
        let frameworks = self.maps(&gates);
        for unit in 0..self.units.len() {
            self.all_metrics(unit);
        }
        let benchmark = benchmark?;
        let gates = gates
            .into_iter()
            .map(|(_, g)| g)
            .collect::<Option<Vec<_>>>()?;
        Some(Spec {
            benchmark,
            datasets: std::mem::take(&mut self.datasets),
            models: std::mem::take(&mut self.models),
            perturbations: std::mem::take(&mut self.perturbations),
            evaluations: std::mem::take(&mut self.evaluations),
            gates,
            frameworks,
            files: self.units.iter().map(|u| u.source.clone()).collect(),
            suite,
        })
    }
}
