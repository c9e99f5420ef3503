//! `evaluate` declarations: which models run on which datasets under which perturbations.

use std::collections::BTreeSet;

use super::scope::DeclKind;
use super::spec::{DatasetId, Evaluation, ModelId, Target};
use super::sweeps::MAX_SPEC_BRANCHES;
use super::{CheckError, Checker};
use crate::syntax::{ast, Span};

impl Checker<'_> {
    /// Expands every `evaluate` of the root into branches (clean ones included), sorted and
    /// without duplicates.
    pub(super) fn evaluate(&mut self) {
        let items: Vec<(ast::Evaluate, Span)> = self.units[0]
            .ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Evaluate(e) => Some((e.clone(), item.span)),
                _ => None,
            })
            .collect();
        if items.is_empty() {
            self.evaluations_incomplete = true;
            let file = self.units[0].ast.span.file;
            let names = |kind: DeclKind| {
                let names: Vec<&str> = self.units[0]
                    .scope
                    .names
                    .iter()
                    .filter(|(_, d)| d.kind == kind)
                    .map(|(n, _)| n.as_str())
                    .collect();
                match names.as_slice() {
                    [] => format!("[{kind}s]"),
                    [one] => one.to_string(),
                    many => format!("[{}]", many.join(", ")),
                }
            };
            let help = format!(
                "say what to run: `evaluate {} on {} under {}`",
                names(DeclKind::Model),
                names(DeclKind::Dataset),
                names(DeclKind::Perturbation)
            );
            self.error(
                0,
                CheckError::MissingEvaluate {
                    span: Span::new(file, 0, 0).into(),
                    help,
                },
            );
        }
        let mut evaluations = BTreeSet::new();
        let mut branches = 0;
        for (evaluate, span) in &items {
            let models: Vec<ModelId> = evaluate
                .models
                .names
                .iter()
                .filter_map(|p| self.model_ref(0, p))
                .collect();
            let datasets: Vec<DatasetId> = evaluate
                .datasets
                .names
                .iter()
                .filter_map(|p| self.dataset_ref(0, p))
                .collect();
            let mut perturbations = vec![None];
            let mut failed = models.len() < evaluate.models.names.len()
                || datasets.len() < evaluate.datasets.names.len();
            for path in evaluate.perturbations.iter().flat_map(|l| &l.names) {
                if path.dotted() == "clean" {
                    continue;
                }
                match self.perturbation_ref(0, path) {
                    Some(id) => perturbations.push(Some(id)),
                    None => failed = true,
                }
            }
            self.evaluations_incomplete |= failed;
            for &model in &models {
                for &dataset in &datasets {
                    for &perturbation in &perturbations {
                        let new = evaluations.insert(Evaluation {
                            model,
                            dataset,
                            perturbation,
                        });
                        if new {
                            branches +=
                                perturbation.map_or(0, |p| self.perturbations[p].members.len());
                        }
                    }
                }
            }
            if branches > MAX_SPEC_BRANCHES {
                self.error(
                    0,
                    CheckError::SpecTooLarge {
                        what: "perturbed branches".into(),
                        limit: MAX_SPEC_BRANCHES,
                        span: (*span).into(),
                        label: format!("this brings the branches to {branches}"),
                        help: "a branch is one model on one dataset under one member: evaluate \
                               fewer models or datasets under the largest sweeps"
                            .into(),
                    },
                );
                self.evaluations_incomplete = true;
                break;
            }
        }
        self.evaluations = evaluations.into_iter().collect();
    }

    /// Whether `model` is evaluated on `dataset` under `target`.
    pub(super) fn is_evaluated(&self, model: ModelId, dataset: DatasetId, target: &Target) -> bool {
        let perturbation = match target {
            Target::Clean => None,
            Target::Members { perturbation, .. } => Some(*perturbation),
        };
        self.evaluations
            .binary_search(&Evaluation {
                model,
                dataset,
                perturbation,
            })
            .is_ok()
    }
}
