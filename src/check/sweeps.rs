//! Sweeps: the values a swept parameter takes, written as one value, a list (whose elements may
//! be ranges) or a range `start..end step s`.

use super::params::is_sweep;
use super::{CheckError, Checker, Value};
use crate::schema::{Param, Type};
use crate::syntax::{ast, Span};

/// The most members one perturbation's sweep may expand to.
pub const MAX_SWEEP_MEMBERS: usize = 10_000;

/// The most members all the perturbations of a spec (and its imports) may declare together: far
/// above any real benchmark, low enough that checking and planning stay well under a second.
pub const MAX_SPEC_MEMBERS: usize = 100_000;

/// The most perturbed branches (a model on a dataset under one member) a spec's `evaluate`
/// declarations may ask for together.
pub const MAX_SPEC_BRANCHES: usize = 100_000;

impl Checker<'_> {
    /// The values a sweepable parameter takes, each with its label as written: one value, a
    /// list, or a range.
    pub(super) fn sweep(
        &mut self,
        unit: usize,
        param: &Param,
        expr: &ast::Expr,
    ) -> Option<Vec<(Value, String)>> {
        let items: Vec<(Value, String, Span)> = match &expr.kind {
            ast::ExprKind::List(elements) => {
                if elements.is_empty() {
                    self.error(
                        unit,
                        CheckError::InvalidRange {
                            reason: "an empty list sweeps nothing".into(),
                            what: "this list has no value".into(),
                            span: expr.span.into(),
                            help: format!("give `{}` at least one value", param.name),
                        },
                    );
                    return None;
                }
                let mut out = Vec::new();
                for element in elements {
                    if let ast::ExprKind::Range { start, end, step } = &element.kind {
                        let values =
                            self.range(unit, param, start, end, step.as_deref(), element.span)?;
                        out.extend(values.into_iter().map(|v| {
                            let label = v.to_string();
                            (v, label, element.span)
                        }));
                        continue;
                    }
                    if is_sweep(element) {
                        self.error(
                            unit,
                            CheckError::NotSweepable {
                                param: param.name.to_string(),
                                span: element.span.into(),
                                help: "a sweep is one flat list of values and ranges".into(),
                            },
                        );
                        return None;
                    }
                    let value = self.typed(unit, &param.ty, element)?;
                    out.push((
                        value,
                        self.span_text(element.span).to_string(),
                        element.span,
                    ));
                }
                out
            }
            ast::ExprKind::Range { start, end, step } => {
                let values = self.range(unit, param, start, end, step.as_deref(), expr.span)?;
                values
                    .into_iter()
                    .map(|v| {
                        let label = v.to_string();
                        (v, label, expr.span)
                    })
                    .collect()
            }
            _ => {
                let value = self.typed(unit, &param.ty, expr)?;
                vec![(value, self.span_text(expr.span).to_string(), expr.span)]
            }
        };
        let mut ok = true;
        for (value, _, span) in &items {
            ok &= self.check_bounds(unit, param, value, *span).is_some();
        }
        ok.then(|| items.into_iter().map(|(v, l, _)| (v, l)).collect())
    }

    /// Expands `start..end step s` (both ends included) for an integer or real parameter.
    pub(super) fn range(
        &mut self,
        unit: usize,
        param: &Param,
        start: &ast::Expr,
        end: &ast::Expr,
        step: Option<&ast::Expr>,
        span: Span,
    ) -> Option<Vec<Value>> {
        let integer = matches!(param.ty, Type::Int);
        if !integer && !matches!(param.ty, Type::Float) {
            self.error(
                unit,
                CheckError::InvalidRange {
                    reason: format!("`{}` is not a number, so it has no range", param.name),
                    what: "this range".into(),
                    span: span.into(),
                    help: format!("sweep `{}` with a list of values", param.name),
                },
            );
            return None;
        }
        let a = self.number(unit, start)?;
        let b = self.number(unit, end)?;
        let s = match step {
            Some(step) => Some(self.number(unit, step)?),
            None => None,
        };
        let all_int = matches!((&a, &b), (Value::Int(_), Value::Int(_)))
            && s.as_ref().is_none_or(|s| matches!(s, Value::Int(_)));
        if integer && !all_int {
            self.error(
                unit,
                CheckError::InvalidRange {
                    reason: "an integer range needs integer ends and step".into(),
                    what: "this range".into(),
                    span: span.into(),
                    help: format!("`{}` takes whole numbers, as in `1..5`", param.name),
                },
            );
            return None;
        }
        let step_value = match &s {
            Some(s) => s.as_f64().unwrap_or(1.0),
            None if integer => 1.0,
            None => {
                let range = self.span_text(span).to_string();
                self.error(
                    unit,
                    CheckError::InvalidRange {
                        reason: "a range of real numbers needs a step".into(),
                        what: "this range".into(),
                        span: span.into(),
                        help: format!(
                            "`{}` takes real numbers: give the step between them, as in `{range} step 0.1`, or list the values",
                            param.name
                        ),
                    },
                );
                return None;
            }
        };
        let (lo, hi) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
        if step_value <= 0.0 || hi < lo {
            let (reason, help) = if step_value <= 0.0 {
                (
                    "the step of a range must be positive",
                    "the step is the distance between two values, as in `0..1 step 0.25`"
                        .to_string(),
                )
            } else {
                (
                    "the range is empty: its end is below its start",
                    format!(
                        "write the smaller end first: `{}..{}`",
                        self.span_text(end.span),
                        self.span_text(start.span)
                    ),
                )
            };
            self.error(
                unit,
                CheckError::InvalidRange {
                    reason: reason.into(),
                    what: "this range".into(),
                    span: span.into(),
                    help,
                },
            );
            return None;
        }
        let count = ((hi - lo) / step_value + 1e-9).floor() + 1.0;
        if count > MAX_SWEEP_MEMBERS as f64 {
            self.error(
                unit,
                CheckError::SweepTooLarge {
                    count: count.min(usize::MAX as f64) as usize,
                    limit: MAX_SWEEP_MEMBERS,
                    span: span.into(),
                },
            );
            return None;
        }
        let count = count as usize;
        Some(
            (0..count)
                .map(|k| match (integer, &a) {
                    (true, Value::Int(first)) => Value::Int(first + (k as i64) * step_value as i64),
                    _ => Value::Float(round_decimal(lo + k as f64 * step_value)),
                })
                .collect(),
        )
    }
}

/// Rounds away the binary noise of `lo + k·step` (0.30000000000000004 → 0.3).
fn round_decimal(x: f64) -> f64 {
    let rounded: f64 = format!("{x:.12}").parse().unwrap_or(x);
    rounded
}
