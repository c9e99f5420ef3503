//! Progress of `rbench run` on standard error: bars with an ETA on a terminal (one for the
//! whole plan, one per inference while it streams), one line per finished node otherwise.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rbench::exec::Observer;
use rbench::plan::{Node, NodeId};

use super::render::Console;

/// One line per finished node: what it was and how long it took.
pub struct Lines<'c> {
    pub console: &'c Console,
}

impl Observer for Lines<'_> {
    fn started(&self, _: &Node, _: usize) {}

    fn advanced(&self, _: &Node, _: usize) {}

    fn finished(&self, node: &Node, elapsed: Duration, cached: bool) {
        let state = if cached { "cached" } else { "done" };
        self.console.eprint(&format!(
            "{state:<6}{:<12} {} ({:.2} s)\n",
            node.kind.word(),
            node.label,
            elapsed.as_secs_f64()
        ));
    }
}

/// Bars on a terminal: the plan's nodes overall (drawn once the plan is known), and the samples
/// of each running inference.
pub struct Bars {
    bars: MultiProgress,
    overall: OnceLock<ProgressBar>,
    running: Mutex<HashMap<NodeId, ProgressBar>>,
}

impl Bars {
    /// Bars drawn on standard error.
    pub fn new() -> Bars {
        Bars {
            bars: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            overall: OnceLock::new(),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Clears the bars (before the summary is printed).
    pub fn finish(&self) {
        if let Some(overall) = self.overall.get() {
            overall.finish_and_clear();
        }
        let _ = self.bars.clear();
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<NodeId, ProgressBar>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Observer for Bars {
    fn planned(&self, nodes: usize) {
        self.overall.get_or_init(|| {
            let overall = self.bars.add(ProgressBar::new(nodes as u64));
            overall.set_style(style(
                "{elapsed_precise} [{bar:30}] {pos}/{len} nodes, ETA {eta}",
            ));
            overall
        });
    }

    fn started(&self, node: &Node, samples: usize) {
        let bar = self.bars.add(ProgressBar::new(samples as u64));
        bar.set_style(style(
            "  [{bar:30}] {pos}/{len} samples, {per_sec}, ETA {eta}  {msg}",
        ));
        bar.set_message(node.label.clone());
        self.running().insert(node.id, bar);
    }

    fn advanced(&self, node: &Node, samples: usize) {
        if let Some(bar) = self.running().get(&node.id) {
            bar.inc(samples as u64);
        }
    }

    fn finished(&self, node: &Node, _: Duration, _: bool) {
        if let Some(bar) = self.running().remove(&node.id) {
            bar.finish_and_clear();
            self.bars.remove(&bar);
        }
        if let Some(overall) = self.overall.get() {
            overall.inc(1);
        }
    }
}

/// A bar style; the templates are constants, so a parse failure falls back to the default.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
