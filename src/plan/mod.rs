//! The plan stage: a checked spec to an execution DAG (petgraph) of typed nodes — load dataset,
//! load model, perturb, infer, metric, gate, mapping, report — with content identities, merged
//! duplicates, topological waves and a cost estimate: model passes per sample and, when the
//! plan is built from linked files ([`build_with`]), FLOPs.

mod build;
mod cost;
mod export;
mod flops;
mod identity;
mod node;

use petgraph::graph::{Graph, NodeIndex};
use petgraph::Direction;
use serde::Serialize;

pub use export::{to_dot, to_json, to_mermaid};
pub use flops::{FlopsEstimate, ModelFlops};
pub use identity::Identity;
pub use node::{Branch, Cost, Node, NodeId, NodeKind};

use crate::check::Spec;
use crate::link::Linked;

/// An execution plan: the DAG (edges run from an input to the node that reads it) and its waves.
#[derive(Debug, Clone)]
pub struct Plan {
    pub graph: Graph<Node, ()>,
    /// Nodes by topological wave: every node's inputs lie in earlier waves, so a wave's nodes
    /// may run in parallel. Within a wave, nodes are ordered by label.
    pub waves: Vec<Vec<NodeIndex>>,
    /// The FLOP estimate, for a plan built from linked files.
    pub flops: Option<FlopsEstimate>,
}

/// A plan's FLOPs in total: per sample of each node's data set, and for the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FlopsTotals {
    /// The sum of the nodes' FLOPs per sample, over nodes whose FLOPs are known.
    pub per_sample: u64,
    /// The sum of each node's FLOPs per sample times its data set's samples, over nodes
    /// whose FLOPs and sample count are known.
    pub run: u64,
    /// Nodes that run a model whose FLOPs are unknown.
    pub unknown_flops: usize,
    /// Nodes with known FLOPs whose data set's sample count is unknown.
    pub unknown_samples: usize,
}

impl Plan {
    /// The nodes a node reads, in the order it reads them.
    pub fn inputs(&self, node: NodeIndex) -> Vec<NodeIndex> {
        let mut inputs: Vec<NodeIndex> = self
            .graph
            .neighbors_directed(node, Direction::Incoming)
            .collect();
        inputs.sort_by(|&a, &b| {
            let (a, b) = (&self.graph[a], &self.graph[b]);
            (a.wave, &a.label).cmp(&(b.wave, &b.label))
        });
        inputs
    }

    /// Every node, wave by wave.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.waves.iter().flatten().map(|&i| &self.graph[i])
    }

    /// Total model work per sample: the sum over nodes.
    pub fn total_cost(&self) -> Cost {
        self.nodes().fold(Cost::default(), |sum, n| sum + n.cost)
    }

    /// The plan's FLOPs in total; `None` without a FLOP estimate.
    pub fn flops_totals(&self) -> Option<FlopsTotals> {
        let estimate = self.flops.as_ref()?;
        let mut totals = FlopsTotals::default();
        for node in self.nodes().filter(|n| n.cost.is_model_work()) {
            let Some(flops) = node.cost.flops else {
                totals.unknown_flops += 1;
                continue;
            };
            totals.per_sample = totals.per_sample.saturating_add(flops);
            let samples = node
                .kind
                .model_and_dataset()
                .and_then(|(_, dataset)| estimate.samples.get(dataset).copied().flatten());
            match samples {
                Some(samples) => {
                    totals.run = totals.run.saturating_add(flops.saturating_mul(samples));
                }
                None => totals.unknown_samples += 1,
            }
        }
        Some(totals)
    }
}

/// Builds the plan of a checked spec, reading no file.
pub fn build(spec: &Spec) -> Plan {
    build_with(spec, None)
}

/// Builds the plan of a checked spec; with what the link step read of its files, also
/// carries the FLOPs the link step computed (reading no file).
pub fn build_with(spec: &Spec, linked: Option<&Linked>) -> Plan {
    let mut graph = build::Builder::new(spec).build();
    let waves = waves(&mut graph);
    let flops = linked.map(|linked| flops::estimate_flops(spec, linked, &mut graph));
    Plan {
        graph,
        waves,
        flops,
    }
}

/// Assigns each node its wave (one more than its latest input's) and groups nodes by wave.
fn waves(graph: &mut Graph<Node, ()>) -> Vec<Vec<NodeIndex>> {
    let order = petgraph::algo::toposort(&*graph, None)
        .unwrap_or_else(|_| unreachable!("the plan builder only adds edges to new nodes"));
    let mut waves: Vec<Vec<NodeIndex>> = Vec::new();
    for node in order {
        let wave = graph
            .neighbors_directed(node, Direction::Incoming)
            .map(|i| graph[i].wave + 1)
            .max()
            .unwrap_or(0);
        graph[node].wave = wave;
        if waves.len() <= wave {
            waves.resize(wave + 1, Vec::new());
        }
        waves[wave].push(node);
    }
    for wave in &mut waves {
        wave.sort_by(|&a, &b| graph[a].label.cmp(&graph[b].label));
    }
    waves
}
