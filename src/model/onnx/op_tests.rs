//! The operators PyTorch exports around its layers, node by node: shape computations, slices,
//! reductions and element-wise functions, their values as the ONNX operator definitions give
//! them (<https://onnx.ai/onnx/operators/>), their gradients, and their errors.

use std::collections::HashMap;
use std::sync::Arc;

use candle_core::{DType, Device, Tensor, Var};

use super::ops::layout::Concat;
use super::proto::{data_type, AttributeProto, NodeProto, TensorProto};
use super::registry::{self, Context, Kernel};
use crate::model::network::ModelError;

/// Constants by name, at an operator set version.
struct Constants {
    opset: i64,
    values: HashMap<String, Tensor>,
}

impl Context for Constants {
    fn opset(&self) -> i64 {
        self.opset
    }

    fn constant(&self, name: &str) -> Option<&Tensor> {
        self.values.get(name)
    }
}

fn ints(values: &[i64]) -> Tensor {
    Tensor::new(values, &Device::Cpu).expect("a tensor")
}

fn floats(values: &[f32], dims: &[usize]) -> Tensor {
    Tensor::from_slice(values, dims, &Device::Cpu).expect("a tensor")
}

fn int_attribute(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        i: Some(value),
        ..Default::default()
    }
}

fn ints_attribute(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        ints: values.to_vec(),
        ..Default::default()
    }
}

fn float_attribute(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        f: Some(value),
        ..Default::default()
    }
}

/// Compiles a node `op` reading `x` then the named `constants` (an empty name skips an optional
/// input), with `attributes`.
fn compile(
    op: &str,
    constants: &[(&str, Tensor)],
    attributes: Vec<AttributeProto>,
) -> Result<(Arc<dyn Kernel>, usize), ModelError> {
    let node = NodeProto {
        input: std::iter::once("x")
            .chain(constants.iter().map(|(name, _)| *name))
            .map(String::from)
            .collect(),
        output: vec!["y".into()],
        name: Some("n".into()),
        op_type: Some(op.into()),
        attribute: attributes,
        domain: None,
    };
    let context = Constants {
        opset: 18,
        values: constants
            .iter()
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect(),
    };
    let compiled = registry::compile(&node, op, "n", &context)?;
    Ok((compiled.op, compiled.inputs.len()))
}

/// Runs `op` on `x` (its constant inputs folded in at compile time).
fn run(
    op: &str,
    x: &Tensor,
    constants: &[(&str, Tensor)],
    attributes: Vec<AttributeProto>,
) -> Tensor {
    let (op, count) = compile(op, constants, attributes).expect("a supported node");
    let mut inputs = vec![x];
    inputs.extend(constants.iter().map(|(_, t)| t).take(count - 1));
    op.eval(&inputs).expect("the node runs")
}

fn values_i64(t: &Tensor) -> Vec<i64> {
    t.flatten_all().and_then(|t| t.to_vec1()).expect("integers")
}

fn values_f32(t: &Tensor) -> Vec<f32> {
    t.to_dtype(DType::F32)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1())
        .expect("floats")
}

fn assert_close(found: &[f32], expected: &[f32]) {
    assert_eq!(found.len(), expected.len(), "{found:?} vs {expected:?}");
    for (a, b) in found.iter().zip(expected) {
        assert!(
            (a - b).abs() <= 1e-6 * b.abs().max(1.0),
            "{found:?} vs {expected:?}"
        );
    }
}

#[test]
fn shape_gather_unsqueeze_and_concat_compute_a_flatten_target() {
    let x = Tensor::zeros((5, 1, 28, 28), DType::F32, &Device::Cpu).expect("zeros");
    let shape = run("Shape", &x, &[], vec![]);
    assert_eq!(values_i64(&shape), [5, 1, 28, 28]);
    let tail = run("Shape", &x, &[], vec![int_attribute("start", -2)]);
    assert_eq!(values_i64(&tail), [28, 28]);
    let scalar = Tensor::new(0i64, &Device::Cpu).expect("an index");
    let batch = run("Gather", &shape, &[("i", scalar)], vec![]);
    assert_eq!(batch.dims(), [0usize; 0]);
    let batch = run("Unsqueeze", &batch, &[("axes", ints(&[0]))], vec![]);
    assert_eq!(values_i64(&batch), [5]);
    let target = Concat(0).eval(&[&batch, &ints(&[-1])]).expect("concat");
    // A target computed at run time is read from the second input.
    let node = NodeProto {
        input: vec!["x".into(), "target".into()],
        output: vec!["y".into()],
        op_type: Some("Reshape".into()),
        ..Default::default()
    };
    let context = Constants {
        opset: 17,
        values: HashMap::new(),
    };
    let computed = registry::compile(&node, "Reshape", "n", &context).expect("a reshape");
    assert_eq!(computed.inputs, ["x", "target"]);
    let flat = computed.op.eval(&[&x, &target]).expect("reshape");
    assert_eq!(flat.dims(), [5, 784]);
    let (constant, count) =
        compile("Reshape", &[("shape", ints(&[0, -1]))], vec![]).expect("reshape");
    assert_eq!(count, 1, "a constant target is folded in");
    assert_eq!(constant.eval(&[&x]).expect("reshape").dims(), [5, 784]);
}

