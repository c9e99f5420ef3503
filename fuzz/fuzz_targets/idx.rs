//! The IDX reader, plain and gzip: the input's first byte picks the compression and where the
//! rest splits into the images file and the labels file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rbench::data::SourceSpec;
use rbench_fuzz::{drain, write};

fuzz_target!(|bytes: &[u8]| {
    let Some((&first, rest)) = bytes.split_first() else {
        return;
    };
    let cut = (usize::from(first >> 1) * rest.len() / 128).min(rest.len());
    let (images, labels) = rest.split_at(cut);
    let suffix = if first & 1 == 1 { ".gz" } else { "" };
    let spec = SourceSpec::Idx {
        images: write(&format!("images.idx{suffix}"), images),
        labels: write(&format!("labels.idx{suffix}"), labels),
    };
    drain(&spec, 10);
});
