//! Pools: `MaxPool` and `AveragePool` (2-D; rbench's own kernels, `model::pool`) and the global
//! pools.

use candle_core::Tensor;

use super::window;
use crate::model::layers::{self, Window};
use crate::model::network::ModelError;
use crate::model::onnx::infer::{fail, input, ints_attr, non_negative, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{first, Compiled, Kernel, Node, Operator};

/// The registry entry of the pools.
pub(crate) struct PoolOperators;

impl Operator for PoolOperators {
    fn names(&self) -> &'static [&'static str] {
        &[
            "MaxPool",
            "AveragePool",
            "GlobalAveragePool",
            "GlobalMaxPool",
        ]
    }

    fn attributes(&self, op: &str) -> &'static [&'static str] {
        match op {
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
            _ => &[],
        }
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        match node.op {
            "GlobalAveragePool" => return Ok(node.compiled_all(GlobalAveragePool)),
            "GlobalMaxPool" => return Ok(node.compiled_all(GlobalMaxPool)),
            _ => {}
        }
        let attributes = &node.attributes;
        node.only_first_output("indices")?;
        let kernel = attributes.sizes::<2>("kernel_shape", 0)?;
        if !attributes.has("kernel_shape") || kernel.contains(&0) {
            return Err(attributes.unsupported("a 2-D `kernel_shape` is required"));
        }
        let mut window = window::compile(attributes, kernel)?;
        window.ceil = attributes.flag("ceil_mode")?;
        Ok(match node.op {
            "MaxPool" => node.compiled_all(MaxPool(window)),
            _ => node.compiled_all(AveragePool {
                window,
                count_include_pad: attributes.flag("count_include_pad")?,
            }),
        })
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        let x = &input(inputs, 0)?.shape;
        let shape = match node.op_type.as_deref() {
            Some("GlobalAveragePool" | "GlobalMaxPool") => {
                if x.len() < 3 {
                    return fail(format!(
                        "it pools [batch, channels, ...]; its input is {x:?}"
                    ));
                }
                [x[0], x[1]]
                    .into_iter()
                    .chain(x[2..].iter().map(|_| 1))
                    .collect()
            }
            _ => pool(node, x)?,
        };
        Ok((Value::shaped(shape), 0))
    }
}

/// The largest element of each window.
#[derive(Debug, Clone)]
pub(crate) struct MaxPool(pub Window);

impl Kernel for MaxPool {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        layers::max_pool(first(inputs)?, &self.0)
    }
}

/// The mean of each window, padding counted or not.
#[derive(Debug, Clone)]
pub(crate) struct AveragePool {
    window: Window,
    count_include_pad: bool,
}

impl Kernel for AveragePool {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        layers::average_pool(first(inputs)?, &self.window, self.count_include_pad)
    }
}

/// The mean of each channel.
#[derive(Debug, Clone)]
pub(crate) struct GlobalAveragePool;

impl Kernel for GlobalAveragePool {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        layers::global_average_pool(first(inputs)?)
    }
}

/// The largest element of each channel.
#[derive(Debug, Clone)]
pub(crate) struct GlobalMaxPool;

impl Kernel for GlobalMaxPool {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        layers::global_max_pool(first(inputs)?)
    }
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
    let spatial = window::output_size(node, &x[2..], &kernel)?;
    Ok([x[0], x[1]].into_iter().chain(spatial).collect())
}
