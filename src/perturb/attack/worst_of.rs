//! The worst case over several attacks, with AutoAttack's accounting (Croce & Hein, ICML 2020,
//! `autoattack/autoattack.py` `run_standard_evaluation`): a sample is robust only if it survives
//! every attack, and each attack runs only on the samples still robust.

use crate::data::Batch;
use crate::perturb::apply::check_batch;
use crate::perturb::{Context, PerturbError, Perturbation};

use super::loss::predicted;
use super::setup::{check_logits, gather};

/// A cascade of attacks: the samples the model classifies correctly when clean are attacked by
/// the first member; those it still classifies correctly by the second; and so on. Each sample
/// keeps the first adversarial example found (a misclassified input); a sample no member fools
/// keeps the last member's output, and one misclassified when clean stays clean. Member i draws
/// from its own key, derived from the node's.
pub struct WorstOf {
    members: Vec<Box<dyn Perturbation>>,
}

impl WorstOf {
    /// The cascade of `members`, in order.
    pub fn new(members: Vec<Box<dyn Perturbation>>) -> Self {
        WorstOf { members }
    }
}

impl Perturbation for WorstOf {
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError> {
        let model = ctx
            .model
            .ok_or(PerturbError::ModelRequired { perturbation: NAME })?;
        check_batch(batch)?;
        let size = batch.sample_size();
        if batch.is_empty() || size == 0 {
            return Ok(());
        }
        let classes = model.classes();
        let robust = |inputs: &[f32], labels: &[u32]| -> Result<Vec<bool>, PerturbError> {
            let logits = model.forward(inputs, labels.len())?;
            check_logits(&logits, labels.len(), classes)?;
            Ok(logits
                .chunks(classes)
                .zip(labels)
                .map(|(row, &label)| predicted(row) == label as usize)
                .collect())
        };
        let clean = robust(&batch.inputs, &batch.labels)?;
        let mut remaining: Vec<usize> = (0..batch.len()).filter(|&s| clean[s]).collect();
        for (i, member) in self.members.iter().enumerate() {
            if remaining.is_empty() {
                break;
            }
            let mut part = Batch {
                sample_shape: batch.sample_shape.clone(),
                inputs: gather(&batch.inputs, size, &remaining),
                labels: remaining.iter().map(|&s| batch.labels[s]).collect(),
                indices: remaining.iter().map(|&s| batch.indices[s]).collect(),
            };
            let member_ctx = Context {
                seed: member_seed(&ctx.seed, i),
                ..*ctx
            };
            member.apply(&mut part, &member_ctx)?;
            let survived = robust(&part.inputs, &part.labels)?;
            let last = i + 1 == self.members.len();
            let mut still = Vec::with_capacity(remaining.len());
            for (k, &s) in remaining.iter().enumerate() {
                if !survived[k] || last {
                    batch.inputs[s * size..(s + 1) * size]
                        .copy_from_slice(&part.inputs[k * size..(k + 1) * size]);
                }
                if survived[k] {
                    still.push(s);
                }
            }
            remaining = still;
        }
        Ok(())
    }
}

const NAME: &str = "worst_of";

/// The key of member `index`'s draws: blake3 in key-derivation mode (context
/// `"rbench 2026 ensemble member seed"`) of the node's key and the index (8 bytes, little-endian).
fn member_seed(seed: &[u8; 32], index: usize) -> [u8; 32] {
    let mut material = [0u8; 40];
    material[..32].copy_from_slice(seed);
    material[32..].copy_from_slice(&(index as u64).to_le_bytes());
    blake3::derive_key("rbench 2026 ensemble member seed", &material)
}
