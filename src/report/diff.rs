//! The comparison of two runs' results, for `rbench diff`: each metric's change with an interval,
//! the gates that flipped, and whether the new run regressed.
//!
//! The interval of a change `new − old` is Newcombe's square-and-add (MOVER) interval built from
//! the two estimates' own 95% intervals: `[d − √((new − lₙ)² + (uₒ − old)²), d + √((uₙ − new)² +
//! (old − lₒ)²)]` (R. G. Newcombe, "Interval estimation for the difference between independent
//! proportions: comparison of eleven methods", Statistics in Medicine 17:873–890, 1998, method 10,
//! which uses Wilson intervals as `accuracy` does). It assumes independent estimates; two runs on
//! the same test samples are positively correlated, which makes this interval conservative (wider
//! than the paired one).

use std::fmt::Write;

use crate::results::{Interval, RunResults};

/// The changes from one run's results to another's.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultsDiff {
    pub metrics: Vec<MetricChange>,
    pub gates: Vec<GateChange>,
    /// Metric rows of one side only, as `gate: label` (`old only` / `new only`).
    pub unmatched: Vec<String>,
    /// The largest tolerated worsening of a metric.
    pub tolerance: f64,
}

/// One metric of both runs (a gate's metric call, or a branch's accuracy).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricChange {
    /// `gate: label` for a gate's metric, `accuracy model/dataset/member` for a branch.
    pub name: String,
    pub old: f64,
    pub new: f64,
    /// The 95% interval of `new − old`, when both estimates have intervals.
    pub interval: Option<(f64, f64)>,
    pub higher_is_better: bool,
}

/// A gate whose verdict differs between the runs, or that only one run has.
#[derive(Debug, Clone, PartialEq)]
pub struct GateChange {
    pub name: String,
    pub old: Option<bool>,
    pub new: Option<bool>,
}

impl MetricChange {
    /// How much worse the new value is (negative when it is better).
    pub fn worsening(&self) -> f64 {
        match self.higher_is_better {
            true => self.old - self.new,
            false => self.new - self.old,
        }
    }
}

impl ResultsDiff {
    /// The gates that passed in the old run and fail in the new one.
    pub fn broken_gates(&self) -> impl Iterator<Item = &GateChange> {
        self.gates
            .iter()
            .filter(|g| g.old == Some(true) && g.new == Some(false))
    }

    /// The metrics that got worse by more than the tolerance.
    pub fn dropped_metrics(&self) -> impl Iterator<Item = &MetricChange> {
        self.metrics
            .iter()
            .filter(|m| m.worsening() > self.tolerance)
    }

    /// Whether the new run regressed: a gate went from pass to fail, or a metric got worse by
    /// more than the tolerance.
    pub fn regressed(&self) -> bool {
        self.broken_gates().next().is_some() || self.dropped_metrics().next().is_some()
    }

    /// The comparison as text: flipped gates, then every metric, then the verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for gate in &self.gates {
            let state = |s: Option<bool>| match s {
                Some(true) => "pass",
                Some(false) => "fail",
                None => "absent",
            };
            let _ = writeln!(
                out,
                "gate {}: {} → {}",
                gate.name,
                state(gate.old),
                state(gate.new)
            );
        }
        if !self.gates.is_empty() {
            out.push('\n');
        }
        for m in &self.metrics {
            let interval = m
                .interval
                .map_or_else(String::new, |(l, h)| format!(" [{l:+.4}, {h:+.4}]"));
            let mark = match m.worsening() > self.tolerance {
                true => "  ✗ worse",
                false => "",
            };
            let _ = writeln!(
                out,
                "{}: {:.4} → {:.4} ({:+.4}{interval}){mark}",
                m.name,
                m.old,
                m.new,
                m.new - m.old
            );
        }
        for name in &self.unmatched {
            let _ = writeln!(out, "{name}");
        }
        let broken = self.broken_gates().count();
        let dropped = self.dropped_metrics().count();
        let _ = writeln!(
            out,
            "\n{}: {broken} gate(s) went from pass to fail, {dropped} metric(s) worse by more \
             than {}",
            if self.regressed() {
                "REGRESSED"
            } else {
                "no regression"
            },
            self.tolerance
        );
        out
    }
}

