//! `Constant`: its value, folded into the graph's constants when the model is loaded.

use candle_core::Tensor;

use crate::model::network::ModelError;
use crate::model::onnx::decode;
use crate::model::onnx::infer::{constant_node, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{Compiled, Kernel, Node, Operator};
use crate::model::run;

/// The registry entry of `Constant`.
pub(crate) struct ConstantOperator;

impl Operator for ConstantOperator {
    fn names(&self) -> &'static [&'static str] {
        &["Constant"]
    }

    fn attributes(&self, _: &str) -> &'static [&'static str] {
        &[
            "value",
            "value_float",
            "value_floats",
            "value_int",
            "value_ints",
        ]
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let attributes = &node.attributes;
        let device = &candle_core::Device::Cpu;
        let value = if let Some(tensor) = attributes.tensor("value") {
            decode::tensor(tensor).map_err(|e| attributes.unsupported(e))?
        } else if let Some(value) = attributes.float("value_float") {
            Tensor::new(value, device).map_err(|e| attributes.unsupported(run::message(&e)))?
        } else if let Some(values) = attributes.floats("value_floats") {
            Tensor::new(values, device).map_err(|e| attributes.unsupported(run::message(&e)))?
        } else if let Some(value) = attributes.int("value_int")? {
            Tensor::new(value, device).map_err(|e| attributes.unsupported(run::message(&e)))?
        } else if let Some(values) = attributes.ints("value_ints") {
            Tensor::new(values, device).map_err(|e| attributes.unsupported(run::message(&e)))?
        } else {
            return Err(attributes.unsupported("it has no value"));
        };
        Ok(node.compiled(Constant(value), 0))
    }

    fn infer(&self, node: &NodeProto, _: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        Ok((constant_node(node)?, 0))
    }
}

/// A value that reads no input.
#[derive(Debug, Clone)]
pub(crate) struct Constant(Tensor);

impl Kernel for Constant {
    fn eval(&self, _: &[&Tensor]) -> candle_core::Result<Tensor> {
        Ok(self.0.clone())
    }
}
