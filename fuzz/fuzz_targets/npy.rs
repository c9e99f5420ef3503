//! The `.npy` reader: a samples array of any bytes, with labels of the length its header says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rbench::data::header::read_npy;
use rbench::data::SourceSpec;
use rbench_fuzz::{drain, npy_labels, write};

fuzz_target!(|bytes: &[u8]| {
    let x = write("x.npy", bytes);
    let n = match read_npy(&x) {
        Ok(header) => header.shape.first().copied().unwrap_or(0).min(4096) as usize,
        Err(_) => 1,
    };
    let y = write("y.npy", &npy_labels(n));
    drain(&SourceSpec::Npy { x, y }, 10);
});
