//! `evaluate` declarations: which models run on which datasets under which perturbations.

use super::spec::{DatasetId, Evaluation, ModelId, Target};
use super::{CheckError, Checker};
use crate::syntax::{ast, Span};

impl Checker<'_> {
    /// Expands every `evaluate` of the root into branches (clean ones included), sorted and
    /// without duplicates.
    pub(super) fn evaluate(&mut self) {
        let items: Vec<ast::Evaluate> = self.units[0]
            .ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Evaluate(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        if items.is_empty() {
            let file = self.units[0].ast.span.file;
            self.error(
                0,
                CheckError::MissingEvaluate {
                    span: Span::new(file, 0, 0).into(),
                },
            );
        }
        let mut evaluations = Vec::new();
        for evaluate in &items {
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
            for path in evaluate.perturbations.iter().flat_map(|l| &l.names) {
                if path.dotted() == "clean" {
                    continue;
                }
                if let Some(id) = self.perturbation_ref(0, path) {
                    perturbations.push(Some(id));
                }
            }
            for &model in &models {
                for &dataset in &datasets {
                    for &perturbation in &perturbations {
                        evaluations.push(Evaluation {
                            model,
                            dataset,
                            perturbation,
                        });
                    }
                }
            }
        }
        evaluations.sort();
        evaluations.dedup();
        self.evaluations = evaluations;
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
