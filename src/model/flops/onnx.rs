//! FLOPs of an ONNX graph: shapes followed node by node from the one input, convolution and
//! linear work counted where it happens.

use std::collections::HashMap;

use thiserror::Error;

use crate::model::onnx::proto::{AttributeProto, ModelProto, NodeProto};

use super::shapes::{
    axis, broadcast, concat, constant, constant_node, elementwise, fail, gather, non_negative,
    product, reduce, reshape, slice, squeeze, transpose, Problem, Tensor,
};

/// Why a graph's FLOPs cannot be estimated; the caller reports them as unknown.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlopsError {
    /// The model file holds no graph.
    #[error("the model has no graph")]
    NoGraph,
    /// The graph does not have exactly one input besides its initializers.
    #[error("the graph has {0} inputs to feed; FLOPs are estimated for a graph with one")]
    Inputs(usize),
    /// An operator whose output shape is not derived here.
    #[error("the operator `{op}` of {node} is not one whose shapes rbench follows")]
    UnsupportedOp { op: String, node: String },
    /// A known operator whose inputs or attributes do not give an output shape.
    #[error("cannot follow shapes through `{op}` ({node}): {problem}")]
    Shape {
        op: String,
        node: String,
        problem: String,
    },
    /// A node reads a value whose shape was not derived (no node computes it, or it is a
    /// secondary output such as `Dropout`'s mask).
    #[error("{node} reads `{value}`, whose shape is not known")]
    MissingValue { node: String, value: String },
}

/// Operators whose output has the shape of their first input and that do no counted work.
const SAME_SHAPE: &[&str] = &[
    "Abs",
    "BatchNormalization",
    "Cast",
    "Clip",
    "Dropout",
    "Elu",
    "Erf",
    "Exp",
    "Gelu",
    "HardSigmoid",
    "HardSwish",
    "Identity",
    "LayerNormalization",
    "LeakyRelu",
    "Log",
    "LogSoftmax",
    "Neg",
    "PRelu",
    "Reciprocal",
    "Relu",
    "Selu",
    "Sigmoid",
    "Softmax",
    "Sqrt",
    "Tanh",
];

/// Element-wise operators of two inputs, which broadcast.
const BROADCAST: &[&str] = &["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"];

/// The FLOPs of one forward pass of `model` on one sample of shape `input_shape` (the graph's
/// input without its batch dimension, which is set to 1).
///
/// Nodes run in topological order (ONNX stores them so; a graph that does not is ordered here);
/// the first operator whose output shape cannot be derived is an error naming it and its node.
pub fn flops_of_onnx(model: &ModelProto, input_shape: &[usize]) -> Result<u64, FlopsError> {
    let graph = model.graph.as_ref().ok_or(FlopsError::NoGraph)?;
    let mut values: HashMap<&str, Tensor> = HashMap::new();
    for initializer in &graph.initializer {
        if let Some(name) = initializer.name.as_deref() {
            values.insert(name, constant(initializer));
        }
    }
    let fed: Vec<&str> = graph
        .input
        .iter()
        .filter_map(|v| v.name.as_deref())
        .filter(|name| !values.contains_key(name))
        .collect();
    let [input] = fed.as_slice() else {
        return Err(FlopsError::Inputs(fed.len()));
    };
    let batched = std::iter::once(1).chain(input_shape.iter().copied());
    values.insert(*input, Tensor::shaped(batched.collect()));
    let mut pending: Vec<(usize, &NodeProto)> = graph.node.iter().enumerate().collect();
    let mut macs: u64 = 0;
    while !pending.is_empty() {
        let mut waiting = Vec::new();
        for &(index, node) in &pending {
            let known = |name: &String| name.is_empty() || values.contains_key(name.as_str());
            if !node.input.iter().all(known) {
                waiting.push((index, node));
                continue;
            }
            let inputs: Vec<Option<&Tensor>> = node
                .input
                .iter()
                .map(|name| values.get(name.as_str()))
                .collect();
            let (output, node_macs) = propagate(node, &inputs).map_err(|problem| {
                let op = op_name(node);
                let node = node_label(node, index);
                match problem {
                    Problem::Unsupported => FlopsError::UnsupportedOp { op, node },
                    Problem::Shape(problem) => FlopsError::Shape { op, node, problem },
                }
            })?;
            macs = macs.saturating_add(node_macs);
            if let Some(name) = node.output.first() {
                values.insert(name.as_str(), output);
            }
        }
        if waiting.len() == pending.len() {
            let (index, node) = waiting[0];
            let missing = node
                .input
                .iter()
                .find(|name| !name.is_empty() && !values.contains_key(name.as_str()));
            return Err(FlopsError::MissingValue {
                node: node_label(node, index),
                value: missing.cloned().unwrap_or_default(),
            });
        }
        pending = waiting;
    }
    Ok(macs.saturating_mul(2))
}

