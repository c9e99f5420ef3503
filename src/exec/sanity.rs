//! Sanity flags on attack results, as RobustBench and AutoAttack report them: figures that
//! signal gradient masking or a weak attack rather than robustness. Each flag names the branches
//! it concerns; a flag is a warning, never a failed gate.
//!
//! - `accuracy-rises-with-eps`: an attack swept over its budget leaves more samples robust at a
//!   larger ε than at a smaller one, which a working attack never does on the same samples
//!   (the larger ball contains the smaller).
//! - `black-box-stronger`: a black-box attack (scores only) leaves fewer samples robust than a
//!   white-box attack (gradients) at the same budget and norm: the gradients are likely masked.
//! - `zero-gradients`: some input gradients an attack evaluated were identically zero (AutoAttack's
//!   `check_zero_gradients`): the loss is flat there, so a gradient attack cannot move those
//!   samples and their robustness may be overstated.
//! - `non-finite-gradients`: some input gradients held NaN or infinite values; the attack used
//!   zero in their place.
//!
//! The gradient counts travel with each cache entry, so a run read from the cache flags what the
//! run that computed it did.

use crate::check::{Spec, Value};
use crate::plan::Branch;
use crate::results::SanityFlag;
use crate::schema::{Family, Kind};

use super::counted::GradientCounts;
use super::BranchOutcome;

/// An attacked branch, as the checks see it.
#[derive(Debug, Clone, PartialEq)]
struct Attacked {
    model: String,
    dataset: String,
    perturbation: String,
    label: String,
    black_box: bool,
    /// Whether ε is the only swept parameter of its perturbation.
    swept_eps_only: bool,
    eps: f64,
    norm: String,
    accuracy: f64,
}

/// The flags of a run's branches.
pub(super) fn flags(spec: &Spec, branches: &[BranchOutcome]) -> Vec<SanityFlag> {
    let attacked: Vec<Attacked> = branches
        .iter()
        .filter_map(|outcome| {
            let Branch::Member {
                perturbation,
                member,
            } = outcome.branch
            else {
                return None;
            };
            let declared = &spec.perturbations[perturbation];
            let black_box = match declared.schema.kind {
                Kind::Perturbation(Family::GradientAttack) => false,
                Kind::Perturbation(Family::BlackBoxAttack) => true,
                _ => return None,
            };
            let params = &declared.members[member].params;
            Some(Attacked {
                model: spec.models[outcome.model].name.clone(),
                dataset: spec.datasets[outcome.dataset].name.clone(),
                perturbation: declared.name.clone(),
                label: declared.members[member].label.clone(),
                black_box,
                swept_eps_only: matches!(declared.axes.as_slice(), [axis] if axis.param == "eps"),
                eps: params.get("eps").and_then(Value::as_f64)?,
                norm: match params.get("norm") {
                    Some(Value::Word(norm)) => norm.clone(),
                    _ => "linf".to_string(),
                },
                accuracy: outcome.accuracy.value,
            })
        })
        .collect();
    let mut found = rising_with_eps(&attacked);
    found.extend(black_box_stronger(&attacked));
    for outcome in branches {
        let Branch::Member {
            perturbation,
            member,
        } = outcome.branch
        else {
            continue;
        };
        let declared = &spec.perturbations[perturbation];
        found.extend(gradient_flags(
            &spec.models[outcome.model].name,
            &spec.datasets[outcome.dataset].name,
            &declared.members[member].label,
            outcome.gradients,
        ));
    }
    found
}

/// The flags of one branch's input gradients.
fn gradient_flags(
    model: &str,
    dataset: &str,
    label: &str,
    counts: GradientCounts,
) -> Vec<SanityFlag> {
    let share = |k: u64| format!("{k} of {} ({:.2}%)", counts.evaluated, percent(k, counts));
    let flag = |check: &str, message: String| SanityFlag {
        check: check.into(),
        model: model.into(),
        dataset: dataset.into(),
        branches: vec![label.into()],
        message,
    };
    let mut found = Vec::new();
    if counts.zero > 0 {
        found.push(flag(
            "zero-gradients",
            format!(
                "{} input gradients evaluated under `{label}` were identically zero: the loss \
                 is flat at those inputs (a saturated softmax, dead units, a non-differentiable \
                 layer), so a gradient attack cannot move them and robust accuracy may be \
                 overstated",
                share(counts.zero)
            ),
        ));
    }
    if counts.non_finite > 0 {
        found.push(flag(
            "non-finite-gradients",
            format!(
                "{} input gradients evaluated under `{label}` held NaN or infinite values, which \
                 the attack replaced by zero: the model's gradient is broken at those inputs",
                share(counts.non_finite)
            ),
        ));
    }
    found
}

fn percent(k: u64, counts: GradientCounts) -> f64 {
    100.0 * k as f64 / counts.evaluated.max(1) as f64
}

