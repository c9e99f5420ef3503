//! What the fuzz targets share: a scratch folder for the bytes under test, and reading a data
//! source to its end as a run would. A target may fail with any coded error; it must never
//! panic, hang or allocate without bound.

use std::cell::RefCell;
use std::path::PathBuf;

use rbench::data::{self, Selection, Source, SourceSpec};

thread_local! {
    static SCRATCH: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// The scratch folder of this process, created once.
pub fn scratch() -> PathBuf {
    SCRATCH.with(|dir| {
        let mut dir = dir.borrow_mut();
        let dir = dir.get_or_insert_with(|| tempfile::tempdir().expect("a scratch folder"));
        dir.path().to_path_buf()
    })
}

/// Writes `bytes` to `name` (a path relative to the scratch folder) and returns its path.
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("a scratch sub-folder");
    }
    std::fs::write(&path, bytes).expect("scratch file written");
    path
}

/// Opens `spec` with every sample selected (`classes` classes, values in [0, 255]) and reads every
/// batch and the content hash, as a run does; errors are expected outcomes.
pub fn drain(spec: &SourceSpec, classes: u32) {
    let selection = Selection::all(classes, (0.0, 255.0));
    let Ok(source) = data::open(spec, &selection) else {
        return;
    };
    read_all(source.as_ref());
}

fn read_all(source: &dyn Source) {
    let len = source.len();
    let mut start = 0;
    while start < len {
        let end = (start + 64).min(len);
        if source.batch(start..end).is_err() {
            return;
        }
        start = end;
    }
    let _ = source.content_hash();
}

/// A valid labels array in `.npy` format: `n` little-endian `i64` zeros.
pub fn npy_labels(n: usize) -> Vec<u8> {
    let header = format!("{{'descr': '<i8', 'fortran_order': False, 'shape': ({n},), }}");
    let mut header = header.into_bytes();
    // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend(std::iter::repeat_n(0u8, 8 * n));
    bytes
}