/// `Conv`, or `com.microsoft.FusedConv` for an operator of another domain.
fn op_name(node: &NodeProto) -> String {
    let op = node.op_type.clone().unwrap_or_default();
    match node.domain.as_deref() {
        None | Some("" | "ai.onnx") => op,
        Some(domain) => format!("{domain}.{op}"),
    }
}

/// `node `conv1``, or `node 3` (its position) when unnamed.
fn node_label(node: &NodeProto, index: usize) -> String {
    match node.name.as_deref() {
        Some(name) if !name.is_empty() => format!("node `{name}`"),
        _ => format!("node {index}"),
    }
}

/// The output of one node and the multiply-accumulates it does.
fn propagate(node: &NodeProto, inputs: &[Option<&Tensor>]) -> Result<(Tensor, u64), Problem> {
    if !matches!(node.domain.as_deref(), None | Some("" | "ai.onnx")) {
        return Err(Problem::Unsupported);
    }
    let input = |i: usize| match inputs.get(i).copied().flatten() {
        Some(tensor) => Ok(tensor),
        None => fail(format!("it lacks input {i}")),
    };
    let op = node.op_type.as_deref().unwrap_or_default();
    let shaped = |shape: Vec<usize>| Ok((Tensor::shaped(shape), 0));
    match op {
        "Gemm" => gemm(node, &input(0)?.shape, &input(1)?.shape),
        "MatMul" => matmul(&input(0)?.shape, &input(1)?.shape),
        "Conv" => conv(node, &input(0)?.shape, &input(1)?.shape),
        "MaxPool" | "AveragePool" => shaped(pool(node, &input(0)?.shape)?),
        "GlobalAveragePool" | "GlobalMaxPool" => {
            let x = &input(0)?.shape;
            if x.len() < 3 {
                return fail(format!(
                    "it pools [batch, channels, ...]; its input is {x:?}"
                ));
            }
            shaped(
                [x[0], x[1]]
                    .into_iter()
                    .chain(x[2..].iter().map(|_| 1))
                    .collect(),
            )
        }
        "Identity" | "Cast" => Ok((input(0)?.clone(), 0)),
        op if SAME_SHAPE.contains(&op) => shaped(input(0)?.shape.clone()),
        op if BROADCAST.contains(&op) => Ok((elementwise(op, input(0)?, input(1)?)?, 0)),
        "Flatten" => {
            let x = &input(0)?.shape;
            let axis = axis(int_attr(node, "axis", 1), x.len() + 1)?;
            shaped(vec![x[..axis].iter().product(), x[axis..].iter().product()])
        }
        "Reshape" => {
            let x = input(0)?;
            let shape = reshape(node, &x.shape, input(1)?)?;
            // Row-major elements are unchanged.
            Ok((
                Tensor {
                    shape,
                    ints: x.ints.clone(),
                },
                0,
            ))
        }
        "Concat" => {
            let parts: Vec<&Tensor> = inputs.iter().flatten().copied().collect();
            Ok((concat(int_attr(node, "axis", 0), &parts)?, 0))
        }
        "Transpose" => {
            let x = &input(0)?.shape;
            let perm: Vec<i64> = match ints_attr(node, "perm") {
                Some(perm) => perm.to_vec(),
                None => (0..x.len() as i64).rev().collect(),
            };
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            if sorted != (0..x.len() as i64).collect::<Vec<_>>() {
                return fail(format!("`perm` {perm:?} does not permute {} axes", x.len()));
            }
            let perm: Vec<usize> = perm.iter().map(|&p| p as usize).collect();
            Ok((transpose(input(0)?, &perm), 0))
        }
        "Shape" => {
            let x = &input(0)?.shape;
            let rank = x.len() as i64;
            let clamp = |i: i64| (if i < 0 { i + rank } else { i }).clamp(0, rank) as usize;
            let start = clamp(int_attr(node, "start", 0));
            let end = clamp(int_attr(node, "end", rank)).max(start);
            let dims: Vec<i64> = x[start..end].iter().map(|&d| d as i64).collect();
            Ok((Tensor::ints(vec![dims.len()], dims), 0))
        }
        "Gather" => Ok((gather(node, input(0)?, input(1)?)?, 0)),
        "Unsqueeze" | "Squeeze" => {
            let axes = match (ints_attr(node, "axes"), inputs.get(1).copied().flatten()) {
                (Some(axes), _) => Some(axes.to_vec()),
                (None, Some(tensor)) => match &tensor.ints {
                    Some(ints) => Some(ints.clone()),
                    None => return fail("its axes are computed at run time"),
                },
                (None, None) => None,
            };
            Ok((squeeze(op == "Unsqueeze", input(0)?, axes)?, 0))
        }
        "Constant" => Ok((constant_node(node)?, 0)),
        "Pad" => {
            let known = |index: usize| inputs.get(index).copied().flatten().map(|t| &t.ints);
            let pads = match (ints_attr(node, "pads"), known(1)) {
                (Some(pads), _) => pads.to_vec(),
                (None, Some(Some(pads))) => pads.clone(),
                _ => return fail("its pads are not known before running"),
            };
            let x = &input(0)?.shape;
            let count = pads.len() / 2;
            let axes: Vec<i64> = match known(3) {
                Some(Some(axes)) => axes.clone(),
                Some(None) => return fail("its axes are computed at run time"),
                None => (0..count as i64).collect(),
            };
            if pads.len() % 2 != 0 || axes.len() != count {
                return fail(format!("pads {pads:?} do not fit the axes {axes:?}"));
            }
            let mut shape = x.clone();
            for (i, &a) in axes.iter().enumerate() {
                let at = axis(a, x.len())?;
                let size = shape[at] as i64 + pads[i] + pads[count + i];
                shape[at] = match usize::try_from(size) {
                    Ok(size) => size,
                    Err(_) => return fail(format!("pads {pads:?} crop more than {x:?}")),
                };
            }
            shaped(shape)
        }
        "Slice" => {
            // Starts, ends, axes: attributes before opset 10, inputs (with steps) since.
            let list = |name: &str, index: usize| match ints_attr(node, name) {
                Some(values) => Ok(Some(values.to_vec())),
                None => match inputs.get(index).copied().flatten() {
                    None => Ok(None),
                    Some(tensor) => match &tensor.ints {
                        Some(ints) => Ok(Some(ints.clone())),
                        None => fail(format!("its {name} are computed at run time")),
                    },
                },
            };
            let (Some(starts), Some(ends)) = (list("starts", 1)?, list("ends", 2)?) else {
                return fail("it has no starts or ends");
            };
            let axes = list("axes", 3)?;
            let steps = list("steps", 4)?;
            Ok((slice(input(0)?, &starts, &ends, axes, steps)?, 0))
        }
        "ConstantOfShape" => match &input(0)?.ints {
            Some(dims) => {
                let shape = non_negative("its shape", dims)?;
                let value = attribute(node, "value").and_then(|a| a.t.as_ref());
                let fill = value.map(constant).and_then(|v| v.ints).unwrap_or_default();
                let count = product(&shape) as usize;
                let ints = match (value, fill.as_slice()) {
                    // Integer shapes or pads built from a fill (zeros when no value is given
                    // are floats).
                    (Some(_), &[fill]) if count <= 64 => Some(vec![fill; count]),
                    _ => None,
                };
                Ok((Tensor { shape, ints }, 0))
            }
            None => fail("its shape is computed at run time"),
        },
        "ReduceMean" | "ReduceSum" => {
            let axes = match (ints_attr(node, "axes"), inputs.get(1).copied().flatten()) {
                (Some(axes), _) => axes.to_vec(),
                (None, Some(tensor)) => match &tensor.ints {
                    Some(ints) => ints.clone(),
                    None => return fail("its axes are computed at run time"),
                },
                (None, None) => Vec::new(),
            };
            let keep = int_attr(node, "keepdims", 1) != 0;
            let noop = int_attr(node, "noop_with_empty_axes", 0) != 0;
            shaped(reduce(&input(0)?.shape, &axes, keep, noop)?)
        }
        _ => Err(Problem::Unsupported),
    }
}