fn rising_with_eps(attacked: &[Attacked]) -> Vec<SanityFlag> {
    let mut found = Vec::new();
    let mut sweeps: Vec<&Attacked> = attacked.iter().filter(|a| a.swept_eps_only).collect();
    sweeps.sort_by(|a, b| {
        (&a.model, &a.dataset, &a.perturbation)
            .cmp(&(&b.model, &b.dataset, &b.perturbation))
            .then(a.eps.total_cmp(&b.eps))
    });
    for pair in sweeps.windows(2) {
        let (small, large) = (pair[0], pair[1]);
        let same = (&small.model, &small.dataset, &small.perturbation)
            == (&large.model, &large.dataset, &large.perturbation);
        if same && large.accuracy > small.accuracy {
            found.push(SanityFlag {
                check: "accuracy-rises-with-eps".into(),
                model: small.model.clone(),
                dataset: small.dataset.clone(),
                branches: vec![small.label.clone(), large.label.clone()],
                message: format!(
                    "accuracy rises from {:.4} under `{}` to {:.4} under `{}`: a larger budget \
                     should never leave more samples robust; the attack may be too weak or the \
                     gradients masked",
                    small.accuracy, small.label, large.accuracy, large.label
                ),
            });
        }
    }
    found
}

fn black_box_stronger(attacked: &[Attacked]) -> Vec<SanityFlag> {
    let mut found = Vec::new();
    for black in attacked.iter().filter(|a| a.black_box) {
        let white = attacked.iter().filter(|w| {
            !w.black_box
                && w.model == black.model
                && w.dataset == black.dataset
                && w.norm == black.norm
                && (w.eps - black.eps).abs() <= 1e-12 * black.eps.abs().max(1.0)
        });
        if let Some(strongest) = white.min_by(|a, b| a.accuracy.total_cmp(&b.accuracy)) {
            if black.accuracy < strongest.accuracy {
                found.push(SanityFlag {
                    check: "black-box-stronger".into(),
                    model: black.model.clone(),
                    dataset: black.dataset.clone(),
                    branches: vec![black.label.clone(), strongest.label.clone()],
                    message: format!(
                        "the black-box `{}` leaves {:.4} robust, fewer than the white-box `{}` \
                         ({:.4}) at the same budget: the gradients may be masked",
                        black.label, black.accuracy, strongest.label, strongest.accuracy
                    ),
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attacked(perturbation: &str, black_box: bool, eps: f64, accuracy: f64) -> Attacked {
        Attacked {
            model: "m".into(),
            dataset: "d".into(),
            perturbation: perturbation.into(),
            label: format!("{perturbation}[eps = {eps}]"),
            black_box,
            swept_eps_only: true,
            eps,
            norm: "linf".into(),
            accuracy,
        }
    }

    #[test]
    fn a_rise_with_the_budget_is_flagged_and_a_fall_is_not() {
        let falling = [
            attacked("pgd", false, 0.1, 0.5),
            attacked("pgd", false, 0.05, 0.7),
            attacked("fgsm", false, 0.05, 0.6),
            attacked("fgsm", false, 0.1, 0.65),
        ];
        let flags = rising_with_eps(&falling);
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert_eq!(flags[0].branches, ["fgsm[eps = 0.05]", "fgsm[eps = 0.1]"]);
        assert_eq!(flags[0].check, "accuracy-rises-with-eps");
    }

    #[test]
    fn a_black_box_attack_beating_the_white_box_ones_at_the_same_budget_is_flagged() {
        let runs = [
            attacked("pgd", false, 0.1, 0.40),
            attacked("fgsm", false, 0.1, 0.55),
            attacked("square", true, 0.1, 0.35),
            // Another budget is not compared.
            attacked("square", true, 0.2, 0.10),
        ];
        let flags = black_box_stronger(&runs);
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert_eq!(flags[0].branches, ["square[eps = 0.1]", "pgd[eps = 0.1]"]);
        let weaker = [
            attacked("pgd", false, 0.1, 0.30),
            attacked("square", true, 0.1, 0.35),
        ];
        assert!(black_box_stronger(&weaker).is_empty());
    }

    #[test]
    fn zero_and_non_finite_gradients_are_flagged_with_their_share() {
        let counts = |zero, non_finite| GradientCounts {
            evaluated: 400,
            zero,
            non_finite,
        };
        assert!(gradient_flags("m", "d", "pgd", counts(0, 0)).is_empty());
        let flags = gradient_flags("m", "d", "pgd[eps = 0.1]", counts(3, 1));
        let checks: Vec<&str> = flags.iter().map(|f| f.check.as_str()).collect();
        assert_eq!(checks, ["zero-gradients", "non-finite-gradients"]);
        assert!(flags[0]
            .message
            .starts_with("3 of 400 (0.75%) input gradients"));
        assert!(flags[1]
            .message
            .starts_with("1 of 400 (0.25%) input gradients"));
        assert_eq!(flags[1].branches, ["pgd[eps = 0.1]"]);
    }
}
