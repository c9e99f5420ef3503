//! The safetensors reader: a file of any bytes, read for tensors `x` and `y`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rbench::data::SourceSpec;
use rbench_fuzz::{drain, write};

fuzz_target!(|bytes: &[u8]| {
    let spec = SourceSpec::Safetensors {
        path: write("data.safetensors", bytes),
        x: "x".into(),
        y: "y".into(),
    };
    drain(&spec, 10);
});
