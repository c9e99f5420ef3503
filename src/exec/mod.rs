//! The exec stage: a validated plan run against the data, the models and the perturbations —
//! in parallel waves, streaming batches, with a content-addressed cache of inference results —
//! to metric estimates and gate verdicts ([`Outcome`]), turned into [`crate::results`] by
//! [`results()`].

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

pub use bind::{load_model, metric, open_dataset, perturbation, source_spec};
pub use cache::{BranchPredictions, Cache, Lookup};
pub use counted::GradientCounts;
pub use error::ExecError;
pub use gate::GateOutcome;
pub use provenance::Provenance;
pub use results::results;
pub use run::{
    run, worker_threads, BranchOutcome, Observer, Options, Outcome, MAX_THREADS_PER_CPU,
};
