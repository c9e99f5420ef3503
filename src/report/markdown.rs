//! The Markdown report: summary, gates, metrics, framework coverage, warnings, provenance.

use std::fmt::Write;

use super::coverage::Coverage;
use super::table::markdown as table;
use super::{interval, number, warnings};
use crate::results::{GateResult, RunResults, Severity};

/// The Markdown report of `results`; `evidence` names the results file.
pub fn render(results: &RunResults, evidence: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", heading(results));
    let _ = writeln!(out, "{}\n", summary(results));
    out += "## Gates\n\n";
    out += &table(&GATE_HEADERS, &gate_rows(results));
    out += "\n## Accuracy per model and perturbation\n\n";
    out += &table(&BRANCH_HEADERS, &branch_rows(results));
    out += "\n## Gate metrics\n\n";
    out += &table(&METRIC_HEADERS, &metric_rows(results));
    for framework in Coverage::of(results).frameworks {
        let _ = writeln!(out, "\n## Coverage of {}\n", framework.title);
        out += &table(&GROUP_HEADERS, &group_rows(&framework.groups));
        out += "\n";
        out += &table(&CONTROL_HEADERS, &control_rows(&framework.controls));
    }
    out += "\n## Warnings\n\n";
    let warnings = warnings(results);
    if warnings.is_empty() {
        out += "None.\n";
    }
    for warning in warnings {
        let _ = writeln!(out, "- {warning}");
    }
    out += "\n## Provenance\n\n";
    out += &table(&["field", "value"], &provenance_rows(results, evidence));
    out
}

/// `Benchmark report: NAME — TITLE`.
pub fn heading(results: &RunResults) -> String {
    match results.title.is_empty() || results.title == results.benchmark {
        true => format!("Benchmark report: {}", results.benchmark),
        false => format!(
            "Benchmark report: {} — {}",
            results.benchmark, results.title
        ),
    }
}

/// `PASSED: 5 of 5 gates passed …` in one line.
pub fn summary(results: &RunResults) -> String {
    let passed = results.gates.iter().filter(|g| g.passed).count();
    let failed_required = results
        .gates
        .iter()
        .filter(|g| !g.passed && g.severity == Severity::Require)
        .count();
    let verdict = if results.passed() { "PASSED" } else { "FAILED" };
    format!(
        "**{verdict}**: {passed} of {} gates passed; {failed_required} required gate(s) failed. \
         {} forward passes, {} backward passes, {:.2} s.",
        results.gates.len(),
        results.stats.forward_passes,
        results.stats.backward_passes,
        results.timings.total_seconds
    )
}

pub const GATE_HEADERS: [&str; 7] = [
    "gate",
    "severity",
    "result",
    "value",
    "bound",
    "confidence",
    "comparisons",
];

/// One row per gate: verdict, first value, its one-sided bound and every comparison.
pub fn gate_rows(results: &RunResults) -> Vec<Vec<String>> {
    results
        .gates
        .iter()
        .map(|gate| {
            vec![
                gate.name.clone(),
                gate.severity.to_string(),
                verdict(gate).to_string(),
                gate.value.map_or_else(String::new, number),
                gate.bound.map_or_else(String::new, number),
                gate.confidence
                    .map_or_else(String::new, |c| format!("{}%", c * 100.0)),
                comparisons(gate),
            ]
        })
        .collect()
}

/// `pass`, `FAIL` or `warning`.
pub fn verdict(gate: &GateResult) -> &'static str {
    match (gate.passed, gate.severity) {
        (true, _) => "pass",
        (false, Severity::Warn) => "warning",
        (false, Severity::Require) => "FAIL",
    }
}

