//! Model work per sample: forward and input-gradient passes each perturbation needs, and, with
//! linked files, their FLOPs.
//!
//! Counts follow the published algorithms: FGSM one gradient; PGD and APGD one gradient per step
//! and restart; Carlini-Wagner one per optimisation step; Square one forward pass per query;
//! `worst_of` the sum of its parts (an upper bound: its cascade attacks only samples still robust).
//!
//! FLOPs are those of [`crate::model::flops`] (2 × multiply-accumulates of convolution and linear
//! layers); a node's FLOPs per sample are (forward + 2 × backward passes) × the model's FLOPs
//! per forward pass on that data set's samples.

use std::collections::{BTreeSet, HashMap};

use petgraph::graph::Graph;
use serde::Serialize;

use crate::check::{Dataset, DatasetId, ModelFormat, ModelId, PerturbationId, Spec, Target};
use crate::link::{Linked, LinkedDataset, LinkedModel};
use crate::model::flops::flops_of_onnx;

use super::architecture_flops::flops_of_architecture;
use crate::model::onnx::{self, proto::ModelProto};
use crate::perturb::Passes;
use crate::registry;

use super::node::{Cost, Node};

/// The cost per sample of member `member` of perturbation `p`: what its built-in counts, given
/// the costs of the member's parts (an ensemble's attacks).
pub fn perturbation_cost(spec: &Spec, p: PerturbationId, member: usize) -> Cost {
    let perturbation = &spec.perturbations[p];
    let m = &perturbation.members[member];
    let parts: Vec<Passes> = m
        .parts
        .iter()
        .flat_map(|part| match part {
            Target::Clean => Vec::new(),
            Target::Members {
                perturbation,
                members,
            } => members
                .iter()
                .map(|&k| {
                    let cost = perturbation_cost(spec, *perturbation, k);
                    Passes {
                        forward: cost.forward,
                        backward: cost.backward,
                    }
                })
                .collect(),
        })
        .collect();
    let passes = registry::perturbation(perturbation.schema.name)
        .map_or_else(Passes::default, |builtin| builtin.passes(&m.params, &parts));
    Cost::new(passes.forward, passes.backward)
}

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

/// Estimates the FLOPs of every (model, data set) pair the nodes of `graph` run, from what
/// `linked` says of shapes and sample counts, and fills in each node's [`Cost::flops`].
///
/// ONNX graphs are read again (link keeps only their signature); a graph whose shapes cannot
/// be followed leaves its FLOPs unknown, with the reason.
pub fn estimate_flops(spec: &Spec, linked: &Linked, graph: &mut Graph<Node, ()>) -> FlopsEstimate {
    let pairs: BTreeSet<(ModelId, DatasetId)> = graph
        .node_weights()
        .filter(|n| n.cost.is_model_work())
        .filter_map(|n| n.kind.model_and_dataset())
        .collect();
    let mut graphs: HashMap<ModelId, Result<ModelProto, String>> = HashMap::new();
    let models: Vec<ModelFlops> = pairs
        .into_iter()
        .map(|(model, dataset)| {
            let forward = forward_flops(spec, linked, &mut graphs, model, dataset);
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

/// The FLOPs of one forward pass of `model` on one sample of `dataset`, or why unknown.
fn forward_flops(
    spec: &Spec,
    linked: &Linked,
    graphs: &mut HashMap<ModelId, Result<ModelProto, String>>,
    model: ModelId,
    dataset: DatasetId,
) -> Result<u64, String> {
    let (Some(linked_model), Some(linked_data)) =
        (linked.models.get(model), linked.datasets.get(dataset))
    else {
        return Err("the model or the data set was not linked".into());
    };
    let shape = input_shape(linked_model, linked_data)?;
    match &spec.models[model].format {
        ModelFormat::Safetensors { arch, .. } => {
            flops_of_architecture(arch, &shape).ok_or_else(|| {
                format!(
                    "`{}` does not take samples of shape {shape:?}",
                    arch.schema.name
                )
            })
        }
        ModelFormat::Onnx { path } => {
            let graph = graphs
                .entry(model)
                .or_insert_with(|| onnx::read_model(path).map_err(|e| e.to_string()));
            match graph {
                Ok(graph) => flops_of_onnx(graph, &shape).map_err(|e| e.to_string()),
                Err(reason) => Err(reason.clone()),
            }
        }
    }
}

/// The shape of one sample as the model takes it: the model's input shape, its symbolic
/// dimensions filled from the data set's samples, or the samples' shape when the model records
/// none.
fn input_shape(model: &LinkedModel, data: &LinkedDataset) -> Result<Vec<usize>, String> {
    let to_usize = |d: u64| usize::try_from(d).unwrap_or(usize::MAX);
    match (&model.input, &data.sample_shape) {
        (Some(input), _) if input.iter().all(Option::is_some) => {
            Ok(input.iter().flatten().map(|&d| to_usize(d)).collect())
        }
        (Some(input), Some(sample)) if input.len() == sample.len() => Ok(input
            .iter()
            .zip(sample)
            .map(|(i, &s)| to_usize(i.unwrap_or(s)))
            .collect()),
        (None, Some(sample)) => Ok(sample.iter().map(|&d| to_usize(d)).collect()),
        _ => Err("the shape of a sample is not known before loading the data".into()),
    }
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
