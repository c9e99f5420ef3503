//! Printing expressions: literals as written, spaces around binary operators, groups that break
//! one element per line when they do not fit.

use super::layout::{Break, Layout};
use crate::syntax::ast::{Arg, BinaryOp, Expr, ExprKind, Selector, UnaryOp};

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
            ExprKind::Binary { .. } => self.binary(expr),
            ExprKind::Paren(inner) => {
                self.token(start, "(");
                self.expr(inner);
                self.closer(close, ")");
            }
        }
    }

    /// A chain of operators of one precedence (`a + b - c`, `x >= y`): on one line when it
    /// fits; else one operand per line, each line after the first starting with its operator
    /// and indented one level, when every operand fits on its line; else on one line with the
    /// operands' own groups broken.
    fn binary(&mut self, expr: &Expr) {
        let (first, rest) = operator_chain(expr);
        if self.flat {
            self.chain(first, &rest);
            return;
        }
        let checkpoint = self.checkpoint();
        for broken in [false, true] {
            if self.chain_of_flat_operands(first, &rest, broken) {
                return;
            }
            self.restore(checkpoint);
        }
        self.chain(first, &rest);
    }

    fn chain(&mut self, first: &Expr, rest: &[(BinaryOp, &Expr)]) {
        self.expr(first);
        for (op, operand) in rest {
            self.space();
            self.glue(op.symbol());
            self.space();
            self.expr(operand);
        }
    }

    /// Writes the chain with each operand on one line; false as soon as one does not fit.
    fn chain_of_flat_operands(
        &mut self,
        first: &Expr,
        rest: &[(BinaryOp, &Expr)],
        broken: bool,
    ) -> bool {
        if !self.flat_part(first) {
            return false;
        }
        for (op, operand) in rest {
            if broken {
                self.set_break(Break::continuation());
            } else {
                self.space();
            }
            self.glue(op.symbol());
            self.space();
            if !self.flat_part(operand) {
                return false;
            }
        }
        true
    }

    /// Writes `expr` on the current line; false when it does not fit or holds a line comment.
    fn flat_part(&mut self, expr: &Expr) -> bool {
        self.flat = true;
        self.expr(expr);
        self.flat = false;
        !std::mem::take(&mut self.overflow)
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

/// The operands and operators of a left-associative chain of one precedence: `a - b + c` is
/// `a` then `(-, b)`, `(+, c)`. Operands of other precedences stay whole.
fn operator_chain(expr: &Expr) -> (&Expr, Vec<(BinaryOp, &Expr)>) {
    let mut rest = Vec::new();
    let mut current = expr;
    let mut precedence = None;
    while let ExprKind::Binary { op, lhs, rhs } = &current.kind {
        if precedence.is_some_and(|p| p != op.precedence()) {
            break;
        }
        precedence = Some(op.precedence());
        rest.push((*op, rhs.as_ref()));
        current = lhs;
    }
    rest.reverse();
    (current, rest)
}
