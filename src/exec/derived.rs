//! Metrics computed from the estimates of other branches: the corruption errors of Hendrycks &
//! Dietterich (`ce`, `mce`, `relative_mce`, normalised by a baseline model) and the area under an
//! accuracy-versus-strength curve (`auc`). The formulas are in `metric::{ce, relative_ce,
//! mean_ce, auc}`, and the registry names which metric is which ([`Derived`]); this module picks
//! the branches they read.

use crate::check::{MetricCall, ModelId, Spec, Target, Value};
use crate::metric::{self, Accuracy, Derived, ErrorRate, Estimate, MetricError, MetricState};
use crate::plan::Branch;

/// The estimate of a metric (a fresh accumulator of it) on one branch of a model, on the call's
/// dataset.
pub(super) type BranchEstimate<'a> =
    &'a dyn Fn(ModelId, Branch, MetricState) -> Result<Estimate, MetricError>;

/// Computes `derived` for `call` from the branch estimates `of` gives.
pub(super) fn estimate(
    derived: Derived,
    spec: &Spec,
    call: &MetricCall,
    of: BranchEstimate<'_>,
) -> Result<Estimate, MetricError> {
    let sweeps = sweeps(call)?;
    match derived {
        Derived::Auc => {
            let [(perturbation, members)] = sweeps.as_slice() else {
                return Err(derived_error("`auc` reads the members of one sweep"));
            };
            let declared = &spec.perturbations[*perturbation];
            let [axis] = declared.axes.as_slice() else {
                return Err(derived_error(&format!(
                    "`auc` needs `{}` swept over exactly one parameter",
                    declared.name
                )));
            };
            let points = members
                .iter()
                .map(|&member| {
                    let strength = declared.members[member]
                        .params
                        .get(&axis.param)
                        .and_then(Value::as_f64)
                        .ok_or_else(|| {
                            derived_error(&format!("`{}` is not a number", axis.param))
                        })?;
                    let branch = Branch::Member {
                        perturbation: *perturbation,
                        member,
                    };
                    Ok((
                        strength,
                        of(call.model, branch, MetricState::new(Accuracy::default()))?,
                    ))
                })
                .collect::<Result<Vec<_>, MetricError>>()?;
            metric::auc(&points)
        }
        Derived::Ce | Derived::Mce | Derived::RelativeMce => {
            let Some(Value::Model(baseline)) = call.params.get("baseline") else {
                return Err(derived_error("a corruption error needs a `baseline` model"));
            };
            if derived == Derived::Ce && sweeps.len() != 1 {
                return Err(derived_error(
                    "`ce` reads one corruption; `mce` averages several",
                ));
            }
            let errors = |model: ModelId, perturbation: usize, members: &[usize]| {
                members
                    .iter()
                    .map(|&member| {
                        let branch = Branch::Member {
                            perturbation,
                            member,
                        };
                        of(model, branch, MetricState::new(ErrorRate::default()))
                    })
                    .collect::<Result<Vec<_>, _>>()
            };
            // The clean errors the relative corruption error subtracts, once for every corruption.
            let clean = match derived {
                Derived::RelativeMce => Some((
                    of(
                        call.model,
                        Branch::Clean,
                        MetricState::new(ErrorRate::default()),
                    )?,
                    of(
                        *baseline,
                        Branch::Clean,
                        MetricState::new(ErrorRate::default()),
                    )?,
                )),
                _ => None,
            };
            let per_corruption = sweeps
                .iter()
                .map(|(perturbation, members)| {
                    let model = errors(call.model, *perturbation, members)?;
                    let base = errors(*baseline, *perturbation, members)?;
                    match &clean {
                        Some((model_clean, base_clean)) => {
                            metric::relative_ce(model_clean, &model, base_clean, &base)
                        }
                        None => metric::ce(&model, &base),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            match derived {
                Derived::Ce => Ok(per_corruption[0]),
                _ => metric::mean_ce(&per_corruption),
            }
        }
    }
}

/// The perturbations a call targets, each with its members in sweep order; `clean` has no place
/// among them.
fn sweeps(call: &MetricCall) -> Result<Vec<(usize, Vec<usize>)>, MetricError> {
    call.targets
        .iter()
        .map(|target| match target {
            Target::Clean => Err(derived_error(&format!(
                "`{}` reads perturbed branches, not `clean`",
                call.schema.name
            ))),
            Target::Members {
                perturbation,
                members,
            } => Ok((*perturbation, members.clone())),
        })
        .collect()
}

fn derived_error(problem: &str) -> MetricError {
    MetricError::Derived(problem.to_string())
}
