//! Constant numbers: literals (integers, reals, fractions, percentages) and arithmetic on them,
//! folded exactly where integers allow.

use super::{CheckError, Checker, Value};
use crate::syntax::{ast, Span};

impl Checker<'_> {
    /// Folds a constant numeric expression: literals, `-`, `+ - * /` and parentheses.
    pub(super) fn number(&mut self, unit: usize, expr: &ast::Expr) -> Option<Value> {
        use ast::ExprKind as E;
        match &expr.kind {
            E::Number(text) => self.number_literal(unit, text, expr.span),
            E::Percent(text) => {
                let v = self.number_literal(unit, text, expr.span)?;
                Some(Value::Float(v.as_f64()? / 100.0))
            }
            E::Fraction {
                numerator,
                denominator,
            } => {
                let n = self.number_literal(unit, numerator, expr.span)?.as_f64()?;
                let d = self
                    .number_literal(unit, denominator, expr.span)?
                    .as_f64()?;
                if d == 0.0 {
                    self.error(
                        unit,
                        CheckError::DivisionByZero {
                            span: expr.span.into(),
                        },
                    );
                    return None;
                }
                Some(Value::Float(n / d))
            }
            E::Paren(inner) => self.number(unit, inner),
            E::Unary {
                op: ast::UnaryOp::Neg,
                operand,
            } => match self.number(unit, operand)? {
                Value::Int(i) => Some(Value::Int(-i)),
                v => Some(Value::Float(-v.as_f64()?)),
            },
            E::Binary { op, lhs, rhs }
                if matches!(
                    op,
                    ast::BinaryOp::Add
                        | ast::BinaryOp::Sub
                        | ast::BinaryOp::Mul
                        | ast::BinaryOp::Div
                ) =>
            {
                let (a, b) = (self.number(unit, lhs), self.number(unit, rhs));
                let (a, b) = (a?, b?);
                self.arithmetic(unit, *op, &a, &b, rhs.span)
            }
            _ => {
                self.type_mismatch(unit, "a number", expr);
                None
            }
        }
    }

    fn arithmetic(
        &mut self,
        unit: usize,
        op: ast::BinaryOp,
        a: &Value,
        b: &Value,
        rhs_span: Span,
    ) -> Option<Value> {
        use ast::BinaryOp as B;
        if let (Value::Int(x), Value::Int(y), B::Add | B::Sub | B::Mul) = (a, b, op) {
            let exact = match op {
                B::Add => x.checked_add(*y),
                B::Sub => x.checked_sub(*y),
                _ => x.checked_mul(*y),
            };
            if let Some(v) = exact {
                return Some(Value::Int(v));
            }
        }
        let (x, y) = (a.as_f64()?, b.as_f64()?);
        let v = match op {
            B::Add => x + y,
            B::Sub => x - y,
            B::Mul => x * y,
            _ => {
                if y == 0.0 {
                    self.error(
                        unit,
                        CheckError::DivisionByZero {
                            span: rhs_span.into(),
                        },
                    );
                    return None;
                }
                x / y
            }
        };
        Some(Value::Float(v))
    }

    fn number_literal(&mut self, unit: usize, text: &str, span: Span) -> Option<Value> {
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        let is_int = clean.bytes().all(|b| b.is_ascii_digit());
        if is_int {
            if let Ok(i) = clean.parse::<i64>() {
                return Some(Value::Int(i));
            }
            self.error(
                unit,
                CheckError::NumberTooLarge {
                    text: text.to_string(),
                    span: span.into(),
                    help: format!("integers are at most {}", i64::MAX),
                },
            );
            return None;
        }
        match clean.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(Value::Float(v)),
            _ => {
                self.error(
                    unit,
                    CheckError::NumberTooLarge {
                        text: text.to_string(),
                        span: span.into(),
                        help: "real numbers are at most about 1.8e308".into(),
                    },
                );
                None
            }
        }
    }
}

/// Whether `expr` is written as a number or arithmetic on numbers (so folding it is the check).
pub(super) fn is_numeric(expr: &ast::Expr) -> bool {
    use ast::ExprKind as E;
    matches!(
        expr.kind,
        E::Number(_)
            | E::Percent(_)
            | E::Fraction { .. }
            | E::Paren(_)
            | E::Unary { .. }
            | E::Binary { .. }
    )
}
