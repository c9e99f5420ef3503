//! The content-addressed cache of inference results.
//!
//! The key of an infer node is blake3 of its plan identity, the content hash of its dataset's
//! files and the hash of its model's file, so a changed spec, changed data or changed weights
//! miss. An entry is one file `<key hex>.logits` in a small binary format, integers and floats
//! little-endian:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `RBLOGITS` |
//! | 4 | format version (3) |
//! | 32 | the key the entry was written under |
//! | 4 | classes |
//! | 8 | samples `n` |
//! | 1 | 1 when the branch is perturbed (sizes follow), 0 for the clean branch |
//! | 3 × 8 | gradient rows evaluated, identically zero, not finite (`u64`) |
//! | 4·n·classes | the logits, `f32`, row-major by sample position |
//! | 4·n | the labels, `u32` |
//! | 16·n, if perturbed | each sample's perturbation size: L∞ then L2, `f64` |
//! | 32 | blake3 of every byte before |
//!
//! What an entry holds is everything the metrics and sanity flags read, so a run from the cache
//! reports exactly what the run that filled it did. The checksum covers the header, key
//! included, and the body, so an entry is bound to its key: one copied or renamed under another
//! key (two entries swapped, an entry planted from another run or left from an older one) is
//! rejected like a damaged one, whose length, magic, version or checksum is wrong, and
//! recomputed. Writes
//! go to a temporary file in the cache folder, renamed into place, so a reader never sees half an
//! entry.

use std::path::{Path, PathBuf};

use crate::metric::PerturbationSize;
use crate::plan::NodeId;

use super::counted::GradientCounts;
use super::ExecError;

const MAGIC: &[u8; 8] = b"RBLOGITS";
const VERSION: u32 = 3;
const HEADER: usize = 8 + 4 + 32 + 4 + 8 + 1 + 3 * 8;
const CHECKSUM: usize = 32;

/// The per-sample results of one inference branch, indexed by sample position.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchPredictions {
    /// The width of a row of logits.
    pub classes: usize,
    /// `n × classes` logits, row-major.
    pub logits: Vec<f32>,
    /// The `n` labels.
    pub labels: Vec<u32>,
    /// The size of each sample's perturbation; `None` for the clean branch.
    pub sizes: Option<Vec<PerturbationSize>>,
    /// The input gradients the branch's attack evaluated.
    pub gradients: GradientCounts,
}

impl BranchPredictions {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the branch holds no sample.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    Hit(BranchPredictions),
    Miss,
    /// An entry that is truncated, of another format, written under another key, or fails its
    /// checksum.
    Corrupt,
}

/// A cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache in `dir` (created on the first write).
    pub fn new(dir: &Path) -> Cache {
        Cache {
            dir: dir.to_path_buf(),
        }
    }

    /// The key of an infer node: its identity, its dataset's content hash and its model file's.
    pub fn key(node: NodeId, data: &[u8; 32], model: &[u8; 32]) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_derive_key("rbench 2026 inference cache key");
        hasher.update(&node.0).update(data).update(model);
        *hasher.finalize().as_bytes()
    }

    /// The file of the entry under `key`.
    pub fn entry_path(&self, key: &[u8; 32]) -> PathBuf {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.logits"))
    }

    /// The entry under `key`, if there is a valid one.
    pub fn load(&self, key: &[u8; 32]) -> Lookup {
        match std::fs::read(self.entry_path(key)) {
            Ok(bytes) => decode(&bytes, key).map_or(Lookup::Corrupt, Lookup::Hit),
            Err(_) => Lookup::Miss,
        }
    }

    /// Stores `predictions` under `key`, atomically.
    pub fn store(&self, key: &[u8; 32], predictions: &BranchPredictions) -> Result<(), ExecError> {
        let path = self.entry_path(key);
        crate::atomic::write_atomic(&path, &encode(key, predictions))
            .map_err(|error| ExecError::CacheWrite { path, error })
    }
}

fn encode(key: &[u8; 32], p: &BranchPredictions) -> Vec<u8> {
    let sizes = p.sizes.as_deref().unwrap_or_default();
    let mut bytes = Vec::with_capacity(
        HEADER + 4 * (p.logits.len() + p.labels.len()) + 16 * sizes.len() + CHECKSUM,
    );
    bytes.extend(MAGIC);
    bytes.extend(VERSION.to_le_bytes());
    bytes.extend(key);
    bytes.extend((p.classes as u32).to_le_bytes());
    bytes.extend((p.labels.len() as u64).to_le_bytes());
    bytes.push(u8::from(p.sizes.is_some()));
    let g = p.gradients;
    for count in [g.evaluated, g.zero, g.non_finite] {
        bytes.extend(count.to_le_bytes());
    }
    bytes.extend(p.logits.iter().flat_map(|v| v.to_le_bytes()));
    bytes.extend(p.labels.iter().flat_map(|v| v.to_le_bytes()));
    for size in sizes {
        bytes.extend(size.linf.to_le_bytes());
        bytes.extend(size.l2.to_le_bytes());
    }
    let checksum = blake3::hash(&bytes);
    bytes.extend(checksum.as_bytes());
    bytes
}

