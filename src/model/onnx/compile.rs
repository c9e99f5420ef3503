//! Compiling an ONNX graph into a [`Program`]: initializers decoded once, the nodes the output
//! needs put in dependency order, each compiled by its operator's registry entry into a
//! [`Kernel`], nodes whose inputs are all constant folded, and every value given a slot.
//!
//! The logits rule: the model's output is the first graph output whose recorded shape has rank 2
//! or more (classifiers that output a label first have class scores after it), or else the first
//! output. When a `Softmax` or `LogSoftmax` over the class axis produces it, that node is left out
//! and its input is the logits, so gradients are taken through the scores before normalisation.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use candle_core::Tensor;

use super::decode;
use super::ops::activation::Relu;
use super::ops::constant::Constant;
use super::ops::conv::{Conv, ConvReluMaxPool};
use super::ops::pool::MaxPool;
use super::ops::softmax::Softmax;
use super::proto::{GraphProto, ModelProto, NodeProto};
use super::registry::{self, Context, Kernel};
use super::value_signature;
use crate::model::network::ModelError;
use crate::model::run;

/// The operator set version assumed when a model imports none for the default domain.
const LATEST_OPSET: i64 = 21;

/// A compiled graph, ready to run on a batch.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    /// Slots of constants, with their values.
    constants: Vec<(usize, Tensor)>,
    steps: Vec<Step>,
    input: usize,
    output: usize,
    slots: usize,
}

/// One operator application.
#[derive(Debug, Clone)]
struct Step {
    op: Arc<dyn Kernel>,
    inputs: Vec<usize>,
    output: usize,
    /// The node and its operator, for run-time errors.
    label: String,
    operator: String,
    /// Slots read for the last time here, freed after it.
    release: Vec<usize>,
}

/// The graph input a program reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GraphInput {
    pub name: String,
    /// Recorded dimensions (`None`: symbolic or unknown), batch included.
    pub dims: Option<Vec<Option<u64>>>,
}

/// Compilation state: constants by value name, and the slot of every run-time value.
struct Compiler<'a> {
    opset: i64,
    constants: HashMap<&'a str, Tensor>,
    slots: HashMap<&'a str, usize>,
}

impl Context for Compiler<'_> {
    fn opset(&self) -> i64 {
        self.opset
    }

    fn constant(&self, name: &str) -> Option<&Tensor> {
        self.constants.get(name)
    }
}

impl<'a> Compiler<'a> {
    fn slot(&mut self, name: &'a str) -> usize {
        let next = self.slots.len();
        *self.slots.entry(name).or_insert(next)
    }
}

/// A malformed model, as a file error.
fn malformed(path: &str, problem: impl Into<String>) -> ModelError {
    ModelError::File {
        path: path.to_string(),
        problem: problem.into(),
    }
}

/// How diagnostics name a node: its name, or its position in the graph.
fn label(node: &NodeProto, index: usize) -> String {
    match node.name.as_deref() {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => format!("#{index}"),
    }
}

/// The operator of `node`, prefixed by its domain when that is not the default one.
fn operator(node: &NodeProto) -> String {
    let op = node.op_type.clone().unwrap_or_default();
    match node.domain.as_deref() {
        None | Some("" | "ai.onnx") => op,
        Some(domain) => format!("{domain}.{op}"),
    }
}

