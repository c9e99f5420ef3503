//! The results of a run as written to `results.json`: what was run (tool version, spec, seed,
//! file hashes), every metric estimate, every gate verdict, every framework mapping, the model
//! work and the timings.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::{Spec, Target};
use crate::metric::Interval;
use crate::syntax::ast::Severity;

use super::gate::Comparison;
use super::{ExecError, Outcome, Stats};

/// The version of the results format; it changes when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a run found, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    pub schema_version: u32,
    /// The rbench version that ran.
    pub tool_version: String,
    pub benchmark: String,
    /// The spec, as given on the command line.
    pub spec: String,
    /// blake3 of the root spec's text, hex.
    pub spec_hash: String,
    pub seed: u64,
    /// blake3 of each dataset's files and each model's file, hex, by declaration name.
    pub files: Vec<FileHash>,
    pub metrics: Vec<MetricResult>,
    pub gates: Vec<GateResult>,
    pub mappings: Vec<MappingResult>,
    pub stats: Stats,
    pub timings: Timings,
}

/// The content hash of a declaration's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileHash {
    /// `dataset` or `model`.
    pub kind: String,
    pub name: String,
    pub blake3: String,
}

/// One metric call of a gate and its estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    pub gate: String,
    /// The call as written: `accuracy(net, noise)`.
    pub label: String,
    pub metric: String,
    pub model: String,
    pub dataset: String,
    /// What the model ran under: `clean` or member labels (`noise[sigma = 0.1]`).
    pub targets: Vec<String>,
    pub value: f64,
    /// The two-sided 95% interval, for metrics that have one.
    pub interval: Option<Interval>,
    pub samples: u64,
}

/// A gate's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingResult {
    pub framework: String,
    pub control: String,
    pub gates: Vec<String>,
    pub satisfied: bool,
}

/// How long the run took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub total_seconds: f64,
    /// Each node's running time, wave by wave.
    pub nodes: Vec<NodeTiming>,
}

/// One node's running time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeTiming {
    pub node: String,
    pub seconds: f64,
}

impl RunResults {
    /// The results of `outcome`, a run of `spec` (given as `spec_path`) that took
    /// `total_seconds`.
    pub fn new(spec: &Spec, spec_path: &Path, outcome: &Outcome, total_seconds: f64) -> RunResults {
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
            spec: spec_path.display().to_string(),
            spec_hash: hex(blake3::hash(root.text.as_bytes()).as_bytes()),
            seed: spec.benchmark.seed,
            files,
            metrics,
            gates,
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
        std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
        let mut text = serde_json::to_string_pretty(self).map_err(|e| io(&path, &e))?;
        text.push('\n');
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(dir, &e))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| io(&path, &e))?;
        file.persist(&path).map_err(|e| io(&path, &e.error))?;
        Ok(path)
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
