//! The spec compiler on any bytes: parse, format (and parse the formatted text again), check.
//! Imports read nothing: the checker must report them, not follow them.
#![no_main]

use std::io;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rbench::check::{self, Loader};
use rbench::syntax::{self, FileId, SourceFile};

/// A file system with no files.
struct Nothing;

impl Loader for Nothing {
    fn read(&self, _: &Path) -> io::Result<Vec<u8>> {
        Err(io::ErrorKind::NotFound.into())
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(source) = SourceFile::from_bytes(FileId(0), "fuzz.rbench", bytes.to_vec()) else {
        return;
    };
    if let Ok(formatted) = syntax::format::format(&source) {
        let again = SourceFile::new(FileId(0), "formatted.rbench", formatted);
        assert!(
            syntax::parse(&again).is_ok(),
            "the formatter's output does not parse"
        );
    }
    if let Ok(file) = syntax::parse(&source) {
        let _ = check::check(source, file, Path::new("/fuzz/fuzz.rbench"), &Nothing);
    }
});
