//! The nodes of an execution plan: what each computes, its identity, and its cost.

use std::fmt;

use serde::Serialize;

use crate::check::{DatasetId, GateId, ModelId, PerturbationId};

/// A node's identity: the blake3 hash of its kind, canonical parameters and inputs' identities.
/// It is also the node's cache key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub [u8; 32]);

impl NodeId {
    /// The first 12 hex digits, enough to tell nodes apart in listings.
    pub fn short(&self) -> String {
        self.to_string()[..12].to_string()
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

impl Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// What a branch runs on: the clean data, or one member of a perturbation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Branch {
    Clean,
    Member {
        perturbation: PerturbationId,
        member: usize,
    },
}

/// What a node computes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeKind {
    /// Reads and validates a dataset (streamed in batches by the branches that use it).
    LoadDataset { dataset: DatasetId },
    /// Loads a model's graph and weights.
    LoadModel { model: ModelId },
    /// Applies one perturbation member to a dataset; attacks also take the model.
    Perturb {
        dataset: DatasetId,
        perturbation: PerturbationId,
        member: usize,
        model: Option<ModelId>,
    },
    /// Runs a model on a dataset, clean or perturbed, keeping per-sample predictions.
    Infer {
        model: ModelId,
        dataset: DatasetId,
        branch: Branch,
    },
    /// Accumulates one metric call of a gate or metric declaration over its branches.
    Metric { gate: GateId, call: usize },
    /// Evaluates a gate's condition over its metrics.
    Gate { gate: GateId },
    /// Records that gates evidence a framework control.
    Mapping { framework: usize, mapping: usize },
    /// Gathers every gate and mapping into the results.
    Report,
}

impl NodeKind {
    /// A short word for the kind, as listings and exports show it.
    pub fn word(&self) -> &'static str {
        match self {
            NodeKind::LoadDataset { .. } => "load_dataset",
            NodeKind::LoadModel { .. } => "load_model",
            NodeKind::Perturb { model: None, .. } => "perturb",
            NodeKind::Perturb { model: Some(_), .. } => "attack",
            NodeKind::Infer { .. } => "infer",
            NodeKind::Metric { .. } => "metric",
            NodeKind::Gate { .. } => "gate",
            NodeKind::Mapping { .. } => "mapping",
            NodeKind::Report => "report",
        }
    }

    /// The model a node runs and the data set it runs on: for inference and attacks.
    pub fn model_and_dataset(&self) -> Option<(ModelId, DatasetId)> {
        match *self {
            NodeKind::Perturb {
                dataset,
                model: Some(model),
                ..
            }
            | NodeKind::Infer { model, dataset, .. } => Some((model, dataset)),
            _ => None,
        }
    }
}

/// Model work a node does, per sample of its dataset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cost {
    /// Forward passes per sample.
    pub forward: u64,
    /// Input-gradient (backward) passes per sample.
    pub backward: u64,
    /// Estimated FLOPs per sample ([`Cost::flops_for`]); only in plans built from linked files,
    /// and only where the model's FLOPs are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flops: Option<u64>,
}

impl Cost {
    /// The cost of `n` forward passes and `m` backward passes.
    pub fn new(forward: u64, backward: u64) -> Cost {
        Cost {
            forward,
            backward,
            flops: None,
        }
    }

    /// The FLOPs of these passes for a model of `forward_flops` per forward pass, a backward
    /// (input-gradient) pass counting as two forward passes (the usual rule of thumb).
    pub fn flops_for(&self, forward_flops: u64) -> u64 {
        self.forward
            .saturating_add(self.backward.saturating_mul(2))
            .saturating_mul(forward_flops)
    }

    /// Whether the node runs a model at all.
    pub fn is_model_work(&self) -> bool {
        self.forward + self.backward > 0
    }
}

/// Sums passes; FLOPs sum over the parts whose FLOPs are known.
impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, other: Cost) -> Cost {
        let flops = match (self.flops, other.flops) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
        Cost {
            flops,
            ..Cost::new(self.forward + other.forward, self.backward + other.backward)
        }
    }
}

/// A node of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: NodeId,
    #[serde(flatten)]
    pub kind: NodeKind,
    /// What the node does, in words: `infer mlp on digits under noise[sigma = 0.1]`.
    pub label: String,
    /// Model passes per sample of the node's dataset.
    pub cost: Cost,
    /// The topological wave: every input of a node lies in an earlier wave.
    pub wave: usize,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}
