//! The engine's side of `results.json`: a finished run's [`Outcome`], with the checked spec it
//! ran and where it ran, turned into [`RunResults`] (the types of [`crate::results`]). The
//! conversions from the checker's and the metrics' own types live here, so `results` depends on
//! neither.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::check::{self, Spec, Target};
use crate::metric;
use crate::plan::Branch;
use crate::results::{
    BranchResult, ControlInfo, FileHash, FrameworkResult, GateResult, ImportedFile, Interval,
    MappingResult, MetricResult, NodeTiming, RunResults, Severity, Timings, SCHEMA_VERSION,
};

use super::provenance::Provenance;
use super::sanity;
use super::{BranchOutcome, Outcome};

impl From<check::Severity> for Severity {
    fn from(severity: check::Severity) -> Severity {
        match severity {
            check::Severity::Require => Severity::Require,
            check::Severity::Warn => Severity::Warn,
        }
    }
}

impl From<metric::Interval> for Interval {
    fn from(interval: metric::Interval) -> Interval {
        Interval {
            low: interval.low,
            high: interval.high,
            level: interval.level,
        }
    }
}

/// The results of `outcome`, a run of `spec` (given as `spec_path`) at `provenance` that took
/// `total_seconds`, ending now.
pub fn results(
    spec: &Spec,
    spec_path: &Path,
    outcome: &Outcome,
    provenance: Provenance,
    total_seconds: f64,
) -> RunResults {
    let finished = SystemTime::now();
    let started = Duration::try_from_secs_f64(total_seconds)
        .ok()
        .and_then(|d| finished.checked_sub(d))
        .unwrap_or(finished);
    let root = &spec.files[0];
    let mut files = Vec::new();
    for (dataset, hash) in spec.datasets.iter().zip(&outcome.dataset_hashes) {
        if let Some(hash) = hash {
            files.push(file_hash("dataset", &dataset.name, hash));
        }
    }
    for (model, hash) in spec.models.iter().zip(&outcome.model_hashes) {
        if let Some(hash) = hash {
            files.push(file_hash("model", &model.name, hash));
        }
    }
    let mut metrics = Vec::new();
    let mut gates = Vec::new();
    for (gate, (estimates, verdict)) in spec.gates.iter().zip(&outcome.gates) {
        for (call, estimate) in gate.condition.metric_calls().into_iter().zip(estimates) {
            let file = &spec.files[call.span.file.0 as usize];
            metrics.push(MetricResult {
                gate: gate.name.clone(),
                label: file.text[call.span.start..call.span.end].to_string(),
                metric: call.schema.name.to_string(),
                model: spec.models[call.model].name.clone(),
                dataset: spec.datasets[call.dataset].name.clone(),
                targets: call
                    .targets
                    .iter()
                    .flat_map(|t| target_labels(spec, t))
                    .collect(),
                value: estimate.value,
                interval: estimate.interval.map(Interval::from),
                samples: estimate.samples,
            });
        }
        let first = verdict.comparisons.first();
        gates.push(GateResult {
            name: gate.name.clone(),
            severity: gate.severity.into(),
            passed: verdict.passed,
            value: first.map(|c| c.value),
            bound: first.and_then(|c| c.bound),
            confidence: gate.confidence,
            comparisons: verdict.comparisons.clone(),
        });
    }
    let mut mappings = Vec::new();
    for framework in &spec.frameworks {
        for mapping in &framework.mappings {
            mappings.push(MappingResult {
                framework: framework.catalog.name.clone(),
                control: mapping.control.clone(),
                gates: mapping
                    .gates
                    .iter()
                    .map(|&g| spec.gates[g].name.clone())
                    .collect(),
                satisfied: mapping.gates.iter().all(|&g| gates[g].passed),
            });
        }
    }
    RunResults {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        benchmark: spec.benchmark.name.clone(),
        title: spec.benchmark.title.clone(),
        spec: spec_path.display().to_string(),
        spec_hash: hex(blake3::hash(root.text.as_bytes()).as_bytes()),
        imports: spec.files[1..]
            .iter()
            .map(|file| ImportedFile {
                path: file.name.clone(),
                blake3: hex(blake3::hash(file.text.as_bytes()).as_bytes()),
            })
            .collect(),
        seed: spec.benchmark.seed,
        repository: provenance.repository,
        host: provenance.host,
        started_at: humantime::format_rfc3339_millis(started).to_string(),
        finished_at: humantime::format_rfc3339_millis(finished).to_string(),
        files,
        metrics,
        sanity: sanity::flags(spec, &outcome.branches),
        branches: outcome
            .branches
            .iter()
            .map(|b| branch_result(spec, b))
            .collect(),
        gates,
        frameworks: spec
            .frameworks
            .iter()
            .map(|framework| FrameworkResult {
                name: framework.catalog.name.clone(),
                title: framework.catalog.title.clone(),
                controls: framework
                    .catalog
                    .controls
                    .iter()
                    .map(|c| ControlInfo {
                        id: c.id.clone(),
                        group: c.group.clone(),
                        text: c.text.clone(),
                    })
                    .collect(),
            })
            .collect(),
        mappings,
        stats: outcome.stats,
        timings: Timings {
            total_seconds,
            nodes: outcome
                .timings
                .iter()
                .map(|(node, d)| NodeTiming {
                    node: node.clone(),
                    seconds: d.as_secs_f64(),
                })
                .collect(),
        },
    }
}

/// The accuracy of one branch, named by its model, dataset, perturbation and member.
fn branch_result(spec: &Spec, outcome: &BranchOutcome) -> BranchResult {
    let estimate = &outcome.accuracy;
    let (perturbation, label, swept) = match outcome.branch {
        Branch::Clean => (None, "clean".to_string(), BTreeMap::new()),
        Branch::Member {
            perturbation,
            member,
        } => {
            let perturbation = &spec.perturbations[perturbation];
            let member = &perturbation.members[member];
            let swept = perturbation
                .axes
                .iter()
                .filter_map(|axis| {
                    let value = member.params.get(&axis.param)?.as_f64()?;
                    Some((axis.param.clone(), value))
                })
                .collect();
            (Some(perturbation.name.clone()), member.label.clone(), swept)
        }
    };
    BranchResult {
        model: spec.models[outcome.model].name.clone(),
        dataset: spec.datasets[outcome.dataset].name.clone(),
        perturbation,
        label,
        swept,
        accuracy: estimate.value,
        interval: estimate.interval.map(Interval::from),
        samples: estimate.samples,
    }
}

fn target_labels(spec: &Spec, target: &Target) -> Vec<String> {
    match target {
        Target::Clean => vec!["clean".to_string()],
        Target::Members {
            perturbation,
            members,
        } => members
            .iter()
            .map(|&m| spec.perturbations[*perturbation].members[m].label.clone())
            .collect(),
    }
}

fn file_hash(kind: &str, name: &str, hash: &[u8; 32]) -> FileHash {
    FileHash {
        kind: kind.to_string(),
        name: name.to_string(),
        blake3: hex(hash),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
