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
