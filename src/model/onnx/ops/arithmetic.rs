//! `Add`, `Sub`, `Mul` and `Div` with NumPy broadcasting (the `axis` broadcasting of opset < 7
//! is refused).

use candle_core::Tensor;

use crate::model::network::ModelError;
use crate::model::onnx::infer::{elementwise, input, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{self, first, Compiled, Kernel, Node, Operator};

/// The registry entry of the four arithmetic operators.
pub(crate) struct ArithmeticOperators;

impl Operator for ArithmeticOperators {
    fn names(&self) -> &'static [&'static str] {
        &["Add", "Sub", "Mul", "Div"]
    }

    fn attributes(&self, _: &str) -> &'static [&'static str] {
        &["broadcast", "axis"]
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let attributes = &node.attributes;
        if attributes.has("axis") || attributes.int_or("broadcast", 1)? != 1 {
            return Err(attributes.unsupported("legacy broadcasting (opset < 7) with `axis`"));
        }
        let op = match node.op {
            "Add" => BinaryOp::Add,
            "Sub" => BinaryOp::Sub,
            "Mul" => BinaryOp::Mul,
            _ => BinaryOp::Div,
        };
        Ok(node.compiled_all(Arithmetic(op)))
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        let op = node.op_type.as_deref().unwrap_or_default();
        Ok((elementwise(op, input(inputs, 0)?, input(inputs, 1)?)?, 0))
    }
}

/// One of the four operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// An arithmetic operator with NumPy broadcasting.
#[derive(Debug, Clone)]
pub(crate) struct Arithmetic(pub BinaryOp);

impl Kernel for Arithmetic {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let (x, b) = (first(inputs)?, registry::input(inputs, 1)?);
        match self.0 {
            BinaryOp::Add => x.broadcast_add(b),
            BinaryOp::Sub => x.broadcast_sub(b),
            BinaryOp::Mul => x.broadcast_mul(b),
            BinaryOp::Div => x.broadcast_div(b),
        }
    }
}
