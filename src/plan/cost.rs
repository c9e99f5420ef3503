//! Model work per sample: forward and input-gradient passes each perturbation needs (their
//! FLOPs are in `flops.rs`).
//!
//! Each perturbation's built-in counts its own passes (`PerturbationBuiltin::passes`), following
//! the published algorithms: FGSM one gradient; PGD and APGD one gradient per step and restart;
//! Carlini-Wagner one per optimisation step; Square one forward pass per query; `worst_of` the sum
//! of its parts (an upper bound: its cascade attacks only samples still robust).

use crate::check::{PerturbationId, Spec, Target};
use crate::perturb::Passes;
use crate::registry;

use super::node::Cost;

/// The cost per sample of member `member` of perturbation `p`: what its built-in counts, given
/// the costs of the member's parts (an ensemble's attacks).
pub fn perturbation_cost(spec: &Spec, p: PerturbationId, member: usize) -> Cost {
    let perturbation = &spec.perturbations[p];
    let m = &perturbation.members[member];
    let parts: Vec<Passes> = m
        .parts
        .iter()
        .flat_map(|part| match part {
            Target::Clean => Vec::new(),
            Target::Members {
                perturbation,
                members,
            } => members
                .iter()
                .map(|&k| {
                    let cost = perturbation_cost(spec, *perturbation, k);
                    Passes {
                        forward: cost.forward,
                        backward: cost.backward,
                    }
                })
                .collect(),
        })
        .collect();
    let passes = registry::perturbation(perturbation.schema.name)
        .map_or_else(Passes::default, |builtin| builtin.passes(&m.params, &parts));
    Cost::new(passes.forward, passes.backward)
}
