//! The ONNX reader and compiler: a model of any bytes is read for its signature, compiled, and,
//! when it compiles with a small input, run forward and backward on one zero sample.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rbench::model::onnx::read_signature;
use rbench::model::{Network, OnnxModel};
use rbench_fuzz::write;

fuzz_target!(|bytes: &[u8]| {
    let path = write("model.onnx", bytes);
    let _ = read_signature(&path);
    let Ok(model) = OnnxModel::load(&path) else {
        return;
    };
    let size: usize = model.input_shape().iter().product();
    if size == 0 || size > 1 << 16 || model.classes() > 1 << 12 {
        return;
    }
    let inputs = vec![0.0; size];
    if model.forward(&inputs, 1).is_ok() {
        let _ = model.input_gradient(&inputs, 1, &|logits| vec![1.0; logits.len()]);
    }
});
