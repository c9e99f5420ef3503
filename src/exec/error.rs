//! Errors of a run: each names the declaration (and the file) at fault, with a stable code
//! `rbench::exec::<kind>`.

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

use crate::data::DataError;
use crate::metric::MetricError;
use crate::model::ModelError;
use crate::perturb::PerturbError;

/// Why a run could not finish.
#[derive(Debug, Error, Diagnostic)]
pub enum ExecError {
    /// A dataset's files could not be read, or hold data the declaration refuses.
    #[error("dataset `{dataset}` cannot be read")]
    #[diagnostic(
        code("rbench::exec::unreadable-data"),
        help("`rbench check --link` reads the headers of every file before a run")
    )]
    Data {
        dataset: String,
        #[source]
        source: DataError,
    },
    /// A model could not be loaded or run.
    #[error("model `{model}` (`{}`) failed", path.display())]
    #[diagnostic(code("rbench::exec::model-failed"))]
    Model {
        model: String,
        path: PathBuf,
        #[source]
        source: ModelError,
    },
    /// The run was stopped (Ctrl-C) before it finished.
    #[error("the run was cancelled")]
    #[diagnostic(
        code("rbench::exec::cancelled"),
        help("inference results finished before the stop are in the cache: run again to resume")
    )]
    Cancelled,
    /// A model file could not be read to hash it.
    #[error("`{}`: {problem}", path.display())]
    #[diagnostic(code("rbench::exec::unhashable-file"))]
    Io { path: PathBuf, problem: String },
    /// A finished inference result could not be written to the cache.
    #[error("cannot write the cache entry `{}`", path.display())]
    #[diagnostic(
        code("rbench::exec::cache-write"),
        help("make the cache folder writable, free some space, or run with `--no-cache`")
    )]
    CacheWrite {
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    /// An output folder rbench chose beside the spec (`rbench-results/<name>/`, `.rbench/cache`)
    /// leads elsewhere through a symbolic link ([`crate::confine::link_below`]).
    #[error(
        "the output folder `{}` goes through the symbolic link `{}`",
        folder.display(),
        link.display()
    )]
    #[diagnostic(
        code("rbench::exec::linked-output"),
        help("a link committed beside a spec could send results and cache entries out of the project: remove the link, or name the folder on the command line (`--out DIR`, `--cache-dir DIR`)")
    )]
    LinkedOutput { folder: PathBuf, link: PathBuf },
    /// A perturbation could not be built or applied.
    #[error("perturbation `{perturbation}` failed")]
    #[diagnostic(code("rbench::exec::perturbation-failed"))]
    Perturb {
        perturbation: String,
        #[source]
        source: PerturbError,
    },
    /// A metric could not read its predictions or produce a value.
    #[error("gate `{gate}`: metric `{metric}` cannot be computed")]
    #[diagnostic(code("rbench::exec::metric-failed"))]
    Metric {
        gate: String,
        metric: String,
        #[source]
        source: MetricError,
    },
    /// A gate's condition cannot be decided as written.
    #[error("gate `{gate}`: {problem}")]
    #[diagnostic(code("rbench::exec::undecidable-gate"))]
    Gate { gate: String, problem: String },
    /// A built-in the checker knows that this engine does not bind: the registry and the engine
    /// disagree, which is a defect of rbench itself.
    #[error("the {kind} `{name}` is not implemented by the engine")]
    #[diagnostic(
        code("rbench::exec::unsupported-builtin"),
        help("this is a defect of rbench: the checker accepts the built-in but the engine does not run it; please report it with the spec")
    )]
    NotImplemented { kind: &'static str, name: String },
    /// A parameter the checker accepts but the engine cannot use for this data.
    #[error("`{declaration}`: {problem}")]
    #[diagnostic(code("rbench::exec::unusable-parameter"))]
    Parameter {
        declaration: String,
        problem: String,
    },
}

impl ExecError {
    /// Whether the error lies in the spec (a gate or parameter that cannot be evaluated as
    /// written) rather than in the data, the models or the file system.
    pub fn is_spec_problem(&self) -> bool {
        matches!(
            self,
            ExecError::Gate { .. } | ExecError::NotImplemented { .. } | ExecError::Parameter { .. }
        )
    }
}
