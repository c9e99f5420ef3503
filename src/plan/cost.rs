//! Model work per sample: forward and input-gradient passes each perturbation needs (their
//! FLOPs are in `flops.rs`).
//!
//! Counts follow the published algorithms: FGSM one gradient; PGD and APGD one gradient per step
//! and restart; Carlini-Wagner one per optimisation step; Square one forward pass per query;
//! `worst_of` the sum of its parts (an upper bound: its cascade attacks only samples still robust).

use crate::check::{PerturbationId, Spec, Target, Value};
use crate::schema::{Family, Kind};

use super::node::Cost;

/// The cost per sample of member `member` of perturbation `p`.
pub fn perturbation_cost(spec: &Spec, p: PerturbationId, member: usize) -> Cost {
    let perturbation = &spec.perturbations[p];
    let m = &perturbation.members[member];
    let int = |name: &str| match m.params.get(name) {
        Some(Value::Int(i)) => u64::try_from(*i).unwrap_or(0),
        _ => 1,
    };
    let gradient = |steps: u64| Cost::new(steps, steps);
    match (perturbation.schema.kind, perturbation.schema.name) {
        (Kind::Perturbation(Family::GradientAttack), "fgsm") => gradient(1),
        (Kind::Perturbation(Family::GradientAttack), "pgd" | "apgd") => {
            gradient(int("steps") * int("restarts"))
        }
        (Kind::Perturbation(Family::GradientAttack), _) => gradient(int("steps")),
        (Kind::Perturbation(Family::BlackBoxAttack), _) => {
            Cost::new(int("queries") * int("restarts"), 0)
        }
        (Kind::Perturbation(Family::Ensemble), _) => m
            .parts
            .iter()
            .map(|part| match part {
                Target::Clean => Cost::default(),
                Target::Members {
                    perturbation,
                    members,
                } => members
                    .iter()
                    .map(|&k| perturbation_cost(spec, *perturbation, k))
                    .fold(Cost::default(), |a, b| a + b),
            })
            .fold(Cost::default(), |a, b| a + b),
        _ => Cost::default(),
    }
}
