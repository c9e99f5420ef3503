//! `rbench plan` and `rbench graph`: the execution DAG of a spec, as a listing or an export.

use std::fmt::Write;

use rbench::check::Spec;
use rbench::link::Reach;
use rbench::plan::{self, FlopsEstimate, Plan};

use super::compile::compile_or_report;
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

/// Prints the plan of `input` wave by wave with its cost, then whether it can run. With
/// `link`, first reads the headers of the files the spec names and adds FLOP estimates.
pub fn run_plan(input: &Input, link: Option<Reach>, console: &Console) -> Status {
    with_plan(input, link, console, listing)
}

/// Prints the plan of `input` in `format`, then whether it can run.
pub fn run_graph(
    input: &Input,
    format: GraphFormat,
    link: Option<Reach>,
    console: &Console,
) -> Status {
    with_plan(input, link, console, |_, plan| match format {
        GraphFormat::Dot => plan::to_dot(plan),
        GraphFormat::Mermaid => plan::to_mermaid(plan),
        GraphFormat::Json => {
            let mut text = serde_json::to_string_pretty(&plan::to_json(plan)).unwrap_or_default();
            text.push('\n');
            text
        }
    })
}

/// Compiles and plans `input` (linking its files first with `link`), prints `show(plan)` to
/// standard output, and reports what the engine cannot run yet (exit 1).
fn with_plan(
    input: &Input,
    link: Option<Reach>,
    console: &Console,
    show: impl Fn(&Spec, &Plan) -> String,
) -> Status {
    let spec = match compile_or_report(input, console) {
        Ok(spec) => spec,
        Err(status) => return status,
    };
    let linked = match link.as_ref().filter(|_| !spec.suite) {
        Some(reach) => match rbench::link::link(&spec, reach) {
            Ok(linked) => Some(linked),
            Err(errors) => {
                console.diagnostic(&errors);
                return Status::Problems;
            }
        },
        None => None,
    };
    let plan = plan::build_with(&spec, linked.as_ref());
    if let Err(error) = console.print(&show(&spec, &plan)) {
        console.error(&format!("cannot write the plan: {error}"));
        return Status::Failure;
    }
    Status::Success
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
        let noun = if wave.len() == 1 { "node" } else { "nodes" };
        let _ = writeln!(out, "\nwave {w} ({} {noun})", wave.len());
        for &index in wave {
            let node = &plan.graph[index];
            let flops = match (&plan.flops, node.cost.flops) {
                (None, _) => String::new(),
                (Some(_), Some(flops)) => format!(", {}FLOPs", si(flops)),
                (Some(_), None) => ", FLOPs unknown".to_string(),
            };
            let cost = if node.cost.is_model_work() {
                format!(
                    "  [{} fwd + {} bwd / sample{flops}]",
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
    if let Some(estimate) = &plan.flops {
        flops_listing(spec, plan, estimate, &mut out);
    }
    out
}

/// The FLOPs of each model on each data set, and the plan's totals.
fn flops_listing(spec: &Spec, plan: &Plan, estimate: &FlopsEstimate, out: &mut String) {
    let _ = writeln!(
        out,
        "\nFLOPs (2 × multiply-accumulates of convolution and linear layers; a backward pass \
         counts as 2 forward passes):"
    );
    for entry in &estimate.models {
        let pair = format!(
            "{} on {}",
            spec.models[entry.model].name, spec.datasets[entry.dataset].name
        );
        match (entry.forward, &entry.unknown) {
            (Some(flops), _) => {
                let _ = writeln!(out, "  {pair}: {} per forward pass", exact(flops));
            }
            (None, reason) => {
                let reason = reason.as_deref().unwrap_or("not estimated");
                let _ = writeln!(out, "  {pair}: unknown ({reason})");
            }
        }
    }
    let Some(totals) = plan.flops_totals() else {
        return;
    };
    let partial = |skipped: usize, why: &str| match skipped {
        0 => String::new(),
        1 => format!("; 1 node not counted ({why})"),
        n => format!("; {n} nodes not counted ({why})"),
    };
    let _ = writeln!(
        out,
        "  per sample: {}{}",
        exact(totals.per_sample),
        partial(totals.unknown_flops, "FLOPs unknown")
    );
    let samples: Vec<String> = spec
        .datasets
        .iter()
        .zip(&estimate.samples)
        .filter_map(|(d, n)| Some(format!("{} samples of {}", exact((*n)?), d.name)))
        .collect();
    let over = match samples.is_empty() {
        true => String::new(),
        false => format!(" over {}", samples.join(", ")),
    };
    let _ = writeln!(
        out,
        "  whole run: {}{over}{}{}",
        exact(totals.run),
        partial(totals.unknown_flops, "FLOPs unknown"),
        partial(totals.unknown_samples, "sample count unknown")
    );
}

/// `469,504 (470 k)`: an exact count with its rounded value.
fn exact(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match n {
        0..1000 => grouped,
        _ => format!("{grouped} ({})", si(n).trim_end()),
    }
}

/// `8.48 M`, `470 k`, `12 `: three significant digits and an SI prefix.
fn si(n: u64) -> String {
    let mut value = n as f64;
    let mut prefixes = ["", "k", "M", "G", "T", "P", "E"].iter();
    let mut prefix = prefixes.next().copied().unwrap_or_default();
    while value >= 999.5 {
        match prefixes.next() {
            Some(next) => prefix = next,
            None => break,
        }
        value /= 1000.0;
    }
    let decimals = match value {
        _ if prefix.is_empty() => 0,
        v if v < 9.995 => 2,
        v if v < 99.95 => 1,
        _ => 0,
    };
    format!("{value:.decimals$} {prefix}")
}
