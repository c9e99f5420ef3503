//! The scheduler: runs a plan wave by wave, the nodes of a wave in parallel on a pool of
//! worker threads. An infer node streams its dataset in batches (perturbed, then through the
//! model) and keeps per-sample logits indexed by sample position, so results depend neither on
//! the batch size nor on the number of threads.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use petgraph::graph::NodeIndex;
use rayon::prelude::*;

use crate::check::{DatasetId, Gate, MetricCall, ModelId, PerturbationId, Spec, Target};
use crate::data::Source;
use crate::metric::{
    Accumulator, Accuracy, Estimate, Evaluation, MetricError, MetricState, PerturbationSize,
    Predictions,
};
use crate::model::{ModelError, Network};
use crate::perturb::{node_seed, Context, FeatureStats, Perturbation};
use crate::plan::{Branch, Node, NodeKind, Plan};
use crate::results::Stats;

use super::cache::{BranchPredictions, Cache, Lookup};
use super::counted::{Counted, GradientCounts, GradientTally, Passes};
use super::derived;
use super::gate::{self, GateOutcome};
use super::{bind, ExecError};

/// Told of a run's progress, from the worker threads: progress bars and log lines.
pub trait Observer: Sync {
    /// The run of a plan of `nodes` nodes starts (before any node does).
    fn planned(&self, _nodes: usize) {}
    /// `node` starts; an infer node that computes streams `samples` samples (0 otherwise).
    fn started(&self, node: &Node, samples: usize);
    /// `samples` more samples of `node` went through its perturbation and model.
    fn advanced(&self, node: &Node, samples: usize);
    /// `node` finished after `elapsed`; `cached` when its result was read from the cache.
    fn finished(&self, node: &Node, elapsed: Duration, cached: bool);
}

/// How to run a plan.
pub struct Options<'a> {
    /// Worker threads (at least 1, at most [`MAX_THREADS_PER_CPU`] per CPU: more are capped).
    pub threads: usize,
    /// Samples per batch (at least 1).
    pub batch_size: usize,
    /// The inference cache, if enabled.
    pub cache: Option<Cache>,
    /// Told of each node and batch, if given.
    pub observer: Option<&'a dyn Observer>,
    /// Set (by a Ctrl-C handler, say) to stop the run at the next batch; nodes already finished
    /// stay in the cache, so the next run resumes from them.
    pub cancel: Option<&'a AtomicBool>,
}

impl Options<'_> {
    fn cancelled(&self) -> Result<(), ExecError> {
        match self.cancel.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
            true => Err(ExecError::Cancelled),
            false => Ok(()),
        }
    }
}

/// What a run computed.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Per gate (indexed like [`Spec::gates`]): the estimate of each metric call, in
    /// condition order, and the verdict.
    pub gates: Vec<(Vec<Estimate>, GateOutcome)>,
    /// The content hash of each dataset's files, indexed like [`Spec::datasets`].
    pub dataset_hashes: Vec<Option<[u8; 32]>>,
    /// The hash of each model's file, indexed like [`Spec::models`].
    pub model_hashes: Vec<Option<[u8; 32]>>,
    /// Each node's running time, wave by wave.
    pub timings: Vec<(String, Duration)>,
    pub stats: Stats,
    /// Every branch the plan ran, by model, dataset and branch.
    pub branches: Vec<BranchOutcome>,
}

/// What one branch (a model on a dataset, clean or under one perturbation member) gave.
#[derive(Debug, Clone)]
pub struct BranchOutcome {
    pub model: ModelId,
    pub dataset: DatasetId,
    pub branch: Branch,
    /// Top-1 accuracy, for reports.
    pub accuracy: Estimate,
    /// The input gradients its attack evaluated, for the sanity flags.
    pub gradients: GradientCounts,
}

/// A loaded dataset and the hash of its files.
struct LoadedDataset {
    source: Box<dyn Source>,
    hash: [u8; 32],
    /// The statistics of its features, gathered the first time a perturbation needs them.
    feature_stats: OnceLock<Arc<FeatureStats>>,
}

