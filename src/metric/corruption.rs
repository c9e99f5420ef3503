//! Corruption errors of Hendrycks & Dietterich (ICLR 2019): a model's top-1 errors over a
//! corruption's severities, normalised by a baseline model's. Pure functions over finished
//! `error` estimates of the members of the sweeps.

use super::builtin::{BuiltinMetric, Compute, Derived};
use super::schemas::{metric, BASELINE, HENDRYCKS, MODEL, ON, UNDER};
use super::{Estimate, MetricError};

/// CE_c = Σ_s E_{s,c} / Σ_s E^baseline_{s,c}: the model's error rates at each severity of one
/// corruption (in severity order) over the baseline's at the same severities.
pub fn ce(model: &[Estimate], baseline: &[Estimate]) -> Result<Estimate, MetricError> {
    same_severities(model, baseline)?;
    let denominator = total(baseline);
    if denominator == 0.0 {
        return Err(MetricError::Derived(
            "the baseline makes no error at any severity, so the corruption error is undefined"
                .to_string(),
        ));
    }
    Ok(Estimate::point(total(model) / denominator, samples(model)))
}

/// Relative CE_c = Σ_s (E_{s,c} − E_clean) / Σ_s (E^baseline_{s,c} − E^baseline_clean): the
/// degradation from the clean error, over the baseline's.
pub fn relative_ce(
    model_clean: &Estimate,
    model: &[Estimate],
    baseline_clean: &Estimate,
    baseline: &[Estimate],
) -> Result<Estimate, MetricError> {
    same_severities(model, baseline)?;
    let degradation = |clean: &Estimate, errors: &[Estimate]| {
        errors.iter().map(|e| e.value - clean.value).sum::<f64>()
    };
    let denominator = degradation(baseline_clean, baseline);
    if denominator == 0.0 {
        return Err(MetricError::Derived(
            "the baseline's error does not change under the corruption, so the relative \
             corruption error is undefined"
                .to_string(),
        ));
    }
    Ok(Estimate::point(
        degradation(model_clean, model) / denominator,
        samples(model),
    ))
}

/// mCE (or relative mCE): the unweighted mean of the corruption errors of several corruptions.
pub fn mean_ce(errors: &[Estimate]) -> Result<Estimate, MetricError> {
    if errors.is_empty() {
        return Err(MetricError::Derived(
            "a mean corruption error needs at least one corruption".to_string(),
        ));
    }
    Ok(Estimate::point(
        total(errors) / errors.len() as f64,
        samples(errors),
    ))
}

fn same_severities(model: &[Estimate], baseline: &[Estimate]) -> Result<(), MetricError> {
    if model.is_empty() || model.len() != baseline.len() {
        return Err(MetricError::Derived(format!(
            "a corruption error needs the same severities for the model and the baseline \
             ({} and {} given)",
            model.len(),
            baseline.len()
        )));
    }
    Ok(())
}

/// Σ of the values, in order.
fn total(estimates: &[Estimate]) -> f64 {
    estimates.iter().map(|e| e.value).sum()
}

fn samples(estimates: &[Estimate]) -> u64 {
    estimates.iter().map(|e| e.samples).sum()
}

/// A corruption error of Hendrycks & Dietterich: derived from the error branches of a model and
/// a baseline; smaller is better.
const fn corruption_error(
    name: &'static str,
    summary: &'static str,
    needs_clean: bool,
    derived: Derived,
) -> BuiltinMetric {
    BuiltinMetric {
        schema: metric(name, summary, &[MODEL, UNDER, ON, BASELINE], HENDRYCKS),
        lower_is_better: true,
        needs_clean,
        compute: Compute::Derived(derived),
    }
}

/// `ce`.
pub static CE: BuiltinMetric = corruption_error(
    "ce",
    "corruption error: errors summed over a corruption's severities, divided by the baseline's",
    false,
    Derived::Ce,
);

/// `mce`.
pub static MCE: BuiltinMetric = corruption_error(
    "mce",
    "mean corruption error: the mean of `ce` over corruptions",
    false,
    Derived::Mce,
);

/// `relative_mce`: it subtracts each model's clean error, so it reads the clean branches.
pub static RELATIVE_MCE: BuiltinMetric = corruption_error(
    "relative_mce",
    "mean over corruptions of (error − clean error) summed over severities, divided by the baseline's",
    true,
    Derived::RelativeMce,
);
