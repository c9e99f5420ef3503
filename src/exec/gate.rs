//! Gate conditions evaluated over finished metric estimates.
//!
//! Numbers, arithmetic, comparisons and `and`/`or`/`not` evaluate as written on the point
//! estimates. `with confidence L` changes comparisons that involve metrics: `lhs CMP rhs` is
//! decided on a one-sided bound of `lhs − rhs` at level `L`, on the side that makes the gate
//! harder to pass (the lower bound for `>=` and `>`, the upper one for `<=` and `<`). A single
//! metric uses its own bound ([`Estimate::bound`]); an expression linear in several metrics uses
//! [`combined_bound`]. `==` and `!=` compare point estimates. A product or quotient of two
//! metrics, or a metric without interval, cannot be tested with confidence: an error.

use serde::{Deserialize, Serialize};

use crate::check::Condition;
use crate::metric::{combined_bound, Direction, Estimate, MetricError};
use crate::syntax::ast::BinaryOp;

/// A gate's verdict and the comparisons that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateOutcome {
    pub passed: bool,
    /// Every comparison of the condition, left to right.
    pub comparisons: Vec<Comparison>,
}

/// One comparison `lhs CMP rhs` of a gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Comparison {
    /// The operator: `>=`, `<`, ...
    pub op: String,
    /// The left side's point value; `null` when a metric in it is undefined (and the comparison
    /// fails).
    #[serde(with = "super::undefined")]
    #[schemars(with = "Option<f64>")]
    pub value: f64,
    /// The left side's one-sided bound compared instead of its value, under a confidence.
    pub bound: Option<f64>,
    /// The right side's value.
    pub threshold: f64,
    pub passed: bool,
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
    comparisons: Vec<Comparison>,
}

impl Evaluator<'_> {
    fn truth(&mut self, condition: &Condition) -> Result<bool, String> {
        match condition {
            Condition::Not(inner) => Ok(!self.truth(inner)?),
            Condition::Logic { op, lhs, rhs } => {
                // Both sides are always evaluated, so every comparison is reported.
                let (a, b) = (self.truth(lhs)?, self.truth(rhs)?);
                Ok(match op {
                    BinaryOp::And => a && b,
                    _ => a || b,
                })
            }
            Condition::Compare { op, lhs, rhs } => {
                let (lhs, rhs) = (self.number(lhs)?, self.number(rhs)?);
                self.compare(*op, lhs, rhs)
            }
            other => Err(format!("{other:?} is not a condition")),
        }
    }

    fn number(&mut self, condition: &Condition) -> Result<Linear, String> {
        Ok(match condition {
            Condition::Number(x) => Linear::constant(*x),
            Condition::Metric(_) => {
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
            Condition::Neg(inner) => self.number(inner)?.scaled(-1.0),
            Condition::Arithmetic { op, lhs, rhs } => {
                let (a, b) = (self.number(lhs)?, self.number(rhs)?);
                match op {
                    BinaryOp::Add => a.plus(b),
                    BinaryOp::Sub => a.plus(b.scaled(-1.0)),
                    BinaryOp::Mul if b.terms.is_empty() => {
                        let factor = b.value;
                        a.scaled(factor)
                    }
                    BinaryOp::Mul if a.terms.is_empty() => {
                        let factor = a.value;
                        b.scaled(factor)
                    }
                    BinaryOp::Mul => Linear::nonlinear(a.value * b.value, a, b),
                    _ if b.terms.is_empty() && b.value != 0.0 => {
                        let factor = 1.0 / b.value;
                        a.scaled(factor)
                    }
                    _ => Linear::nonlinear(a.value / b.value, a, b),
                }
            }
            other => return Err(format!("{other:?} is not a number")),
        })
    }

    fn compare(&mut self, op: BinaryOp, lhs: Linear, rhs: Linear) -> Result<bool, String> {
        let threshold = rhs.value;
        let difference = lhs.clone().plus(rhs.scaled(-1.0));
        let direction = match op {
            BinaryOp::Ge | BinaryOp::Gt => Some(Direction::Lower),
            BinaryOp::Le | BinaryOp::Lt => Some(Direction::Upper),
            _ => None,
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
            BinaryOp::Ge => left >= threshold,
            BinaryOp::Gt => left > threshold,
            BinaryOp::Le => left <= threshold,
            BinaryOp::Lt => left < threshold,
            BinaryOp::Eq => left == threshold,
            _ => left != threshold,
        };
        self.comparisons.push(Comparison {
            op: op.symbol().to_string(),
            value: lhs.value,
            bound,
            threshold,
            passed,
        });
        Ok(passed)
    }
}
