//! `auc`: the area under a model's accuracy-versus-strength curve over a sweep.

use super::builtin::{BuiltinMetric, Compute, Derived};
use super::schemas::{metric, BASIC};
use super::{Estimate, MetricError};

/// The trapezoidal area under accuracy against strength, divided by the strength range, so the
/// result is the curve's mean height (an accuracy in [0, 1]).
///
/// `points` are (strength, accuracy) pairs: one per member of the sweep, the strength being the
/// swept parameter's value. They are sorted by strength here; no clean point is added (a sweep
/// that should start from the clean accuracy includes its zero strength). A single point gives
/// its own accuracy.
pub fn auc(points: &[(f64, Estimate)]) -> Result<Estimate, MetricError> {
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some(&(strength, _)) = sorted.iter().find(|(s, _)| !s.is_finite()) {
        return Err(MetricError::Derived(format!(
            "the strength {strength} of a sweep member is not a finite number"
        )));
    }
    if let Some(pair) = sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(MetricError::Derived(format!(
            "two members of the sweep have the same strength {}",
            pair[0].0
        )));
    }
    let samples = sorted.iter().map(|(_, e)| e.samples).sum();
    let value = match sorted.as_slice() {
        [] => {
            return Err(MetricError::Derived(
                "an area under the curve needs at least one sweep member".to_string(),
            ))
        }
        [(_, only)] => only.value,
        [(first, _), .., (last, _)] => {
            let area: f64 = sorted
                .windows(2)
                .map(|pair| (pair[1].0 - pair[0].0) * (pair[0].1.value + pair[1].1.value) / 2.0)
                .sum();
            area / (last - first)
        }
    };
    Ok(Estimate::point(value, samples))
}

/// `auc`.
pub static AUC: BuiltinMetric = BuiltinMetric {
    schema: metric(
        "auc",
        "area under the accuracy-versus-strength curve of a sweep, normalised to the strength range",
        BASIC,
        None,
    ),
    lower_is_better: false,
    needs_clean: false,
    compute: Compute::Derived(Derived::Auc),
};
