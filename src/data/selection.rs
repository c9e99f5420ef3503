//! Which samples of a source a dataset uses, and how they are checked.
//!
//! A seeded shuffle permutes all samples first, then `offset` samples are skipped, then at most
//! `limit` are kept. Positions `0..len` number the kept samples; `index(position)` is the
//! sample's place in the files.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A dataset's declared checks and subset: what `open` needs besides the files.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Labels must lie in `0..classes`.
    pub classes: u32,
    /// The valid input range `[low, high]`: every value must lie in it (after the `uint8` rule,
    /// see the module documentation of `data::source`).
    pub range: (f32, f32),
    /// Keep at most this many samples.
    pub limit: Option<u64>,
    /// Skip this many samples first.
    pub offset: u64,
    /// Shuffle all samples with this seed before `offset` and `limit` apply.
    pub shuffle_seed: Option<u64>,
}

impl Selection {
    /// Every sample, in file order, with `classes` classes and values in `range`.
    pub fn all(classes: u32, range: (f32, f32)) -> Self {
        Selection {
            classes,
            range,
            limit: None,
            offset: 0,
            shuffle_seed: None,
        }
    }
}

impl Selection {
    /// The rows of the files the selection can read, counted from the first: `offset + limit`,
    /// or every row (`None`) when there is no limit or a shuffle draws from all of them.
    pub(crate) fn rows_read(&self) -> Option<u64> {
        match (self.shuffle_seed, self.limit) {
            (None, Some(limit)) => Some(self.offset.saturating_add(limit)),
            _ => None,
        }
    }
}

/// The most memory a run keeps for one dataset's selected samples: each kept sample's logits
/// (4 bytes a class), label (4 bytes) and perturbation size (16 bytes) on every branch, and a
/// shuffle's permutation of all samples (8 bytes a sample). A larger selection is refused at
/// `open`, before anything is read.
pub const MAX_SELECTION_BYTES: u64 = 2 << 30;

/// The samples a selection keeps out of `total`, by position.
#[derive(Debug, Clone)]
pub(crate) struct Positions {
    offset: u64,
    len: usize,
    /// The shuffled sample indices of the kept positions (8 bytes a kept sample); `None` when
    /// not shuffled, so position `p` is sample `offset + p`.
    shuffled: Option<Vec<u64>>,
}

impl Positions {
    /// The positions `selection` keeps out of `total` samples, or why none are.
    pub(crate) fn new(selection: &Selection, total: u64) -> Result<Self, String> {
        if total == 0 {
            return Err("the data holds no samples".into());
        }
        if selection.offset >= total {
            return Err(format!(
                "`offset = {}` skips every sample: the data holds {total}",
                selection.offset
            ));
        }
        let available = total - selection.offset;
        let len = selection
            .limit
            .map_or(available, |limit| limit.min(available));
        let per_sample = 4 * u64::from(selection.classes) + 24;
        if len.saturating_mul(per_sample) > MAX_SELECTION_BYTES {
            return Err(format!(
                "the selection keeps {len} samples, whose results ({per_sample} bytes a sample \
                 with {} classes) would take more than {MAX_SELECTION_BYTES} bytes of memory: \
                 set `limit` to at most {}",
                selection.classes,
                MAX_SELECTION_BYTES / per_sample
            ));
        }
        if selection.shuffle_seed.is_some() && total.saturating_mul(8) > MAX_SELECTION_BYTES {
            return Err(format!(
                "a shuffle of {total} samples would take more than {MAX_SELECTION_BYTES} bytes \
                 of memory: drop `shuffle`, and select with `offset` and `limit`"
            ));
        }
        let len = usize::try_from(len).map_err(|_| format!("{len} samples cannot be addressed"))?;
        let shuffled = selection.shuffle_seed.map(|seed| {
            let mut order = permutation(total, seed);
            let start = selection.offset as usize;
            order.drain(..start);
            order.truncate(len);
            order
        });
        Ok(Positions {
            offset: selection.offset,
            len,
            shuffled,
        })
    }

    /// How many samples are kept.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The index in the files of the sample at `position` (< `len()`).
    pub(crate) fn index(&self, position: usize) -> u64 {
        match &self.shuffled {
            Some(order) => order[position],
            None => self.offset + position as u64,
        }
    }
}

/// A uniformly random permutation of `0..total` drawn by Fisher–Yates from a ChaCha8 stream
/// keyed by `seed`. The draw is written out here (not taken from a library's `shuffle`) so that
/// a seed selects the same samples whatever the dependency versions.
fn permutation(total: u64, seed: u64) -> Vec<u64> {
    let key = blake3::derive_key("rbench 2026 dataset shuffle", &seed.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    let mut order: Vec<u64> = (0..total).collect();
    for i in (1..order.len()).rev() {
        let j = below(&mut rng, i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// A uniform draw from `0..n` (`n > 0`), by Lemire's multiply-and-reject method: unbiased.
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let threshold = n.wrapping_neg() % n;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(n);
        if product as u64 >= threshold {
            return (product >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(selection: &Selection, total: u64) -> Vec<u64> {
        let positions = Positions::new(selection, total).expect("valid");
        (0..positions.len()).map(|p| positions.index(p)).collect()
    }

    #[test]
    fn offset_and_limit_select_a_window() {
        let mut selection = Selection::all(2, (0.0, 1.0));
        assert_eq!(kept(&selection, 4), [0, 1, 2, 3]);
        selection.offset = 1;
        selection.limit = Some(2);
        assert_eq!(kept(&selection, 4), [1, 2]);
        selection.limit = Some(10);
        assert_eq!(kept(&selection, 4), [1, 2, 3]);
        selection.offset = 4;
        let error = Positions::new(&selection, 4).expect_err("nothing left");
        assert_eq!(error, "`offset = 4` skips every sample: the data holds 4");
    }

    #[test]
    fn a_shuffle_is_a_seeded_permutation_before_offset_and_limit() {
        let mut selection = Selection::all(2, (0.0, 1.0));
        selection.shuffle_seed = Some(7);
        let all = kept(&selection, 100);
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(all, sorted);
        assert_eq!(
            kept(&selection, 100),
            all,
            "the same seed gives the same order"
        );
        selection.offset = 10;
        selection.limit = Some(5);
        assert_eq!(kept(&selection, 100), all[10..15]);
        selection.shuffle_seed = Some(8);
        assert_ne!(kept(&selection, 100), all[10..15]);
    }

    #[test]
    fn a_selection_too_large_for_memory_is_refused() {
        let mut selection = Selection::all(10, (0.0, 1.0));
        let error = Positions::new(&selection, 64 << 20).expect_err("too many samples");
        assert!(error.contains("set `limit` to at most"), "{error}");
        selection.limit = Some(10);
        assert_eq!(kept(&selection, 64 << 20), (0..10).collect::<Vec<_>>());
        assert_eq!(selection.rows_read(), Some(10));
        selection.shuffle_seed = Some(1);
        assert_eq!(selection.rows_read(), None);
        let error = Positions::new(&selection, 1 << 30).expect_err("too large a shuffle");
        assert!(error.contains("drop `shuffle`"), "{error}");
    }

    #[test]
    fn draws_are_uniform_enough() {
        let mut rng = ChaCha8Rng::from_seed([1; 32]);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[below(&mut rng, 3) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
