//! The link step: before anything runs, read the headers of every file a checked [`Spec`] names
//! (data sets, models, weights) and report where they contradict the spec or each other: files
//! that are missing or corrupt, unsupported element types, labels that do not match the
//! samples, sample shapes a model cannot take, class counts a model does not output.
//!
//! Only headers are read (an ONNX file, which has none, is decoded whole). Every problem is
//! reported, each a [`LinkError`] with a stable code `rbench::link::<kind>`.

mod architecture;
mod datasets;
mod error;
mod flops;
mod models;
mod named_paths;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub use crate::confine::Reach;
pub use error::{LinkError, LinkErrors};
pub use flops::flops_of_architecture;

use crate::check::{DatasetId, ModelFormat, ModelId, Spec};
use crate::confine::{self, Confinement};
use crate::data::header::format_dims;
use crate::data::{ElementType, HeaderError, HeaderProblem};
use crate::model::onnx::proto::ModelProto;
use crate::model::onnx::Signature;
use crate::syntax::Span;

/// What the headers say about a spec's data sets and models, indexed like [`Spec::datasets`]
/// and [`Spec::models`].
#[derive(Debug, Clone, PartialEq)]
pub struct Linked {
    pub datasets: Vec<LinkedDataset>,
    pub models: Vec<LinkedModel>,
    /// The FLOPs of one forward pass of each evaluated (model, data set) pair on one sample
    /// ([`crate::model::flops`]), or why they are unknown.
    pub flops: BTreeMap<(ModelId, DatasetId), Result<u64, String>>,
}

/// What a data set's files hold; every field `None` when nothing is known before loading.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkedDataset {
    /// How many samples there are, when the headers tell (CSV rows are not counted).
    pub samples: Option<u64>,
    /// The shape of one sample: `[channels, height, width]` for images, `[features]` for
    /// tables, the array's trailing dimensions otherwise; `None` when not known before loading
    /// (the bundled samples).
    pub sample_shape: Option<Vec<u64>>,
    /// The samples' stored element type, when the file records one.
    pub sample_type: Option<ElementType>,
}

/// What a model takes and gives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkedModel {
    /// The shape of one input sample, batch dimension dropped; `None` for a symbolic dimension.
    /// `None` when the model does not record it.
    pub input: Option<Vec<Option<u64>>>,
    /// How many class scores it outputs, when known.
    pub classes: Option<u64>,
    /// The ONNX signature, for ONNX models.
    pub onnx: Option<Signature>,
}

/// Reads the headers of every file `spec` names and checks them against the spec and each
/// other; returns what they hold, or every problem found. A file beyond `reach`
/// ([`Confinement`]) is refused unread, and so is every file under a data root the spec names
/// but `reach` does not allow.
pub fn link(spec: &Spec, reach: &Reach) -> Result<Linked, LinkErrors> {
    let root = &spec.files[0];
    let mut linker = Linker {
        confinement: Confinement::new(Path::new(&root.name), reach),
        base: Path::new(&root.name)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        text: &root.text,
        errors: Vec::new(),
        graphs: HashMap::new(),
    };
    linker.refuse_roots(spec);
    let refused = linker.refuse_outside(spec);
    let datasets: Vec<Option<LinkedDataset>> = spec
        .datasets
        .iter()
        .map(|d| match refused.contains(&d.source.span) {
            true => None,
            false => linker.dataset(d),
        })
        .collect();
    let models: Vec<Option<LinkedModel>> = spec
        .models
        .iter()
        .map(|m| match refused.contains(&m.span) {
            true => None,
            false => linker.model(m),
        })
        .collect();
    let pairs: BTreeSet<(usize, usize)> = spec
        .evaluations
        .iter()
        .map(|e| (e.model, e.dataset))
        .collect();
    for &(model, dataset) in &pairs {
        if let (Some(Some(linked_model)), Some(Some(linked_data))) =
            (models.get(model), datasets.get(dataset))
        {
            linker.pair(
                &spec.models[model],
                linked_model,
                &spec.datasets[dataset],
                linked_data,
            );
        }
    }
    if !linker.errors.is_empty() {
        return Err(LinkErrors::new(root, linker.errors));
    }
    // Without errors, `None` only stands for a declaration the checker left incomplete.
    let datasets: Vec<LinkedDataset> = datasets
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let models: Vec<LinkedModel> = models.into_iter().map(Option::unwrap_or_default).collect();
    let flops = pairs
        .into_iter()
        .map(|(model, dataset)| {
            let declared = &spec.models[model];
            let graph = match &declared.format {
                ModelFormat::Onnx { path } => linker.graphs.get(path.as_path()),
                ModelFormat::Safetensors { .. } => None,
            };
            let forward = flops::forward_flops(declared, &models[model], &datasets[dataset], graph);
            ((model, dataset), forward)
        })
        .collect();
    Ok(Linked {
        datasets,
        models,
        flops,
    })
}

