//! The FLOP estimate of a plan, from what the link step computed: each model's FLOPs per
//! forward pass on each data set it runs on ([`Linked::flops`]), and each data set's sample
//! count. No file is read here.
//!
//! FLOPs are those of [`crate::model::flops`] (2 × multiply-accumulates of convolution and linear
//! layers); a node's FLOPs per sample are (forward + 2 × backward passes) × the model's FLOPs
//! per forward pass on that data set's samples.

use std::collections::{BTreeSet, HashMap};

use petgraph::graph::Graph;
use serde::Serialize;

use crate::check::{Dataset, DatasetId, ModelId, Spec};
use crate::link::{Linked, LinkedDataset};

use super::node::Node;

/// What the FLOP estimate of a plan knows: each model's FLOPs per forward pass on each data set
/// it runs on, and how many samples each data set yields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlopsEstimate {
    /// One entry per (model, data set) pair the plan runs, ordered by model then data set.
    pub models: Vec<ModelFlops>,
    /// Samples of each data set (indexed like [`Spec::datasets`]) after `offset` and `limit`;
    /// `None` when the headers do not tell.
    pub samples: Vec<Option<u64>>,
}

/// The FLOPs of one forward pass of a model on one sample of a data set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelFlops {
    pub model: ModelId,
    pub dataset: DatasetId,
    /// FLOPs per forward pass of one sample; `None` when they cannot be estimated.
    pub forward: Option<u64>,
    /// Why they cannot be estimated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// Collects the FLOPs `linked` holds for every (model, data set) pair the nodes of `graph` run,
/// and fills in each node's [`super::Cost::flops`].
pub fn estimate_flops(spec: &Spec, linked: &Linked, graph: &mut Graph<Node, ()>) -> FlopsEstimate {
    let pairs: BTreeSet<(ModelId, DatasetId)> = graph
        .node_weights()
        .filter(|n| n.cost.is_model_work())
        .filter_map(|n| n.kind.model_and_dataset())
        .collect();
    let models: Vec<ModelFlops> = pairs
        .into_iter()
        .map(|(model, dataset)| {
            let forward = linked
                .flops
                .get(&(model, dataset))
                .cloned()
                .unwrap_or_else(|| Err("the model or the data set was not linked".into()));
            ModelFlops {
                model,
                dataset,
                unknown: forward.as_ref().err().cloned(),
                forward: forward.ok(),
            }
        })
        .collect();
    let known: HashMap<(ModelId, DatasetId), u64> = models
        .iter()
        .filter_map(|m| Some(((m.model, m.dataset), m.forward?)))
        .collect();
    for node in graph.node_weights_mut() {
        if let Some(pair) = node.kind.model_and_dataset() {
            node.cost.flops = known.get(&pair).map(|&f| node.cost.flops_for(f));
        }
    }
    let samples = spec
        .datasets
        .iter()
        .zip(&linked.datasets)
        .map(|(dataset, linked)| samples(dataset, linked))
        .collect();
    FlopsEstimate { models, samples }
}

/// How many samples a data set yields: the count its headers give, after `offset` and `limit`.
fn samples(dataset: &Dataset, linked: &LinkedDataset) -> Option<u64> {
    let available = linked.samples?.saturating_sub(dataset.offset);
    Some(
        dataset
            .limit
            .map_or(available, |limit| available.min(limit)),
    )
}
