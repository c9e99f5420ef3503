//! Plan diagnostics: what a plan needs that the engine cannot run yet.

use std::collections::BTreeSet;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::check::Spec;
use crate::schema::Schema;
use crate::syntax::Span;

use super::node::NodeKind;
use super::Plan;

/// The problems of a plan: those in the root spec rendered against its text, those in imported
/// files grouped by file.
#[derive(Debug, Error, Diagnostic)]
#[error("the plan of `{root}` cannot run")]
pub struct PlanErrors {
    root: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[related]
    problems: Vec<PlanProblem>,
}

/// One entry of a plan report: a problem in the root spec, or one in an imported file.
#[derive(Debug, Error, Diagnostic)]
pub enum PlanProblem {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Root(PlanError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Import(ImportedPlanError),
}

/// A problem found in an imported file, rendered against that file's text.
#[derive(Debug, Error, Diagnostic)]
#[error("{error}")]
#[diagnostic(forward(error))]
pub struct ImportedPlanError {
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    error: PlanError,
}

impl PlanErrors {
    /// Every problem, file by file.
    pub fn errors(&self) -> impl Iterator<Item = &PlanError> {
        self.problems.iter().flat_map(|p| match p {
            PlanProblem::Root(e) => std::slice::from_ref(e),
            PlanProblem::Import(imported) => std::slice::from_ref(&imported.error),
        })
    }
}

/// One plan problem.
#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum PlanError {
    #[error("the {kind} `{name}` is not implemented yet")]
    #[diagnostic(
        code("rbench::check::not-implemented"),
        help("the checker knows its parameters, but the engine cannot run it yet; remove it from the spec or wait for a release that implements it (`rbench explain {name}` says what it will do)")
    )]
    NotImplemented {
        name: String,
        kind: String,
        #[label("not implemented")]
        span: SourceSpan,
    },
}

/// Every use of a built-in that is not implemented, each reported once per place.
pub(super) fn unimplemented(plan: &Plan, spec: &Spec) -> Result<(), PlanErrors> {
    let mut found: BTreeSet<(u32, usize, usize, &'static str, String)> = BTreeSet::new();
    let mut note = |schema: &'static Schema, span: Span| {
        if !schema.implemented {
            found.insert((
                span.file.0,
                span.start,
                span.end,
                schema.name,
                schema.kind.to_string(),
            ));
        }
    };
    for node in plan.nodes() {
        match &node.kind {
            NodeKind::LoadDataset { dataset } => {
                let source = &spec.datasets[*dataset].source;
                note(source.schema, source.span);
            }
            NodeKind::LoadModel { model } => {
                if let crate::check::ModelFormat::Safetensors { arch, .. } =
                    &spec.models[*model].format
                {
                    note(arch.schema, arch.span);
                }
            }
            NodeKind::Perturb { perturbation, .. } => {
                let p = &spec.perturbations[*perturbation];
                note(p.schema, p.span);
            }
            NodeKind::Gate { gate } => {
                for call in spec.gates[*gate].condition.metric_calls() {
                    note(call.schema, call.span);
                }
            }
            _ => {}
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let problems: Vec<PlanProblem> = found
        .into_iter()
        .map(|(file, start, end, name, kind)| {
            let error = PlanError::NotImplemented {
                name: name.to_string(),
                kind,
                span: (start, end - start).into(),
            };
            match file {
                0 => PlanProblem::Root(error),
                _ => PlanProblem::Import(ImportedPlanError {
                    source_code: spec.files[file as usize].named_source(),
                    error,
                }),
            }
        })
        .collect();
    Err(PlanErrors {
        root: spec.files[0].name.clone(),
        source_code: spec.files[0].named_source(),
        problems,
    })
}
