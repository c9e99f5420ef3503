//! Exports of a plan: Graphviz DOT, Mermaid, and JSON.

use std::fmt::Write;

use serde_json::json;

use super::Plan;

/// The DAG in Graphviz DOT (`dot -Tsvg`), nodes labelled with what they do, one rank per wave.
pub fn to_dot(plan: &Plan) -> String {
    let mut out = String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box];\n");
    for node in plan.nodes() {
        let label = node.label.replace('\\', "\\\\").replace('"', "\\\"");
        let _ = writeln!(out, "  \"{}\" [label=\"{}\"];", node.id.short(), label);
    }
    for_each_edge(plan, |from, to| {
        let _ = writeln!(out, "  \"{from}\" -> \"{to}\";");
    });
    out.push_str("}\n");
    out
}

/// Calls `f(input, node)` with short identities for every edge, in wave order.
fn for_each_edge(plan: &Plan, mut f: impl FnMut(&str, &str)) {
    for &index in plan.waves.iter().flatten() {
        for input in plan.inputs(index) {
            f(&plan.graph[input].id.short(), &plan.graph[index].id.short());
        }
    }
}

/// The DAG as a Mermaid flowchart (renders in GitHub Markdown), nodes named by short identity.
pub fn to_mermaid(plan: &Plan) -> String {
    let mut out = String::from("flowchart LR\n");
    for node in plan.nodes() {
        let label = node.label.replace('"', "#quot;");
        let _ = writeln!(out, "  n{}[\"{}\"]", node.id.short(), label);
    }
    for_each_edge(plan, |from, to| {
        let _ = writeln!(out, "  n{from} --> n{to}");
    });
    out
}

/// The plan as JSON: nodes (wave by wave) with their identities, kinds, labels, costs and
/// inputs, the waves as lists of identities and, for a linked plan, the FLOP estimates per model
/// with their totals.
pub fn to_json(plan: &Plan) -> serde_json::Value {
    let nodes: Vec<serde_json::Value> = plan
        .waves
        .iter()
        .flatten()
        .map(|&index| {
            let node = &plan.graph[index];
            let mut value = serde_json::to_value(node).unwrap_or_default();
            let inputs: Vec<String> = plan
                .inputs(index)
                .into_iter()
                .map(|i| plan.graph[i].id.to_string())
                .collect();
            value["inputs"] = json!(inputs);
            value
        })
        .collect();
    let waves: Vec<Vec<String>> = plan
        .waves
        .iter()
        .map(|w| w.iter().map(|&i| plan.graph[i].id.to_string()).collect())
        .collect();
    let mut out = json!({ "nodes": nodes, "waves": waves });
    if let (Some(estimate), Some(totals)) = (&plan.flops, plan.flops_totals()) {
        out["flops"] = json!({
            "models": estimate.models,
            "samples": estimate.samples,
            "totals": totals,
        });
    }
    out
}
