//! Gates and metric declarations: typed conditions over metric calls.

use std::sync::Arc;

use super::condition::{Arithmetic, Condition, Numeric, Operator};
use super::params::describe;
use super::scope::DeclKind;
use super::spec::{DatasetId, Gate, MetricCall, ModelId, Target};
use super::{CheckError, Checker, Cycle, Value};
use crate::schema::Kind;
use crate::suggest::quoted_list;
use crate::syntax::ast::{self, BinaryOp, UnaryOp};
use crate::syntax::Span;

/// The type of a gate expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Number,
    Bool,
}

impl Ty {
    fn words(self) -> &'static str {
        match self {
            Ty::Number => "a number",
            Ty::Bool => "a condition (true or false)",
        }
    }
}

/// A checked gate expression of either type.
enum Typed {
    Number(Numeric),
    Bool(Condition),
}

impl Checker<'_> {
    /// Checks every gate of the root, in order; the result is indexed by gate id.
    pub(super) fn gates(&mut self) -> Vec<(String, Option<Gate>)> {
        let parsed = Arc::clone(&self.units[0].ast);
        parsed
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Gate(gate) => {
                    Some((gate.name.name.clone(), self.gate(gate, item.span)))
                }
                _ => None,
            })
            .collect()
    }

    fn gate(&mut self, gate: &ast::Gate, span: Span) -> Option<Gate> {
        let condition = self.boolean(0, &gate.condition);
        let confidence = match &gate.confidence {
            Some(level) => {
                let value = self.number(0, level)?.as_f64()?;
                if !(value > 0.0 && value < 1.0) {
                    self.error(
                        0,
                        CheckError::InvalidConfidence {
                            value: self.span_text(level.span).to_string(),
                            span: level.span.into(),
                        },
                    );
                    return None;
                }
                Some(value)
            }
            None => None,
        };
        Some(Gate {
            name: gate.name.name.clone(),
            severity: gate.severity.into(),
            condition: condition?,
            confidence,
            span,
        })
    }

    /// Checks every metric declaration of `unit` (used or not).
    pub(super) fn all_metrics(&mut self, unit: usize) {
        let names: Vec<String> = self.units[unit]
            .scope
            .names
            .iter()
            .filter(|(_, d)| d.kind == DeclKind::Metric)
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            self.metric_decl(unit, &name, None);
        }
    }

    /// The condition of metric declaration `name` of `unit`, checked on first use; `reference`
    /// is where it is named, if it is named (a cycle is reported there).
    fn metric_decl(&mut self, unit: usize, name: &str, reference: Option<Span>) -> Option<Numeric> {
        let cycle = Cycle {
            kind: "metric",
            help: "write the metric in terms of metric calls and other metrics",
        };
        let index = self.on_demand(
            |c| &mut c.metrics,
            (unit, name),
            reference,
            cycle,
            |c| {
                let decl = c.units[unit].scope.names[name];
                let parsed = Arc::clone(&c.units[unit].ast);
                let item = &parsed.items[decl.item];
                let condition = match &item.kind {
                    ast::ItemKind::Metric(binding) => c.numeric(unit, &binding.value),
                    _ => None,
                };
                c.metric_conditions.push(condition?);
                Some(c.metric_conditions.len() - 1)
            },
        )?;
        Some(self.metric_conditions[index].clone())
    }

    /// A gate expression that must be a condition.
    fn boolean(&mut self, unit: usize, expr: &ast::Expr) -> Option<Condition> {
        match self.expression(unit, expr)? {
            Typed::Bool(condition) => Some(condition),
            Typed::Number(_) => {
                self.mismatch(unit, expr, Ty::Bool, Ty::Number);
                None
            }
        }
    }

    /// A gate expression that must be a number.
    fn numeric(&mut self, unit: usize, expr: &ast::Expr) -> Option<Numeric> {
        match self.expression(unit, expr)? {
            Typed::Number(numeric) => Some(numeric),
            Typed::Bool(_) => {
                self.mismatch(unit, expr, Ty::Number, Ty::Bool);
                None
            }
        }
    }

    /// Reports `expr`, of type `found` where `want` is needed.
    fn mismatch(&mut self, unit: usize, expr: &ast::Expr, want: Ty, found: Ty) {
        let help = match want {
            Ty::Bool => Some("compare it with a bound, as in `accuracy(m, clean) >= 90%`".into()),
            Ty::Number => None,
        };
        self.error(
            unit,
            CheckError::GateType {
                expected: want.words().into(),
                found: found.words().into(),
                span: expr.span.into(),
                help,
            },
        );
    }

    fn expression(&mut self, unit: usize, expr: &ast::Expr) -> Option<Typed> {
        use ast::ExprKind as E;
        match &expr.kind {
            E::Number(_) | E::Percent(_) | E::Fraction { .. } => {
                let v = self.number(unit, expr)?.as_f64()?;
                Some(Typed::Number(Numeric::Number(v)))
            }
            E::Paren(inner) => self.expression(unit, inner),
            E::Call { callee, args } => {
                let call = self.metric_call(unit, callee, args, expr.span)?;
                Some(Typed::Number(Numeric::Metric(call)))
            }
            E::Name(path) => {
                let declaring = self.resolve(unit, path, &[DeclKind::Metric])?;
                let name = path.segments.last()?.name.clone();
                Some(Typed::Number(self.metric_decl(
                    declaring,
                    &name,
                    Some(path.span),
                )?))
            }
            E::Unary { op, operand } => match op {
                UnaryOp::Neg => Some(Typed::Number(Numeric::Neg(Box::new(
                    self.numeric(unit, operand)?,
                )))),
                UnaryOp::Not => Some(Typed::Bool(Condition::Not(Box::new(
                    self.boolean(unit, operand)?,
                )))),
            },
            E::Binary { op, lhs, rhs } => self.binary(unit, *op, lhs, rhs),
            _ => {
                self.error(
                    unit,
                    CheckError::GateType {
                        expected: "a metric, a number or a comparison".into(),
                        found: describe(expr),
                        span: expr.span.into(),
                        help: None,
                    },
                );
                None
            }
        }
    }

    fn binary(
        &mut self,
        unit: usize,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
    ) -> Option<Typed> {
        match Operator::from(op) {
            Operator::Logic(op) => {
                let l = self.boolean(unit, lhs);
                let r = self.boolean(unit, rhs);
                Some(Typed::Bool(Condition::Logic {
                    op,
                    lhs: Box::new(l?),
                    rhs: Box::new(r?),
                }))
            }
            Operator::Comparison(op) => {
                if is_comparison(lhs) {
                    self.error(
                        unit,
                        CheckError::ChainedComparison {
                            span: lhs.span.into(),
                        },
                    );
                    return None;
                }
                let l = self.numeric(unit, lhs);
                let r = self.numeric(unit, rhs);
                Some(Typed::Bool(Condition::Compare {
                    op,
                    lhs: Box::new(l?),
                    rhs: Box::new(r?),
                }))
            }
            Operator::Arithmetic(op) => {
                let l = self.numeric(unit, lhs);
                let r = self.numeric(unit, rhs);
                if op == Arithmetic::Div && matches!(r, Some(Numeric::Number(d)) if d == 0.0) {
                    self.error(
                        unit,
                        CheckError::DivisionByZero {
                            span: rhs.span.into(),
                        },
                    );
                    return None;
                }
                Some(Typed::Number(Numeric::Arithmetic {
                    op,
                    lhs: Box::new(l?),
                    rhs: Box::new(r?),
                }))
            }
        }
    }

    /// A metric call: the model, what it runs under, the dataset (inferred when unambiguous),
    /// and the metric's own parameters; every combination must be evaluated.
    fn metric_call(
        &mut self,
        unit: usize,
        callee: &ast::Path,
        args: &[ast::Arg],
        span: Span,
    ) -> Option<MetricCall> {
        let schema = self.builtin(unit, callee, |k| k == Kind::Metric, "metric")?;
        let matched = self.match_args(unit, schema, args, span)?;
        let mut params = self.single_values(unit, schema, matched)?;
        let model = match params.remove("model") {
            Some(Value::Model(m)) => m,
            _ => return None,
        };
        let targets = match params.remove("under") {
            Some(Value::Perturbation(t)) => vec![t],
            Some(Value::List(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::Perturbation(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => return None,
        };
        let on = match params.remove("on") {
            Some(Value::Dataset(d)) => Some(d),
            _ => None,
        };
        let dataset = self.metric_dataset(unit, model, &targets, on, span)?;
        if let Some(Value::Model(baseline)) = params.get("baseline") {
            let baseline = *baseline;
            if !targets
                .iter()
                .all(|t| self.is_evaluated(baseline, dataset, t))
            {
                if self.evaluations_incomplete {
                    return None;
                }
                let name = self.models[baseline].name.clone();
                let what = self.combination(baseline, dataset, &targets);
                self.error(
                    unit,
                    CheckError::NotEvaluated {
                        what,
                        span: span.into(),
                        help: format!("the baseline `{name}` must be evaluated under the same perturbations: add it to an `evaluate`"),
                    },
                );
                return None;
            }
        }
        if let Some(&Value::Int(class)) = params.get("class") {
            let dataset = &self.datasets[dataset];
            if class >= i64::from(dataset.classes) {
                let at = args
                    .iter()
                    .find(|a| a.name.as_ref().is_some_and(|n| n.name == "class"))
                    .map_or(span, |a| a.value.span);
                let last = dataset.classes.saturating_sub(1);
                let error = CheckError::OutOfRange {
                    param: "class".into(),
                    value: class.to_string(),
                    bounds: format!("[0, {last}]"),
                    span: at.into(),
                    help: Some(format!(
                        "the dataset `{}` declares {} classes, numbered 0 to {last}",
                        dataset.name, dataset.classes
                    )),
                };
                self.error(unit, error);
                return None;
            }
        }
        Some(MetricCall {
            schema,
            model,
            dataset,
            targets,
            params,
            span,
        })
    }

    /// The dataset a metric call is about: `on:` if given, else the only one the model is
    /// evaluated on under all the targets.
    fn metric_dataset(
        &mut self,
        unit: usize,
        model: ModelId,
        targets: &[Target],
        on: Option<DatasetId>,
        span: Span,
    ) -> Option<DatasetId> {
        let covered = |checker: &Self, d: DatasetId| {
            targets.iter().all(|t| checker.is_evaluated(model, d, t))
        };
        if let Some(d) = on {
            if covered(self, d) {
                return Some(d);
            }
            if self.evaluations_incomplete {
                return None;
            }
            let what = self.combination(model, d, targets);
            self.error(
                unit,
                CheckError::NotEvaluated {
                    what,
                    span: span.into(),
                    help: "add it to an `evaluate` declaration".into(),
                },
            );
            return None;
        }
        let candidates: Vec<DatasetId> = (0..self.datasets.len())
            .filter(|&d| covered(self, d))
            .collect();
        match candidates.as_slice() {
            [d] => Some(*d),
            [] if self.evaluations_incomplete => None,
            [] => {
                let model_name = self.models[model].name.clone();
                let labels = self.target_labels(targets);
                self.error(
                    unit,
                    CheckError::NotEvaluated {
                        what: format!("`{model_name}` under {labels}"),
                        span: span.into(),
                        help: format!(
                            "add `evaluate {model_name} on DATASET under [...]` covering {labels}"
                        ),
                    },
                );
                None
            }
            many => {
                let names: Vec<&str> = many
                    .iter()
                    .map(|&d| self.datasets[d].name.as_str())
                    .collect();
                let datasets = quoted_list(&names);
                let model = self.models[model].name.clone();
                self.error(
                    unit,
                    CheckError::AmbiguousDataset {
                        model,
                        datasets,
                        span: span.into(),
                        help: format!("add `on: {}` (or another dataset) to the call", names[0]),
                    },
                );
                None
            }
        }
    }

    /// "`mlp` on `digits` under `noise`".
    fn combination(&self, model: ModelId, dataset: DatasetId, targets: &[Target]) -> String {
        format!(
            "`{}` on `{}` under {}",
            self.models[model].name,
            self.datasets[dataset].name,
            self.target_labels(targets)
        )
    }

    fn target_labels(&self, targets: &[Target]) -> String {
        let labels: Vec<String> = targets
            .iter()
            .map(|t| match t {
                Target::Clean => "clean".to_string(),
                Target::Members { perturbation, .. } => {
                    self.perturbations[*perturbation].name.clone()
                }
            })
            .collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        quoted_list(&labels)
    }
}

/// Whether `expr` is itself a comparison (so comparing it again would chain).
fn is_comparison(expr: &ast::Expr) -> bool {
    matches!(
        &expr.kind,
        ast::ExprKind::Binary { op, .. } if matches!(Operator::from(*op), Operator::Comparison(_))
    )
}