impl LoadedDataset {
    /// The statistics of the dataset's features, over all its samples in order (computed once;
    /// two nodes that ask at the same time may both compute them, with the same result).
    fn feature_stats(&self, name: &str) -> Result<Arc<FeatureStats>, ExecError> {
        if let Some(stats) = self.feature_stats.get() {
            return Ok(stats.clone());
        }
        let stats =
            FeatureStats::of_source(self.source.as_ref()).map_err(|source| ExecError::Data {
                dataset: name.to_string(),
                source,
            })?;
        Ok(self.feature_stats.get_or_init(|| Arc::new(stats)).clone())
    }
}

/// A loaded model and the hash of its file.
struct LoadedModel {
    network: Box<dyn Network>,
    hash: [u8; 32],
}

/// What a node produced, for the nodes that read it.
#[derive(Clone)]
enum Output {
    Dataset(Arc<LoadedDataset>),
    Model(Arc<LoadedModel>),
    Perturb(Arc<dyn Perturbation>),
    Infer(Arc<BranchPredictions>),
    Metric(Estimate),
    Gate(Vec<Estimate>, GateOutcome),
    Done,
}

/// The most worker threads a run starts per CPU: more only cost memory and switches.
pub const MAX_THREADS_PER_CPU: usize = 4;

/// The worker threads a run starts when `requested` are asked for: at least 1, at most
/// [`MAX_THREADS_PER_CPU`] times the CPUs.
pub fn worker_threads(requested: usize) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    requested.clamp(1, MAX_THREADS_PER_CPU * cpus)
}

/// Runs `plan` (built from `spec`, validated) and returns gate verdicts and metric estimates.
pub fn run(spec: &Spec, plan: &Plan, options: &Options<'_>) -> Result<Outcome, ExecError> {
    let threads = worker_threads(options.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ExecError::Io {
            path: ".".into(),
            problem: format!("cannot start {threads} worker threads: {e}"),
        })?;
    let scheduler = Scheduler {
        spec,
        plan,
        options,
        infers: plan
            .graph
            .node_indices()
            .filter_map(|i| match plan.graph[i].kind {
                NodeKind::Infer {
                    model,
                    dataset,
                    branch,
                } => Some(((model, dataset, branch), i)),
                _ => None,
            })
            .collect(),
        passes: Passes::default(),
        hits: AtomicU64::new(0),
        misses: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
    };
    if let Some(observer) = options.observer {
        observer.planned(plan.graph.node_count());
    }
    let mut outputs: HashMap<NodeIndex, Output> = HashMap::new();
    let mut timings = Vec::new();
    for wave in &plan.waves {
        let done: Vec<(NodeIndex, Output, Duration)> = pool.install(|| {
            wave.par_iter()
                .map(|&index| {
                    options.cancelled()?;
                    let start = Instant::now();
                    let (output, cached) = scheduler.node(index, &outputs)?;
                    let elapsed = start.elapsed();
                    if let Some(observer) = options.observer {
                        observer.finished(&plan.graph[index], elapsed, cached);
                    }
                    Ok((index, output, elapsed))
                })
                .collect::<Result<_, ExecError>>()
        })?;
        for (index, output, elapsed) in done {
            timings.push((plan.graph[index].label.clone(), elapsed));
            outputs.insert(index, output);
        }
    }
    Ok(scheduler.outcome(&outputs, timings))
}

struct Scheduler<'r> {
    spec: &'r Spec,
    plan: &'r Plan,
    options: &'r Options<'r>,
    infers: HashMap<(ModelId, DatasetId, Branch), NodeIndex>,
    passes: Passes,
    hits: AtomicU64,
    misses: AtomicU64,
    rejected: AtomicU64,
}

