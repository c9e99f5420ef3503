//! The content-addressed cache of inference results.
//!
//! The key of an infer node is blake3 of its plan identity, the content hash of its dataset's
//! files and the hash of its model's file, so a changed spec, changed data or changed weights
//! miss. An entry is one file `<key hex>.logits` in a small binary format:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `RBLOGITS` |
//! | 4 | format version (1), little-endian |
//! | 4 | classes |
//! | 8 | samples `n` |
//! | 4·n·classes | the logits, `f32` little-endian, row-major by sample position |
//! | 4·n | the labels, `u32` little-endian |
//! | 32 | blake3 of every byte before |
//!
//! An entry whose length, magic, version or checksum is wrong is rejected (and recomputed). Writes
//! go to a temporary file in the cache folder, renamed into place, so a reader never sees half an
//! entry.

use std::path::{Path, PathBuf};

use crate::plan::NodeId;

use super::ExecError;

const MAGIC: &[u8; 8] = b"RBLOGITS";
const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 4 + 8;
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
    /// An entry that is truncated, of another format, or fails its checksum.
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
            Ok(bytes) => decode(&bytes).map_or(Lookup::Corrupt, Lookup::Hit),
            Err(_) => Lookup::Miss,
        }
    }

    /// Stores `predictions` under `key`, atomically.
    pub fn store(&self, key: &[u8; 32], predictions: &BranchPredictions) -> Result<(), ExecError> {
        let io = |path: &Path, error: std::io::Error| ExecError::Io {
            path: path.to_path_buf(),
            problem: format!("cannot write the cache: {error}"),
        };
        let path = self.entry_path(key);
        crate::atomic::write_atomic(&path, &encode(predictions)).map_err(|e| io(&path, e))
    }
}

fn encode(p: &BranchPredictions) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER + 4 * (p.logits.len() + p.labels.len()) + CHECKSUM);
    bytes.extend(MAGIC);
    bytes.extend(VERSION.to_le_bytes());
    bytes.extend((p.classes as u32).to_le_bytes());
    bytes.extend((p.labels.len() as u64).to_le_bytes());
    bytes.extend(p.logits.iter().flat_map(|v| v.to_le_bytes()));
    bytes.extend(p.labels.iter().flat_map(|v| v.to_le_bytes()));
    let checksum = blake3::hash(&bytes);
    bytes.extend(checksum.as_bytes());
    bytes
}

fn decode(bytes: &[u8]) -> Option<BranchPredictions> {
    let body = bytes.get(..bytes.len().checked_sub(CHECKSUM)?)?;
    if blake3::hash(body).as_bytes() != &bytes[body.len()..] || body.get(..8)? != MAGIC {
        return None;
    }
    let word = |at: usize| Some(u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?));
    if word(8)? != VERSION {
        return None;
    }
    let classes = word(12)? as usize;
    let n = usize::try_from(u64::from_le_bytes(body.get(16..24)?.try_into().ok()?)).ok()?;
    let values = n.checked_mul(classes)?;
    if body.len() != HEADER + 4 * (values + n) {
        return None;
    }
    let floats = &body[HEADER..HEADER + 4 * values];
    let labels = &body[HEADER + 4 * values..];
    let chunks = |b: &[u8]| -> Vec<[u8; 4]> {
        b.chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect()
    };
    Some(BranchPredictions {
        classes,
        logits: chunks(floats).into_iter().map(f32::from_le_bytes).collect(),
        labels: chunks(labels).into_iter().map(u32::from_le_bytes).collect(),
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
        let path = cache.entry_path(&key);
        let mut bytes = std::fs::read(&path).expect("entry");
        bytes[HEADER] ^= 1;
        std::fs::write(&path, &bytes).expect("rewrite");
        assert!(matches!(cache.load(&key), Lookup::Corrupt));
        std::fs::write(&path, &bytes[..10]).expect("truncate");
        assert!(matches!(cache.load(&key), Lookup::Corrupt));
        assert_ne!(key, Cache::key(NodeId([1; 32]), &[2; 32], &[4; 32]));
    }
}