/// The link step's state: where relative paths are shown from, and the problems found so far.
struct Linker<'s> {
    /// The folders the spec's files may be read from.
    confinement: Confinement,
    /// The spec's folder: paths under it are shown relative to it.
    base: PathBuf,
    /// The spec's text, to narrow declaration spans to their first line.
    text: &'s str,
    errors: Vec<LinkError>,
    /// The decoded ONNX graphs, by path, for their FLOPs.
    graphs: HashMap<PathBuf, ModelProto>,
}

impl Linker<'_> {
    /// Reports every data root the spec names that the run does not allow: the spec may name
    /// the folders it needs, but only the person running rbench may allow them.
    fn refuse_roots(&mut self, spec: &Spec) {
        let span = self.header_line(spec.benchmark.span);
        for root in &spec.benchmark.data_roots {
            if !self.confinement.permits(root) {
                self.errors.push(LinkError::RootNotAllowed {
                    root: root.display().to_string(),
                    span: span.into(),
                    help: format!(
                        "pass `--allow-root {}` to allow reading from it",
                        root.display()
                    ),
                });
            }
        }
    }

    /// Reports every path of `spec` outside its confinement (a path under a data root already
    /// refused is left to that error); returns the spans of the declarations that name one,
    /// whose files are then left unread.
    fn refuse_outside(&mut self, spec: &Spec) -> Vec<Span> {
        let mut refused = Vec::new();
        for named_paths::NamedPath { path, span, model } in named_paths::named_paths(spec) {
            if self.confinement.permits(path) {
                continue;
            }
            refused.push(span);
            let under_named_root = spec
                .benchmark
                .data_roots
                .iter()
                .any(|root| confine::resolve(path).starts_with(confine::resolve(root)));
            if under_named_root {
                continue;
            }
            let label = match model {
                true => self.header_line(span),
                false => span,
            };
            self.outside(path, label);
        }
        refused
    }

    /// Reports that `path` lies outside the spec's confinement.
    fn outside(&mut self, path: &Path, span: Span) {
        let folder = path.parent().unwrap_or(path);
        self.errors.push(LinkError::OutsideProject {
            path: self.show(path),
            project: self.confinement.project().display().to_string(),
            span: span.into(),
            help: format!(
                "pass `--allow-root {}` to allow reading from its folder, or `--allow-outside`",
                folder.display()
            ),
        });
    }

    /// `path` as the spec's reader knows it: relative to the spec's folder when under it.
    fn show(&self, path: &Path) -> String {
        path.strip_prefix(&self.base)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The first line of a declaration (`dataset digits {`), to label it without its body.
    fn header_line(&self, span: Span) -> Span {
        let body = self.text.get(span.start..span.end).unwrap_or_default();
        let len = body.find('\n').unwrap_or(body.len());
        let line = body[..len].trim_end();
        Span::new(span.file, span.start, span.start + line.len())
    }

    /// Reports a file that could not be read as expected; `what` names it in the spec's terms
    /// ("the labels file"), `expected` says what it should be ("an IDX file").
    fn file_error<T>(
        &mut self,
        error: HeaderError,
        what: &str,
        expected: &str,
        span: Span,
    ) -> Option<T> {
        let path = self.show(&error.path);
        let span = span.into();
        self.errors.push(match error.problem {
            HeaderProblem::NotFound => LinkError::FileNotFound {
                what: what.to_string(),
                path,
                span,
                help: format!("the path resolves to `{}`", error.path.display()),
            },
            HeaderProblem::Unreadable(reason) => LinkError::UnreadableFile {
                what: what.to_string(),
                path,
                reason,
                span,
            },
            HeaderProblem::Invalid(problem) => LinkError::InvalidFile {
                path,
                problem,
                span,
                expected: format!("expected {expected}"),
            },
            HeaderProblem::UnsupportedDType { array, found, help } => LinkError::UnsupportedDType {
                path,
                array: array.unwrap_or_else(|| what.to_string()),
                found,
                span,
                help,
            },
            HeaderProblem::Missing {
                kind,
                name,
                available,
            } => LinkError::MissingEntry {
                help: missing_help(kind, &name, &available),
                path,
                kind: kind.to_string(),
                name,
                span,
            },
        });
        None
    }

    /// Checks that `model` can evaluate `dataset`: sample shapes and class counts.
    fn pair(
        &mut self,
        model: &crate::check::Model,
        linked_model: &LinkedModel,
        dataset: &crate::check::Dataset,
        linked_data: &LinkedDataset,
    ) {
        let dataset_span = self.header_line(dataset.span).into();
        let model_span = self.header_line(model.span).into();
        if let (Some(input), Some(sample)) = (&linked_model.input, &linked_data.sample_shape) {
            if !accepts(input, sample) {
                self.errors.push(LinkError::InputShapeMismatch {
                    model: model.name.clone(),
                    dataset: dataset.name.clone(),
                    input: format_dims(input),
                    sample: crate::data::header::format_shape(sample),
                    dataset_span,
                    model_span,
                    help: shape_help(input, sample),
                });
            }
        }
        if let Some(outputs) = linked_model.classes {
            if outputs != u64::from(dataset.classes) {
                self.errors.push(LinkError::ClassesMismatch {
                    dataset: dataset.name.clone(),
                    model: model.name.clone(),
                    classes: dataset.classes,
                    outputs,
                    dataset_span,
                    model_span,
                });
            }
        }
    }
}

