//! `Softmax` and `LogSoftmax` over any axis, with the flattening semantics of opset < 13. A
//! graph whose logits come out of one over the classes is read before it (`is_class_softmax`).

use candle_core::Tensor;

use super::axis;
use crate::model::layers;
use crate::model::network::ModelError;
use crate::model::onnx::infer::{same_shape, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{first, Compiled, Kernel, Node, Operator};

/// The registry entry of `Softmax` and `LogSoftmax`.
pub(crate) struct SoftmaxOperators;

impl Operator for SoftmaxOperators {
    fn names(&self) -> &'static [&'static str] {
        &["Softmax", "LogSoftmax"]
    }

    fn attributes(&self, _: &str) -> &'static [&'static str] {
        &["axis"]
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let coerce = node.context.opset() < 13;
        let softmax = Softmax {
            axis: node
                .attributes
                .int_or("axis", if coerce { 1 } else { -1 })?,
            coerce,
            log: node.op == "LogSoftmax",
        };
        Ok(node.compiled_all(softmax))
    }

    fn infer(&self, _: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        same_shape(inputs)
    }
}

/// Softmax or log-softmax; `coerce`: opset < 13 semantics, over all axes from `axis` on.
#[derive(Debug, Clone)]
pub(crate) struct Softmax {
    axis: i64,
    coerce: bool,
    log: bool,
}

impl Softmax {
    /// Whether this is a softmax or log-softmax over the last axis of a `[batch, classes]`
    /// value: its input is then the logits.
    pub(crate) fn is_class_softmax(&self) -> bool {
        matches!(self.axis, -1 | 1)
    }
}

impl Kernel for Softmax {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let at = axis(self.axis, x.rank())?;
        let apply = |t: &Tensor, dim| {
            if self.log {
                layers::log_softmax(t, dim)
            } else {
                layers::softmax(t, dim)
            }
        };
        if self.coerce {
            let dims = x.dims();
            let rows: usize = dims[..at].iter().product();
            apply(&x.reshape((rows, ()))?, 1)?.reshape(dims)
        } else {
            apply(x, at)
        }
    }
}
