//! The blocks: the `benchmark` header, datasets and models.

use std::path::PathBuf;
use std::sync::Arc;

use super::fields::{BENCHMARK_FIELDS, DATASET_FIELDS, MODEL_FIELDS};
use super::spec::{Benchmark, Dataset, Model, ModelFormat};
use super::{CheckError, Checker, Value};
use crate::schema::Kind;
use crate::syntax::{ast, Span};

impl Checker<'_> {
    /// Checks the root's `benchmark` header (exactly one).
    pub(super) fn benchmark(&mut self) -> Option<Benchmark> {
        let headers: Vec<(ast::Block, Span)> = self.units[0]
            .ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Benchmark(block) => Some((block.clone(), item.span)),
                _ => None,
            })
            .collect();
        let Some((block, span)) = headers.first().cloned() else {
            let span = self.units[0].ast.span;
            self.error(
                0,
                CheckError::MissingBenchmark {
                    span: Span::new(span.file, 0, 0).into(),
                },
            );
            return None;
        };
        for (_, other) in &headers[1..] {
            self.error(
                0,
                CheckError::DuplicateBenchmark {
                    span: (*other).into(),
                    first: span.into(),
                },
            );
        }
        let given = self.match_fields(
            0,
            "the benchmark header",
            block.fields.iter(),
            BENCHMARK_FIELDS,
            span,
        );
        let text = |v: Option<Value>| match v {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        };
        let title = text(self.field_value(0, BENCHMARK_FIELDS, &given, "title"));
        let version = text(self.field_value(0, BENCHMARK_FIELDS, &given, "version"));
        let description = text(self.field_value(0, BENCHMARK_FIELDS, &given, "description"));
        let seed = match self.field_value(0, BENCHMARK_FIELDS, &given, "seed") {
            Some(Value::Int(seed)) => u64::try_from(seed).ok()?,
            _ => return None,
        };
        let data_roots = match self.field_value(0, BENCHMARK_FIELDS, &given, "data_roots") {
            Some(Value::List(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::Path(p) => Some(p),
                    _ => None,
                })
                .collect(),
            _ => return None,
        };
        Some(Benchmark {
            title: title.unwrap_or_else(|| block.name.name.clone()),
            name: block.name.name,
            version,
            description,
            seed,
            data_roots,
            span,
        })
    }

    /// The header of a suite checked on its own: named after its file, seed 0.
    pub(super) fn suite_header(&self) -> Benchmark {
        let name = self.units[0]
            .path
            .file_stem()
            .map_or_else(|| "suite".to_string(), |s| s.to_string_lossy().into_owned());
        Benchmark {
            title: name.clone(),
            name,
            version: None,
            description: None,
            seed: 0,
            data_roots: Vec::new(),
            span: self.units[0].ast.span,
        }
    }

    /// Imported files may only declare perturbations and metrics (and import other files).
    pub(super) fn check_imported_items(&mut self) {
        for unit in 1..self.units.len() {
            let misplaced: Vec<(String, Span)> = self.units[unit]
                .ast
                .items
                .iter()
                .filter(|item| {
                    !matches!(
                        item.kind,
                        ast::ItemKind::Perturbation(_)
                            | ast::ItemKind::Metric(_)
                            | ast::ItemKind::Import(_)
                    )
                })
                .map(|item| (item.kind.keyword().to_string(), item.span))
                .collect();
            for (keyword, span) in misplaced {
                self.error(
                    unit,
                    CheckError::NotImportable {
                        keyword,
                        span: span.into(),
                    },
                );
            }
        }
    }

    /// Checks every dataset and model of the root file.
    pub(super) fn all_datasets_and_models(&mut self) {
        let parsed = Arc::clone(&self.units[0].ast);
        for item in &parsed.items {
            match &item.kind {
                ast::ItemKind::Dataset(block) => {
                    let dataset = self.dataset(block, item.span);
                    let id = dataset.map(|d| {
                        self.datasets.push(d);
                        self.datasets.len() - 1
                    });
                    self.dataset_ids.insert((0, block.name.name.clone()), id);
                }
                ast::ItemKind::Model(block) => {
                    let model = self.model(block, item.span);
                    let id = model.map(|m| {
                        self.models.push(m);
                        self.models.len() - 1
                    });
                    self.model_ids.insert((0, block.name.name.clone()), id);
                }
                _ => {}
            }
        }
    }

    fn dataset(&mut self, block: &ast::Block, span: Span) -> Option<Dataset> {
        let what = format!("dataset `{}`", block.name.name);
        let given = self.match_fields(0, &what, block.fields.iter(), DATASET_FIELDS, span);
        let source = given
            .get("source")
            .and_then(|f| self.call(0, &f.value.clone(), Kind::Source));
        let classes = self.field_value(0, DATASET_FIELDS, &given, "classes");
        let range = self.field_value(0, DATASET_FIELDS, &given, "range");
        let limit = self.field_value(0, DATASET_FIELDS, &given, "limit");
        let offset = self.field_value(0, DATASET_FIELDS, &given, "offset");
        let shuffle = self.field_value(0, DATASET_FIELDS, &given, "shuffle");
        let range = match range {
            Some(Value::List(bounds)) => match bounds.as_slice() {
                [low, high] if low.as_f64() < high.as_f64() => {
                    Some((low.as_f64()?, high.as_f64()?))
                }
                _ => {
                    let span = given.get("range").map_or(span, |f| f.value.span);
                    self.error(
                        0,
                        CheckError::TypeMismatch {
                            expected: "`[low, high]` with low < high".into(),
                            found: format!("`{}`", self.span_text(span)),
                            span: span.into(),
                            help: Some("the valid input range, e.g. `[0, 1]` or `[0, 255]`".into()),
                        },
                    );
                    None
                }
            },
            _ => None,
        };
        let as_u64 = |v: Option<Value>| match v {
            Some(Value::Int(i)) => u64::try_from(i).ok(),
            _ => None,
        };
        let shuffle = match shuffle {
            Some(Value::Bool(true)) => Some(self.benchmark_seed),
            _ => None,
        };
        Some(Dataset {
            name: block.name.name.clone(),
            source: source?,
            classes: u32::try_from(as_u64(classes)?).ok()?,
            range: range?,
            limit: as_u64(limit),
            offset: as_u64(offset)?,
            shuffle,
            span,
        })
    }

    fn model(&mut self, block: &ast::Block, span: Span) -> Option<Model> {
        let what = format!("model `{}`", block.name.name);
        let given = self.match_fields(0, &what, block.fields.iter(), MODEL_FIELDS, span);
        let path = |checker: &mut Self, name: &str| match checker.field_value(
            0,
            MODEL_FIELDS,
            &given,
            name,
        ) {
            Some(Value::Path(p)) => Some(p),
            _ => None,
        };
        let onnx: Option<PathBuf> = path(self, "onnx");
        let weights: Option<PathBuf> = path(self, "safetensors");
        let arch_field = given.get("arch").map(|f| (f.value.clone(), f.name.span));
        let arch = arch_field
            .as_ref()
            .and_then(|(expr, _)| self.call(0, expr, Kind::Architecture));
        let format = match (onnx, weights, &arch_field) {
            (Some(path), None, None) => ModelFormat::Onnx { path },
            (None, Some(path), Some(_)) => ModelFormat::Safetensors { path, arch: arch? },
            (Some(_), None, Some((_, arch_span))) => {
                self.error(
                    0,
                    CheckError::ConflictingFields {
                        message: "an ONNX model has no `arch`".into(),
                        span: (*arch_span).into(),
                        help: "the ONNX file holds the graph: remove `arch`".into(),
                    },
                );
                return None;
            }
            (None, Some(_), None) => {
                self.error(
                    0,
                    CheckError::MissingField {
                        name: "arch".into(),
                        block: what,
                        span: span.into(),
                        help: "safetensors holds weights only: name the architecture, as in `arch = cnn(channels: [16, 32], classes: 10)`".into(),
                    },
                );
                return None;
            }
            (Some(_), Some(_), _) => {
                self.error(
                    0,
                    CheckError::ConflictingFields {
                        message: "a model is either `onnx` or `safetensors`".into(),
                        span: span.into(),
                        help: "keep one of the two fields".into(),
                    },
                );
                return None;
            }
            (None, None, _) => {
                let misnamed = given.len() < block.fields.len();
                if misnamed || given.contains_key("onnx") || given.contains_key("safetensors") {
                    return None;
                }
                self.error(
                    0,
                    CheckError::MissingField {
                        name: "onnx".into(),
                        block: what,
                        span: span.into(),
                        help: "give the model's file: `onnx = \"model.onnx\"`, or `safetensors = \"weights.safetensors\"` with `arch = ...`".into(),
                    },
                );
                return None;
            }
        };
        Some(Model {
            name: block.name.name.clone(),
            format,
            span,
        })
    }
}
