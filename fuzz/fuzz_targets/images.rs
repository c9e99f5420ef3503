//! The image-folder reader: one class of any bytes as a PNG, one as a JPEG, resized to 8×8.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rbench::data::SourceSpec;
use rbench_fuzz::{drain, scratch, write};

fuzz_target!(|bytes: &[u8]| {
    write("images/a/sample.png", bytes);
    write("images/b/sample.jpg", bytes);
    for grayscale in [false, true] {
        let spec = SourceSpec::Images {
            path: scratch().join("images"),
            size: [8, 8],
            grayscale,
        };
        drain(&spec, 2);
    }
});
