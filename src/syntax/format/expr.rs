//! Printing expressions: literals as written, spaces around binary operators, groups that break
//! one element per line when they do not fit.

use super::layout::Layout;
use crate::syntax::ast::{Arg, Expr, ExprKind, Selector, UnaryOp};

impl Layout<'_> {
    /// Prints an expression (or a range, where the grammar allows one).
    pub(super) fn expr(&mut self, expr: &Expr) {
        let start = expr.span.start;
        let close = expr.span.end.saturating_sub(1);
        match &expr.kind {
            ExprKind::Number(text) => self.token(start, text),
            ExprKind::Percent(text) => self.token(start, &format!("{text}%")),
            ExprKind::Fraction {
                numerator,
                denominator,
            } => self.token(start, &format!("{numerator}/{denominator}")),
            ExprKind::String(string) => self.string(string),
            ExprKind::Bool(value) => self.token(start, if *value { "true" } else { "false" }),
            ExprKind::Name(path) => self.path(path),
            ExprKind::List(elements) => {
                self.token(start, "[");
                self.group(elements, close, "]", Self::expr);
            }
            ExprKind::Range {
                start: from,
                end: to,
                step,
            } => {
                self.expr(from);
                self.glue("..");
                self.expr(to);
                if let Some(step) = step {
                    self.space();
                    self.glue("step");
                    self.space();
                    self.expr(step);
                }
            }
            ExprKind::Call { callee, args } => {
                self.path(callee);
                self.glue("(");
                self.group(args, close, ")", Self::arg);
            }
            ExprKind::Select { base, selectors } => {
                self.expr(base);
                self.glue("[");
                self.group(selectors, close, "]", Self::selector);
            }
            ExprKind::Unary { op, operand } => {
                self.token(start, op.symbol());
                if *op == UnaryOp::Not {
                    self.space();
                }
                self.expr(operand);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.expr(lhs);
                self.space();
                self.glue(op.symbol());
                self.space();
                self.expr(rhs);
            }
            ExprKind::Paren(inner) => {
                self.token(start, "(");
                self.expr(inner);
                self.closer(close, ")");
            }
        }
    }

    fn arg(&mut self, arg: &Arg) {
        if let Some(name) = &arg.name {
            self.ident(name);
            self.glue(":");
            self.space();
        }
        self.expr(&arg.value);
    }

    fn selector(&mut self, selector: &Selector) {
        self.ident(&selector.name);
        self.space();
        self.glue("=");
        self.space();
        self.expr(&selector.value);
    }
}
