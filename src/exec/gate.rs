//! Gate conditions evaluated over finished metric estimates.
//!
//! Numbers, arithmetic, comparisons and `and`/`or`/`not` evaluate as written on the point
//! estimates. `with confidence L` changes comparisons that involve metrics: `lhs CMP rhs` is
//! decided on a one-sided bound of `lhs − rhs` at level `L`, on the side that makes the gate
//! harder to pass (the lower bound for `>=` and `>`, the upper one for `<=` and `<`). A single
//! metric uses its own bound ([`Estimate::bound`]); an expression linear in several metrics uses
//! [`combined_bound`]. `==` and `!=` compare point estimates. A product or quotient of two
//! metrics, or a metric without interval, cannot be tested with confidence: an error.

use crate::check::{Arithmetic, Comparison, Condition, Logic, Numeric};
use crate::metric::{combined_bound, Direction, Estimate, MetricError};
use crate::results::{self, Operator};

/// A gate's verdict and the comparisons that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOutcome {
    pub passed: bool,
    /// Every comparison of the condition, left to right.
    pub comparisons: Vec<results::Comparison>,
}

impl From<Comparison> for Operator {
    fn from(op: Comparison) -> Operator {
        match op {
            Comparison::Ge => Operator::Ge,
            Comparison::Gt => Operator::Gt,
            Comparison::Le => Operator::Le,
            Comparison::Lt => Operator::Lt,
            Comparison::Eq => Operator::Eq,
            Comparison::Ne => Operator::Ne,
        }
    }
}

/// Evaluates `condition` with `estimates` (one per metric call, in `Condition::metric_calls` order);
/// the error says why the condition cannot be decided.
pub fn evaluate(
    condition: &Condition,
    estimates: &[Estimate],
    confidence: Option<f64>,
) -> Result<GateOutcome, String> {
    let mut evaluator = Evaluator {
        estimates,
        confidence,
        next: 0,
        comparisons: Vec::new(),
    };
    let passed = evaluator.truth(condition)?;
    Ok(GateOutcome {
        passed,
        comparisons: evaluator.comparisons,
    })
}

/// A numeric expression: its point value and, while it is linear in the metrics, its
/// coefficients (`constant + Σ cᵢ·metricᵢ`).
#[derive(Debug, Clone)]
struct Linear {
    value: f64,
    constant: f64,
    terms: Vec<(f64, usize)>,
    linear: bool,
}

impl Linear {
    fn constant(x: f64) -> Linear {
        Linear {
            value: x,
            constant: x,
            terms: Vec::new(),
            linear: true,
        }
    }

    fn scaled(mut self, factor: f64) -> Linear {
        self.value *= factor;
        self.constant *= factor;
        for term in &mut self.terms {
            term.0 *= factor;
        }
        self
    }

    fn plus(mut self, other: Linear) -> Linear {
        self.value += other.value;
        self.constant += other.constant;
        self.linear &= other.linear;
        for (c, i) in other.terms {
            match self.terms.iter_mut().find(|t| t.1 == i) {
                Some(term) => term.0 += c,
                None => self.terms.push((c, i)),
            }
        }
        self
    }

    fn nonlinear(value: f64, a: Linear, b: Linear) -> Linear {
        Linear {
            value,
            constant: 0.0,
            linear: false,
            ..a.plus(b)
        }
    }
}

struct Evaluator<'e> {
    estimates: &'e [Estimate],
    confidence: Option<f64>,
    /// The index of the next metric call met, left to right.
    next: usize,
    comparisons: Vec<results::Comparison>,
}

impl Evaluator<'_> {
    fn truth(&mut self, condition: &Condition) -> Result<bool, String> {
        match condition {
            Condition::Not(inner) => Ok(!self.truth(inner)?),
            Condition::Logic { op, lhs, rhs } => {
                // Both sides are always evaluated, so every comparison is reported.
                let (a, b) = (self.truth(lhs)?, self.truth(rhs)?);
                Ok(match op {
                    Logic::And => a && b,
                    Logic::Or => a || b,
                })
            }
            Condition::Compare { op, lhs, rhs } => {
                let (lhs, rhs) = (self.number(lhs)?, self.number(rhs)?);
                self.compare(*op, lhs, rhs)
            }
        }
    }

    fn number(&mut self, numeric: &Numeric) -> Result<Linear, String> {
        Ok(match numeric {
            Numeric::Number(x) => Linear::constant(*x),
            Numeric::Metric(_) => {
                let index = self.next;
                self.next += 1;
                let estimate = self
                    .estimates
                    .get(index)
                    .ok_or("a metric call has no estimate")?;
                Linear {
                    value: estimate.value,
                    constant: 0.0,
                    terms: vec![(1.0, index)],
                    linear: true,
                }
            }
            Numeric::Neg(inner) => self.number(inner)?.scaled(-1.0),
            Numeric::Arithmetic { op, lhs, rhs } => {
                let (a, b) = (self.number(lhs)?, self.number(rhs)?);
                match op {
                    Arithmetic::Add => a.plus(b),
                    Arithmetic::Sub => a.plus(b.scaled(-1.0)),
                    Arithmetic::Mul if b.terms.is_empty() => {
                        let factor = b.value;
                        a.scaled(factor)
                    }
                    Arithmetic::Mul if a.terms.is_empty() => {
                        let factor = a.value;
                        b.scaled(factor)
                    }
                    Arithmetic::Mul => Linear::nonlinear(a.value * b.value, a, b),
                    Arithmetic::Div if b.terms.is_empty() && b.value != 0.0 => {
                        let factor = 1.0 / b.value;
                        a.scaled(factor)
                    }
                    Arithmetic::Div => Linear::nonlinear(a.value / b.value, a, b),
                }
            }
        })
    }

    fn compare(&mut self, op: Comparison, lhs: Linear, rhs: Linear) -> Result<bool, String> {
        let threshold = rhs.value;
        let difference = lhs.clone().plus(rhs.scaled(-1.0));
        let direction = match op {
            Comparison::Ge | Comparison::Gt => Some(Direction::Lower),
            Comparison::Le | Comparison::Lt => Some(Direction::Upper),
            Comparison::Eq | Comparison::Ne => None,
        };
        let bound = match (self.confidence, direction) {
            (Some(level), Some(direction)) if !difference.terms.is_empty() => {
                if !difference.linear {
                    return Err(
                        "`with confidence` needs a comparison linear in its metrics \
                                (no product or quotient of two metrics)"
                            .into(),
                    );
                }
                let terms: Vec<(f64, &Estimate)> = difference
                    .terms
                    .iter()
                    .map(|&(c, i)| (c, &self.estimates[i]))
                    .collect();
                let bound = combined_bound(&terms, direction, level).map_err(|e| match e {
                    MetricError::NoInterval => "`with confidence` compares a metric that has no \
                                                confidence interval; remove the confidence or \
                                                compare another metric"
                        .to_string(),
                    other => other.to_string(),
                })?;
                // The bound of the left side: the difference's bound shifted back by the right.
                Some(bound + difference.constant + threshold)
            }
            _ => None,
        };
        let left = bound.unwrap_or(lhs.value);
        let passed = match op {
            Comparison::Ge => left >= threshold,
            Comparison::Gt => left > threshold,
            Comparison::Le => left <= threshold,
            Comparison::Lt => left < threshold,
            Comparison::Eq => left == threshold,
            Comparison::Ne => left != threshold,
        };
        self.comparisons.push(results::Comparison {
            op: op.into(),
            value: lhs.value,
            bound,
            threshold,
            passed,
        });
        Ok(passed)
    }
}