impl Program {
    /// Compiles `model` (read from `path`, named in diagnostics).
    pub(crate) fn compile(
        model: &ModelProto,
        path: &str,
    ) -> Result<(Program, GraphInput), ModelError> {
        let graph = model
            .graph
            .as_ref()
            .ok_or_else(|| malformed(path, "not an ONNX model: it has no graph"))?;
        let opset = model
            .opset_import
            .iter()
            .find(|o| matches!(o.domain.as_deref(), None | Some("" | "ai.onnx")))
            .and_then(|o| o.version)
            .unwrap_or(LATEST_OPSET);
        let mut compiler = Compiler {
            opset,
            constants: HashMap::new(),
            slots: HashMap::new(),
        };
        for initializer in &graph.initializer {
            let value = decode::tensor(initializer).map_err(|problem| malformed(path, problem))?;
            compiler
                .constants
                .insert(initializer.name.as_deref().unwrap_or_default(), value);
        }
        let input = graph_input(graph, &compiler, path)?;
        let producers: HashMap<&str, usize> = graph
            .node
            .iter()
            .enumerate()
            .flat_map(|(i, node)| node.output.iter().map(move |o| (o.as_str(), i)))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        let mut output = graph_output(graph, path)?;
        // A final softmax over the classes: its input is the logits.
        if let Some(&producer) = producers.get(output) {
            let node = &graph.node[producer];
            let op = operator(node);
            if matches!(op.as_str(), "Softmax" | "LogSoftmax") {
                let compiled = registry::compile(node, &op, &label(node, producer), &compiler)?;
                let softmax = compiled.op.downcast::<Softmax>();
                if softmax.is_some_and(Softmax::is_class_softmax) {
                    output = compiled.inputs.first().copied().unwrap_or(output);
                }
            }
        }
        let order = dependency_order(graph, &producers, output, &input.name, &compiler, path)?;
        let input_slot = compiler.slot(&input.name);
        let mut steps = Vec::new();
        for index in order {
            let node = &graph.node[index];
            let op = operator(node);
            let label = label(node, index);
            let compiled = registry::compile(node, &op, &label, &compiler)?;
            let Some(output) = node.output.first().map(String::as_str) else {
                continue;
            };
            let constant_inputs: Option<Vec<&Tensor>> = compiled
                .inputs
                .iter()
                .map(|name| compiler.constants.get(name))
                .collect();
            // A `Constant` reads nothing; any other node is folded when it reads constants only.
            let is_constant = compiled.op.downcast::<Constant>().is_some();
            if let Some(values) = constant_inputs.filter(|v| is_constant || !v.is_empty()) {
                let folded = compiled.op.eval(&values).map_err(|e| {
                    malformed(path, format!("node `{label}` ({op}): {}", run::message(&e)))
                })?;
                compiler.constants.insert(output, folded);
                continue;
            }
            let inputs = compiled
                .inputs
                .iter()
                .map(|name| compiler.slot(name))
                .collect();
            steps.push(Step {
                op: compiled.op,
                inputs,
                output: compiler.slot(output),
                label,
                operator: op,
                release: Vec::new(),
            });
        }
        let output_slot = compiler.slot(output);
        let mut constants = Vec::new();
        for (name, value) in &compiler.constants {
            if let Some(&slot) = compiler.slots.get(name) {
                constants.push((slot, value.clone()));
            }
        }
        let mut steps = fuse_conv_relu_max_pool(steps, output_slot);
        release_after_last_use(&mut steps, output_slot);
        let program = Program {
            constants,
            steps,
            input: input_slot,
            output: output_slot,
            slots: compiler.slots.len(),
        };
        Ok((program, input))
    }

    /// Runs the program on `x`, a batch shaped as the graph input.
    pub(crate) fn run(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut values: Vec<Option<Tensor>> = vec![None; self.slots];
        for (slot, value) in &self.constants {
            values[*slot] = Some(value.clone());
        }
        values[self.input] = Some(x.clone());
        for step in &self.steps {
            let inputs: Vec<&Tensor> = step
                .inputs
                .iter()
                .filter_map(|&slot| values[slot].as_ref())
                .collect();
            let output = step.op.eval(&inputs).map_err(|e| {
                candle_core::Error::Msg(format!(
                    "node `{}` ({}): {}",
                    step.label,
                    step.operator,
                    run::message(&e)
                ))
            })?;
            values[step.output] = Some(output);
            for &slot in &step.release {
                values[slot] = None;
            }
        }
        values[self.output]
            .take()
            .ok_or_else(|| candle_core::Error::Msg("the graph output was never computed".into()))
    }
}