/// `Gemm`: `[M, K] × [K, N]`, either side transposed by `transA`/`transB`.
fn gemm(node: &NodeProto, a: &[usize], b: &[usize]) -> Result<(Tensor, u64), Problem> {
    let (&[a0, a1], &[b0, b1]) = (a, b) else {
        return fail(format!(
            "it multiplies matrices; its inputs are {a:?} and {b:?}"
        ));
    };
    let (m, k) = if int_attr(node, "transA", 0) != 0 {
        (a1, a0)
    } else {
        (a0, a1)
    };
    let (kb, n) = if int_attr(node, "transB", 0) != 0 {
        (b1, b0)
    } else {
        (b0, b1)
    };
    if k != kb {
        return fail(format!("it multiplies [{m}, {k}] by [{kb}, {n}]"));
    }
    Ok((Tensor::shaped(vec![m, n]), product(&[m, k, n])))
}

/// `MatMul` as NumPy's `matmul`: vectors promoted to matrices, batch dimensions broadcast.
fn matmul(a: &[usize], b: &[usize]) -> Result<(Tensor, u64), Problem> {
    if a.is_empty() || b.is_empty() {
        return fail("it does not multiply scalars");
    }
    let a2 = if a.len() == 1 {
        vec![1, a[0]]
    } else {
        a.to_vec()
    };
    let b2 = if b.len() == 1 {
        vec![b[0], 1]
    } else {
        b.to_vec()
    };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (kb, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != kb {
        return fail(format!("it multiplies {a:?} by {b:?}"));
    }
    let batch = broadcast(&a2[..a2.len() - 2], &b2[..b2.len() - 2])?;
    let macs = product(&batch).saturating_mul(product(&[m, k, n]));
    let mut shape = batch;
    shape.extend((a.len() > 1).then_some(m));
    shape.extend((b.len() > 1).then_some(n));
    Ok((Tensor::shaped(shape), macs))
}

/// `Conv`: input `[N, C, ...]`, weights `[M, C / group, k...]`.
fn conv(node: &NodeProto, x: &[usize], w: &[usize]) -> Result<(Tensor, u64), Problem> {
    if x.len() < 3 || w.len() != x.len() {
        return fail(format!(
            "it takes [batch, channels, ...] and weights [out, in / group, ...]; got {x:?} and {w:?}"
        ));
    }
    let group = usize::try_from(int_attr(node, "group", 1))
        .unwrap_or(0)
        .max(1);
    if x[1] != w[1].saturating_mul(group) {
        return fail(format!(
            "its input has {} channels; its weights take {} in each of {group} groups",
            x[1], w[1]
        ));
    }
    let kernel = &w[2..];
    let spatial = window(node, &x[2..], kernel)?;
    let macs = product(&[x[0], w[0], w[1]])
        .saturating_mul(product(&spatial))
        .saturating_mul(product(kernel));
    let shape = [x[0], w[0]].into_iter().chain(spatial).collect();
    Ok((Tensor::shaped(shape), macs))
}

/// `MaxPool` and `AveragePool`: the input's batch and channels, pooled spatial dimensions.
fn pool(node: &NodeProto, x: &[usize]) -> Result<Vec<usize>, Problem> {
    let Some(kernel) = ints_attr(node, "kernel_shape") else {
        return fail("it has no `kernel_shape`");
    };
    if x.len() != kernel.len() + 2 {
        return fail(format!(
            "its kernel {kernel:?} does not fit its input {x:?}"
        ));
    }
    let kernel = non_negative("kernel_shape", kernel)?;
    let spatial = window(node, &x[2..], &kernel)?;
    Ok([x[0], x[1]].into_iter().chain(spatial).collect())
}

/// The output size of a sliding window over `dims`: `strides`, `pads`, `dilations`,
/// `auto_pad` and (pooling) `ceil_mode`, as the ONNX operators define them.
fn window(node: &NodeProto, dims: &[usize], kernel: &[usize]) -> Result<Vec<usize>, Problem> {
    let rank = dims.len();
    let per_axis = |name: &str, len: usize, default: usize| match ints_attr(node, name) {
        Some(values) if values.len() == len => non_negative(name, values),
        Some(values) => fail(format!("`{name}` {values:?} does not have {len} values")),
        None => Ok(vec![default; len]),
    };
    let strides = per_axis("strides", rank, 1)?;
    let dilations = per_axis("dilations", rank, 1)?;
    let pads = per_axis("pads", 2 * rank, 0)?;
    let auto_pad = str_attr(node, "auto_pad").unwrap_or("NOTSET");
    let ceil = int_attr(node, "ceil_mode", 0) != 0;
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        let stride = strides[i].max(1);
        let span = dilations[i]
            .saturating_mul(kernel[i].saturating_sub(1))
            .saturating_add(1);
        let too_large = || {
            fail(format!(
                "its window of {span} exceeds the input's {}",
                dims[i]
            ))
        };
        out.push(match auto_pad {
            "SAME_UPPER" | "SAME_LOWER" => dims[i].div_ceil(stride),
            "VALID" if dims[i] < span => return too_large(),
            "VALID" => (dims[i] - span) / stride + 1,
            _ => {
                let padded = dims[i]
                    .saturating_add(pads[i])
                    .saturating_add(pads[rank + i]);
                if padded < span {
                    return too_large();
                }
                let steps = padded - span;
                let mut size = if ceil {
                    steps.div_ceil(stride)
                } else {
                    steps / stride
                } + 1;
                // A last window starting in the end padding is dropped.
                if ceil && (size - 1) * stride >= dims[i] + pads[i] {
                    size -= 1;
                }
                size
            }
        });
    }
    Ok(out)
}

pub(super) fn attribute<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    node.attribute
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
}

pub(super) fn int_attr(node: &NodeProto, name: &str, default: i64) -> i64 {
    attribute(node, name).and_then(|a| a.i).unwrap_or(default)
}

fn ints_attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n [i64]> {
    attribute(node, name).map(|a| a.ints.as_slice())
}

fn str_attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n str> {
    let bytes = attribute(node, name)?.s.as_deref()?;
    std::str::from_utf8(bytes).ok()
}
