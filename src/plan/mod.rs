//! The plan stage: a checked spec to an execution DAG (petgraph) of typed nodes — load dataset,
//! load model, perturb, infer, metric, gate, mapping, report — with content identities, merged
//! duplicates, topological waves and a cost estimate.

mod build;
mod cost;
mod error;
mod export;
mod identity;
mod node;

use petgraph::graph::{Graph, NodeIndex};
use petgraph::Direction;

pub use error::{PlanError, PlanErrors, PlanProblem};
pub use export::{to_dot, to_json, to_mermaid};
pub use identity::Identity;
pub use node::{Branch, Cost, Node, NodeId, NodeKind};

use crate::check::Spec;

/// An execution plan: the DAG (edges run from an input to the node that reads it) and its waves.
#[derive(Debug, Clone)]
pub struct Plan {
    pub graph: Graph<Node, ()>,
    /// Nodes by topological wave: every node's inputs lie in earlier waves, so a wave's nodes
    /// may run in parallel. Within a wave, nodes are ordered by label.
    pub waves: Vec<Vec<NodeIndex>>,
}

impl Plan {
    /// The nodes a node reads, in the order it reads them.
    pub fn inputs(&self, node: NodeIndex) -> Vec<NodeIndex> {
        let mut inputs: Vec<NodeIndex> = self
            .graph
            .neighbors_directed(node, Direction::Incoming)
            .collect();
        inputs.sort_by_key(|&i| (self.graph[i].wave, self.graph[i].label.clone()));
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
}

/// Builds the plan of a checked spec.
pub fn build(spec: &Spec) -> Plan {
    let mut graph = build::Builder::new(spec).build();
    let waves = waves(&mut graph);
    Plan { graph, waves }
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

/// Refuses a plan that uses a built-in the engine does not implement yet.
pub fn validate(plan: &Plan, spec: &Spec) -> Result<(), PlanErrors> {
    error::unimplemented(plan, spec)
}