#[test]
fn gather_picks_along_an_axis_with_negative_indices() {
    let x = floats(&[0., 1., 2., 3., 4., 5.], &[2, 3]);
    let indices = Tensor::new(&[[2i64, -3]], &Device::Cpu).expect("indices");
    let y = run(
        "Gather",
        &x,
        &[("i", indices.clone())],
        vec![int_attribute("axis", 1)],
    );
    assert_eq!(y.dims(), [2, 1, 2]);
    assert_eq!(values_f32(&y), [2., 0., 5., 3.]);
    let (op, _) = compile("Gather", &[("i", ints(&[3]))], vec![]).expect("gather");
    let error = op.eval(&[&x, &ints(&[3])]).expect_err("out of range");
    assert!(
        error.to_string().contains("index 3 is out of range"),
        "{error}"
    );
}

#[test]
fn squeeze_and_unsqueeze_follow_their_axes() {
    let x = Tensor::zeros((1, 2, 1, 3), DType::F32, &Device::Cpu).expect("zeros");
    assert_eq!(run("Squeeze", &x, &[], vec![]).dims(), [2, 3]);
    let y = run("Squeeze", &x, &[("axes", ints(&[-2]))], vec![]);
    assert_eq!(y.dims(), [1, 2, 3]);
    // Before opset 13 the axes are an attribute.
    let y = run("Unsqueeze", &y, &[], vec![ints_attribute("axes", &[0, 4])]);
    assert_eq!(y.dims(), [1, 1, 2, 3, 1]);
    let (op, _) = compile("Squeeze", &[("axes", ints(&[1]))], vec![]).expect("squeeze");
    assert!(op.eval(&[&x]).is_err(), "axis 1 has size 2");
}

#[test]
fn slices_clamp_their_bounds_and_step_both_ways() {
    let x = floats(&[0., 1., 2., 3., 4., 5., 6., 7., 8., 9.], &[10]);
    let slice = |starts: &[i64], ends: &[i64], steps: &[i64]| {
        let y = run(
            "Slice",
            &x,
            &[
                ("starts", ints(starts)),
                ("ends", ints(ends)),
                ("axes", ints(&[0])),
                ("steps", ints(steps)),
            ],
            vec![],
        );
        values_f32(&y)
    };
    assert_eq!(slice(&[-3], &[i64::MAX], &[1]), [7., 8., 9.]);
    assert_eq!(slice(&[-1], &[i64::MIN], &[-2]), [9., 7., 5., 3., 1.]);
    assert_eq!(slice(&[1], &[8], &[3]), [1., 4., 7.]);
    assert_eq!(slice(&[5], &[2], &[1]), [0f32; 0]);
    assert_eq!(slice(&[0], &[i64::MAX], &[i64::MAX]), [0.]);
    let grid = floats(&[0., 1., 2., 3., 4., 5.], &[2, 3]);
    let y = run(
        "Slice",
        &grid,
        &[
            ("starts", ints(&[1])),
            ("ends", ints(&[3])),
            ("axes", ints(&[-1])),
        ],
        vec![],
    );
    assert_eq!(y.dims(), [2, 2]);
    assert_eq!(values_f32(&y), [1., 2., 4., 5.]);
}

