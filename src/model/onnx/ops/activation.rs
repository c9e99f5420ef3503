//! Activations: `Relu` (rbench's own kernel, `model::relu`), `LeakyRelu`, `Sigmoid` and `Tanh`.

use candle_core::Tensor;

use crate::model::layers;
use crate::model::network::ModelError;
use crate::model::onnx::infer::{same_shape, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{first, Compiled, Kernel, Node, Operator};
use crate::model::relu::relu;

/// The registry entry of the activations.
pub(crate) struct ActivationOperators;

impl Operator for ActivationOperators {
    fn names(&self) -> &'static [&'static str] {
        &["Relu", "LeakyRelu", "Sigmoid", "Tanh"]
    }

    fn attributes(&self, op: &str) -> &'static [&'static str] {
        match op {
            "LeakyRelu" => &["alpha"],
            _ => &[],
        }
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        Ok(match node.op {
            "LeakyRelu" => node.compiled_all(LeakyRelu(f64::from(
                node.attributes.float_or("alpha", 0.01)?,
            ))),
            "Sigmoid" => node.compiled_all(Sigmoid),
            "Tanh" => node.compiled_all(Tanh),
            _ => node.compiled_all(Relu),
        })
    }

    fn infer(&self, _: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        same_shape(inputs)
    }
}

/// `max(0, x)`.
#[derive(Debug, Clone)]
pub(crate) struct Relu;

impl Kernel for Relu {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        relu(first(inputs)?)
    }
}

/// `max(0, x) - alpha · max(0, -x)`.
#[derive(Debug, Clone)]
pub(crate) struct LeakyRelu(f64);

impl Kernel for LeakyRelu {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        relu(x)? - relu(&x.neg()?)?.affine(self.0, 0.0)?
    }
}

/// The logistic function.
#[derive(Debug, Clone)]
pub(crate) struct Sigmoid;

impl Kernel for Sigmoid {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        layers::sigmoid(first(inputs)?)
    }
}

/// The hyperbolic tangent.
#[derive(Debug, Clone)]
pub(crate) struct Tanh;

impl Kernel for Tanh {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        first(inputs)?.tanh()
    }
}