fn decode(bytes: &[u8], key: &[u8; 32]) -> Option<BranchPredictions> {
    let body = bytes.get(..bytes.len().checked_sub(CHECKSUM)?)?;
    if blake3::hash(body).as_bytes() != &bytes[body.len()..] || body.get(..8)? != MAGIC {
        return None;
    }
    let word = |at: usize| Some(u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?));
    if word(8)? != VERSION || body.get(12..44)? != key {
        return None;
    }
    let long = |at: usize| Some(u64::from_le_bytes(body.get(at..at + 8)?.try_into().ok()?));
    let classes = word(44)? as usize;
    let n = usize::try_from(long(48)?).ok()?;
    let perturbed = match body.get(56)? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let gradients = GradientCounts {
        evaluated: long(57)?,
        zero: long(65)?,
        non_finite: long(73)?,
    };
    let values = n.checked_mul(classes)?;
    let size_bytes = if perturbed { n.checked_mul(16)? } else { 0 };
    let expected = values
        .checked_add(n)?
        .checked_mul(4)?
        .checked_add(size_bytes)?
        .checked_add(HEADER)?;
    if body.len() != expected {
        return None;
    }
    let (floats, rest) = body[HEADER..].split_at(4 * values);
    let (labels, sizes) = rest.split_at(4 * n);
    let f64_at = |b: &[u8]| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    Some(BranchPredictions {
        classes,
        logits: floats
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        labels: labels
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        sizes: perturbed.then(|| {
            sizes
                .chunks_exact(16)
                .map(|c| PerturbationSize {
                    linf: f64_at(&c[..8]),
                    l2: f64_at(&c[8..]),
                })
                .collect()
        }),
        gradients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BranchPredictions {
        BranchPredictions {
            classes: 2,
            logits: vec![0.5, -1.0, 2.0, f32::MIN_POSITIVE],
            labels: vec![1, 0],
            sizes: Some(vec![
                PerturbationSize {
                    linf: 0.25,
                    l2: 1.5,
                },
                PerturbationSize::default(),
            ]),
            gradients: GradientCounts {
                evaluated: 20,
                zero: 3,
                non_finite: 1,
            },
        }
    }

    #[test]
    fn entries_round_trip_and_corruption_is_rejected() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cache = Cache::new(&dir.path().join("cache"));
        let key = Cache::key(NodeId([1; 32]), &[2; 32], &[3; 32]);
        assert!(matches!(cache.load(&key), Lookup::Miss));
        cache.store(&key, &sample()).expect("stored");
        assert!(matches!(cache.load(&key), Lookup::Hit(p) if p == sample()));
        let clean = BranchPredictions {
            sizes: None,
            gradients: GradientCounts::default(),
            ..sample()
        };
        let other = Cache::key(NodeId([5; 32]), &[2; 32], &[3; 32]);
        cache.store(&other, &clean).expect("stored");
        assert!(matches!(cache.load(&other), Lookup::Hit(p) if p == clean));
        let path = cache.entry_path(&key);
        let mut bytes = std::fs::read(&path).expect("entry");
        bytes[HEADER] ^= 1;
        std::fs::write(&path, &bytes).expect("rewrite");
        assert!(matches!(cache.load(&key), Lookup::Corrupt));
        std::fs::write(&path, &bytes[..10]).expect("truncate");
        assert!(matches!(cache.load(&key), Lookup::Corrupt));
        assert_ne!(key, Cache::key(NodeId([1; 32]), &[2; 32], &[4; 32]));
    }

    #[test]
    fn an_entry_under_another_key_is_rejected() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cache = Cache::new(dir.path());
        let (key, other) = (
            Cache::key(NodeId([1; 32]), &[2; 32], &[3; 32]),
            Cache::key(NodeId([4; 32]), &[2; 32], &[3; 32]),
        );
        cache.store(&key, &sample()).expect("stored");
        std::fs::copy(cache.entry_path(&key), cache.entry_path(&other)).expect("planted");
        assert!(matches!(cache.load(&other), Lookup::Corrupt));
        assert!(matches!(cache.load(&key), Lookup::Hit(_)));
    }
}
