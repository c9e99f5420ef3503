//! The ONNX operator registry: every operator rbench knows is one entry, a value implementing
//! [`Operator`], which holds its names, the attributes it reads, how a node compiles into a
//! [`Kernel`] (evaluated on candle tensors) and how shapes and multiply-accumulates follow
//! through it (the FLOP estimate). [`super::ops::OPERATORS`] lists the entries once; the graph
//! compiler, the FLOP counter, error messages and the operator table of `docs/models.md`
//! (checked by a test) all read that list.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use candle_core::Tensor;

use super::attributes::Attributes;
use super::infer::{Problem, Value};
use super::ops::OPERATORS;
use super::proto::NodeProto;
use crate::model::network::ModelError;

/// One operator, or a small family of operators sharing code.
pub(crate) trait Operator: Sync {
    /// The operator names (of the default domain) this entry compiles.
    fn names(&self) -> &'static [&'static str];

    /// The attributes a node of `op` may carry; any other makes the node unsupported.
    fn attributes(&self, op: &str) -> &'static [&'static str];

    /// Compiles a node whose attributes were checked against [`Operator::attributes`].
    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError>;

    /// The output of a node on inputs whose shapes are known before running (`None`: an absent
    /// optional input), and the multiply-accumulates it does (convolution and linear layers;
    /// 0 for the others).
    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem>;
}

/// A compiled operator, applied to its run-time inputs.
pub(crate) trait Kernel: fmt::Debug + Send + Sync + Any {
    /// Applies the operator to its run-time inputs.
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor>;
}

impl dyn Kernel {
    /// This kernel as a `K`, when it is one (the compiler's fusion looks for chains).
    pub(crate) fn downcast<K: Kernel>(&self) -> Option<&K> {
        (self as &dyn Any).downcast_ref()
    }
}

/// The first run-time input of a kernel.
pub(crate) fn first<'t>(inputs: &[&'t Tensor]) -> candle_core::Result<&'t Tensor> {
    inputs
        .first()
        .copied()
        .ok_or_else(|| candle_core::Error::Msg("a node without inputs".into()))
}

/// Run-time input `i` of a kernel.
pub(crate) fn input<'t>(inputs: &[&'t Tensor], i: usize) -> candle_core::Result<&'t Tensor> {
    inputs
        .get(i)
        .copied()
        .ok_or_else(|| candle_core::Error::Msg(format!("a missing input {i}")))
}

/// What compiling a node needs to know about its graph.
pub(crate) trait Context {
    /// The operator set version of the default domain.
    fn opset(&self) -> i64;
    /// The value of `name` when it is a constant (an initializer or a `Constant` output).
    fn constant(&self, name: &str) -> Option<&Tensor>;
}

/// A node being compiled: its operator, input names, checked attributes and graph.
pub(crate) struct Node<'a, 'c> {
    proto: &'a NodeProto,
    /// The operator's name.
    pub op: &'c str,
    /// The names of its inputs, an absent optional one empty.
    pub inputs: Vec<&'a str>,
    pub attributes: Attributes<'c>,
    pub context: &'c dyn Context,
}

impl<'a> Node<'a, '_> {
    /// The constant value of input `index`, when it is one.
    pub(crate) fn constant(&self, index: usize) -> Option<&Tensor> {
        self.inputs
            .get(index)
            .and_then(|name| self.context.constant(name))
    }

    /// The node compiled into `kernel`, reading the present ones of its first `count` inputs.
    pub(crate) fn compiled(&self, kernel: impl Kernel, count: usize) -> Compiled<'a> {
        Compiled {
            op: Arc::new(kernel),
            inputs: self
                .inputs
                .iter()
                .take(count)
                .copied()
                .filter(|name| !name.is_empty())
                .collect(),
        }
    }

    /// The node compiled into `kernel`, reading all its present inputs.
    pub(crate) fn compiled_all(&self, kernel: impl Kernel) -> Compiled<'a> {
        self.compiled(kernel, usize::MAX)
    }

    /// Refuses a node that asks for an output besides its first (`what` names it).
    pub(crate) fn only_first_output(&self, what: &str) -> Result<(), ModelError> {
        match self.proto.output.iter().skip(1).any(|o| !o.is_empty()) {
            true => Err(self.attributes.unsupported(format!("its {what} output"))),
            false => Ok(()),
        }
    }
}

/// The compiled node: its kernel and the names of the values it reads at run time.
pub(crate) struct Compiled<'a> {
    pub op: Arc<dyn Kernel>,
    pub inputs: Vec<&'a str>,
}

/// The entry of operator `op`, if rbench has one.
pub(crate) fn find(op: &str) -> Option<&'static dyn Operator> {
    OPERATORS
        .iter()
        .copied()
        .find(|entry| entry.names().contains(&op))
}

/// Every operator rbench compiles, sorted.
pub fn supported_operators() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = OPERATORS
        .iter()
        .flat_map(|entry| entry.names().iter().copied())
        .collect();
    names.sort_unstable();
    names
}

/// Compiles `node` (named `label` in diagnostics) whose operator is `op`.
pub(crate) fn compile<'a>(
    node: &'a NodeProto,
    op: &str,
    label: &str,
    context: &dyn Context,
) -> Result<Compiled<'a>, ModelError> {
    let entry = find(op);
    let known = entry.map(|entry| entry.attributes(op)).unwrap_or_default();
    let attributes = Attributes::new(node, op, label, known)?;
    let Some(entry) = entry else {
        return Err(ModelError::UnsupportedOperator {
            op: op.to_string(),
            node: label.to_string(),
            detail: String::new(),
        });
    };
    entry.compile(&Node {
        proto: node,
        op,
        inputs: node.input.iter().map(String::as_str).collect(),
        attributes,
        context,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_is_registered_once() {
        let names = supported_operators();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique);
        assert!(names.contains(&"Conv") && names.contains(&"Constant"));
    }
}
