//! Shared by the check tests: the fixture lists, checking a fixture as `rbench check` does, the
//! rendering of diagnostics, and a compact, order-independent summary of a checked spec.

#![allow(dead_code)] // each test crate uses a different part of this module

use std::fmt::Write as _;
use std::path::Path;

use miette::Diagnostic;
use rbench::check::{
    self, CheckErrors, Condition, FsLoader, MetricCall, ModelFormat, Numeric, Params, Spec, Target,
    Value,
};
use rbench::syntax::{self, FileId, SourceFile, SyntaxErrors};

/// What checking a fixture gave.
pub enum Outcome {
    Checked(Box<Spec>),
    /// The root file does not parse (never expected of a check fixture).
    Syntax(SyntaxErrors),
    Check(CheckErrors),
}

/// The fixtures of `tests/fixtures/check/<kind>`, sorted by name, each with its path relative to
/// the repository: `<name>.rbench`, or `<name>/main.rbench` for a fixture with imports.
pub fn fixtures(kind: &str) -> Vec<(String, String)> {
    let relative = format!("tests/fixtures/check/{kind}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(&relative);
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter_map(|path| {
            let name = path.file_stem()?.to_str()?.to_string();
            if path.is_dir() {
                assert!(
                    path.join("main.rbench").is_file(),
                    "{name}/ has no main.rbench"
                );
                Some((name.clone(), format!("{relative}/{name}/main.rbench")))
            } else if path.extension().is_some_and(|ext| ext == "rbench") {
                Some((name.clone(), format!("{relative}/{name}.rbench")))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}

/// Parses and checks the file at `path` (relative to the repository, where tests run).
pub fn check_file(path: &str) -> Outcome {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    check_text(&text, path)
}

/// Parses and checks `text` as if read from `path`; imports are read from the file system.
pub fn check_text(text: &str, path: &str) -> Outcome {
    let source = SourceFile::new(FileId(0), path, text);
    match syntax::parse(&source) {
        Err(errors) => Outcome::Syntax(errors),
        Ok(ast) => match check::check(source, ast, Path::new(path), &FsLoader) {
            Ok(spec) => Outcome::Checked(Box::new(spec)),
            Err(errors) => Outcome::Check(errors),
        },
    }
}

/// The diagnostics as a terminal without colour shows them, 80 columns wide.
pub fn render(errors: &dyn Diagnostic) -> String {
    super::support::render(errors, 80)
}

/// A compact summary of a checked spec: every declaration with what the checker made of it, and
/// every reference by name. Lines are sorted within each section, so the summary does not depend
/// on the order in which the spec declares things.
pub fn describe(spec: &Spec) -> String {
    let b = &spec.benchmark;
    let mut out = format!(
        "benchmark {} {:?} seed {}{}\n",
        b.name,
        b.title,
        b.seed,
        if spec.suite { " (suite)" } else { "" }
    );
    if let Some(version) = &b.version {
        let _ = writeln!(out, "  version {version:?}");
    }
    for root in &b.data_roots {
        let _ = writeln!(out, "  data root {}", root.display());
    }
    // The root, then the imported files by name (their ids follow the order of the imports).
    let mut files: Vec<&str> = spec.files.iter().map(|f| f.name.as_str()).collect();
    files[1..].sort();
    let _ = writeln!(out, "files: {}", files.join(", "));

    let mut lines: Vec<String> = spec
        .datasets
        .iter()
        .map(|d| {
            format!(
                "dataset {}: {}({}) classes {} range [{}, {}] limit {:?} offset {} shuffle {:?}",
                d.name,
                d.source.schema.name,
                params(spec, &d.source.params),
                d.classes,
                d.range.0,
                d.range.1,
                d.limit,
                d.offset,
                d.shuffle
            )
        })
        .collect();
    lines.extend(spec.models.iter().map(|m| match &m.format {
        ModelFormat::Onnx { path } => format!("model {}: onnx {}", m.name, path.display()),
        ModelFormat::Safetensors { path, arch } => format!(
            "model {}: safetensors {} arch {}({})",
            m.name,
            path.display(),
            arch.schema.name,
            params(spec, &arch.params)
        ),
    }));
    section(&mut out, lines);

    let lines = spec
        .perturbations
        .iter()
        .map(|p| {
            let axes: Vec<String> = p
                .axes
                .iter()
                .map(|a| format!("{} × {}", a.param, a.values.len()))
                .collect();
            let mut text = format!(
                "perturbation {} = {} [{}], {} member(s)",
                p.name,
                p.schema.name,
                axes.join(", "),
                p.members.len()
            );
            for member in &p.members {
                let _ = write!(
                    text,
                    "\n  {} ({})",
                    member.label,
                    params(spec, &member.params)
                );
                for part in &member.parts {
                    let _ = write!(text, "\n    part {}", target(spec, part));
                }
            }
            text
        })
        .collect();
    section(&mut out, lines);

    let lines = spec
        .evaluations
        .iter()
        .map(|e| {
            let under = e
                .perturbation
                .map_or("clean", |p| spec.perturbations[p].name.as_str());
            format!(
                "evaluate {} on {} under {under}",
                spec.models[e.model].name, spec.datasets[e.dataset].name
            )
        })
        .collect();
    section(&mut out, lines);

    let lines = spec
        .gates
        .iter()
        .map(|g| {
            let confidence = g
                .confidence
                .map_or(String::new(), |c| format!(" with confidence {c}"));
            format!(
                "{} {}: {}{confidence}",
                g.severity.keyword(),
                g.name,
                condition(spec, &g.condition)
            )
        })
        .collect();
    section(&mut out, lines);

    let lines = spec
        .frameworks
        .iter()
        .flat_map(|f| {
            f.mappings.iter().map(move |m| {
                let gates: Vec<&str> = m
                    .gates
                    .iter()
                    .map(|&g| spec.gates[g].name.as_str())
                    .collect();
                format!(
                    "map {} ({}): {:?} <- {} {:?}",
                    f.catalog.name,
                    f.catalog.title,
                    m.control,
                    gates.join(", "),
                    m.rationale
                )
            })
        })
        .collect();
    section(&mut out, lines);
    out
}

fn section(out: &mut String, mut lines: Vec<String>) {
    lines.sort();
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
}

fn params(spec: &Spec, params: &Params) -> String {
    let parts: Vec<String> = params
        .iter()
        .map(|(name, v)| format!("{name}: {}", value(spec, v)))
        .collect();
    parts.join(", ")
}

/// A value with its references by name.
fn value(spec: &Spec, v: &Value) -> String {
    match v {
        Value::Model(m) => spec.models[*m].name.clone(),
        Value::Dataset(d) => spec.datasets[*d].name.clone(),
        Value::Perturbation(t) => target(spec, t),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|i| value(spec, i)).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `clean`, a whole perturbation by name, or the labels of the members chosen.
fn target(spec: &Spec, t: &Target) -> String {
    match t {
        Target::Clean => "clean".into(),
        Target::Members {
            perturbation,
            members,
        } => {
            let p = &spec.perturbations[*perturbation];
            if members.len() == p.members.len() {
                p.name.clone()
            } else {
                let labels: Vec<&str> = members
                    .iter()
                    .map(|&m| p.members[m].label.as_str())
                    .collect();
                format!("{{{}}}", labels.join(" | "))
            }
        }
    }
}

fn condition(spec: &Spec, c: &Condition) -> String {
    match c {
        Condition::Not(inner) => format!("not {}", condition(spec, inner)),
        Condition::Logic { op, lhs, rhs } => format!(
            "({} {} {})",
            condition(spec, lhs),
            op.symbol(),
            condition(spec, rhs)
        ),
        Condition::Compare { op, lhs, rhs } => format!(
            "({} {} {})",
            numeric(spec, lhs),
            op.symbol(),
            numeric(spec, rhs)
        ),
    }
}

fn numeric(spec: &Spec, n: &Numeric) -> String {
    match n {
        Numeric::Number(n) => n.to_string(),
        Numeric::Metric(call) => metric(spec, call),
        Numeric::Neg(inner) => format!("-{}", numeric(spec, inner)),
        Numeric::Arithmetic { op, lhs, rhs } => format!(
            "({} {} {})",
            numeric(spec, lhs),
            op.symbol(),
            numeric(spec, rhs)
        ),
    }
}

/// `accuracy(mlp on digits_test under noise; bins: 15)`.
fn metric(spec: &Spec, call: &MetricCall) -> String {
    let targets: Vec<String> = call.targets.iter().map(|t| target(spec, t)).collect();
    let rest = params(spec, &call.params);
    format!(
        "{}({} on {} under {}{}{})",
        call.schema.name,
        spec.models[call.model].name,
        spec.datasets[call.dataset].name,
        targets.join(", "),
        if rest.is_empty() { "" } else { "; " },
        rest
    )
}