#[test]
fn constant_of_shape_and_cast_keep_integers_and_floats_apart() {
    let value = TensorProto {
        dims: vec![1],
        data_type: Some(data_type::INT64),
        int64_data: vec![7],
        ..Default::default()
    };
    let attribute = AttributeProto {
        name: Some("value".into()),
        t: Some(value),
        ..Default::default()
    };
    let sevens = run("ConstantOfShape", &ints(&[2, 2]), &[], vec![attribute]);
    assert_eq!(sevens.dtype(), DType::I64);
    assert_eq!(values_i64(&sevens), [7; 4]);
    let zeros = run("ConstantOfShape", &ints(&[3]), &[], vec![]);
    let (fill, _) = compile("ConstantOfShape", &[], vec![]).expect("a fill");
    let error = fill
        .eval(&[&ints(&[1 << 20, 1 << 20])])
        .expect_err("too large");
    assert!(error.to_string().contains("larger than"), "{error}");
    assert_eq!(
        (zeros.dtype(), values_f32(&zeros)),
        (DType::F32, vec![0.; 3])
    );
    let to = |code: i32| vec![int_attribute("to", i64::from(code))];
    let x = floats(&[1.7, -2.5], &[2]);
    assert_eq!(
        values_i64(&run("Cast", &x, &[], to(data_type::INT32))),
        [1, -2]
    );
    let back = run("Cast", &ints(&[3]), &[], to(data_type::DOUBLE));
    assert_eq!((back.dtype(), values_f32(&back)), (DType::F32, vec![3.]));
    let error = compile("Cast", &[], to(data_type::STRING)).expect_err("strings");
    assert_eq!(
        error.to_string(),
        "unsupported ONNX operator `Cast` in node `n`: a cast to element type 8; rbench \
         computes with floats and integers"
    );
}

#[test]
fn reductions_keep_or_drop_their_axes() {
    let x = floats(&[1., 2., 3., 4., 5., 6., 7., 8.], &[1, 2, 2, 2]);
    let mean = run(
        "ReduceMean",
        &x,
        &[("axes", ints(&[-1, 2]))],
        vec![int_attribute("keepdims", 0)],
    );
    assert_eq!(
        (mean.dims(), values_f32(&mean)),
        (&[1, 2][..], vec![2.5, 6.5])
    );
    // Before opset 18 the axes of `ReduceMean` are an attribute.
    let mean = run("ReduceMean", &x, &[], vec![ints_attribute("axes", &[1])]);
    assert_eq!(
        (mean.dims(), values_f32(&mean)),
        (&[1, 1, 2, 2][..], vec![3., 4., 5., 6.])
    );
    let sum = run("ReduceSum", &x, &[], vec![]);
    assert_eq!(
        (sum.dims(), values_f32(&sum)),
        (&[1, 1, 1, 1][..], vec![36.])
    );
    let same = run(
        "ReduceSum",
        &x,
        &[],
        vec![int_attribute("noop_with_empty_axes", 1)],
    );
    assert_eq!(same.dims(), x.dims());
}

#[test]
fn element_wise_functions_match_their_definitions() {
    let x = floats(&[-4., -1., -0.25, 0.5, 2., 7.], &[6]);
    let y = |op: &str, constants: &[(&str, Tensor)], attributes| {
        values_f32(&run(op, &x, constants, attributes))
    };
    let scalar = |v: f32| Tensor::new(v, &Device::Cpu).expect("a scalar");
    // ReLU6 as PyTorch exports it (opset 11+): bounds are inputs.
    assert_eq!(
        y("Clip", &[("min", scalar(0.)), ("max", scalar(6.))], vec![]),
        [0., 0., 0., 0.5, 2., 6.]
    );
    assert_eq!(
        y("Clip", &[("", scalar(0.)), ("max", scalar(1.))], vec![]),
        [-4., -1., -0.25, 0.5, 1., 1.]
    );
    // Before opset 11 they are attributes.
    let attributes = vec![float_attribute("min", -1.), float_attribute("max", 1.)];
    assert_eq!(y("Clip", &[], attributes), [-1., -1., -0.25, 0.5, 1., 1.]);
    assert_close(
        &y("HardSigmoid", &[], vec![]),
        &[0., 0.3, 0.45, 0.6, 0.9, 1.],
    );
    let hard_swish: Vec<f32> = [-4f32, -1., -0.25, 0.5, 2., 7.]
        .iter()
        .map(|&v| v * (v / 6. + 0.5).clamp(0., 1.))
        .collect();
    assert_close(&y("HardSwish", &[], vec![]), &hard_swish);
    assert_close(
        &y("Pow", &[("e", scalar(2.))], vec![]),
        &[16., 1., 0.0625, 0.25, 4., 49.],
    );
    assert_close(
        &y("Pow", &[("e", scalar(3.))], vec![]),
        &[-64., -1., -0.015625, 0.125, 8., 343.],
    );
    let other = floats(&[0.], &[1]);
    assert_eq!(
        y("Max", &[("b", other.clone())], vec![]),
        [0., 0., 0., 0.5, 2., 7.]
    );
    assert_eq!(
        y("Min", &[("b", other)], vec![]),
        [-4., -1., -0.25, 0., 0., 0.]
    );
    // GELU(x) = x Φ(x); Φ(2) = 0.977249868.
    assert_close(&y("Gelu", &[], vec![])[4..5], &[2. * 0.977_249_87]);
    assert_close(&y("Erf", &[], vec![])[3..4], &[0.520_499_9]);
    assert_close(&y("Neg", &[], vec![])[..2], &[4., 1.]);
    assert_close(&y("Abs", &[], vec![])[..2], &[4., 1.]);
    assert_close(&y("Reciprocal", &[], vec![])[3..5], &[2., 0.5]);
    assert_close(&y("Elu", &[], vec![])[1..2], &[(-1f32).exp() - 1.]);
    let error = compile("Pow", &[], vec![]).expect_err("no exponent");
    assert!(error.to_string().contains("it has no exponent"), "{error}");
}

