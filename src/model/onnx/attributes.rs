//! Reading a node's attributes at compile time: each operator names the attributes it knows, and
//! any other one makes the node unsupported rather than silently misread.

use candle_core::Tensor;

use super::decode;
use super::proto::{AttributeProto, NodeProto, TensorProto};
use crate::model::network::ModelError;
use crate::model::run;

/// A node's attributes, checked against the names its operator supports.
pub(crate) struct Attributes<'a> {
    node: &'a NodeProto,
    op: &'a str,
    label: &'a str,
}

impl<'a> Attributes<'a> {
    /// The attributes of `node` (called `label` in diagnostics), refusing any not in `known`.
    pub(crate) fn new(
        node: &'a NodeProto,
        op: &'a str,
        label: &'a str,
        known: &[&str],
    ) -> Result<Self, ModelError> {
        let attributes = Attributes { node, op, label };
        for attribute in &node.attribute {
            let name = attribute.name.as_deref().unwrap_or_default();
            if !known.contains(&name) {
                return Err(attributes.unsupported(format!("attribute `{name}`")));
            }
        }
        Ok(attributes)
    }

    /// An error naming this node's operator, the node, and `detail`.
    pub(crate) fn unsupported(&self, detail: impl std::fmt::Display) -> ModelError {
        ModelError::UnsupportedOperator {
            op: self.op.to_string(),
            node: self.label.to_string(),
            detail: format!(": {detail}"),
        }
    }

    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node
            .attribute
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
    }

    /// An integer attribute.
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, ModelError> {
        match self.get(name) {
            None => Ok(None),
            Some(a) => a
                .i
                .map(Some)
                .ok_or_else(|| self.unsupported(format!("attribute `{name}` is not an integer"))),
        }
    }

    /// An integer attribute with a default.
    pub(crate) fn int_or(&self, name: &str, default: i64) -> Result<i64, ModelError> {
        Ok(self.int(name)?.unwrap_or(default))
    }

    /// A flag (an integer attribute that is 0 or 1).
    pub(crate) fn flag(&self, name: &str) -> Result<bool, ModelError> {
        match self.int_or(name, 0)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.unsupported(format!("attribute `{name}` is {other}, not 0 or 1"))),
        }
    }

    /// A float attribute with a default.
    pub(crate) fn float_or(&self, name: &str, default: f32) -> Result<f32, ModelError> {
        match self.get(name) {
            None => Ok(default),
            Some(a) => {
                a.f.ok_or_else(|| self.unsupported(format!("attribute `{name}` is not a float")))
            }
        }
    }

    /// A list-of-integers attribute.
    pub(crate) fn ints(&self, name: &str) -> Option<&'a [i64]> {
        self.get(name).map(|a| a.ints.as_slice())
    }

    /// A list-of-floats attribute.
    pub(crate) fn floats(&self, name: &str) -> Option<&'a [f32]> {
        self.get(name).map(|a| a.floats.as_slice())
    }

    /// A float attribute.
    pub(crate) fn float(&self, name: &str) -> Option<f32> {
        self.get(name).and_then(|a| a.f)
    }

    /// A string attribute.
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        self.get(name)
            .and_then(|a| a.s.as_ref())
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// A tensor attribute.
    pub(crate) fn tensor(&self, name: &str) -> Option<&'a TensorProto> {
        self.get(name).and_then(|a| a.t.as_ref())
    }

    /// The elements of a constant integer input (axes, a shape), as an error naming this node
    /// when they cannot be read.
    pub(crate) fn integers(&self, value: &Tensor) -> Result<Vec<i64>, ModelError> {
        decode::integers(value).map_err(|e| self.unsupported(run::message(&e)))
    }

    /// Whether the node has an attribute `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A list of `count` non-negative integers (`default` when absent).
    pub(crate) fn sizes<const N: usize>(
        &self,
        name: &str,
        default: usize,
    ) -> Result<[usize; N], ModelError> {
        let Some(values) = self.ints(name) else {
            return Ok([default; N]);
        };
        let bad = || {
            self.unsupported(format!(
                "attribute `{name}` is {values:?}; rbench supports 2-D operators with \
                 non-negative sizes"
            ))
        };
        if values.len() != N {
            return Err(bad());
        }
        let mut sizes = [0; N];
        for (size, &value) in sizes.iter_mut().zip(values) {
            *size = usize::try_from(value).map_err(|_| bad())?;
        }
        Ok(sizes)
    }
}
