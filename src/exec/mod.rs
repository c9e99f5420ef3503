//! The exec stage: a validated plan run against the data, the models and the perturbations —
//! in parallel waves, streaming batches, with a content-addressed cache of inference results —
//! to metric estimates and gate verdicts ([`RunResults`]).

mod bind;
mod cache;
mod counted;
mod derived;
mod error;
mod gate;
mod provenance;
mod results;
mod run;
mod sanity;
mod undefined;

pub use bind::{load_model, metric, open_dataset, perturbation, source_spec};
pub use cache::{BranchPredictions, Cache, Lookup};
pub use counted::GradientCounts;
pub use error::ExecError;
pub use gate::{Comparison, GateOutcome};
pub use provenance::{Host, Repository};
pub use results::{
    BranchResult, ControlInfo, FileHash, FrameworkResult, GateResult, ImportedFile, MappingResult,
    MetricResult, NodeTiming, RunResults, Timings, SCHEMA_VERSION,
};
pub use run::{run, BranchOutcome, Observer, Options, Outcome, Stats};
pub use sanity::SanityFlag;