/// Each comparison as `value (bound b) >= threshold ✓`, joined by `; `.
pub fn comparisons(gate: &GateResult) -> String {
    gate.comparisons
        .iter()
        .map(|c| {
            let bound = c
                .bound
                .map_or_else(String::new, |b| format!(" (bound {})", number(b)));
            let mark = if c.passed { "✓" } else { "✗" };
            format!(
                "{}{bound} {} {} {mark}",
                number(c.value),
                c.op,
                number(c.threshold)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub const BRANCH_HEADERS: [&str; 7] = [
    "model",
    "dataset",
    "perturbation",
    "member",
    "accuracy",
    "95% interval",
    "samples",
];

/// One row per model, dataset and branch.
pub fn branch_rows(results: &RunResults) -> Vec<Vec<String>> {
    results
        .branches
        .iter()
        .map(|b| {
            vec![
                b.model.clone(),
                b.dataset.clone(),
                b.perturbation.clone().unwrap_or_else(|| "—".to_string()),
                b.label.clone(),
                number(b.accuracy),
                interval(b.interval),
                b.samples.to_string(),
            ]
        })
        .collect()
}

pub const METRIC_HEADERS: [&str; 6] = [
    "gate",
    "metric",
    "model × data",
    "value",
    "95% interval",
    "samples",
];

/// One row per metric call of a gate.
pub fn metric_rows(results: &RunResults) -> Vec<Vec<String>> {
    results
        .metrics
        .iter()
        .map(|m| {
            vec![
                m.gate.clone(),
                m.label.clone(),
                format!("{} × {}", m.model, m.dataset),
                number(m.value),
                interval(m.interval),
                m.samples.to_string(),
            ]
        })
        .collect()
}

pub const GROUP_HEADERS: [&str; 4] = ["function", "controls", "evidenced", "not satisfied"];

/// One row per group of a framework.
pub fn group_rows(groups: &[super::GroupSummary]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            vec![
                if g.group.is_empty() {
                    "—".to_string()
                } else {
                    g.group.clone()
                },
                g.controls.to_string(),
                g.evidenced.to_string(),
                match g.failing.is_empty() {
                    true => "none".to_string(),
                    false => g.failing.join(", "),
                },
            ]
        })
        .collect()
}

pub const CONTROL_HEADERS: [&str; 3] = ["control", "gates", "status"];

/// One row per control, evidenced or not.
pub fn control_rows(controls: &[super::CoveredControl]) -> Vec<Vec<String>> {
    controls
        .iter()
        .map(|c| vec![c.id.clone(), c.gates.join(", "), c.status().to_string()])
        .collect()
}

/// What was run, where and when.
pub fn provenance_rows(results: &RunResults, evidence: &str) -> Vec<Vec<String>> {
    let mut rows = vec![
        vec!["results".into(), evidence.to_string()],
        vec!["tool version".into(), results.tool_version.clone()],
        vec!["results format".into(), results.schema_version.to_string()],
        vec!["spec".into(), results.spec.clone()],
        vec!["spec blake3".into(), results.spec_hash.clone()],
    ];
    for import in &results.imports {
        rows.push(vec![
            format!("import {}", import.path),
            import.blake3.clone(),
        ]);
    }
    for file in &results.files {
        rows.push(vec![
            format!("{} {}", file.kind, file.name),
            file.blake3.clone(),
        ]);
    }
    rows.push(vec!["seed".into(), results.seed.to_string()]);
    rows.push(vec![
        "git commit".into(),
        results.repository.as_ref().map_or_else(
            || "none".to_string(),
            |r| format!("{}{}", r.commit, if r.dirty { " (dirty)" } else { "" }),
        ),
    ]);
    let host = &results.host;
    rows.push(vec![
        "host".into(),
        format!(
            "{} {}, {}, {} threads",
            host.os,
            host.arch,
            host.cpu.as_deref().unwrap_or("unknown CPU"),
            host.threads
        ),
    ]);
    rows.push(vec!["started".into(), results.started_at.clone()]);
    rows.push(vec!["finished".into(), results.finished_at.clone()]);
    rows
}
