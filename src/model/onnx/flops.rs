//! FLOPs of an ONNX graph: shapes followed node by node from the one input by each operator's
//! registry entry ([`super::registry::Operator::infer`]), convolution and linear work counted
//! where it happens.

use std::collections::HashMap;

use thiserror::Error;

use super::infer::{constant, Problem, Value};
use super::proto::{ModelProto, NodeProto};
use super::registry;

/// Why a graph's FLOPs cannot be estimated; the caller reports them as unknown.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlopsError {
    /// The model file holds no graph.
    #[error("the model has no graph")]
    NoGraph,
    /// The graph does not have exactly one input besides its initializers.
    #[error("the graph has {0} inputs to feed; FLOPs are estimated for a graph with one")]
    Inputs(usize),
    /// An operator whose output shape is not derived here.
    #[error("the operator `{op}` of {node} is not one whose shapes rbench follows")]
    UnsupportedOp { op: String, node: String },
    /// A known operator whose inputs or attributes do not give an output shape.
    #[error("cannot follow shapes through `{op}` ({node}): {problem}")]
    Shape {
        op: String,
        node: String,
        problem: String,
    },
    /// A node reads a value whose shape was not derived (no node computes it, or it is a
    /// secondary output such as `Dropout`'s mask).
    #[error("{node} reads `{value}`, whose shape is not known")]
    MissingValue { node: String, value: String },
}

/// The FLOPs of one forward pass of `model` on one sample of shape `input_shape` (the graph's
/// input without its batch dimension, which is set to 1).
///
/// Nodes run in topological order (ONNX stores them so; a graph that does not is ordered here);
/// the first operator whose output shape cannot be derived is an error naming it and its node.
pub fn flops_of_onnx(model: &ModelProto, input_shape: &[usize]) -> Result<u64, FlopsError> {
    let graph = model.graph.as_ref().ok_or(FlopsError::NoGraph)?;
    let mut values: HashMap<&str, Value> = HashMap::new();
    for initializer in &graph.initializer {
        if let Some(name) = initializer.name.as_deref() {
            values.insert(name, constant(initializer));
        }
    }
    let fed: Vec<&str> = graph
        .input
        .iter()
        .filter_map(|v| v.name.as_deref())
        .filter(|name| !values.contains_key(name))
        .collect();
    let [input] = fed.as_slice() else {
        return Err(FlopsError::Inputs(fed.len()));
    };
    let batched = std::iter::once(1).chain(input_shape.iter().copied());
    values.insert(*input, Value::shaped(batched.collect()));
    let mut pending: Vec<(usize, &NodeProto)> = graph.node.iter().enumerate().collect();
    let mut macs: u64 = 0;
    while !pending.is_empty() {
        let mut waiting = Vec::new();
        for &(index, node) in &pending {
            let known = |name: &String| name.is_empty() || values.contains_key(name.as_str());
            if !node.input.iter().all(known) {
                waiting.push((index, node));
                continue;
            }
            let inputs: Vec<Option<&Value>> = node
                .input
                .iter()
                .map(|name| values.get(name.as_str()))
                .collect();
            let (output, node_macs) = propagate(node, &inputs).map_err(|problem| {
                let op = op_name(node);
                let node = node_label(node, index);
                match problem {
                    Problem::Unsupported => FlopsError::UnsupportedOp { op, node },
                    Problem::Shape(problem) => FlopsError::Shape { op, node, problem },
                }
            })?;
            macs = macs.saturating_add(node_macs);
            if let Some(name) = node.output.first() {
                values.insert(name.as_str(), output);
            }
        }
        if waiting.len() == pending.len() {
            let (index, node) = waiting[0];
            let missing = node
                .input
                .iter()
                .find(|name| !name.is_empty() && !values.contains_key(name.as_str()));
            return Err(FlopsError::MissingValue {
                node: node_label(node, index),
                value: missing.cloned().unwrap_or_default(),
            });
        }
        pending = waiting;
    }
    Ok(macs.saturating_mul(2))
}

/// `Conv`, or `com.microsoft.FusedConv` for an operator of another domain.
fn op_name(node: &NodeProto) -> String {
    let op = node.op_type.clone().unwrap_or_default();
    match node.domain.as_deref() {
        None | Some("" | "ai.onnx") => op,
        Some(domain) => format!("{domain}.{op}"),
    }
}

/// `node `conv1``, or `node 3` (its position) when unnamed.
fn node_label(node: &NodeProto, index: usize) -> String {
    match node.name.as_deref() {
        Some(name) if !name.is_empty() => format!("node `{name}`"),
        _ => format!("node {index}"),
    }
}

/// The output of one node and the multiply-accumulates it does, by its registry entry's rule.
fn propagate(node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
    if !matches!(node.domain.as_deref(), None | Some("" | "ai.onnx")) {
        return Err(Problem::Unsupported);
    }
    let op = node.op_type.as_deref().unwrap_or_default();
    match registry::find(op) {
        Some(entry) => entry.infer(node, inputs),
        None => Err(Problem::Unsupported),
    }
}
