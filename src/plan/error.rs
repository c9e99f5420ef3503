//! Plan diagnostics: what a plan needs that the engine cannot run yet.

use std::collections::BTreeSet;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::check::Spec;
use crate::schema::Schema;
use crate::syntax::Span;

use super::build::metric_calls;
use super::node::NodeKind;
use super::Plan;

/// The problems of a plan, grouped by the file they point into.
#[derive(Debug, Error, Diagnostic)]
#[error("the plan of `{root}` cannot run")]
pub struct PlanErrors {
    root: String,
    #[related]
    files: Vec<PlanFileErrors>,
}

/// The problems found in one file.
#[derive(Debug, Error, Diagnostic)]
#[error("in `{file_name}`")]
pub struct PlanFileErrors {
    file_name: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[related]
    errors: Vec<PlanError>,
}

impl PlanErrors {
    /// Every problem, file by file.
    pub fn errors(&self) -> impl Iterator<Item = &PlanError> {
        self.files.iter().flat_map(|f| f.errors.iter())
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
                let mut calls = Vec::new();
                metric_calls(&spec.gates[*gate].condition, &mut calls);
                for call in calls {
                    note(call.schema, call.span);
                }
            }
            _ => {}
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let mut files: Vec<PlanFileErrors> = Vec::new();
    for (file, start, end, name, kind) in found {
        let error = PlanError::NotImplemented {
            name: name.to_string(),
            kind,
            span: (start, end - start).into(),
        };
        let source = &spec.files[file as usize];
        match files.iter_mut().find(|f| f.file_name == source.name) {
            Some(group) => group.errors.push(error),
            None => files.push(PlanFileErrors {
                file_name: source.name.clone(),
                source_code: source.named_source(),
                errors: vec![error],
            }),
        }
    }
    Err(PlanErrors {
        root: spec.files[0].name.clone(),
        files,
    })
}
