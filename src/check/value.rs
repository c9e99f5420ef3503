//! Checked values: literals folded to numbers, names resolved to what they denote.

use std::fmt;
use std::path::PathBuf;

use super::spec::{DatasetId, ModelId, Params, Target};
use crate::schema::Args;

/// A value after checking.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// A bare word from an enumeration (`linf`, `least_likely`).
    Word(String),
    /// A path, resolved against the folder of the file that wrote it.
    Path(PathBuf),
    List(Vec<Value>),
    Model(ModelId),
    Dataset(DatasetId),
    Perturbation(Target),
}

impl Value {
    /// The value as a real number, for numbers.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Whether two values select the same sweep member (numbers compare by value).
    pub fn same_member(&self, other: &Value) -> bool {
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) => a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
            _ => self == other,
        }
    }
}

/// Values print as rbench literals (`0.1`, `"text"`, `linf`, `[1, 2]`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Word(w) => f.write_str(w),
            Value::Path(p) => write!(f, "{:?}", p.display().to_string()),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Model(id) => write!(f, "model #{id}"),
            Value::Dataset(id) => write!(f, "dataset #{id}"),
            Value::Perturbation(Target::Clean) => f.write_str("clean"),
            Value::Perturbation(Target::Members {
                perturbation,
                members,
            }) => write!(f, "perturbation #{perturbation} {members:?}"),
        }
    }
}

/// The runtime reads a call's checked parameters through [`Args`].
impl Args for Params {
    fn number(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(Value::as_f64)
    }

    fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    fn ints(&self, name: &str) -> Option<Vec<i64>> {
        match self.get(name) {
            Some(Value::List(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    fn boolean(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    fn word(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn strings(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name) {
            Some(Value::List(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}
