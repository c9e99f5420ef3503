//! Lowers a checked spec into the execution DAG. Identical nodes (same identity) are one node,
//! so the clean branch of a model on a dataset is computed once for every metric that uses it.

use std::collections::{HashMap, HashSet};

use petgraph::graph::{Graph, NodeIndex};

use crate::check::{
    DatasetId, Evaluation, MetricCall, ModelFormat, ModelId, PerturbationId, Spec, Target, Value,
};
use crate::registry;
use crate::schema::Kind;

use super::cost::perturbation_cost;
use super::identity::Identity;
use super::node::{Branch, Cost, Node, NodeId, NodeKind};

/// The DAG under construction.
pub(super) struct Builder<'s> {
    spec: &'s Spec,
    pub graph: Graph<Node, ()>,
    index: HashMap<NodeId, NodeIndex>,
    datasets: Vec<NodeIndex>,
    models: Vec<NodeIndex>,
    /// Content identity of each perturbation member (generator and parameters).
    members: Vec<Vec<NodeId>>,
    /// The infer node of each branch already added: every metric over a branch reads it, and
    /// building its label and identity again for each would cost as much as the first time.
    infers: HashMap<(ModelId, DatasetId, Branch), NodeIndex>,
}

impl<'s> Builder<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        let mut builder = Builder {
            spec,
            graph: Graph::new(),
            index: HashMap::new(),
            datasets: Vec::new(),
            models: Vec::new(),
            members: Vec::new(),
            infers: HashMap::new(),
        };
        builder.datasets = (0..spec.datasets.len())
            .map(|d| builder.dataset(d))
            .collect();
        builder.models = (0..spec.models.len()).map(|m| builder.model(m)).collect();
        for p in 0..spec.perturbations.len() {
            let ids = (0..spec.perturbations[p].members.len())
                .map(|m| builder.member_identity(p, m))
                .collect();
            builder.members.push(ids);
        }
        builder
    }

    /// Adds every branch, metric, gate and mapping, and the report.
    pub fn build(mut self) -> Graph<Node, ()> {
        for evaluation in &self.spec.evaluations {
            self.evaluation(evaluation);
        }
        let mut finals = Vec::new();
        let gates: Vec<NodeIndex> = (0..self.spec.gates.len()).map(|g| self.gate(g)).collect();
        finals.extend(&gates);
        for (f, framework) in self.spec.frameworks.iter().enumerate() {
            for (i, mapping) in framework.mappings.iter().enumerate() {
                let inputs: Vec<NodeIndex> = mapping.gates.iter().map(|&g| gates[g]).collect();
                let mut identity = self.identity("mapping");
                identity.str(&framework.catalog.name).str(&mapping.control);
                let label = format!("map {} {}", framework.catalog.name, mapping.control);
                let node = self.add(
                    identity,
                    NodeKind::Mapping {
                        framework: f,
                        mapping: i,
                    },
                    label,
                    Cost::default(),
                    &inputs,
                );
                finals.push(node);
            }
        }
        if !finals.is_empty() {
            // Gates and mappings in identity order: the report does not depend on the order in
            // which they were declared.
            finals.sort_by_key(|&n| self.graph[n].id);
            let mut identity = self.identity("report");
            identity.str(&self.spec.benchmark.name);
            let label = format!("report {}", self.spec.benchmark.name);
            self.add(identity, NodeKind::Report, label, Cost::default(), &finals);
        }
        self.graph
    }

    /// Starts the identity of a node of `kind`, paths relative to the spec's folder.
    fn identity(&self, kind: &str) -> Identity {
        let root = std::path::Path::new(&self.spec.files[0].name)
            .parent()
            .unwrap_or_else(|| std::path::Path::new(""));
        Identity::new(kind, root)
    }

    /// Adds a node, or returns the existing node with the same identity. Inputs are hashed in
    /// the order given, after the node's own parts.
    fn add(
        &mut self,
        mut identity: Identity,
        kind: NodeKind,
        label: String,
        cost: Cost,
        inputs: &[NodeIndex],
    ) -> NodeIndex {
        for &input in inputs {
            identity.input(self.graph[input].id);
        }
        let id = identity.finish();
        if let Some(&existing) = self.index.get(&id) {
            return existing;
        }
        let node = self.graph.add_node(Node {
            id,
            kind,
            label,
            cost,
            wave: 0,
        });
        // One edge per distinct input. `Graph::update_edge` would find duplicates by walking the
        // input's edges, which is quadratic for a dataset read by many perturbations.
        let mut linked = HashSet::with_capacity(inputs.len());
        for &input in inputs {
            if linked.insert(input) {
                self.graph.add_edge(input, node, ());
            }
        }
        self.index.insert(id, node);
        node
    }

    /// The identity a reference value stands for inside parameters.
    fn reference(&self, value: &Value) -> NodeId {
        match value {
            Value::Model(m) => self.graph[self.models[*m]].id,
            Value::Dataset(d) => self.graph[self.datasets[*d]].id,
            Value::Perturbation(target) => self.target_identity(target),
            other => {
                let mut identity = self.identity("value");
                identity.value(other, &|_| NodeId([0; 32]));
                identity.finish()
            }
        }
    }

    fn target_identity(&self, target: &Target) -> NodeId {
        let mut identity = self.identity("target");
        match target {
            Target::Clean => {
                identity.str("clean");
            }
            Target::Members {
                perturbation,
                members,
            } => {
                for &m in members {
                    identity.input(self.members[*perturbation][m]);
                }
            }
        }
        identity.finish()
    }

    fn member_identity(&self, p: PerturbationId, m: usize) -> NodeId {
        let perturbation = &self.spec.perturbations[p];
        let mut identity = self.identity("member");
        identity.str(perturbation.schema.name);
        identity.params(&perturbation.members[m].params, &|v| self.reference(v));
        identity.finish()
    }

    fn dataset(&mut self, d: DatasetId) -> NodeIndex {
        let dataset = &self.spec.datasets[d];
        let mut identity = self.identity("load_dataset");
        identity
            .str(dataset.source.schema.name)
            .params(&dataset.source.params, &|_| NodeId([0; 32]))
            .u64(u64::from(dataset.classes))
            .f64(dataset.range.0)
            .f64(dataset.range.1)
            .u64(dataset.limit.map_or(0, |l| l + 1))
            .u64(dataset.offset)
            .u64(dataset.shuffle.map_or(0, |s| 1 + u64::from(s != 0)))
            .u64(dataset.shuffle.unwrap_or(0));
        let label = format!("load dataset {}", dataset.name);
        self.add(
            identity,
            NodeKind::LoadDataset { dataset: d },
            label,
            Cost::default(),
            &[],
        )
    }

    fn model(&mut self, m: ModelId) -> NodeIndex {
        let model = &self.spec.models[m];
        let mut identity = self.identity("load_model");
        match &model.format {
            ModelFormat::Onnx { path } => {
                identity.str("onnx").path(path);
            }
            ModelFormat::Safetensors { path, arch } => {
                identity
                    .str("safetensors")
                    .path(path)
                    .str(arch.schema.name)
                    .params(&arch.params, &|_| NodeId([0; 32]));
            }
        }
        let label = format!("load model {}", model.name);
        self.add(
            identity,
            NodeKind::LoadModel { model: m },
            label,
            Cost::default(),
            &[],
        )
    }

    /// The branch of one evaluation: perturb (for each member) and infer.
    fn evaluation(&mut self, evaluation: &Evaluation) {
        match evaluation.perturbation {
            None => {
                self.infer(evaluation.model, evaluation.dataset, Branch::Clean);
            }
            Some(p) => {
                for member in 0..self.spec.perturbations[p].members.len() {
                    let branch = Branch::Member {
                        perturbation: p,
                        member,
                    };
                    self.infer(evaluation.model, evaluation.dataset, branch);
                }
            }
        }
    }

    fn perturb(
        &mut self,
        model: ModelId,
        dataset: DatasetId,
        perturbation: PerturbationId,
        member: usize,
    ) -> NodeIndex {
        let p = &self.spec.perturbations[perturbation];
        let attack = matches!(p.schema.kind, Kind::Perturbation(f) if f.needs_model());
        let mut identity = self.identity("perturb");
        identity
            .input(self.members[perturbation][member])
            .u64(self.spec.benchmark.seed);
        let dataset_name = &self.spec.datasets[dataset].name;
        let member_label = &p.members[member].label;
        let (inputs, label, model_input) = if attack {
            let model_name = &self.spec.models[model].name;
            (
                vec![self.datasets[dataset], self.models[model]],
                format!("attack {model_name} on {dataset_name} with {member_label}"),
                Some(model),
            )
        } else {
            (
                vec![self.datasets[dataset]],
                format!("perturb {dataset_name} with {member_label}"),
                None,
            )
        };
        let cost = perturbation_cost(self.spec, perturbation, member);
        self.add(
            identity,
            NodeKind::Perturb {
                dataset,
                perturbation,
                member,
                model: model_input,
            },
            label,
            cost,
            &inputs,
        )
    }

    fn infer(&mut self, model: ModelId, dataset: DatasetId, branch: Branch) -> NodeIndex {
        if let Some(&node) = self.infers.get(&(model, dataset, branch)) {
            return node;
        }
        let source = match branch {
            Branch::Clean => self.datasets[dataset],
            Branch::Member {
                perturbation,
                member,
            } => self.perturb(model, dataset, perturbation, member),
        };
        let model_name = &self.spec.models[model].name;
        let dataset_name = &self.spec.datasets[dataset].name;
        let label = match branch {
            Branch::Clean => format!("infer {model_name} on {dataset_name} (clean)"),
            Branch::Member {
                perturbation,
                member,
            } => format!(
                "infer {model_name} on {dataset_name} under {}",
                self.spec.perturbations[perturbation].members[member].label
            ),
        };
        let inputs = [self.models[model], source];
        let node = self.add(
            self.identity("infer"),
            NodeKind::Infer {
                model,
                dataset,
                branch,
            },
            label,
            Cost::new(1, 0),
            &inputs,
        );
        self.infers.insert((model, dataset, branch), node);
        node
    }

    /// The infer nodes a metric reads for `model` under `targets`.
    fn branches(
        &mut self,
        model: ModelId,
        dataset: DatasetId,
        targets: &[Target],
    ) -> Vec<NodeIndex> {
        let mut nodes = Vec::new();
        for target in targets {
            match target {
                Target::Clean => nodes.push(self.infer(model, dataset, Branch::Clean)),
                Target::Members {
                    perturbation,
                    members,
                } => {
                    for &member in members {
                        let branch = Branch::Member {
                            perturbation: *perturbation,
                            member,
                        };
                        nodes.push(self.infer(model, dataset, branch));
                    }
                }
            }
        }
        nodes
    }

    fn metric(&mut self, gate: usize, index: usize, call: &MetricCall) -> NodeIndex {
        let mut inputs = self.branches(call.model, call.dataset, &call.targets);
        // Metrics that compare a branch's predictions with the clean ones read the clean branch.
        let needs_clean = registry::metric(call.schema.name).is_some_and(|m| m.needs_clean());
        if needs_clean {
            inputs.push(self.infer(call.model, call.dataset, Branch::Clean));
        }
        if let Some(Value::Model(baseline)) = call.params.get("baseline") {
            let baseline_branches = self.branches(*baseline, call.dataset, &call.targets);
            inputs.extend(baseline_branches);
            if needs_clean {
                inputs.push(self.infer(*baseline, call.dataset, Branch::Clean));
            }
        }
        let mut identity = self.identity("metric");
        identity
            .str(call.schema.name)
            .params(&call.params, &|v| self.reference(v));
        let file = &self.spec.files[call.span.file.0 as usize];
        let text = file.text[call.span.start..call.span.end].to_string();
        let label = format!("{text} on {}", self.spec.datasets[call.dataset].name);
        self.add(
            identity,
            NodeKind::Metric { gate, call: index },
            label,
            Cost::default(),
            &inputs,
        )
    }

    fn gate(&mut self, g: usize) -> NodeIndex {
        let gate = &self.spec.gates[g];
        let calls = gate.condition.metric_calls();
        let inputs: Vec<NodeIndex> = calls
            .iter()
            .enumerate()
            .map(|(i, call)| self.metric(g, i, call))
            .collect();
        let mut identity = self.identity("gate");
        identity
            .str(&gate.name)
            .str(gate.severity.keyword())
            .f64(gate.confidence.unwrap_or(-1.0))
            .str(&gate.condition.shape());
        let label = format!("{} {}", gate.severity.keyword(), gate.name);
        self.add(
            identity,
            NodeKind::Gate { gate: g },
            label,
            Cost::default(),
            &inputs,
        )
    }
}
