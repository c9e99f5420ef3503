//! The ONNX operators rbench runs: each node is compiled once into an [`Op`] (attributes read
//! and validated, constant parameters folded), which `eval.rs` evaluates on candle tensors.

use candle_core::Tensor;

use super::attributes::Attributes;
use super::elementwise::{self, Elementwise};
use super::proto::NodeProto;
use super::reduce::{self, LayerNorm, Reduce};
use super::shapes::{self, ShapeOp};
use crate::model::layers::{ChannelAffine, Padding, Window};
use crate::model::network::ModelError;
use crate::model::run;

/// The operators the ONNX compiler accepts (besides `Constant`, folded by the graph compiler).
pub const SUPPORTED: &[&str] = &[
    "Abs",
    "Add",
    "AveragePool",
    "BatchNormalization",
    "Cast",
    "Clip",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "Div",
    "Dropout",
    "Elu",
    "Erf",
    "Exp",
    "Flatten",
    "Gather",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "HardSigmoid",
    "HardSwish",
    "Identity",
    "LayerNormalization",
    "LeakyRelu",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool",
    "Min",
    "Mul",
    "Neg",
    "Pad",
    "Pow",
    "Reciprocal",
    "ReduceMean",
    "ReduceSum",
    "Relu",
    "Reshape",
    "Shape",
    "Sigmoid",
    "Slice",
    "Softmax",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Tanh",
    "Transpose",
    "Unsqueeze",
];

/// An elementwise operator with numpy broadcasting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arithmetic {
    Add,
    Sub,
    Mul,
    Div,
}

/// A convolution's attributes; the kernel comes from the weight input at run time.
#[derive(Debug, Clone)]
pub(crate) struct Convolution {
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub padding: Padding,
    pub groups: usize,
}

impl Convolution {
    /// The window of this convolution with kernel `weight` (`O × C/groups × kh × kw`).
    pub(crate) fn window(&self, weight: &Tensor) -> candle_core::Result<Window> {
        let (_, _, kh, kw) = weight.dims4()?;
        Ok(Window {
            kernel: [kh, kw],
            stride: self.stride,
            dilation: self.dilation,
            padding: self.padding,
            ceil: false,
        })
    }
}

/// A compiled operator.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Gemm {
        alpha: f64,
        beta: f64,
        trans_a: bool,
        trans_b: bool,
    },
    MatMul,
    Arithmetic(Arithmetic),
    Relu,
    LeakyRelu(f64),
    Sigmoid,
    Tanh,
    Conv(Convolution),
    MaxPool(Window),
    /// A `Conv`, the `Relu` of its output and a `MaxPool` (`pool`) of that, as one operation:
    /// `Program::compile` fuses them where no other step reads the values between.
    ConvReluMaxPool {
        conv: Convolution,
        pool: Window,
    },
    AveragePool {
        window: Window,
        count_include_pad: bool,
    },
    GlobalAveragePool,
    GlobalMaxPool,
    BatchNorm(ChannelAffine),
    Flatten(i64),
    /// The target shape is a constant, or (`None`) the second input at run time.
    Reshape {
        shape: Option<Vec<i64>>,
        allow_zero: bool,
    },
    /// An operator of shape computations (see [`shapes`]).
    Shape(ShapeOp),
    Reduce(Reduce),
    /// Reads `x`, the scale and an optional bias.
    LayerNorm(LayerNorm),
    /// An element-wise operator (see [`elementwise`]).
    Elementwise(Elementwise),
    Transpose(Option<Vec<usize>>),
    Concat(i64),
    /// Softmax or log-softmax; `coerce`: opset < 13 semantics, over all axes from `axis` on.
    Softmax {
        axis: i64,
        coerce: bool,
        log: bool,
    },
    Identity,
}

/// What compiling a node needs to know about its graph.
pub(crate) trait Context {
    /// The operator set version of the default domain.
    fn opset(&self) -> i64;
    /// The value of `name` when it is a constant (an initializer or a `Constant` output).
    fn constant(&self, name: &str) -> Option<&Tensor>;
}

