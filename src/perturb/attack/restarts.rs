//! Restarts and their accounting: each restart attacks only the samples no earlier restart
//! fooled, and a sample keeps the first adversarial example found, else its best attempt.

use crate::data::Batch;
use crate::perturb::PerturbError;

use super::loss::Objective;
use super::setup::{gather, Setup};

/// One restart's samples: their positions in the batch, clean values, and current values.
pub(super) struct Restart {
    /// Positions in the batch of the samples attacked.
    pub(super) active: Vec<usize>,
    /// Their clean values, one sample after another.
    pub(super) clean: Vec<f32>,
    /// Their values, starting clean; the attack leaves its result here.
    pub(super) inputs: Vec<f32>,
    /// The logits at the result, when the attack already has them (else one more forward pass
    /// computes them).
    pub(super) logits: Option<Vec<f32>>,
}

/// Runs `attack` up to `restarts` times and writes each sample's result into `batch`. Restart r
/// attacks the samples that restarts 1..r−1 did not fool (misclassify), continuing each sample's
/// stream of draws. A sample's output is the first restart's result that fools the model; if none
/// does, the result with the highest objective (the first of equals). So a sample is robust only
/// if it survives every restart, restart 1 alone is exactly a run with `restarts = 1`, and more
/// restarts never make a sample more robust.
pub(super) fn run_restarts(
    setup: &mut Setup<'_>,
    batch: &mut Batch,
    restarts: usize,
    objective: Objective,
    mut attack: impl FnMut(&mut Setup<'_>, &mut Restart) -> Result<(), PerturbError>,
) -> Result<(), PerturbError> {
    let size = setup.size;
    let classes = setup.classes;
    let n = batch.len();
    let mut fooled = vec![false; n];
    let mut best: Vec<Option<f64>> = vec![None; n];
    let mut output = batch.inputs.clone();
    for _ in 0..restarts {
        let active: Vec<usize> = (0..n).filter(|&s| !fooled[s]).collect();
        if active.is_empty() {
            break;
        }
        let clean = gather(&batch.inputs, size, &active);
        let mut restart = Restart {
            inputs: clean.clone(),
            clean,
            active,
            logits: None,
        };
        attack(setup, &mut restart)?;
        let logits = match restart.logits.take() {
            Some(logits) => logits,
            None => setup.logits(&restart.inputs, &restart.active)?,
        };
        for (k, &s) in restart.active.iter().enumerate() {
            let row = &logits[k * classes..(k + 1) * classes];
            let (value, _) = objective.value_and_gradient(row, setup.labels[s], setup.targets[s]);
            fooled[s] = setup.fooled(s, row);
            if fooled[s] || best[s].is_none_or(|b| value > b) {
                best[s] = Some(value);
                output[s * size..(s + 1) * size]
                    .copy_from_slice(&restart.inputs[k * size..(k + 1) * size]);
            }
        }
    }
    batch.inputs = output;
    Ok(())
}
