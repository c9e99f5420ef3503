//! The `.npz` reader: an archive of any bytes, read for arrays `x` and `y`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rbench::data::SourceSpec;
use rbench_fuzz::{drain, write};

fuzz_target!(|bytes: &[u8]| {
    let path = write("data.npz", bytes);
    let spec = SourceSpec::Npz {
        path,
        x: "x".into(),
        y: "y".into(),
    };
    drain(&spec, 10);
});
