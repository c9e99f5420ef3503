//! The results of a run as written to `results.json`: what was run (tool version, spec and
//! imported files, seed, data and model hashes, repository, host, time), every metric estimate,
//! every branch's accuracy, every gate verdict, every framework mapping, the model work and the
//! timings. `docs/results.md` documents the format; `docs/results.schema.json` is its JSON Schema,
//! generated from these types ([`json_schema`]).
//!
//! This module is the contract between the engine, which builds results (`exec::results`), and
//! everything that reads them (reports, `rbench diff`, the command line). It depends on serde
//! and schemars alone, so a reader of results needs nothing of the compiler or the engine.

mod error;
mod file;
mod gates;
mod measures;
mod provenance;
mod undefined;
mod work;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use error::ResultsError;
pub use file::{json_schema, parse, read, to_json, write, FILE_NAME};
pub use gates::{
    Comparison, ControlInfo, FrameworkResult, GateResult, MappingResult, Operator, Severity,
};
pub use measures::{BranchResult, Interval, MetricResult, SanityFlag};
pub use provenance::{FileHash, Host, ImportedFile, Repository};
pub use work::{NodeTiming, Stats, Timings};

/// The version of the results format; it changes when a field changes meaning or is added.
pub const SCHEMA_VERSION: u32 = 2;

/// Everything a run found, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunResults {
    /// The version of this format ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The rbench version that ran.
    pub tool_version: String,
    /// The benchmark's name.
    pub benchmark: String,
    /// The benchmark's title.
    pub title: String,
    /// The spec, as given on the command line.
    pub spec: String,
    /// blake3 of the root spec's text, hex.
    pub spec_hash: String,
    /// The files the spec imports (directly or not), with the blake3 of their text.
    pub imports: Vec<ImportedFile>,
    /// The benchmark's seed.
    pub seed: u64,
    /// The spec's git repository, when it lies in one and `git` runs.
    pub repository: Option<Repository>,
    /// The machine that ran.
    pub host: Host,
    /// When the run started, RFC 3339 in UTC.
    pub started_at: String,
    /// When the run ended, RFC 3339 in UTC.
    pub finished_at: String,
    /// blake3 of each dataset's files and each model's file, hex, by declaration name.
    pub files: Vec<FileHash>,
    /// Every metric call of every gate, with its estimate.
    pub metrics: Vec<MetricResult>,
    /// The accuracy of each model on each dataset, clean and under each perturbation member.
    pub branches: Vec<BranchResult>,
    /// Attack results that signal gradient masking or a weak attack (`exec::sanity`).
    pub sanity: Vec<SanityFlag>,
    /// Every gate's verdict.
    pub gates: Vec<GateResult>,
    /// The frameworks the spec maps gates to, with all their controls.
    pub frameworks: Vec<FrameworkResult>,
    /// Each mapped control and whether its gates passed.
    pub mappings: Vec<MappingResult>,
    /// The model work and cache use.
    pub stats: Stats,
    /// How long the run took.
    pub timings: Timings,
}

impl RunResults {
    /// Whether every `require` gate passed.
    pub fn passed(&self) -> bool {
        self.gates
            .iter()
            .all(|g| g.passed || g.severity != Severity::Require)
    }
}
