//! The whole pipeline as one call, for the command line and for programs: a spec is read,
//! parsed ([`crate::syntax::parse`]), checked ([`crate::check::check`]), linked against its
//! files ([`crate::link::link`]), planned ([`crate::plan::build_with`]) and run
//! ([`crate::exec::run`]); its [`RunResults`] are written to `results.json` and the reports
//! asked for are written beside it. [`run_spec`] only chains the stages' public functions, and
//! prints nothing: the caller renders the outcome and the errors.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crate::check::{self, CheckErrors, FsLoader};
use crate::confine;
use crate::exec::{self, Cache, ExecError, Observer, Options, Provenance};
use crate::link::{self, LinkErrors, Reach};
use crate::plan;
use crate::report::{self, Format, ReportError};
use crate::results::{self, RunResults};
use crate::syntax::{self, FileId, SourceFile, SyntaxErrors};

/// How to run a spec and where to write what it found.
pub struct RunOptions<'o> {
    /// The folder `results.json` (and the reports) are written to.
    pub out: PathBuf,
    /// The inference cache folder; `None` neither reads nor writes a cache.
    pub cache: Option<PathBuf>,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Samples per batch (at least 1).
    pub batch_size: usize,
    /// How far from the spec its data and model files may lie.
    pub reach: Reach,
    /// The reports to write beside `results.json`.
    pub reports: Vec<Format>,
    /// Told of each node and batch of the run, if given.
    pub observer: Option<&'o dyn Observer>,
    /// Set (by a Ctrl-C handler, say) to stop the run at its next batch.
    pub cancel: Option<&'o AtomicBool>,
}

impl RunOptions<'_> {
    /// The defaults of `rbench run` for the spec at `spec` (`None` for a spec read from standard
    /// input, which counts as a spec named `stdin` in the working directory): results in
    /// `rbench-results/<spec name>/` and the cache in `.rbench/cache`, both beside the spec; a
    /// worker per CPU, batches of 256 samples, files within the spec's project, no reports, no
    /// observer, no cancellation.
    pub fn beside(spec: Option<&Path>) -> Self {
        let folder = spec
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let stem = spec
            .and_then(Path::file_stem)
            .map_or_else(|| "stdin".to_string(), |s| s.to_string_lossy().into_owned());
        RunOptions {
            out: folder.join("rbench-results").join(stem),
            cache: Some(folder.join(".rbench").join("cache")),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_size: 256,
            reach: Reach::Project,
            reports: Vec::new(),
            observer: None,
            cancel: None,
        }
    }
}

/// A finished run: its results and the files written.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub results: RunResults,
    /// The `results.json` written.
    pub results_file: PathBuf,
    /// The reports written beside it, in the order asked for.
    pub reports: Vec<PathBuf>,
}

/// Why a run did not finish; each stage's error keeps its own diagnostic codes.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    /// The spec file could not be read.
    #[error("cannot read `{name}`: {error}")]
    Read { name: String, error: io::Error },
    /// The spec does not parse (or is not UTF-8).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(SyntaxErrors),
    /// The spec does not check.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(CheckErrors),
    /// The spec is a suite: perturbations and metrics to import, nothing to run.
    #[error("`{name}` is a suite (perturbations and metrics to import): there is nothing to run")]
    Suite { name: String },
    /// The data and model files are missing, unreadable or do not fit the spec.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Link(LinkErrors),
    /// The run failed or was cancelled, or `results.json` could not be written
    /// ([`ExecError::Io`]).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(Box<ExecError>),
    /// The run finished and `results.json` was written, but a report could not be.
    #[error("{error}")]
    #[diagnostic(forward(error))]
    Report {
        /// The finished run (its `reports` empty).
        outcome: Box<RunOutcome>,
        error: ReportError,
    },
}

/// Reads the spec at `path` and runs it ([`run_source`]).
pub fn run_spec(path: &Path, options: &RunOptions<'_>) -> Result<RunOutcome, RunError> {
    let name = path.display().to_string();
    let bytes =
        confine::read_regular(path, check::MAX_SPEC_BYTES).map_err(|error| RunError::Read {
            name: name.clone(),
            error,
        })?;
    let source = SourceFile::from_bytes(FileId(0), name, bytes).map_err(RunError::Syntax)?;
    run_source(source, path, options)
}

/// Parses, checks, links, plans and runs the spec `source`, read from `path` (which relative
/// paths in it are resolved against); writes `results.json` and the reports into
/// `options.out`.
pub fn run_source(
    source: SourceFile,
    path: &Path,
    options: &RunOptions<'_>,
) -> Result<RunOutcome, RunError> {
    let start = Instant::now();
    let ast = syntax::parse(&source).map_err(RunError::Syntax)?;
    let spec = check::check(source, ast, path, &FsLoader).map_err(RunError::Check)?;
    if spec.suite {
        return Err(RunError::Suite {
            name: spec.files[0].name.clone(),
        });
    }
    let linked = link::link(&spec, &options.reach).map_err(RunError::Link)?;
    let plan = plan::build_with(&spec, Some(&linked));
    let engine = Options {
        threads: options.threads,
        batch_size: options.batch_size,
        cache: options.cache.as_deref().map(Cache::new),
        observer: options.observer,
        cancel: options.cancel,
    };
    let outcome = exec::run(&spec, &plan, &engine).map_err(|e| RunError::Exec(Box::new(e)))?;
    let results = exec::results(
        &spec,
        path,
        &outcome,
        Provenance::gather(path),
        start.elapsed().as_secs_f64(),
    );
    let results_file = options.out.join(results::FILE_NAME);
    results::write(&results, &results_file).map_err(|error| {
        RunError::Exec(Box::new(ExecError::Io {
            path: results_file.clone(),
            problem: format!("cannot write the results: {error}"),
        }))
    })?;
    let reports = report::write_beside(&results, &options.out, &options.reports);
    let outcome = RunOutcome {
        results,
        results_file,
        reports: Vec::new(),
    };
    match reports {
        Ok(reports) => Ok(RunOutcome { reports, ..outcome }),
        Err(error) => Err(RunError::Report {
            outcome: Box::new(outcome),
            error,
        }),
    }
}
