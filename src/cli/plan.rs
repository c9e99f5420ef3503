//! `rbench plan` and `rbench graph`: the execution DAG of a spec, as a listing or an export.

use std::fmt::Write;

use rbench::check::Spec;
use rbench::plan::{self, Plan};

use super::compile::{compile, CompileError};
use super::input::Input;
use super::render::Console;
use super::Status;

/// The export formats of `rbench graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg plan.dot`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
    /// JSON: nodes with identities, kinds, labels, costs and inputs; waves.
    Json,
}

/// Prints the plan of `input` wave by wave with its cost, then whether it can run.
pub fn run_plan(input: &Input, console: &Console) -> Status {
    with_plan(input, console, listing)
}

/// Prints the plan of `input` in `format`, then whether it can run.
pub fn run_graph(input: &Input, format: GraphFormat, console: &Console) -> Status {
    with_plan(input, console, |_, plan| match format {
        GraphFormat::Dot => plan::to_dot(plan),
        GraphFormat::Mermaid => plan::to_mermaid(plan),
        GraphFormat::Json => {
            let mut text = serde_json::to_string_pretty(&plan::to_json(plan)).unwrap_or_default();
            text.push('\n');
            text
        }
    })
}

/// Compiles and plans `input`, prints `show(plan)` to standard output, and reports what the
/// engine cannot run yet (exit 1).
fn with_plan(input: &Input, console: &Console, show: impl Fn(&Spec, &Plan) -> String) -> Status {
    let spec = match compile(input) {
        Ok(spec) => spec,
        Err(CompileError::Read(error)) => {
            console.error(&error);
            return Status::Failure;
        }
        Err(CompileError::Diagnostics(report)) => {
            console.diagnostic(report.as_ref());
            return Status::Problems;
        }
    };
    let plan = plan::build(&spec);
    if let Err(error) = console.print(&show(&spec, &plan)) {
        console.error(&format!("cannot write the plan: {error}"));
        return Status::Failure;
    }
    match plan::validate(&plan, &spec) {
        Ok(()) => Status::Success,
        Err(errors) => {
            console.diagnostic(&errors);
            Status::Problems
        }
    }
}

/// The human listing: a header, the nodes of each wave, and the model work.
fn listing(spec: &Spec, plan: &Plan) -> String {
    let mut out = String::new();
    let nodes = plan.graph.node_count();
    let _ = writeln!(
        out,
        "plan of `{}`: {nodes} nodes in {} waves",
        spec.benchmark.name,
        plan.waves.len()
    );
    for (w, wave) in plan.waves.iter().enumerate() {
        let _ = writeln!(out, "\nwave {w} ({} nodes)", wave.len());
        for &index in wave {
            let node = &plan.graph[index];
            let cost = if node.cost.forward + node.cost.backward > 0 {
                format!(
                    "  [{} fwd + {} bwd / sample]",
                    node.cost.forward, node.cost.backward
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {}  {:<12} {}{cost}",
                node.id.short(),
                node.kind.word(),
                node.label
            );
        }
    }
    let total = plan.total_cost();
    let _ = writeln!(
        out,
        "\nmodel work: {} forward and {} backward passes per sample",
        total.forward, total.backward
    );
    out
}
