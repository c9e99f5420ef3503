//! The results of a run as written to `results.json`: what was run (tool version, spec and
//! imported files, seed, data and model hashes, repository, host, time), every metric estimate,
//! every branch's accuracy, every gate verdict, every framework mapping, the model work and the
//! timings. `docs/results.md` documents the format; `docs/results.schema.json` is its JSON Schema,
//! generated from these types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::check::{Spec, Target};
use crate::metric::Interval;
use crate::plan::Branch;
use crate::syntax::ast::Severity;

use super::gate::Comparison;
use super::provenance::{self, Host, Repository};
use super::sanity::{self, SanityFlag};
use super::{BranchOutcome, ExecError, Outcome, Stats};

/// The version of the results format; it changes when a field changes meaning or is added.
pub const SCHEMA_VERSION: u32 = 2;

/// Everything a run found, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunResults {
    /// The version of this format ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The rbench version that ran.
    pub tool_version: String,
    /// The benchmark's name.
    pub benchmark: String,
    /// The benchmark's title.
    pub title: String,
    /// The spec, as given on the command line.
    pub spec: String,
    /// blake3 of the root spec's text, hex.
    pub spec_hash: String,
    /// The files the spec imports (directly or not), with the blake3 of their text.
    pub imports: Vec<ImportedFile>,
    /// The benchmark's seed.
    pub seed: u64,
    /// The spec's git repository, when it lies in one and `git` runs.
    pub repository: Option<Repository>,
    /// The machine that ran.
    pub host: Host,
    /// When the run started, RFC 3339 in UTC.
    pub started_at: String,
    /// When the run ended, RFC 3339 in UTC.
    pub finished_at: String,
    /// blake3 of each dataset's files and each model's file, hex, by declaration name.
    pub files: Vec<FileHash>,
    /// Every metric call of every gate, with its estimate.
    pub metrics: Vec<MetricResult>,
    /// The accuracy of each model on each dataset, clean and under each perturbation member.
    pub branches: Vec<BranchResult>,
    /// Attack results that signal gradient masking or a weak attack (`exec::sanity`).
    pub sanity: Vec<SanityFlag>,
    /// Every gate's verdict.
    pub gates: Vec<GateResult>,
    /// The frameworks the spec maps gates to, with all their controls.
    pub frameworks: Vec<FrameworkResult>,
    /// Each mapped control and whether its gates passed.
    pub mappings: Vec<MappingResult>,
    /// The model work and cache use.
    pub stats: Stats,
    /// How long the run took.
    pub timings: Timings,
}

/// A file the spec imports and the hash of its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImportedFile {
    /// The path, as the checker resolved it.
    pub path: String,
    /// blake3 of the file's text, hex.
    pub blake3: String,
}

/// The accuracy of one model on one dataset under one branch (clean or a perturbation member).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BranchResult {
    pub model: String,
    pub dataset: String,
    /// The perturbation's name; `None` for the clean branch.
    pub perturbation: Option<String>,
    /// `clean`, or the member's label (`noise[sigma = 0.1]`).
    pub label: String,
    /// The member's swept numeric parameters, by name (empty for the clean branch).
    pub swept: BTreeMap<String, f64>,
    /// Top-1 accuracy; `null` for a branch without samples.
    #[serde(with = "super::undefined")]
    #[schemars(with = "Option<f64>")]
    pub accuracy: f64,
    /// Its two-sided 95% Wilson interval.
    pub interval: Option<Interval>,
    pub samples: u64,
}

/// A framework a spec maps gates to, and its controls in document order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkResult {
    /// The name specs use after `map` (`nist_ai_rmf`).
    pub name: String,
    pub title: String,
    pub controls: Vec<ControlInfo>,
}

/// One control of a framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlInfo {
    /// The canonical id (`MEASURE 2.7`).
    pub id: String,
    /// The group it belongs to (the AI RMF function), if any.
    pub group: Option<String>,
    /// The control's statement.
    pub text: String,
}

/// The content hash of a declaration's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileHash {
    /// `dataset` or `model`.
    pub kind: String,
    pub name: String,
    pub blake3: String,
}

/// One metric call of a gate and its estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricResult {
    pub gate: String,
    /// The call as written: `accuracy(net, noise)`.
    pub label: String,
    pub metric: String,
    pub model: String,
    pub dataset: String,
    /// What the model ran under: `clean` or member labels (`noise[sigma = 0.1]`).
    pub targets: Vec<String>,
    /// `null` when no sample defines it (a rate of zero trials, `perturbation_norm` when no
    /// attack succeeded).
    #[serde(with = "super::undefined")]
    #[schemars(with = "Option<f64>")]
    pub value: f64,
    /// The two-sided 95% interval, for metrics that have one.
    pub interval: Option<Interval>,
    pub samples: u64,
}

/// A gate's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateResult {
    pub name: String,
    /// `require` or `warn`.
    pub severity: String,
    pub passed: bool,
    /// The left side of the gate's first comparison.
    pub value: Option<f64>,
    /// Its one-sided bound, compared instead of the value under a confidence.
    pub bound: Option<f64>,
    pub confidence: Option<f64>,
    pub comparisons: Vec<Comparison>,
}

/// A framework control and whether the gates that evidence it passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MappingResult {
    pub framework: String,
    pub control: String,
    pub gates: Vec<String>,
    pub satisfied: bool,
}

/// How long the run took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    pub total_seconds: f64,
    /// Each node's running time, wave by wave.
    pub nodes: Vec<NodeTiming>,
}

/// One node's running time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NodeTiming {
    pub node: String,
    pub seconds: f64,
}

impl RunResults {
    /// The results of `outcome`, a run of `spec` (given as `spec_path`) that took
    /// `total_seconds`, ending now.
    pub fn new(spec: &Spec, spec_path: &Path, outcome: &Outcome, total_seconds: f64) -> RunResults {
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
                    interval: estimate.interval,
                    samples: estimate.samples,
                });
            }
            let first = verdict.comparisons.first();
            gates.push(GateResult {
                name: gate.name.clone(),
                severity: match gate.severity {
                    Severity::Require => "require",
                    Severity::Warn => "warn",
                }
                .to_string(),
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
            repository: provenance::repository(spec_path),
            host: provenance::host(),
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

    /// Whether every `require` gate passed.
    pub fn passed(&self) -> bool {
        self.gates
            .iter()
            .all(|g| g.passed || g.severity != "require")
    }

    /// Writes the results as pretty JSON to `dir/results.json`, atomically; returns the path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ExecError> {
        let path = dir.join("results.json");
        let io = |at: &Path, error: &dyn std::fmt::Display| ExecError::Io {
            path: at.to_path_buf(),
            problem: format!("cannot write the results: {error}"),
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| io(&path, &e))?;
        text.push('\n');
        crate::atomic::write_atomic(&path, text.as_bytes()).map_err(|e| io(&path, &e))?;
        Ok(path)
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
        interval: estimate.interval,
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