/// The changes from `old` to `new`; a metric regresses when it worsens by more than `tolerance`.
pub fn diff(old: &RunResults, new: &RunResults, tolerance: f64) -> ResultsDiff {
    let mut metrics = Vec::new();
    let mut unmatched = Vec::new();
    for n in &new.metrics {
        let name = format!("{}: {}", n.gate, n.label);
        match old
            .metrics
            .iter()
            .find(|o| o.gate == n.gate && o.label == n.label)
        {
            Some(o) => metrics.push(change(
                name,
                (o.value, o.interval),
                (n.value, n.interval),
                !lower_is_better(&n.metric),
            )),
            None => unmatched.push(format!("{name}: new only")),
        }
    }
    for o in &old.metrics {
        if !new
            .metrics
            .iter()
            .any(|n| n.gate == o.gate && n.label == o.label)
        {
            unmatched.push(format!("{}: {}: old only", o.gate, o.label));
        }
    }
    for n in &new.branches {
        let same = |o: &&crate::results::BranchResult| {
            o.model == n.model && o.dataset == n.dataset && o.label == n.label
        };
        if let Some(o) = old.branches.iter().find(same) {
            metrics.push(change(
                format!("accuracy {} on {} under {}", n.model, n.dataset, n.label),
                (o.accuracy, o.interval),
                (n.accuracy, n.interval),
                true,
            ));
        }
    }
    let mut gates = Vec::new();
    for n in &new.gates {
        let old_passed = old
            .gates
            .iter()
            .find(|o| o.name == n.name)
            .map(|o| o.passed);
        if old_passed != Some(n.passed) {
            gates.push(GateChange {
                name: n.name.clone(),
                old: old_passed,
                new: Some(n.passed),
            });
        }
    }
    for o in &old.gates {
        if !new.gates.iter().any(|n| n.name == o.name) {
            gates.push(GateChange {
                name: o.name.clone(),
                old: Some(o.passed),
                new: None,
            });
        }
    }
    ResultsDiff {
        metrics,
        gates,
        unmatched,
        tolerance,
    }
}

fn change(
    name: String,
    (old, old_interval): (f64, Option<Interval>),
    (new, new_interval): (f64, Option<Interval>),
    higher_is_better: bool,
) -> MetricChange {
    MetricChange {
        name,
        old,
        new,
        interval: old_interval
            .zip(new_interval)
            .map(|(o, n)| newcombe(old, o, new, n)),
        higher_is_better,
    }
}

/// Newcombe's square-and-add interval of `new − old` from the two estimates' intervals.
pub fn newcombe(old: f64, o: Interval, new: f64, n: Interval) -> (f64, f64) {
    let d = new - old;
    let low = d - ((new - n.low).powi(2) + (o.high - old).powi(2)).sqrt();
    let high = d + ((n.high - new).powi(2) + (old - o.low).powi(2)).sqrt();
    (low, high)
}

/// Whether a smaller value of the built-in metric `name` is better, as its registry entry says.
fn lower_is_better(name: &str) -> bool {
    crate::registry::metric(name).is_some_and(|m| m.lower_is_better())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wilson(successes: f64, n: f64) -> (f64, Interval) {
        // The Wilson score interval at 95% (z = 1.959964).
        let z: f64 = 1.959_963_984_540_054;
        let p = successes / n;
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        let interval = Interval {
            low: centre - half,
            high: centre + half,
            level: 0.95,
        };
        (p, interval)
    }

    #[test]
    fn newcombe_matches_the_worked_example_of_the_paper() {
        // Newcombe (1998), Table II, example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
        let (p1, i1) = wilson(56.0, 70.0);
        let (p2, i2) = wilson(48.0, 80.0);
        let (low, high) = newcombe(p2, i2, p1, i1);
        assert!((low - 0.0524).abs() < 5e-5, "{low}");
        assert!((high - 0.3339).abs() < 5e-5, "{high}");
    }
}
