//! Checked gate expressions. Types keep conditions (true or false) and numeric expressions
//! apart, and each operator family has its own enum, so later stages match exhaustively and
//! never meet a shape the checker rules out (a comparison of conditions, `not` on a number).

use crate::syntax::ast;

use super::spec::MetricCall;

/// How a gate acts when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `require`: a failure fails the run.
    Require,
    /// `warn`: a failure is reported only.
    Warn,
}

impl Severity {
    /// The keyword that writes this severity.
    pub fn keyword(self) -> &'static str {
        match self {
            Severity::Require => "require",
            Severity::Warn => "warn",
        }
    }
}

impl From<ast::Severity> for Severity {
    fn from(severity: ast::Severity) -> Severity {
        match severity {
            ast::Severity::Require => Severity::Require,
            ast::Severity::Warn => Severity::Warn,
        }
    }
}

/// A checked condition: true or false.
#[derive(Debug, Clone)]
pub enum Condition {
    Not(Box<Condition>),
    Logic {
        op: Logic,
        lhs: Box<Condition>,
        rhs: Box<Condition>,
    },
    Compare {
        op: Comparison,
        lhs: Box<Numeric>,
        rhs: Box<Numeric>,
    },
}

/// A checked numeric expression over metric calls.
#[derive(Debug, Clone)]
pub enum Numeric {
    Number(f64),
    Metric(MetricCall),
    Neg(Box<Numeric>),
    Arithmetic {
        op: Arithmetic,
        lhs: Box<Numeric>,
        rhs: Box<Numeric>,
    },
}

/// `and` or `or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logic {
    And,
    Or,
}

/// A comparison of two numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arithmetic {
    Add,
    Sub,
    Mul,
    Div,
}

/// A binary operator of the syntax, sorted into its family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operator {
    Logic(Logic),
    Comparison(Comparison),
    Arithmetic(Arithmetic),
}

impl From<ast::BinaryOp> for Operator {
    fn from(op: ast::BinaryOp) -> Operator {
        use ast::BinaryOp as B;
        match op {
            B::And => Operator::Logic(Logic::And),
            B::Or => Operator::Logic(Logic::Or),
            B::Ge => Operator::Comparison(Comparison::Ge),
            B::Gt => Operator::Comparison(Comparison::Gt),
            B::Le => Operator::Comparison(Comparison::Le),
            B::Lt => Operator::Comparison(Comparison::Lt),
            B::Eq => Operator::Comparison(Comparison::Eq),
            B::Ne => Operator::Comparison(Comparison::Ne),
            B::Add => Operator::Arithmetic(Arithmetic::Add),
            B::Sub => Operator::Arithmetic(Arithmetic::Sub),
            B::Mul => Operator::Arithmetic(Arithmetic::Mul),
            B::Div => Operator::Arithmetic(Arithmetic::Div),
        }
    }
}

impl Logic {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Logic::And => "and",
            Logic::Or => "or",
        }
    }
}

impl Comparison {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Ge => ">=",
            Comparison::Gt => ">",
            Comparison::Le => "<=",
            Comparison::Lt => "<",
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
        }
    }
}

impl Arithmetic {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Arithmetic::Add => "+",
            Arithmetic::Sub => "-",
            Arithmetic::Mul => "*",
            Arithmetic::Div => "/",
        }
    }
}

impl Condition {
    /// The metric calls of the condition, left to right.
    pub fn metric_calls(&self) -> Vec<&MetricCall> {
        let mut calls = Vec::new();
        self.collect_calls(&mut calls);
        calls
    }

    fn collect_calls<'c>(&'c self, out: &mut Vec<&'c MetricCall>) {
        match self {
            Condition::Not(inner) => inner.collect_calls(out),
            Condition::Logic { lhs, rhs, .. } => {
                lhs.collect_calls(out);
                rhs.collect_calls(out);
            }
            Condition::Compare { lhs, rhs, .. } => {
                lhs.collect_calls(out);
                rhs.collect_calls(out);
            }
        }
    }

    /// The operators and constants of the condition, fully parenthesised, with `m` for each
    /// metric call: its form without the metrics (whose identities the plan hashes apart).
    pub fn shape(&self) -> String {
        match self {
            Condition::Not(inner) => format!("(not {})", inner.shape()),
            Condition::Logic { op, lhs, rhs } => {
                format!("({} {} {})", lhs.shape(), op.symbol(), rhs.shape())
            }
            Condition::Compare { op, lhs, rhs } => {
                format!("({} {} {})", lhs.shape(), op.symbol(), rhs.shape())
            }
        }
    }
}

impl Numeric {
    fn collect_calls<'c>(&'c self, out: &mut Vec<&'c MetricCall>) {
        match self {
            Numeric::Number(_) => {}
            Numeric::Metric(call) => out.push(call),
            Numeric::Neg(inner) => inner.collect_calls(out),
            Numeric::Arithmetic { lhs, rhs, .. } => {
                lhs.collect_calls(out);
                rhs.collect_calls(out);
            }
        }
    }

    /// As [`Condition::shape`].
    pub fn shape(&self) -> String {
        match self {
            Numeric::Number(x) => format!("{:e}", x),
            Numeric::Metric(_) => "m".to_string(),
            Numeric::Neg(inner) => format!("(-{})", inner.shape()),
            Numeric::Arithmetic { op, lhs, rhs } => {
                format!("({} {} {})", lhs.shape(), op.symbol(), rhs.shape())
            }
        }
    }
}