/// The single graph input that is not an initializer.
fn graph_input(
    graph: &GraphProto,
    compiler: &Compiler,
    path: &str,
) -> Result<GraphInput, ModelError> {
    let inputs: Vec<_> = graph
        .input
        .iter()
        .filter(|v| {
            compiler
                .constant(v.name.as_deref().unwrap_or_default())
                .is_none()
        })
        .collect();
    match inputs.as_slice() {
        [input] => {
            let signature = value_signature(input);
            Ok(GraphInput {
                name: signature.name,
                dims: signature.dims,
            })
        }
        inputs => Err(malformed(
            path,
            format!(
                "the graph takes {} inputs; rbench feeds a model exactly one",
                inputs.len()
            ),
        )),
    }
}

/// The name of the output the logits come from (see the module documentation).
fn graph_output<'a>(graph: &'a GraphProto, path: &str) -> Result<&'a str, ModelError> {
    let scores = graph
        .output
        .iter()
        .find(|o| value_signature(o).dims.is_some_and(|dims| dims.len() >= 2));
    scores
        .or_else(|| graph.output.first())
        .and_then(|o| o.name.as_deref())
        .ok_or_else(|| malformed(path, "the graph has no outputs"))
}

/// The nodes `output` depends on, each after the nodes it reads from.
fn dependency_order(
    graph: &GraphProto,
    producers: &HashMap<&str, usize>,
    output: &str,
    input: &str,
    compiler: &Compiler,
    path: &str,
) -> Result<Vec<usize>, ModelError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unvisited,
        Open,
        Done,
    }
    let mut marks = vec![Mark::Unvisited; graph.node.len()];
    let mut order = Vec::new();
    let Some(&root) = producers.get(output) else {
        if output == input || compiler.constant(output).is_some() {
            return Ok(order);
        }
        return Err(malformed(
            path,
            format!("no node produces the output `{output}`"),
        ));
    };
    // An explicit stack: (node, whether its inputs have been pushed).
    let mut stack = vec![(root, false)];
    while let Some((index, expanded)) = stack.pop() {
        if expanded {
            marks[index] = Mark::Done;
            order.push(index);
            continue;
        }
        match marks[index] {
            Mark::Done => continue,
            Mark::Open => {
                return Err(malformed(
                    path,
                    format!(
                        "the graph has a cycle through node `{}`",
                        label(&graph.node[index], index)
                    ),
                ))
            }
            Mark::Unvisited => {}
        }
        marks[index] = Mark::Open;
        stack.push((index, true));
        let node = &graph.node[index];
        for name in node.input.iter().filter(|n| !n.is_empty()) {
            match producers.get(name.as_str()) {
                Some(&producer) if marks[producer] == Mark::Open => {
                    return Err(malformed(
                        path,
                        format!(
                            "the graph has a cycle through node `{}`",
                            label(node, index)
                        ),
                    ))
                }
                Some(&producer) if marks[producer] == Mark::Unvisited => {
                    stack.push((producer, false))
                }
                Some(_) => {}
                None if name == input || compiler.constant(name).is_some() => {}
                None => {
                    return Err(malformed(
                        path,
                        format!(
                        "node `{}` reads `{name}`, which no node, initializer or input provides",
                        label(node, index)
                    ),
                    ))
                }
            }
        }
    }
    Ok(order)
}