/// The compiled node: its operator and the names of the values it reads at run time.
pub(crate) struct Compiled<'a> {
    pub op: Op,
    pub inputs: Vec<&'a str>,
}

/// Compiles `node` (named `label` in diagnostics) whose operator is `op`.
pub(crate) fn compile<'a>(
    node: &'a NodeProto,
    op: &str,
    label: &str,
    context: &dyn Context,
) -> Result<Compiled<'a>, ModelError> {
    let known: &[&str] = match op {
        "Gemm" => &["alpha", "beta", "transA", "transB", "broadcast"],
        "Conv" => &[
            "auto_pad",
            "dilations",
            "group",
            "kernel_shape",
            "pads",
            "strides",
        ],
        "MaxPool" => &[
            "auto_pad",
            "ceil_mode",
            "dilations",
            "kernel_shape",
            "pads",
            "storage_order",
            "strides",
        ],
        "AveragePool" => &[
            "auto_pad",
            "ceil_mode",
            "count_include_pad",
            "dilations",
            "kernel_shape",
            "pads",
            "strides",
        ],
        "BatchNormalization" => &[
            "epsilon",
            "momentum",
            "spatial",
            "training_mode",
            "is_test",
            "consumed_inputs",
        ],
        "Flatten" | "Concat" | "Softmax" | "LogSoftmax" => &["axis"],
        "Reshape" => &["allowzero"],
        "Transpose" => &["perm"],
        "LeakyRelu" => &["alpha"],
        "Dropout" => &["ratio", "seed", "is_test"],
        "Add" | "Sub" | "Mul" | "Div" => &["broadcast", "axis"],
        "ReduceMean" | "ReduceSum" => reduce::ATTRIBUTES,
        "LayerNormalization" => reduce::LAYER_NORM_ATTRIBUTES,
        op => shapes::known_attributes(op)
            .or_else(|| elementwise::known_attributes(op))
            .unwrap_or_default(),
    };
    let attributes = Attributes::new(node, op, label, known)?;
    let inputs: Vec<&str> = node.input.iter().map(String::as_str).collect();
    let present = |count: usize| -> Vec<&'a str> {
        node.input
            .iter()
            .take(count)
            .map(String::as_str)
            .filter(|name| !name.is_empty())
            .collect()
    };
    let only_first_output = |what: &str| {
        if node.output.iter().skip(1).any(|o| !o.is_empty()) {
            Err(attributes.unsupported(format!("its {what} output")))
        } else {
            Ok(())
        }
    };
    let op = match op {
        "Gemm" => {
            if attributes.int_or("broadcast", 1)? != 1 {
                return Err(attributes.unsupported("attribute `broadcast` 0"));
            }
            return Ok(Compiled {
                op: Op::Gemm {
                    alpha: f64::from(attributes.float_or("alpha", 1.0)?),
                    beta: f64::from(attributes.float_or("beta", 1.0)?),
                    trans_a: attributes.flag("transA")?,
                    trans_b: attributes.flag("transB")?,
                },
                inputs: present(3),
            });
        }
        "MatMul" => Op::MatMul,
        "Add" | "Sub" | "Mul" | "Div" => {
            if attributes.has("axis") || attributes.int_or("broadcast", 1)? != 1 {
                return Err(attributes.unsupported("legacy broadcasting (opset < 7) with `axis`"));
            }
            Op::Arithmetic(match op {
                "Add" => Arithmetic::Add,
                "Sub" => Arithmetic::Sub,
                "Mul" => Arithmetic::Mul,
                _ => Arithmetic::Div,
            })
        }
        "Relu" => Op::Relu,
        "LeakyRelu" => Op::LeakyRelu(f64::from(attributes.float_or("alpha", 0.01)?)),
        "Sigmoid" => Op::Sigmoid,
        "Tanh" => Op::Tanh,
        "Conv" => {
            if let (Some(kernel), Some(weight)) = (
                attributes.ints("kernel_shape"),
                inputs.get(1).and_then(|w| context.constant(w)),
            ) {
                let declared: Vec<usize> = kernel.iter().map(|&k| k as usize).collect();
                if weight.dims().get(2..) != Some(declared.as_slice()) {
                    return Err(attributes.unsupported(format!(
                        "`kernel_shape` {kernel:?} does not match the weights {:?}",
                        weight.dims()
                    )));
                }
            }
            let window = window(&attributes, [1, 1])?;
            // rbench's f32 kernel takes any strides and dilations; candle's (other types) needs
            // them equal along both axes.
            let f32_weights = inputs
                .get(1)
                .and_then(|w| context.constant(w))
                .is_some_and(|w| w.dtype() == candle_core::DType::F32);
            if !f32_weights
                && (window.stride[0] != window.stride[1]
                    || window.dilation[0] != window.dilation[1])
            {
                return Err(attributes.unsupported(format!(
                    "strides {:?} and dilations {:?} must be equal along both axes",
                    window.stride, window.dilation
                )));
            }
            let groups = attributes.int_or("group", 1)?;
            let groups = usize::try_from(groups)
                .ok()
                .filter(|&g| g >= 1)
                .ok_or_else(|| attributes.unsupported(format!("`group` {groups}")))?;
            return Ok(Compiled {
                op: Op::Conv(Convolution {
                    stride: window.stride,
                    dilation: window.dilation,
                    padding: window.padding,
                    groups,
                }),
                inputs: present(3),
            });
        }
        "MaxPool" | "AveragePool" => {
            only_first_output("indices")?;
            let kernel = attributes.sizes::<2>("kernel_shape", 0)?;
            if !attributes.has("kernel_shape") || kernel.contains(&0) {
                return Err(attributes.unsupported("a 2-D `kernel_shape` is required"));
            }
            let mut window = window(&attributes, kernel)?;
            window.ceil = attributes.flag("ceil_mode")?;
            match op {
                "MaxPool" => Op::MaxPool(window),
                _ => Op::AveragePool {
                    window,
                    count_include_pad: attributes.flag("count_include_pad")?,
                },
            }
        }
        "GlobalAveragePool" => Op::GlobalAveragePool,
        "GlobalMaxPool" => Op::GlobalMaxPool,
        "BatchNormalization" => {
            only_first_output("training")?;
            if attributes.int_or("training_mode", 0)? != 0 || attributes.int_or("spatial", 1)? != 1
            {
                return Err(attributes
                    .unsupported("only inference mode with spatial statistics is supported"));
            }
            let parameter = |index: usize| {
                inputs
                    .get(index)
                    .and_then(|name| context.constant(name))
                    .ok_or_else(|| {
                        attributes.unsupported("scale, bias, mean and variance must be constants")
                    })
            };
            let epsilon = f64::from(attributes.float_or("epsilon", 1e-5)?);
            let affine = ChannelAffine::batch_norm(
                parameter(1)?,
                parameter(2)?,
                parameter(3)?,
                parameter(4)?,
                epsilon,
            )
            .map_err(|e| attributes.unsupported(run::message(&e)))?;
            return Ok(Compiled {
                op: Op::BatchNorm(affine),
                inputs: present(1),
            });
        }
        "Flatten" => Op::Flatten(attributes.int_or("axis", 1)?),
        "Reshape" => {
            let allow_zero = attributes.flag("allowzero")?;
            let Some(shape) = inputs.get(1).and_then(|name| context.constant(name)) else {
                return Ok(Compiled {
                    op: Op::Reshape {
                        shape: None,
                        allow_zero,
                    },
                    inputs: present(2),
                });
            };
            let shape = attributes.integers(shape)?;
            return Ok(Compiled {
                op: Op::Reshape {
                    shape: Some(shape),
                    allow_zero,
                },
                inputs: present(1),
            });
        }
        "LayerNormalization" => {
            only_first_output("mean and inverse deviation")?;
            return Ok(Compiled {
                op: Op::LayerNorm(reduce::layer_norm(&attributes)?),
                inputs: present(3),
            });
        }
        "ReduceMean" | "ReduceSum" => {
            return Ok(Compiled {
                op: Op::Reduce(reduce::compile(op, &attributes, &inputs, context)?),
                inputs: present(1),
            });
        }
        op if elementwise::known_attributes(op).is_some() => {
            let (op, count) = elementwise::compile(op, &attributes, &inputs, context)?;
            return Ok(Compiled {
                op: Op::Elementwise(op),
                inputs: present(count),
            });
        }
        op if shapes::known_attributes(op).is_some() => {
            let (op, count) = shapes::compile(op, &attributes, &inputs, context)?;
            return Ok(Compiled {
                op: Op::Shape(op),
                inputs: present(count),
            });
        }
        "Transpose" => {
            let perm = match attributes.ints("perm") {
                None => None,
                Some(perm) => Some(
                    perm.iter()
                        .map(|&p| usize::try_from(p))
                        .collect::<Result<Vec<usize>, _>>()
                        .map_err(|_| attributes.unsupported(format!("`perm` {perm:?}")))?,
                ),
            };
            Op::Transpose(perm)
        }
        "Concat" => Op::Concat(
            attributes
                .int("axis")?
                .ok_or_else(|| attributes.unsupported("attribute `axis` is required"))?,
        ),
        "Softmax" | "LogSoftmax" => {
            let coerce = context.opset() < 13;
            Op::Softmax {
                axis: attributes.int_or("axis", if coerce { 1 } else { -1 })?,
                coerce,
                log: op == "LogSoftmax",
            }
        }
        "Identity" => Op::Identity,
        "Dropout" => {
            only_first_output("mask")?;
            return Ok(Compiled {
                op: Op::Identity,
                inputs: present(1),
            });
        }
        _ => {
            return Err(ModelError::UnsupportedOperator {
                op: op.to_string(),
                node: label.to_string(),
                detail: String::new(),
            })
        }
    };
    Ok(Compiled {
        op,
        inputs: inputs.into_iter().filter(|name| !name.is_empty()).collect(),
    })
}

