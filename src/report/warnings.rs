//! Sanity warnings a reader of a report should see: figures that are weaker evidence than they
//! look.

use crate::results::{RunResults, Severity};

/// Below this many samples an estimate's interval is wide; reports say so.
pub const FEW_SAMPLES: u64 = 100;

/// Above this width a 95% interval leaves a verdict open to chance.
pub const WIDE_INTERVAL: f64 = 0.1;

/// The warnings about `results`, in gate order.
pub fn warnings(results: &RunResults) -> Vec<String> {
    let mut found = Vec::new();
    for gate in &results.gates {
        if !gate.passed && gate.severity == Severity::Warn {
            found.push(format!("warn gate `{}` failed", gate.name));
        }
        if gate.confidence.is_none() {
            let uncertain = results.metrics.iter().any(|m| {
                m.gate == gate.name && m.interval.is_some_and(|i| i.high - i.low > WIDE_INTERVAL)
            });
            if uncertain {
                found.push(format!(
                    "gate `{}` compares point estimates whose 95% interval is wider than \
                     {WIDE_INTERVAL}; `with confidence` would decide it on a bound",
                    gate.name
                ));
            }
        }
    }
    for metric in &results.metrics {
        if metric.samples < FEW_SAMPLES {
            found.push(format!(
                "`{}` of gate `{}` rests on {} samples (fewer than {FEW_SAMPLES})",
                metric.label, metric.gate, metric.samples
            ));
        }
    }
    for flag in &results.sanity {
        found.push(format!(
            "{} on {} ({}): {}",
            flag.model, flag.dataset, flag.check, flag.message
        ));
    }
    if results.stats.cache_rejected > 0 {
        found.push(format!(
            "{} cache entries were corrupt and recomputed",
            results.stats.cache_rejected
        ));
    }
    if results.repository.as_ref().is_some_and(|r| r.dirty) {
        found.push("the spec's repository had uncommitted changes".to_string());
    }
    if results.repository.is_none() {
        found.push("the spec is not in a git repository: its version is known by hash only".into());
    }
    found
}
