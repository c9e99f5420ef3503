//! The model work, cache use and running time of a run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Counts of the model work and cache use of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Stats {
    /// Samples passed forward through a model (inference and attack steps).
    pub forward_passes: u64,
    /// Samples whose input gradient was computed (attacks).
    pub backward_passes: u64,
    /// Infer nodes read from the cache.
    pub cache_hits: u64,
    /// Infer nodes computed (not in the cache, or with the cache disabled).
    pub cache_misses: u64,
    /// Cache entries found corrupt and recomputed.
    pub cache_rejected: u64,
}

/// How long the run took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    pub total_seconds: f64,
    /// Each node's running time, wave by wave.
    pub nodes: Vec<NodeTiming>,
}

/// One node's running time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NodeTiming {
    pub node: String,
    pub seconds: f64,
}
