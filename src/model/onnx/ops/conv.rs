//! `Conv` (2-D, groups, padding), on rbench's own f32 kernel (`model::conv`), and the fused
//! `Conv` → `Relu` → `MaxPool` step the graph compiler makes of a chain whose intermediate
//! values nothing else reads (`model::conv_block`).

use candle_core::Tensor;

use super::window;
use crate::model::layers::{self, Padding, Window};
use crate::model::network::ModelError;
use crate::model::onnx::infer::{fail, input, int_attr, product, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{self, first, Compiled, Kernel, Node, Operator};

/// The registry entry of `Conv`.
pub(crate) struct ConvOperator;

impl Operator for ConvOperator {
    fn names(&self) -> &'static [&'static str] {
        &["Conv"]
    }

    fn attributes(&self, _: &str) -> &'static [&'static str] {
        &[
            "auto_pad",
            "dilations",
            "group",
            "kernel_shape",
            "pads",
            "strides",
        ]
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let attributes = &node.attributes;
        let weight = node.constant(1);
        if let (Some(kernel), Some(weight)) = (attributes.ints("kernel_shape"), weight) {
            let declared: Vec<usize> = kernel.iter().map(|&k| k as usize).collect();
            if weight.dims().get(2..) != Some(declared.as_slice()) {
                return Err(attributes.unsupported(format!(
                    "`kernel_shape` {kernel:?} does not match the weights {:?}",
                    weight.dims()
                )));
            }
        }
        let window = window::compile(attributes, [1, 1])?;
        // rbench's f32 kernel takes any strides and dilations; candle's (other types) needs
        // them equal along both axes.
        let f32_weights = weight.is_some_and(|w| w.dtype() == candle_core::DType::F32);
        if !f32_weights
            && (window.stride[0] != window.stride[1] || window.dilation[0] != window.dilation[1])
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
        let conv = Convolution {
            stride: window.stride,
            dilation: window.dilation,
            padding: window.padding,
            groups,
        };
        Ok(node.compiled(Conv(conv), 3))
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        conv(node, &input(inputs, 0)?.shape, &input(inputs, 1)?.shape)
    }
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

/// A convolution of the input by the weights (second input) plus an optional bias (third).
#[derive(Debug, Clone)]
pub(crate) struct Conv(pub Convolution);

impl Kernel for Conv {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let weight = registry::input(inputs, 1)?;
        let window = self.0.window(weight)?;
        layers::conv2d(x, weight, inputs.get(2).copied(), &window, self.0.groups)
    }
}

/// A `Conv`, the `Relu` of its output and a `MaxPool` (`pool`) of that, as one operation:
/// the graph compiler fuses them where no other step reads the values between.
#[derive(Debug, Clone)]
pub(crate) struct ConvReluMaxPool {
    pub conv: Convolution,
    pub pool: Window,
}

impl Kernel for ConvReluMaxPool {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let weight = registry::input(inputs, 1)?;
        let window = self.conv.window(weight)?;
        let bias = inputs.get(2).copied();
        layers::conv_relu_max_pool(x, weight, bias, &window, &self.pool, self.conv.groups)
    }
}

/// `Conv`: input `[N, C, ...]`, weights `[M, C / group, k...]`.
fn conv(node: &NodeProto, x: &[usize], w: &[usize]) -> Result<(Value, u64), Problem> {
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
    let spatial = window::output_size(node, &x[2..], kernel)?;
    let macs = product(&[x[0], w[0], w[1]])
        .saturating_mul(product(&spatial))
        .saturating_mul(product(kernel));
    let shape = [x[0], w[0]].into_iter().chain(spatial).collect();
    Ok((Value::shaped(shape), macs))
}