#[test]
fn gradients_flow_through_slices_gathers_and_clips() {
    let x = Var::from_tensor(&floats(&[-2., -0.5, 0.5, 1.5, 3., 8.], &[6])).expect("a var");
    let (slice, _) = compile(
        "Slice",
        &[
            ("s", ints(&[0])),
            ("e", ints(&[6])),
            ("a", ints(&[0])),
            ("t", ints(&[2])),
        ],
        vec![],
    )
    .expect("slice");
    let (gather, _) = compile("Gather", &[("i", ints(&[2, 2]))], vec![]).expect("gather");
    let scalar = |v: f32| Tensor::new(v, &Device::Cpu).expect("a scalar");
    let (clip, _) =
        compile("Clip", &[("lo", scalar(0.)), ("hi", scalar(6.))], vec![]).expect("clip");
    // Sum of x[0], x[2], x[4], plus x[2] twice and clip(x).
    let sliced = slice.eval(&[x.as_tensor()]).expect("slice");
    let gathered = gather
        .eval(&[x.as_tensor(), &ints(&[2, 2])])
        .expect("gather");
    let clipped = clip.eval(&[x.as_tensor()]).expect("clip");
    let total = (sliced.sum_all().expect("sum") + gathered.sum_all().expect("sum"))
        .and_then(|t| t + clipped.sum_all().expect("sum"))
        .expect("a sum");
    let gradients = total.backward().expect("backward");
    let gradient = gradients.get(x.as_tensor()).expect("a gradient");
    assert_eq!(values_f32(gradient), [1., 0., 4., 1., 2., 0.]);
}

#[test]
fn unsupported_shapes_of_supported_operators_name_the_node() {
    let scalar = Tensor::new(2f32, &Device::Cpu).expect("a scalar");
    // A bound computed at run time.
    let node = NodeProto {
        input: vec!["x".into(), "computed".into()],
        output: vec!["y".into()],
        name: Some("clip1".into()),
        op_type: Some("Clip".into()),
        ..Default::default()
    };
    let context = Constants {
        opset: 13,
        values: HashMap::new(),
    };
    let error = registry::compile(&node, "Clip", "clip1", &context)
        .err()
        .expect("a computed bound");
    assert_eq!(
        error.to_string(),
        "unsupported ONNX operator `Clip` in node `clip1`: its min bound must be a constant"
    );
    let error = compile("Slice", &[("s", ints(&[0])), ("e", ints(&[1, 2]))], vec![])
        .expect_err("mismatched lists");
    assert!(
        error.to_string().contains("do not describe a slice"),
        "{error}"
    );
    let error =
        compile("Max", &[("a", scalar.clone()), ("b", scalar)], vec![]).expect_err("three inputs");
    assert!(error.to_string().contains("two inputs"), "{error}");
    let error = compile("LSTM", &[], vec![]).expect_err("recurrent");
    assert_eq!(
        error.to_string(),
        "unsupported ONNX operator `LSTM` in node `n`"
    );
}

