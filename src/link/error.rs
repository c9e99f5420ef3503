//! Link diagnostics: what the files a spec names say that contradicts the spec. The link step
//! reports all of them.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::syntax::{IndexedText, SourceFile};

/// Every problem found in the files a spec reads, rendered against the spec's text.
#[derive(Debug, Error, Diagnostic)]
#[error("{summary}")]
pub struct LinkErrors {
    summary: String,
    #[source_code]
    source_code: NamedSource<IndexedText>,
    #[related]
    errors: Vec<LinkError>,
}

impl LinkErrors {
    pub(super) fn new(spec: &SourceFile, errors: Vec<LinkError>) -> Self {
        let summary = match errors.len() {
            1 => format!("`{}`: a file it reads does not fit", spec.name),
            n => format!("`{}`: {n} problems with the files it reads", spec.name),
        };
        LinkErrors {
            summary,
            source_code: spec.named_source(),
            errors,
        }
    }

    /// Every problem, in the order of the declarations they concern.
    pub fn errors(&self) -> &[LinkError] {
        &self.errors
    }
}

/// One mismatch between a spec and a file it names. Each kind has a stable code
/// `rbench::link::<kind>`.
#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum LinkError {
    #[error("{what} `{path}` not found")]
    #[diagnostic(code("rbench::link::file-not-found"))]
    FileNotFound {
        what: String,
        path: String,
        #[label("read here")]
        span: SourceSpan,
        /// Where the path leads, relative paths being resolved against the spec's folder.
        #[help]
        help: String,
    },

    #[error("`{path}` lies outside the spec's project `{project}`")]
    #[diagnostic(code("rbench::link::outside-project"))]
    OutsideProject {
        path: String,
        project: String,
        #[label("read here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("the spec names the data root `{root}`, which this run does not allow")]
    #[diagnostic(code("rbench::link::root-not-allowed"))]
    RootNotAllowed {
        root: String,
        #[label("`data_roots` named here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("cannot read {what} `{path}`: {reason}")]
    #[diagnostic(code("rbench::link::unreadable-file"))]
    UnreadableFile {
        what: String,
        path: String,
        reason: String,
        #[label("read here")]
        span: SourceSpan,
    },

    #[error("`{path}`: {problem}")]
    #[diagnostic(code("rbench::link::invalid-file"))]
    InvalidFile {
        path: String,
        problem: String,
        #[label("{expected}")]
        span: SourceSpan,
        /// What the spec expects the file to be (`an npz archive`).
        expected: String,
    },

    #[error("`{path}`: {array} has element type `{found}`, which is not supported")]
    #[diagnostic(code("rbench::link::unsupported-dtype"))]
    UnsupportedDType {
        path: String,
        array: String,
        found: String,
        #[label("read here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{path}`: {kind} `{name}` not found")]
    #[diagnostic(code("rbench::link::missing-entry"))]
    MissingEntry {
        path: String,
        kind: String,
        name: String,
        #[label("asks for {kind} `{name}`")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{path}`: {array} have shape {shape}; {expected} is expected")]
    #[diagnostic(code("rbench::link::unexpected-shape"))]
    UnexpectedShape {
        path: String,
        array: String,
        shape: String,
        expected: String,
        #[label("read here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{path}`: labels are {dtype}; integer class indices are expected")]
    #[diagnostic(
        code("rbench::link::label-dtype"),
        help("store labels as class indices 0, 1, ...: `y.astype('int64')`")
    )]
    LabelDType {
        path: String,
        dtype: String,
        #[label("read here")]
        span: SourceSpan,
    },

    #[error("dataset `{dataset}` has {samples} samples but {labels} labels")]
    #[diagnostic(
        code("rbench::link::sample-count-mismatch"),
        help("{samples_from} and {labels_from} must have the same length: one label per sample")
    )]
    SampleCountMismatch {
        dataset: String,
        samples: u64,
        labels: u64,
        samples_from: String,
        labels_from: String,
        #[label("{samples} samples, {labels} labels")]
        span: SourceSpan,
    },

    #[error("`{path}` has {folders} class folders, but dataset `{dataset}` declares `classes = {classes}`")]
    #[diagnostic(code("rbench::link::class-folders"))]
    ClassFolders {
        path: String,
        dataset: String,
        folders: usize,
        classes: u32,
        #[label("{folders} class folders")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("model `{model}` takes inputs of shape {input}, but dataset `{dataset}` has samples of shape {sample}")]
    #[diagnostic(code("rbench::link::input-shape-mismatch"))]
    InputShapeMismatch {
        model: String,
        dataset: String,
        input: String,
        sample: String,
        #[label("samples of shape {sample}")]
        dataset_span: SourceSpan,
        #[label("takes {input}")]
        model_span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("dataset `{dataset}` has `classes = {classes}`, but model `{model}` outputs {outputs} scores")]
    #[diagnostic(
        code("rbench::link::classes-mismatch"),
        help("the model must output one score per class; check `classes` and the model file")
    )]
    ClassesMismatch {
        dataset: String,
        model: String,
        classes: u32,
        outputs: u64,
        #[label("{classes} classes")]
        dataset_span: SourceSpan,
        #[label("{outputs} outputs")]
        model_span: SourceSpan,
    },

    #[error("model `{model}`: {problem}")]
    #[diagnostic(code("rbench::link::architecture-mismatch"))]
    ArchitectureMismatch {
        model: String,
        problem: String,
        #[label("the weights do not fit this architecture")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("model `{model}`: {problem}")]
    #[diagnostic(code("rbench::link::unsupported-model"))]
    UnsupportedModel {
        model: String,
        problem: String,
        #[label("read here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code("rbench::link::bad-argument"))]
    BadArgument {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
    },
}
