//! Framework coverage: for every control of every framework a spec maps to (all 72 AI RMF
//! subcategories for `nist_ai_rmf`), whether gates evidence it and whether they passed, with a
//! summary per group (the AI RMF functions) of what is evidenced and what fails.

use crate::results::RunResults;

/// The coverage of every framework of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub frameworks: Vec<FrameworkCoverage>,
}

/// The coverage of one framework.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameworkCoverage {
    pub name: String,
    pub title: String,
    /// Every control, in document order.
    pub controls: Vec<CoveredControl>,
    /// Per group, in order of first appearance (one group `""` for ungrouped controls).
    pub groups: Vec<GroupSummary>,
}

/// One control and the gates that evidence it.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredControl {
    pub id: String,
    pub group: Option<String>,
    pub text: String,
    /// The gates mapped to it (empty: not evidenced).
    pub gates: Vec<String>,
    /// Whether every mapped gate passed; `None` when no gate is mapped.
    pub satisfied: Option<bool>,
}

/// How many controls of a group are evidenced, and which fail.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    pub group: String,
    pub controls: usize,
    pub evidenced: usize,
    /// The ids of evidenced controls whose gates did not all pass.
    pub failing: Vec<String>,
}

impl CoveredControl {
    /// `satisfied`, `not satisfied` or `not evidenced`.
    pub fn status(&self) -> &'static str {
        match self.satisfied {
            Some(true) => "satisfied",
            Some(false) => "not satisfied",
            None => "not evidenced",
        }
    }
}

impl Coverage {
    /// The coverage of the frameworks recorded in `results`.
    pub fn of(results: &RunResults) -> Coverage {
        let frameworks = results
            .frameworks
            .iter()
            .map(|framework| {
                let controls: Vec<CoveredControl> = framework
                    .controls
                    .iter()
                    .map(|control| {
                        let mapping = results
                            .mappings
                            .iter()
                            .find(|m| m.framework == framework.name && m.control == control.id);
                        CoveredControl {
                            id: control.id.clone(),
                            group: control.group.clone(),
                            text: control.text.clone(),
                            gates: mapping.map(|m| m.gates.clone()).unwrap_or_default(),
                            satisfied: mapping.map(|m| m.satisfied),
                        }
                    })
                    .collect();
                FrameworkCoverage {
                    name: framework.name.clone(),
                    title: framework.title.clone(),
                    groups: summarise(&controls),
                    controls,
                }
            })
            .collect();
        Coverage { frameworks }
    }
}

fn summarise(controls: &[CoveredControl]) -> Vec<GroupSummary> {
    let mut groups: Vec<GroupSummary> = Vec::new();
    for control in controls {
        let group = control.group.clone().unwrap_or_default();
        let index = match groups.iter().position(|g| g.group == group) {
            Some(index) => index,
            None => {
                groups.push(GroupSummary {
                    group,
                    controls: 0,
                    evidenced: 0,
                    failing: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let summary = &mut groups[index];
        summary.controls += 1;
        if control.satisfied.is_some() {
            summary.evidenced += 1;
        }
        if control.satisfied == Some(false) {
            summary.failing.push(control.id.clone());
        }
    }
    groups
}
