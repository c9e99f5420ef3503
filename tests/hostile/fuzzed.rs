//! Inputs the fuzz targets (`fuzz/`) found, kept once fixed.

use std::path::PathBuf;

use rbench::model::OnnxModel;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name)
}

/// A PyTorch export whose `ConstantOfShape` reads a mutated shape: it asked for a constant of
/// 117 million elements (2.3 GB of memory while folding), now refused by the element cap of
/// every tensor a model's shapes size.
#[test]
fn a_constant_of_a_huge_mutated_shape_is_refused() {
    let Err(error) = OnnxModel::load(&fixture("constant_of_shape_huge.onnx")) else {
        panic!("the model is refused");
    };
    let message = error.to_string();
    assert!(message.contains("larger than"), "{message}");
}

/// The spec target's first find: a syntax error right after a word that follows a multi-byte
/// character (`8×8` in a comment) cut the text inside the `×` and panicked.
#[test]
fn a_syntax_error_after_a_multi_byte_character_is_a_diagnostic() {
    use rbench::syntax::{self, FileId, SourceFile};
    for text in [
        "// Data: digits (8×8\nbenchmardatask digits {\n}\n",
        "benchmark b {\n  title = \"x\"\n}\nmodel m×8\n",
        "// é\nperturbation p = gaussian_noise(sigma: 0.1) ×\n",
    ] {
        let source = SourceFile::new(FileId(0), "fuzzed.rbench", text);
        assert!(syntax::parse(&source).is_err(), "{text}");
    }
}
