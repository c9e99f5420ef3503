//! The CSV reader: a table of any bytes with a `label` column.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rbench::data::SourceSpec;
use rbench_fuzz::{drain, write};

fuzz_target!(|bytes: &[u8]| {
    let spec = SourceSpec::Csv {
        path: write("table.csv", bytes),
        label: "label".into(),
        features: None,
        delimiter: b',',
    };
    drain(&spec, 3);
});