/// Reads the strides, dilations and padding of a convolution or pool.
fn window(attributes: &Attributes, kernel: [usize; 2]) -> Result<Window, ModelError> {
    let stride = attributes.sizes::<2>("strides", 1)?;
    let dilation = attributes.sizes::<2>("dilations", 1)?;
    if stride.contains(&0) || dilation.contains(&0) {
        return Err(
            attributes.unsupported(format!("strides {stride:?} or dilations {dilation:?} of 0"))
        );
    }
    let pads = attributes.sizes::<4>("pads", 0)?;
    let padding = match attributes.string("auto_pad").as_deref() {
        None | Some("NOTSET" | "") => Padding::Explicit {
            begin: [pads[0], pads[1]],
            end: [pads[2], pads[3]],
        },
        Some("VALID") => Padding::NONE,
        Some("SAME_UPPER") => Padding::SameUpper,
        Some("SAME_LOWER") => Padding::SameLower,
        Some(other) => return Err(attributes.unsupported(format!("`auto_pad` {other}"))),
    };
    Ok(Window {
        kernel,
        stride,
        dilation,
        padding,
        ceil: false,
    })
}

/// Normalises an ONNX axis (negative counts from the end) for a tensor of `rank`.
pub(crate) fn axis(axis: i64, rank: usize) -> candle_core::Result<usize> {
    let normalised = if axis < 0 { axis + rank as i64 } else { axis };
    usize::try_from(normalised)
        .ok()
        .filter(|&a| a < rank.max(1))
        .ok_or_else(|| {
            candle_core::Error::Msg(format!("axis {axis} is out of range for rank {rank}"))
        })
}
