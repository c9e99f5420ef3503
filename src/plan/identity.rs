//! Canonical hashing of node contents into [`NodeId`]s.
//!
//! Every field is written with a type tag and a length, so different contents never produce the
//! same byte stream; names chosen by the spec author are left out where they do not change what a
//! node computes, so renaming a perturbation keeps its cached results.

use std::path::{Path, PathBuf};

use crate::check::{Params, Value};

use super::node::NodeId;

/// Builds a node identity from its parts.
pub struct Identity {
    hasher: blake3::Hasher,
    /// Paths are hashed relative to this folder (the spec's), so identities do not depend on
    /// the working directory the spec was read from.
    root: PathBuf,
}

impl Identity {
    /// Starts the identity of a node of kind `kind` whose paths are relative to `root`.
    pub fn new(kind: &str, root: &Path) -> Identity {
        let mut identity = Identity {
            hasher: blake3::Hasher::new(),
            root: root.to_path_buf(),
        };
        identity.hasher.update(b"rbench-node-v1\0");
        identity.str(kind);
        identity
    }

    /// Adds a string.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.tagged(b's', s.as_bytes())
    }

    /// Adds an unsigned integer.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.tagged(b'u', &v.to_le_bytes())
    }

    /// Adds a real number by its bits (`-0.0` and `0.0` differ; NaN never reaches here).
    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.tagged(b'f', &v.to_bits().to_le_bytes())
    }

    /// Adds a path, relative to the spec's folder (file contents are hashed in at run time).
    pub fn path(&mut self, p: &Path) -> &mut Self {
        let relative = p.strip_prefix(&self.root).unwrap_or(p).to_path_buf();
        self.tagged(b'p', relative.to_string_lossy().as_bytes())
    }

    /// Adds another node's identity (an input).
    pub fn input(&mut self, id: NodeId) -> &mut Self {
        self.tagged(b'n', &id.0)
    }

    /// Adds parameters in name order; `refs` gives the identity of what a reference value
    /// (a model, a dataset, a perturbation) denotes, so identities never depend on declaration
    /// order.
    pub fn params(&mut self, params: &Params, refs: &dyn Fn(&Value) -> NodeId) -> &mut Self {
        self.u64(params.len() as u64);
        for (name, value) in params {
            self.str(name);
            self.value(value, refs);
        }
        self
    }

    /// Adds a checked value; references are hashed as the identity `refs` gives them.
    pub fn value(&mut self, value: &Value, refs: &dyn Fn(&Value) -> NodeId) -> &mut Self {
        match value {
            Value::Int(i) => self.tagged(b'i', &i.to_le_bytes()),
            Value::Float(x) => self.f64(*x),
            Value::Bool(b) => self.tagged(b'b', &[u8::from(*b)]),
            Value::Str(s) => self.str(s),
            Value::Word(w) => self.tagged(b'w', w.as_bytes()),
            Value::Path(p) => self.path(p),
            Value::List(items) => {
                self.tagged(b'l', &(items.len() as u64).to_le_bytes());
                for item in items {
                    self.value(item, refs);
                }
                self
            }
            Value::Model(_) | Value::Dataset(_) | Value::Perturbation(_) => {
                let id = refs(value);
                self.tagged(b'r', &id.0)
            }
        }
    }

    fn tagged(&mut self, tag: u8, bytes: &[u8]) -> &mut Self {
        self.hasher.update(&[tag]);
        self.hasher.update(&(bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
        self
    }

    /// The identity.
    pub fn finish(&self) -> NodeId {
        NodeId(*self.hasher.finalize().as_bytes())
    }
}
