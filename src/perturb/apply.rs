//! The interface every perturbation implements, the context it runs in, and per-sample seeding.
//!
//! Determinism: a perturbation node gets one 32-byte key ([`node_seed`]); sample `i` draws from
//! the ChaCha8 stream number `i` under that key ([`sample_rng`]). A sample's draws therefore depend
//! on the key and its dataset index alone, never on the batch it came in, the thread that ran it or
//! the samples before it.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::data::Batch;
use crate::model::{ModelError, Network};

/// A perturbation of inputs: noise, a corruption, a transform or an attack.
pub trait Perturbation: Send + Sync {
    /// Perturbs every sample of `batch` in place, clipping to `ctx.range`. A sample's result
    /// depends only on its values, its label, its index, the context's seed and the model.
    fn apply(&self, batch: &mut Batch, ctx: &Context<'_>) -> Result<(), PerturbError>;
}

/// What a perturbation runs with besides the batch.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The data set's valid input range `[lo, hi]`: outputs are clipped to it, and noise strengths
    /// are fractions of its width.
    pub range: (f32, f32),
    /// The key of the node's random draws, from [`node_seed`].
    pub seed: [u8; 32],
    /// The model attacked, for white-box attacks.
    pub model: Option<&'a dyn Network>,
    /// The names of a sample's values (a table's feature columns), where the data has them; attacks
    /// resolve `immutable` features by name with them.
    pub feature_names: Option<&'a [String]>,
}

impl Context<'_> {
    /// The range, checked: finite ends with `lo < hi`.
    pub(crate) fn checked_range(&self) -> Result<(f32, f32), PerturbError> {
        let (lo, hi) = self.range;
        if lo.is_finite() && hi.is_finite() && lo < hi {
            Ok((lo, hi))
        } else {
            Err(PerturbError::Range { lo, hi })
        }
    }
}

/// Why a perturbation could not be applied.
#[derive(Debug, Error)]
pub enum PerturbError {
    /// A white-box attack ran without a model.
    #[error("`{perturbation}` needs the model it attacks, and none was given")]
    ModelRequired { perturbation: &'static str },
    /// The model failed to compute logits or an input gradient.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A parameter is out of its domain (or has no meaning for the data).
    #[error("`{perturbation}`: {problem}")]
    Parameter {
        perturbation: &'static str,
        problem: String,
    },
    /// The valid input range is empty, reversed or not finite.
    #[error("the valid input range [{lo}, {hi}] must have finite ends with lo < hi")]
    Range { lo: f32, hi: f32 },
    /// The batch's inputs, labels and indices do not have matching lengths.
    #[error("inconsistent batch: {0}")]
    Batch(String),
    /// The model returned an input gradient of the wrong length or with non-finite values.
    #[error("the model's input gradient {0}")]
    Gradient(String),
}

/// The key of a perturbation node's draws: blake3 (in key-derivation mode, context
/// `"rbench 2026 perturbation seed"`) of the spec seed (8 bytes, little-endian) followed by the
/// node's identity. Two nodes, or two spec seeds, draw independent values.
pub fn node_seed(spec_seed: u64, node: &[u8; 32]) -> [u8; 32] {
    let mut material = [0u8; 40];
    material[..8].copy_from_slice(&spec_seed.to_le_bytes());
    material[8..].copy_from_slice(node);
    blake3::derive_key("rbench 2026 perturbation seed", &material)
}

/// The generator of the sample at dataset index `index`: ChaCha8 keyed by `seed`, on stream
/// number `index` (the 64-bit nonce), from word 0. Streams of one key never overlap.
pub fn sample_rng(seed: &[u8; 32], index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(*seed);
    rng.set_stream(index);
    rng
}

/// Each sample of a checked batch: its dataset index and its values, mutable.
pub(crate) fn samples_mut(
    batch: &mut Batch,
) -> Result<impl Iterator<Item = (u64, &mut [f32])>, PerturbError> {
    check_batch(batch)?;
    let size = batch.sample_size().max(1);
    Ok(batch
        .indices
        .iter()
        .copied()
        .zip(batch.inputs.chunks_mut(size)))
}

/// Checks that inputs, labels and indices describe the same number of samples.
pub(crate) fn check_batch(batch: &Batch) -> Result<(), PerturbError> {
    let n = batch.len();
    if batch.indices.len() != n {
        return Err(PerturbError::Batch(format!(
            "{} labels but {} indices",
            n,
            batch.indices.len()
        )));
    }
    if batch.inputs.len() != n * batch.sample_size() {
        return Err(PerturbError::Batch(format!(
            "{} values for {} samples of shape {:?}",
            batch.inputs.len(),
            n,
            batch.sample_shape
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::Rng;

    #[test]
    fn streams_differ_by_index_and_repeat_by_seed() {
        let seed = node_seed(7, &[3; 32]);
        let first: Vec<u64> = (0..4).map(|_| sample_rng(&seed, 5).next_u64()).collect();
        assert!(first.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            sample_rng(&seed, 5).next_u64(),
            sample_rng(&seed, 6).next_u64()
        );
        assert_ne!(node_seed(7, &[3; 32]), node_seed(8, &[3; 32]));
        assert_ne!(node_seed(7, &[3; 32]), node_seed(7, &[4; 32]));
    }

    #[test]
    fn ranges_and_batches_are_checked() {
        let ctx = |range| Context {
            range,
            seed: [0; 32],
            model: None,
            feature_names: None,
        };
        assert!(ctx((0.0, 1.0)).checked_range().is_ok());
        assert!(ctx((1.0, 1.0)).checked_range().is_err());
        assert!(ctx((0.0, f32::NAN)).checked_range().is_err());
        let batch = Batch {
            sample_shape: vec![2],
            inputs: vec![0.0; 3],
            labels: vec![0, 1],
            indices: vec![0, 1],
        };
        assert!(matches!(check_batch(&batch), Err(PerturbError::Batch(_))));
    }
}