impl Scheduler<'_> {
    /// Runs one node; also says whether its result came from the cache.
    fn node(
        &self,
        index: NodeIndex,
        outputs: &HashMap<NodeIndex, Output>,
    ) -> Result<(Output, bool), ExecError> {
        let spec = self.spec;
        let output = match self.plan.graph[index].kind {
            NodeKind::LoadDataset { dataset } => {
                let source = bind::open_dataset(&spec.datasets[dataset])?;
                let hash = source.content_hash().map_err(|source| ExecError::Data {
                    dataset: spec.datasets[dataset].name.clone(),
                    source,
                })?;
                Output::Dataset(Arc::new(LoadedDataset {
                    source,
                    hash,
                    feature_stats: OnceLock::new(),
                }))
            }
            NodeKind::LoadModel { model } => Output::Model(Arc::new(self.load_model(model)?)),
            NodeKind::Perturb {
                dataset,
                perturbation,
                member,
                ..
            } => {
                Output::Perturb(self.perturbation(index, dataset, perturbation, member, outputs)?)
            }
            NodeKind::Infer { model, dataset, .. } => {
                let (predictions, cached) = self.infer(index, model, dataset, outputs)?;
                return Ok((Output::Infer(predictions), cached));
            }
            NodeKind::Metric { gate, call } => {
                let gate = &spec.gates[gate];
                let calls = gate.condition.metric_calls();
                Output::Metric(self.estimate(gate, calls[call], outputs)?)
            }
            NodeKind::Gate { gate } => {
                let (estimates, outcome) = self.gate(index, &spec.gates[gate], outputs)?;
                Output::Gate(estimates, outcome)
            }
            NodeKind::Mapping { .. } | NodeKind::Report => Output::Done,
        };
        Ok((output, false))
    }

    /// Binds a perturb node's member; a tabular one is scaled by the statistics of the node's
    /// input dataset.
    fn perturbation(
        &self,
        index: NodeIndex,
        dataset: DatasetId,
        perturbation: PerturbationId,
        member: usize,
        outputs: &HashMap<NodeIndex, Output>,
    ) -> Result<Arc<dyn Perturbation>, ExecError> {
        let data =
            self.plan
                .inputs(index)
                .into_iter()
                .find_map(|input| match outputs.get(&input) {
                    Some(Output::Dataset(data)) => Some(data.clone()),
                    _ => None,
                });
        let Some(data) = data else {
            unreachable!("a perturb node reads its dataset")
        };
        let name = &self.spec.datasets[dataset].name;
        let feature_stats = || data.feature_stats(name);
        let bound = bind::perturbation(
            &self.spec.perturbations,
            perturbation,
            member,
            &feature_stats,
        )?;
        Ok(Arc::from(bound))
    }

    fn load_model(&self, model: ModelId) -> Result<LoadedModel, ExecError> {
        let declaration = &self.spec.models[model];
        let path = declaration.path();
        let mut hasher = blake3::Hasher::new();
        crate::confine::open_regular(path)
            .and_then(|file| hasher.update_reader(file).map(|_| ()))
            .map_err(|e| ExecError::Model {
                model: declaration.name.clone(),
                path: path.to_path_buf(),
                source: ModelError::File {
                    path: path.display().to_string(),
                    problem: e.to_string(),
                },
            })?;
        // A built-in architecture is sized by the samples of the first dataset it runs on.
        let sample_shape = match &declaration.format {
            crate::check::ModelFormat::Safetensors { .. } => {
                match self.spec.evaluations.iter().find(|e| e.model == model) {
                    Some(evaluation) => {
                        bind::open_dataset(&self.spec.datasets[evaluation.dataset])?
                            .sample_shape()
                            .to_vec()
                    }
                    None => Vec::new(),
                }
            }
            crate::check::ModelFormat::Onnx { .. } => Vec::new(),
        };
        Ok(LoadedModel {
            network: bind::load_model(declaration, &sample_shape)?,
            hash: *hasher.finalize().as_bytes(),
        })
    }

    /// Runs (or reads from the cache: `true`) an infer node.
    fn infer(
        &self,
        index: NodeIndex,
        model: ModelId,
        dataset: DatasetId,
        outputs: &HashMap<NodeIndex, Output>,
    ) -> Result<(Arc<BranchPredictions>, bool), ExecError> {
        let mut data = None;
        let mut network = None;
        let mut perturbation = None;
        for input in self.plan.inputs(index) {
            match outputs.get(&input) {
                Some(Output::Dataset(d)) => data = Some(d.clone()),
                Some(Output::Model(m)) => network = Some(m.clone()),
                Some(Output::Perturb(p)) => {
                    // The perturbation's own input is the dataset.
                    for source in self.plan.inputs(input) {
                        if let Some(Output::Dataset(d)) = outputs.get(&source) {
                            data = Some(d.clone());
                        }
                    }
                    let seed = node_seed(self.spec.benchmark.seed, &self.plan.graph[input].id.0);
                    perturbation = Some((p.clone(), seed));
                }
                _ => {}
            }
        }
        let (Some(data), Some(network)) = (data, network) else {
            unreachable!("an infer node reads a dataset (perhaps perturbed) and a model")
        };
        let key = Cache::key(self.plan.graph[index].id, &data.hash, &network.hash);
        if let Some(cache) = &self.options.cache {
            match cache.load(&key) {
                Lookup::Hit(predictions) => {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok((Arc::new(predictions), true));
                }
                Lookup::Corrupt => {
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                }
                Lookup::Miss => {}
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let gradients = GradientTally::default();
        let counted = Counted {
            inner: network.network.as_ref(),
            passes: &self.passes,
            gradients: &gradients,
        };
        let n = data.source.len();
        let node = &self.plan.graph[index];
        if let Some(observer) = self.options.observer {
            observer.started(node, n);
        }
        let size = self.options.batch_size.max(1);
        let ranges: Vec<Range<usize>> = (0..n)
            .step_by(size)
            .map(|start| start..(start + size).min(n))
            .collect();
        let range = self.spec.datasets[dataset].range;
        type Computed = (Vec<f32>, Vec<u32>, Vec<PerturbationSize>);
        let batches: Vec<Computed> = ranges
            .into_par_iter()
            .map(|positions| {
                self.options.cancelled()?;
                let mut batch = data
                    .source
                    .batch(positions)
                    .map_err(|source| ExecError::Data {
                        dataset: self.spec.datasets[dataset].name.clone(),
                        source,
                    })?;
                let mut sizes = Vec::new();
                if let Some((perturbation, seed)) = &perturbation {
                    let clean = batch.inputs.clone();
                    let context = Context {
                        range: (range.0 as f32, range.1 as f32),
                        seed: *seed,
                        model: Some(&counted),
                        feature_names: data.source.feature_names(),
                    };
                    perturbation.apply(&mut batch, &context).map_err(|source| {
                        ExecError::Perturb {
                            perturbation: self.plan.graph[index].label.clone(),
                            source,
                        }
                    })?;
                    let size = batch.sample_size().max(1);
                    sizes = clean
                        .chunks(size)
                        .zip(batch.inputs.chunks(size))
                        .map(|(clean, perturbed)| PerturbationSize::between(clean, perturbed))
                        .collect();
                }
                let logits = counted
                    .forward(&batch.inputs, batch.len())
                    .map_err(|source| ExecError::Model {
                        model: self.spec.models[model].name.clone(),
                        path: self.spec.models[model].path().to_path_buf(),
                        source,
                    })?;
                if let Some(observer) = self.options.observer {
                    observer.advanced(node, batch.labels.len());
                }
                Ok((logits, batch.labels, sizes))
            })
            .collect::<Result<_, ExecError>>()?;
        let mut predictions = BranchPredictions {
            classes: network.network.classes(),
            logits: Vec::with_capacity(n * network.network.classes()),
            labels: Vec::with_capacity(n),
            sizes: perturbation.is_some().then(|| Vec::with_capacity(n)),
            gradients: gradients.counts(),
        };
        for (logits, labels, sizes) in batches {
            predictions.logits.extend(logits);
            predictions.labels.extend(labels);
            if let Some(all) = &mut predictions.sizes {
                all.extend(sizes);
            }
        }
        if let Some(cache) = &self.options.cache {
            cache.store(&key, &predictions)?;
        }
        Ok((Arc::new(predictions), false))
    }

    /// The predictions of a finished infer node: the call's model on the call's dataset.
    fn branch<'o>(
        &self,
        call: &MetricCall,
        branch: Branch,
        outputs: &'o HashMap<NodeIndex, Output>,
    ) -> &'o BranchPredictions {
        self.branch_of(call.model, call.dataset, branch, outputs)
    }

    /// The predictions of a finished infer node.
    fn branch_of<'o>(
        &self,
        model: ModelId,
        dataset: DatasetId,
        branch: Branch,
        outputs: &'o HashMap<NodeIndex, Output>,
    ) -> &'o BranchPredictions {
        let node = self.infers.get(&(model, dataset, branch));
        match node.and_then(|n| outputs.get(n)) {
            Some(Output::Infer(predictions)) => predictions,
            _ => unreachable!("the plan runs every branch a metric reads before the metric"),
        }
    }

    /// The estimate of one metric call over every branch it targets.
    fn estimate(
        &self,
        gate: &Gate,
        call: &MetricCall,
        outputs: &HashMap<NodeIndex, Output>,
    ) -> Result<Estimate, ExecError> {
        let (builtin, evaluation) = bind::metric(call)?;
        let error = |source| ExecError::Metric {
            gate: gate.name.clone(),
            metric: builtin.schema().name.to_string(),
            source,
        };
        let mut state = match evaluation {
            Evaluation::Streaming(state) => state,
            Evaluation::Derived(kind) => {
                let of = |model, branch, mut state: MetricState| {
                    let p = self.branch_of(model, call.dataset, branch, outputs);
                    accumulate(&mut state, p, None)?;
                    Ok(state.finish())
                };
                return derived::estimate(kind, self.spec, call, &of).map_err(error);
            }
        };
        let clean = builtin
            .needs_clean()
            .then(|| self.branch(call, Branch::Clean, outputs));
        for target in &call.targets {
            let branches = match target {
                Target::Clean => vec![Branch::Clean],
                Target::Members {
                    perturbation,
                    members,
                } => members
                    .iter()
                    .map(|&member| Branch::Member {
                        perturbation: *perturbation,
                        member,
                    })
                    .collect(),
            };
            for branch in branches {
                let p = self.branch(call, branch, outputs);
                accumulate(&mut state, p, clean).map_err(error)?;
            }
        }
        Ok(state.finish())
    }

    /// A gate's metric estimates (from its metric nodes) and verdict.
    fn gate(
        &self,
        index: NodeIndex,
        gate: &Gate,
        outputs: &HashMap<NodeIndex, Output>,
    ) -> Result<(Vec<Estimate>, GateOutcome), ExecError> {
        let inputs = self.plan.inputs(index);
        let estimates = gate
            .condition
            .metric_calls()
            .into_iter()
            .map(|call| {
                // Identical metric calls share one node, whichever gate declared it first.
                let computed = inputs.iter().find_map(|input| {
                    match (&self.plan.graph[*input].kind, outputs.get(input)) {
                        (
                            NodeKind::Metric { gate, call: other },
                            Some(Output::Metric(estimate)),
                        ) if same_call(
                            self.spec.gates[*gate].condition.metric_calls()[*other],
                            call,
                        ) =>
                        {
                            Some(*estimate)
                        }
                        _ => None,
                    }
                });
                match computed {
                    Some(estimate) => Ok(estimate),
                    None => self.estimate(gate, call, outputs),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let outcome =
            gate::evaluate(&gate.condition, &estimates, gate.confidence).map_err(|problem| {
                ExecError::Gate {
                    gate: gate.name.clone(),
                    problem,
                }
            })?;
        Ok((estimates, outcome))
    }

    fn outcome(
        &self,
        outputs: &HashMap<NodeIndex, Output>,
        timings: Vec<(String, Duration)>,
    ) -> Outcome {
        let find = |kind: &dyn Fn(&NodeKind) -> bool| {
            self.plan
                .graph
                .node_indices()
                .find(|&i| kind(&self.plan.graph[i].kind))
                .and_then(|i| outputs.get(&i))
        };
        let gates = (0..self.spec.gates.len())
            .filter_map(
                |g| match find(&|k| matches!(k, NodeKind::Gate { gate } if *gate == g)) {
                    Some(Output::Gate(estimates, outcome)) => {
                        Some((estimates.clone(), outcome.clone()))
                    }
                    _ => None,
                },
            )
            .collect();
        let dataset_hashes = (0..self.spec.datasets.len())
            .map(|d| {
                match find(&|k| matches!(k, NodeKind::LoadDataset { dataset } if *dataset == d)) {
                    Some(Output::Dataset(data)) => Some(data.hash),
                    _ => None,
                }
            })
            .collect();
        let model_hashes = (0..self.spec.models.len())
            .map(
                |m| match find(&|k| matches!(k, NodeKind::LoadModel { model } if *model == m)) {
                    Some(Output::Model(model)) => Some(model.hash),
                    _ => None,
                },
            )
            .collect();
        let mut branches: Vec<_> = self
            .infers
            .iter()
            .filter_map(
                |(&(model, dataset, branch), node)| match outputs.get(node) {
                    Some(Output::Infer(p)) => Some(BranchOutcome {
                        model,
                        dataset,
                        branch,
                        accuracy: branch_accuracy(p)?,
                        gradients: p.gradients,
                    }),
                    _ => None,
                },
            )
            .collect();
        branches.sort_by_key(|b| (b.model, b.dataset, b.branch));
        Outcome {
            gates,
            dataset_hashes,
            model_hashes,
            timings,
            branches,
            stats: Stats {
                forward_passes: self.passes.forward.load(Ordering::Relaxed),
                backward_passes: self.passes.backward.load(Ordering::Relaxed),
                cache_hits: self.hits.load(Ordering::Relaxed),
                cache_misses: self.misses.load(Ordering::Relaxed),
                cache_rejected: self.rejected.load(Ordering::Relaxed),
            },
        }
    }
}

/// The top-1 accuracy of a branch's predictions; `None` when they do not fit together.
fn branch_accuracy(p: &BranchPredictions) -> Option<Estimate> {
    let mut accuracy = Accuracy::default();
    accumulate(&mut accuracy, p, None).ok()?;
    Some(accuracy.finish())
}

/// Adds a branch's predictions (with the clean branch's logits, for metrics that compare, and its
/// perturbation sizes, if perturbed) to a metric's state; samples are indexed by their position
/// in the dataset.
fn accumulate(
    state: &mut impl Accumulator,
    p: &BranchPredictions,
    clean: Option<&BranchPredictions>,
) -> Result<(), MetricError> {
    let indices: Vec<u64> = (0..p.len() as u64).collect();
    let mut predictions = Predictions::new(p.classes, &p.logits, &p.labels, &indices)?;
    if let Some(clean) = clean {
        predictions = predictions.with_clean(&clean.logits)?;
    }
    if let Some(sizes) = &p.sizes {
        predictions = predictions.with_sizes(sizes)?;
    }
    state.add(&predictions)
}

/// Whether two metric calls compute the same number.
fn same_call(a: &MetricCall, b: &MetricCall) -> bool {
    a.schema.name == b.schema.name
        && a.model == b.model
        && a.dataset == b.dataset
        && a.targets == b.targets
        && a.params == b.params
}
