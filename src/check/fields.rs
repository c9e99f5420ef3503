//! Field schemas of the blocks (`benchmark`, `dataset`, `model`, `framework`) and the matching
//! of a block's fields against them.

use std::collections::HashMap;

use super::{CheckError, Checker};
use crate::schema::{Bounds, Default, Kind, Param, Type};
use crate::suggest::{closest, did_you_mean};
use crate::syntax::{ast, Span};

/// The largest seed: 2⁵³, the largest integer every tool reading `results.json` keeps exactly.
const MAX_SEED: f64 = 9_007_199_254_740_992.0;

/// Fields of the `benchmark` header.
pub static BENCHMARK_FIELDS: &[Param] = &[
    Param::optional(
        "title",
        Type::Str,
        "the benchmark's title in reports (default: its name)",
    ),
    Param::optional(
        "version",
        Type::Str,
        "version of the benchmark, for provenance",
    ),
    Param::optional(
        "description",
        Type::Str,
        "what the benchmark shows, in a sentence or two",
    ),
    Param::with_default(
        "seed",
        Type::Int,
        "0",
        "seed of every random draw (noise, shuffles, random starts)",
    )
    .bounded(Bounds::closed(0.0, MAX_SEED)),
    Param::with_default(
        "data_roots",
        Type::List(&Type::Path),
        "[]",
        "folders outside the spec's project that data and models come from; each must be allowed with `--allow-root` when run",
    ),
];

/// Fields of a `dataset` block.
pub static DATASET_FIELDS: &[Param] = &[
    Param::required(
        "source",
        Type::Call(Kind::Source),
        "where samples and labels come from: `npz(...)`, `idx(...)`, `csv(...)`, ...",
    ),
    Param::required(
        "classes",
        Type::Int,
        "number of classes; labels lie in 0..classes",
    )
    .bounded(Bounds::at_least(2.0)),
    Param::with_default(
        "range",
        Type::List(&Type::Float),
        "[0, 1]",
        "the valid input range `[low, high]`; every perturbation clips to it",
    ),
    Param::optional("limit", Type::Int, "use at most this many samples")
        .bounded(Bounds::at_least(1.0)),
    Param::with_default("offset", Type::Int, "0", "skip this many samples first")
        .bounded(Bounds::at_least(0.0)),
    Param::with_default(
        "shuffle",
        Type::Bool,
        "false",
        "shuffle (with the benchmark's seed) before `offset` and `limit` apply",
    ),
];

/// Fields of a `model` block: `onnx`, or `safetensors` with `arch`.
pub static MODEL_FIELDS: &[Param] = &[
    Param::optional("onnx", Type::Path, "an ONNX file (graph and weights)"),
    Param::optional(
        "safetensors",
        Type::Path,
        "a safetensors file of weights named as PyTorch's `state_dict`",
    ),
    Param::optional(
        "arch",
        Type::Call(Kind::Architecture),
        "the architecture of safetensors weights: `mlp(...)`, `cnn(...)`, `resnet(...)`",
    ),
];

/// Fields of a user-declared `framework` (besides its `control` lines).
pub static FRAMEWORK_FIELDS: &[Param] = &[
    Param::optional("title", Type::Str, "the framework's title in reports"),
    Param::optional("version", Type::Str, "the framework's version"),
    Param::optional("url", Type::Str, "where the framework is published"),
];

impl Checker<'_> {
    /// Matches `fields` of a block against `schema`: unknown, duplicate and missing fields are
    /// reported; the result maps each given field to its value.
    pub(super) fn match_fields<'a>(
        &mut self,
        unit: usize,
        block: &str,
        fields: impl Iterator<Item = &'a ast::Field>,
        schema: &'static [Param],
        span: Span,
    ) -> HashMap<&'static str, &'a ast::Field> {
        let mut given: HashMap<&'static str, &'a ast::Field> = HashMap::new();
        let names: Vec<&str> = schema.iter().map(|p| p.name).collect();
        // Fields an unknown field is a likely typo of: not reported missing again.
        let mut misspelt: Vec<&str> = Vec::new();
        for field in fields {
            let Some(param) = schema.iter().find(|p| p.name == field.name.name) else {
                misspelt.extend(closest(&field.name.name, names.iter().copied()));
                let help = did_you_mean(&field.name.name, &names, "field");
                self.error(
                    unit,
                    CheckError::UnknownField {
                        name: field.name.name.clone(),
                        block: block.to_string(),
                        span: field.name.span.into(),
                        help,
                    },
                );
                continue;
            };
            if let Some(first) = given.insert(param.name, field) {
                self.error(
                    unit,
                    CheckError::DuplicateField {
                        name: param.name.to_string(),
                        span: field.name.span.into(),
                        first: first.name.span.into(),
                    },
                );
            }
        }
        for param in schema {
            if param.default == Default::Required
                && !given.contains_key(param.name)
                && !misspelt.contains(&param.name)
            {
                self.error(
                    unit,
                    CheckError::MissingField {
                        name: param.name.to_string(),
                        block: block.to_string(),
                        span: span.into(),
                        help: format!("add `{} = ...`: {}", param.name, param.doc),
                    },
                );
            }
        }
        given
    }

    /// The value of an optional field, or its default; `None` when absent without a default
    /// or invalid (reported).
    pub(super) fn field_value(
        &mut self,
        unit: usize,
        schema: &'static [Param],
        given: &HashMap<&'static str, &ast::Field>,
        name: &str,
    ) -> Option<super::Value> {
        let param = schema.iter().find(|p| p.name == name)?;
        match given.get(param.name) {
            Some(field) => self.value(unit, param, &field.value),
            None => self.default_value(param),
        }
    }
}
