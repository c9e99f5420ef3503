//! The results reader (`rbench report`, `rbench diff`): a `results.json` of any text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = rbench::results::parse(text, Path::new("results.json"));
    }
});
