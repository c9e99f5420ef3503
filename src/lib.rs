#![doc = include_str!("../docs/architecture.md")]

pub mod allocator;
pub mod atomic;
pub mod check;
pub mod confine;
pub mod data;
pub mod exec;
pub mod explain;
pub mod link;
pub mod metric;
pub mod model;
pub mod perturb;
pub mod pipeline;
pub mod plan;
pub mod registry;
pub mod report;
pub mod results;
pub mod risk;
pub mod schema;
mod suggest;
pub mod syntax;

pub use pipeline::{run_source, run_spec, RunError, RunOptions, RunOutcome};
