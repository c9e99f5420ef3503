//! `BatchNormalization` in inference mode: constant statistics folded into one affine map per
//! channel when the model is loaded.

use candle_core::Tensor;

use crate::model::layers::ChannelAffine;
use crate::model::network::ModelError;
use crate::model::onnx::infer::{same_shape, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{first, Compiled, Kernel, Node, Operator};
use crate::model::run;

/// The registry entry of `BatchNormalization`.
pub(crate) struct BatchNormOperator;

impl Operator for BatchNormOperator {
    fn names(&self) -> &'static [&'static str] {
        &["BatchNormalization"]
    }

    fn attributes(&self, _: &str) -> &'static [&'static str] {
        &[
            "epsilon",
            "momentum",
            "spatial",
            "training_mode",
            "is_test",
            "consumed_inputs",
        ]
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let attributes = &node.attributes;
        node.only_first_output("training")?;
        if attributes.int_or("training_mode", 0)? != 0 || attributes.int_or("spatial", 1)? != 1 {
            return Err(
                attributes.unsupported("only inference mode with spatial statistics is supported")
            );
        }
        let parameter = |index: usize| {
            node.constant(index).ok_or_else(|| {
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
        Ok(node.compiled(BatchNorm(affine), 1))
    }

    fn infer(&self, _: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        same_shape(inputs)
    }
}

/// A batch norm as a scale and shift per channel.
#[derive(Debug, Clone)]
pub(crate) struct BatchNorm(ChannelAffine);

impl Kernel for BatchNorm {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        self.0.apply(first(inputs)?)
    }
}
