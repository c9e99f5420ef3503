//! The checked spec: every name resolved, every value typed and folded, every sweep expanded.
//!
//! References between declarations are indices into the spec's vectors, so later stages never
//! look names up again.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::risk::Catalog;
use crate::schema::Schema;
use crate::syntax::{SourceFile, Span};

use super::condition::{Condition, Severity};
use super::value::Value;

/// Index of a dataset in [`Spec::datasets`].
pub type DatasetId = usize;
/// Index of a model in [`Spec::models`].
pub type ModelId = usize;
/// Index of a perturbation in [`Spec::perturbations`].
pub type PerturbationId = usize;
/// Index of a gate in [`Spec::gates`].
pub type GateId = usize;

/// A whole checked benchmark.
#[derive(Debug, Clone)]
pub struct Spec {
    pub benchmark: Benchmark,
    pub datasets: Vec<Dataset>,
    pub models: Vec<Model>,
    pub perturbations: Vec<Perturbation>,
    /// Every (model, dataset, perturbation) triple to evaluate; `None` is the clean branch.
    pub evaluations: Vec<Evaluation>,
    pub gates: Vec<Gate>,
    /// Frameworks the spec maps gates to, with the mappings.
    pub frameworks: Vec<FrameworkUse>,
    /// The root file first, then imported files in the order they were first imported.
    pub files: Vec<SourceFile>,
    /// Whether the root is a suite (perturbations and metrics for `import`, nothing to run).
    pub suite: bool,
}

/// Parameters given to a built-in, by name, after defaults are applied.
pub type Params = BTreeMap<String, Value>;

/// The `benchmark` header.
#[derive(Debug, Clone)]
pub struct Benchmark {
    pub name: String,
    pub title: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub seed: u64,
    /// Folders outside the spec's project that data and models may be read from.
    pub data_roots: Vec<PathBuf>,
    pub span: Span,
}

/// A dataset declaration.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub source: Call,
    pub classes: u32,
    /// The valid input range `[low, high]`; every perturbation clips to it.
    pub range: (f64, f64),
    pub limit: Option<u64>,
    pub offset: u64,
    /// Seed of a shuffle before `offset` and `limit` apply; no shuffle when absent.
    pub shuffle: Option<u64>,
    pub span: Span,
}

/// A call of a built-in with its checked parameters.
#[derive(Debug, Clone)]
pub struct Call {
    pub schema: &'static Schema,
    pub params: Params,
    pub span: Span,
}

impl Call {
    /// The path passed as `name`.
    pub fn path(&self, name: &str) -> Option<&std::path::Path> {
        match self.params.get(name) {
            Some(Value::Path(path)) => Some(path),
            _ => None,
        }
    }

    /// The string passed as `name`.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.params.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The non-negative integer passed as `name`.
    pub fn uint(&self, name: &str) -> Option<u64> {
        self.params.get(name).and_then(as_uint)
    }

    /// The list of non-negative integers passed as `name`.
    pub fn uints(&self, name: &str) -> Option<Vec<u64>> {
        match self.params.get(name) {
            Some(Value::List(items)) => items.iter().map(as_uint).collect(),
            _ => None,
        }
    }
}

fn as_uint(value: &Value) -> Option<u64> {
    match value {
        Value::Int(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

/// A model declaration.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub format: ModelFormat,
    pub span: Span,
}

impl Model {
    /// The file its graph or weights are read from.
    pub fn path(&self) -> &std::path::Path {
        match &self.format {
            ModelFormat::Onnx { path } | ModelFormat::Safetensors { path, .. } => path,
        }
    }
}

/// Where a model's graph and weights come from.
#[derive(Debug, Clone)]
pub enum ModelFormat {
    /// An ONNX file (graph and weights).
    Onnx { path: PathBuf },
    /// safetensors weights for a built-in architecture.
    Safetensors { path: PathBuf, arch: Call },
}

/// A perturbation declaration, expanded into its sweep members.
#[derive(Debug, Clone)]
pub struct Perturbation {
    /// The name as referenced from the root file (`blur`, or `cc.blur` for an import).
    pub name: String,
    pub schema: &'static Schema,
    /// The swept parameters, in the order the members vary (the last fastest).
    pub axes: Vec<Axis>,
    /// One entry per member; a perturbation without sweeps has exactly one.
    pub members: Vec<Member>,
    pub span: Span,
}

/// A swept parameter and its values.
#[derive(Debug, Clone)]
pub struct Axis {
    pub param: String,
    pub values: Vec<Value>,
}

/// One member of a perturbation's sweep.
#[derive(Debug, Clone)]
pub struct Member {
    /// All parameters of this member (swept ones take this member's value).
    pub params: Params,
    /// Perturbations this member runs (for `worst_of`), each with its chosen members.
    pub parts: Vec<Target>,
    /// `noise[sigma = 0.1]`, or the bare name when the perturbation has no sweep.
    pub label: String,
}

/// What a branch or metric evaluates under: the clean data or members of a perturbation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Clean,
    /// Members (indices into [`Perturbation::members`]) of one perturbation.
    Members {
        perturbation: PerturbationId,
        members: Vec<usize>,
    },
}

/// One evaluation branch: a model on a dataset, clean or under one perturbation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Evaluation {
    pub model: ModelId,
    pub dataset: DatasetId,
    pub perturbation: Option<PerturbationId>,
}

/// A `require` or `warn` gate.
#[derive(Debug, Clone)]
pub struct Gate {
    pub name: String,
    pub severity: Severity,
    pub condition: Condition,
    /// Confidence level in (0, 1): compare the interval's bound, not the point estimate.
    pub confidence: Option<f64>,
    pub span: Span,
}

/// A metric evaluated for one model on one dataset under one target.
#[derive(Debug, Clone)]
pub struct MetricCall {
    pub schema: &'static Schema,
    pub model: ModelId,
    pub dataset: DatasetId,
    /// What the model is evaluated under; several targets (a whole sweep, or a list) aggregate.
    pub targets: Vec<Target>,
    /// The remaining parameters (`bins`, `baseline`, ...), defaults applied.
    pub params: Params,
    pub span: Span,
}

/// A framework a spec maps gates to, and its mappings.
#[derive(Debug, Clone)]
pub struct FrameworkUse {
    pub catalog: Catalog,
    pub mappings: Vec<Mapping>,
}

/// A control evidenced by gates.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The canonical control id (`MEASURE 2.7`).
    pub control: String,
    pub gates: Vec<GateId>,
    pub rationale: Option<String>,
    pub span: Span,
}
