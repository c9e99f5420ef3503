//! `evaluate` declarations: which models run on which datasets under which perturbations.

use super::scope::DeclKind;
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