/// Whether a model whose input sample has shape `input` takes samples of shape `sample`: the
/// same dimensions (a symbolic one matches any), or a flat input of as many values as a sample
/// has (the engine flattens such samples).
fn accepts(input: &[Option<u64>], sample: &[u64]) -> bool {
    let same = input.len() == sample.len()
        && input
            .iter()
            .zip(sample)
            .all(|(i, s)| i.is_none() || *i == Some(*s));
    let flattened = match input {
        [Some(n)] => sample.len() > 1 && sample.iter().product::<u64>() == *n,
        _ => false,
    };
    same || flattened
}

fn shape_help(input: &[Option<u64>], sample: &[u64]) -> String {
    let values: u64 = sample.iter().product();
    match input {
        [Some(n)] if sample.len() > 1 => format!(
            "the model takes flat samples of {n} values; these samples have {values} values"
        ),
        _ => "the model's input (after its batch dimension) must match one sample of the data set"
            .into(),
    }
}

/// "did you mean `x`?" among `available`, else the list of what there is.
fn missing_help(kind: &str, name: &str, available: &[String]) -> String {
    let available: Vec<&str> = available.iter().map(String::as_str).collect();
    crate::suggest::did_you_mean(name, &available, kind)
}

/// "`a`, `b` and `c`" for owned names (shortened after 12 entries).
fn quoted_list(items: &[String]) -> String {
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    crate::suggest::quoted_list(&items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_takes_equal_symbolic_or_flattened_shapes() {
        assert!(accepts(&[Some(1), Some(28), Some(28)], &[1, 28, 28]));
        assert!(accepts(&[Some(1), None, None], &[1, 28, 28]));
        assert!(accepts(&[Some(784)], &[1, 28, 28]));
        assert!(accepts(&[Some(64)], &[64]));
        assert!(!accepts(&[Some(3), None, None], &[1, 28, 28]));
        assert!(!accepts(&[Some(1), None, None], &[784]));
        assert!(!accepts(&[Some(100)], &[1, 28, 28]));
        assert!(!accepts(&[Some(64)], &[30]));
    }

    #[test]
    fn lists_are_quoted_and_shortened() {
        let names: Vec<String> = (0..14).map(|i| i.to_string()).collect();
        assert_eq!(quoted_list(&names[..1]), "`0`");
        assert_eq!(quoted_list(&names[..3]), "`0`, `1` and `2`");
        assert!(quoted_list(&names).ends_with("`11` (and 2 more)"));
    }
}