/// Replaces each `Conv` → `Relu` → `MaxPool` chain whose intermediate values no other step reads
/// (nor the output) by one fused step (`model::conv_block`), where the pool was: the chain's
/// full-size activations then never leave the cache.
fn fuse_conv_relu_max_pool(steps: Vec<Step>, output: usize) -> Vec<Step> {
    let mut readers: HashMap<usize, usize> = HashMap::new();
    for step in &steps {
        for &slot in &step.inputs {
            *readers.entry(slot).or_default() += 1;
        }
    }
    let producers: HashMap<usize, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| (step.output, i))
        .collect();
    // The step that produces `slot`, if only one step reads it.
    let sole_producer = |slot: usize| {
        (slot != output && readers.get(&slot) == Some(&1))
            .then(|| producers.get(&slot).copied())
            .flatten()
    };
    let mut fused: HashMap<usize, Step> = HashMap::new();
    let mut absorbed = HashSet::new();
    for (at, pool) in steps.iter().enumerate() {
        let Some(MaxPool(window)) = pool.op.downcast() else {
            continue;
        };
        let Some(r) = pool.inputs.first().and_then(|&slot| sole_producer(slot)) else {
            continue;
        };
        let relu = &steps[r];
        let Some(c) = relu.inputs.first().and_then(|&slot| sole_producer(slot)) else {
            continue;
        };
        let conv = &steps[c];
        let (Some(Relu), Some(Conv(convolution))) = (relu.op.downcast(), conv.op.downcast()) else {
            continue;
        };
        let step = Step {
            op: Arc::new(ConvReluMaxPool {
                conv: convolution.clone(),
                pool: window.clone(),
            }),
            inputs: conv.inputs.clone(),
            output: pool.output,
            label: format!("{}`, `{}`, `{}", conv.label, relu.label, pool.label),
            operator: "Conv, Relu, MaxPool".into(),
            release: Vec::new(),
        };
        fused.insert(at, step);
        absorbed.extend([c, r]);
    }
    steps
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !absorbed.contains(i))
        .map(|(i, step)| fused.remove(&i).unwrap_or(step))
        .collect()
}

/// Records, for each step, the slots no later step reads (the output excepted).
fn release_after_last_use(steps: &mut [Step], output: usize) {
    let mut last_use: HashMap<usize, usize> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        for &slot in &step.inputs {
            last_use.insert(slot, i);
        }
    }
    for (slot, i) in last_use {
        if slot != output {
            steps[i].release.push(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::layers::{Padding, Window};
    use crate::model::onnx::ops::arithmetic::{Arithmetic, BinaryOp};
    use crate::model::onnx::ops::conv::Convolution;

    fn step(op: impl Kernel, inputs: &[usize], output: usize) -> Step {
        Step {
            op: Arc::new(op),
            inputs: inputs.to_vec(),
            output,
            label: format!("#{output}"),
            operator: String::new(),
            release: Vec::new(),
        }
    }

    /// Slots: 0 the input, 1 and 2 the kernel and bias, 3 the convolution, 4 its ReLU, 5 the pool.
    fn chain() -> Vec<Step> {
        let conv = Conv(Convolution {
            stride: [1, 1],
            dilation: [1, 1],
            padding: Padding::NONE,
            groups: 1,
        });
        vec![
            step(conv, &[0, 1, 2], 3),
            step(Relu, &[3], 4),
            step(MaxPool(Window::square(2, 2, 0)), &[4], 5),
        ]
    }

    fn operators(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| {
                format!("{:?}", s.op)
                    .split([' ', '('])
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_conv_relu_max_pool_chain_becomes_one_step() {
        let fused = fuse_conv_relu_max_pool(chain(), 5);
        assert_eq!(operators(&fused), ["ConvReluMaxPool"]);
        assert_eq!(
            (fused[0].inputs.as_slice(), fused[0].output),
            (&[0, 1, 2][..], 5)
        );
    }

    #[test]
    fn a_chain_whose_activations_are_read_elsewhere_stays_apart() {
        // The ReLU's output is read again, or is the graph's output.
        let mut steps = chain();
        steps.push(step(Arithmetic(BinaryOp::Add), &[4, 5], 6));
        let kept = fuse_conv_relu_max_pool(steps, 6);
        assert_eq!(operators(&kept), ["Conv", "Relu", "MaxPool", "Arithmetic"]);
        let kept = fuse_conv_relu_max_pool(chain(), 4);
        assert_eq!(operators(&kept), ["Conv", "Relu", "MaxPool"]);
    }
}
