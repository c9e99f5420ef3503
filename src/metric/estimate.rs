//! Finished metric values and their confidence intervals: Wilson score intervals for proportions,
//! normal intervals for means, and the bounds gates compare `with confidence`.

use serde::{Deserialize, Serialize};

use super::quantile::normal_quantile;
use super::MetricError;

/// The level of the interval every [`Estimate`] carries for reports: two-sided 95%.
pub const REPORT_LEVEL: f64 = 0.95;

/// A metric's value, its confidence interval and the evidence both rest on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The point estimate; NaN when no sample defines it (a proportion of zero trials).
    pub value: f64,
    /// The two-sided interval at [`REPORT_LEVEL`], when the metric has one.
    pub interval: Option<Interval>,
    /// The number of samples the metric read.
    pub samples: u64,
    /// What the interval is computed from, so it can be recomputed at any level.
    pub basis: Basis,
}

/// A confidence interval `[low, high]` at `level`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    pub level: f64,
}

/// The sufficient statistics behind an estimate's interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// `successes` of `trials` Bernoulli trials: Wilson score intervals.
    Proportion { successes: u64, trials: u64 },
    /// The mean of `count` values with standard error `std_error`: normal intervals.
    Mean { count: u64, std_error: f64 },
    /// No interval (ECE, medians, derived ratios).
    Point,
}

/// Which side of an interval a gate compares: `>=` and `>` compare the lower bound, `<=` and `<`
/// the upper one, so a gate passes only if the whole one-sided interval satisfies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Lower,
    Upper,
}

impl Estimate {
    /// `successes` of `trials`, with the Wilson interval; `samples` is how many samples were read
    /// (more than `trials` when only some samples count, as for `attack_success_rate`).
    pub fn proportion(successes: u64, trials: u64, samples: u64) -> Self {
        let basis = Basis::Proportion { successes, trials };
        let value = if trials == 0 {
            f64::NAN
        } else {
            successes as f64 / trials as f64
        };
        Estimate {
            value,
            interval: two_sided_around(value, basis, REPORT_LEVEL),
            samples,
            basis,
        }
    }

    /// A mean of `count` values with standard error `std_error` and its normal interval (none
    /// for fewer than two values); `samples` is how many samples were read.
    pub fn mean(value: f64, std_error: f64, count: u64, samples: u64) -> Self {
        let basis = if count >= 2 {
            Basis::Mean { count, std_error }
        } else {
            Basis::Point
        };
        Estimate {
            value,
            interval: two_sided_around(value, basis, REPORT_LEVEL),
            samples,
            basis,
        }
    }

    /// A value without interval.
    pub fn point(value: f64, samples: u64) -> Self {
        Estimate {
            value,
            interval: None,
            samples,
            basis: Basis::Point,
        }
    }

    /// The two-sided interval at `level`, or `None` for a metric without one.
    pub fn interval_at(&self, level: f64) -> Result<Option<Interval>, MetricError> {
        check_level(level)?;
        Ok(two_sided_around(self.value, self.basis, level))
    }

    /// The one-sided bound at confidence `level` that a gate `with confidence level` compares:
    /// the value lies at or above the [`Direction::Lower`] bound with probability `level` (Wilson
    /// score or normal bound with z = Φ⁻¹(level)).
    pub fn bound(&self, direction: Direction, level: f64) -> Result<f64, MetricError> {
        check_level(level)?;
        let z = normal_quantile(level);
        match self.basis {
            Basis::Proportion { successes, trials } if trials > 0 => {
                let (low, high) = wilson(successes, trials, z);
                Ok(pick(direction, low, high))
            }
            Basis::Mean { std_error, .. } => Ok(pick(
                direction,
                self.value - z * std_error,
                self.value + z * std_error,
            )),
            _ => Err(MetricError::NoInterval),
        }
    }
}

/// The one-sided bound at `level` of a linear combination Σ cᵢ·Xᵢ of estimates (the difference
/// of two accuracies is `[(1.0, a), (-1.0, b)]`), by the method of variance estimates recovery
/// (Newcombe 1998 for differences of proportions, Zou & Donner 2008 in general): the point
/// estimate minus (or plus) the root of the summed squared distances from each term's value to
/// its own one-sided bound. It treats the terms as independent: for a difference of metrics of
/// the same samples, which are positively correlated, the bound is conservative; for a sum of
/// them, too tight.
pub fn combined_bound(
    terms: &[(f64, &Estimate)],
    direction: Direction,
    level: f64,
) -> Result<f64, MetricError> {
    let mut value = 0.0;
    let mut squares = 0.0;
    for &(coefficient, estimate) in terms {
        if coefficient == 0.0 {
            continue;
        }
        let side = match (direction, coefficient > 0.0) {
            (Direction::Lower, true) | (Direction::Upper, false) => Direction::Lower,
            _ => Direction::Upper,
        };
        let term = coefficient * estimate.value;
        let distance = coefficient * estimate.bound(side, level)? - term;
        value += term;
        squares += distance * distance;
    }
    Ok(pick(
        direction,
        value - squares.sqrt(),
        value + squares.sqrt(),
    ))
}

/// The Wilson score interval of `successes` of `trials` (`trials > 0`) for quantile `z`
/// (Wilson 1927): (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). The ends are exactly 0
/// with no success and exactly 1 with no failure.
pub fn wilson(successes: u64, trials: u64, z: f64) -> (f64, f64) {
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let low = if successes == 0 { 0.0 } else { centre - half };
    let high = if successes == trials {
        1.0
    } else {
        centre + half
    };
    (low.max(0.0), high.min(1.0))
}

fn two_sided_around(value: f64, basis: Basis, level: f64) -> Option<Interval> {
    let z = normal_quantile((1.0 + level) / 2.0);
    let (low, high) = match basis {
        Basis::Proportion { successes, trials } if trials > 0 => wilson(successes, trials, z),
        Basis::Mean { std_error, .. } => (value - z * std_error, value + z * std_error),
        _ => return None,
    };
    Some(Interval { low, high, level })
}

fn pick(direction: Direction, low: f64, high: f64) -> f64 {
    match direction {
        Direction::Lower => low,
        Direction::Upper => high,
    }
}

fn check_level(level: f64) -> Result<(), MetricError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(MetricError::Level(level))
    }
}