#[test]
fn pads_fill_copy_or_crop_each_axis() {
    let x = floats(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    let pad = |mode: &str, pads: &[i64]| {
        let attribute = AttributeProto {
            name: Some("mode".into()),
            s: Some(mode.as_bytes().to_vec().into()),
            ..Default::default()
        };
        let value = Tensor::new(9f32, &Device::Cpu).expect("a value");
        let y = run(
            "Pad",
            &x,
            &[("pads", ints(pads)), ("v", value)],
            vec![attribute],
        );
        (y.dims().to_vec(), values_f32(&y))
    };
    // pads are [begin of each axis..., end of each axis...].
    assert_eq!(
        pad("constant", &[0, 1, 0, 2]),
        (
            vec![2, 6],
            vec![9., 1., 2., 3., 9., 9., 9., 4., 5., 6., 9., 9.]
        )
    );
    assert_eq!(
        pad("reflect", &[0, 2, 0, 1]),
        (
            vec![2, 6],
            vec![3., 2., 1., 2., 3., 2., 6., 5., 4., 5., 6., 5.]
        )
    );
    assert_eq!(
        pad("edge", &[1, 0, 0, 1]),
        (
            vec![3, 4],
            vec![1., 2., 3., 3., 1., 2., 3., 3., 4., 5., 6., 6.]
        )
    );
    assert_eq!(
        pad("wrap", &[0, 1, 0, 1]),
        (vec![2, 5], vec![3., 1., 2., 3., 1., 6., 4., 5., 6., 4.])
    );
    // Negative pads crop.
    assert_eq!(pad("constant", &[0, -1, 0, -1]), (vec![2, 1], vec![2., 5.]));
    let (op, _) = compile("Pad", &[("pads", ints(&[0, 3, 0, 0]))], vec![]).expect("a pad");
    assert!(op.eval(&[&x]).is_ok(), "constant padding has no limit");
    let reflect = AttributeProto {
        name: Some("mode".into()),
        s: Some(b"reflect".to_vec().into()),
        ..Default::default()
    };
    let (op, _) = compile("Pad", &[("pads", ints(&[0, 3, 0, 0]))], vec![reflect]).expect("a pad");
    let error = op.eval(&[&x]).expect_err("reflecting past the edge");
    assert!(error.to_string().contains("needs more than"), "{error}");
}

#[test]
fn conv_takes_different_strides_dilations_and_pads_per_axis() {
    // x: 1 × 1 × 4 × 5 holding 0..20; a 2 × 2 kernel of ones; strides (2, 1), dilations (1, 2),
    // pads: one row on top, none elsewhere. Output rows read input rows (-1, 0) and (1, 2);
    // output columns read columns (c, c + 2) for c in 0..3.
    let x = floats(
        &(0..20).map(|v| v as f32).collect::<Vec<_>>(),
        &[1, 1, 4, 5],
    );
    let w = floats(&[1.0; 4], &[1, 1, 2, 2]);
    let y = run(
        "Conv",
        &x,
        &[("w", w)],
        vec![
            ints_attribute("strides", &[2, 1]),
            ints_attribute("dilations", &[1, 2]),
            ints_attribute("pads", &[1, 0, 0, 0]),
        ],
    );
    assert_eq!(y.dims(), [1, 1, 2, 3]);
    let at = |r: usize, c: usize| (r * 5 + c) as f32;
    let expected = [
        at(0, 0) + at(0, 2),
        at(0, 1) + at(0, 3),
        at(0, 2) + at(0, 4),
        at(1, 0) + at(1, 2) + at(2, 0) + at(2, 2),
        at(1, 1) + at(1, 3) + at(2, 1) + at(2, 3),
        at(1, 2) + at(1, 4) + at(2, 2) + at(2, 4),
    ];
    assert_close(&values_f32(&y), &expected);
}

#[test]
fn matmul_with_one_matrix_for_every_batch_is_numpys_and_the_same_bits_in_any_batch() {
    // A transformer's linear layer: 5 samples of 3 tokens of 64 features, one 64 × 80 weight.
    let values = |count: usize, seed: usize| -> Vec<f32> {
        (0..count)
            .map(|i| ((i * 7919 + seed * 104_729) % 1999) as f32 / 997.0 - 1.0)
            .collect()
    };
    let (samples, tokens, k, n) = (5, 3, 64, 80);
    let x = floats(&values(samples * tokens * k, 1), &[samples, tokens, k]);
    let weight = floats(&values(k * n, 2), &[k, n]);
    for w in [weight.clone(), weight.unsqueeze(0).expect("a batch of one")] {
        let y = run("MatMul", &x, &[("w", w.clone())], vec![]);
        let numpys = x.broadcast_matmul(&w).expect("candle's product");
        assert_eq!(y.dims(), numpys.dims());
        assert_close(&values_f32(&y), &values_f32(&numpys));
        let one_by_one: Vec<f32> = (0..samples)
            .flat_map(|s| {
                let sample = x.narrow(0, s, 1).expect("a sample");
                values_f32(&run("MatMul", &sample, &[("w", w.clone())], vec![]))
            })
            .collect();
        assert!(
            values_f32(&y) == one_by_one,
            "a sample's product depends on its batch"
        );
    }
    // A matrix times a batch of one matrix gains the batch axis, as in NumPy.
    let rows = x.narrow(0, 0, 1).and_then(|x| x.squeeze(0)).expect("rows");
    let y = run(
        "MatMul",
        &rows,
        &[("w", weight.unsqueeze(0).expect("a batch"))],
        vec![],
    );
    assert_eq!(y.dims(), [1, tokens, n]);
}
