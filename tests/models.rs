//! Models: ONNX graphs built here with the protobuf messages, and built-in architectures from
//! safetensors files, all with seeded random weights. Every model's logits are compared with a
//! plain-loop reference (`reference/naive.rs`) and its input gradient with central finite
//! differences of the cross-entropy loss.

#[path = "reference/naive.rs"]
mod naive;
mod support;

use naive::{Pool, T};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rbench::model::onnx::proto::{ModelProto, NodeProto, TensorProto};
use rbench::model::{Activation, Architecture, BuiltinModel, ModelError, Network, OnnxModel};
use support::gradient::assert_gradient;
use support::onnx::{
    batched_value, float, float_tensor, graph, int, int64_tensor, ints, model, node,
    raw_float_tensor, tensor_attribute,
};

// ---------------------------------------------------------------------------------------------
// Random weights

struct Weights {
    rng: ChaCha8Rng,
}

impl Weights {
    fn new(seed: u64) -> Weights {
        Weights {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// `n` values uniform in `[-scale, scale)`.
    fn uniform(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|_| self.rng.random_range(-scale..scale))
            .collect()
    }

    /// `n` values uniform in `[low, high)`.
    fn between(&mut self, n: usize, low: f32, high: f32) -> Vec<f32> {
        (0..n).map(|_| self.rng.random_range(low..high)).collect()
    }

    /// Weights of a layer with `fan_in` inputs, scaled to keep activations near unit size.
    fn layer(&mut self, n: usize, fan_in: usize) -> Vec<f32> {
        self.uniform(n, 1.5 / (fan_in as f32).sqrt())
    }
}

/// The reference of a 3×3 convolution (stride 1, bias, `pads`), ReLU, then 2×2 max pooling:
/// one stage of the CNNs under test.
fn conv_relu_pool(
    input: &T,
    [out, inputs]: [usize; 2],
    weights: &[f32],
    bias: &[f32],
    pads: [usize; 4],
) -> T {
    let weights = T::from_f32(&[out, inputs, 3, 3], weights);
    let h = naive::relu(&naive::conv2d(input, &weights, Some(&f64s(bias)), 1, pads));
    naive::pool(&h, [2, 2], [2, 2], [0; 4], false, Pool::Max)
}

fn f64s(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v)).collect()
}

// ---------------------------------------------------------------------------------------------
// ONNX graphs

/// An `f32` initializer; odd-sized ones use `float_data`, others `raw_data`, to exercise both.
fn initializer(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
    match values.len() % 2 {
        1 => float_tensor(name, dims, values),
        _ => raw_float_tensor(name, dims, values),
    }
}

/// A classifier reading `x` of `[batch, input…]` and writing `output.0` of `[batch, output.1]`.
fn classifier(
    opset: i64,
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    input: &[usize],
    output: (&str, usize),
) -> ModelProto {
    let input = batched_value("x", input);
    let output = batched_value(output.0, &[output.1]);
    model(opset, graph(nodes, initializers, vec![input], vec![output]))
}

fn compile(model: &ModelProto) -> OnnxModel {
    OnnxModel::compile(model, "test.onnx").expect("a supported model")
}

// ---------------------------------------------------------------------------------------------
// Checks

/// Logits equal the reference to 1e-4 relative.
fn assert_logits(network: &dyn Network, inputs: &[f32], n: usize, reference: &T) {
    let logits = network.forward(inputs, n).expect("forward");
    assert_eq!(reference.dims, [n, network.classes()]);
    assert_eq!(logits.len(), reference.data.len());
    for (i, (&found, &expected)) in logits.iter().zip(&reference.data).enumerate() {
        assert!(
            (f64::from(found) - expected).abs() <= 1e-4 * expected.abs().max(1.0),
            "logit {i}: {found} where the reference is {expected}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// ONNX models

#[test]
fn an_mlp_of_gemms_matches_the_reference_and_finite_differences() {
    let mut w = Weights::new(1);
    let (n, k, hidden, classes) = (4, 6, 8, 3);
    let (w1, b1) = (w.layer(hidden * k, k), w.uniform(hidden, 0.5));
    // The second layer is stored [in, out] (no transB) and scaled through alpha and beta.
    let (w2, b2) = (w.layer(hidden * classes, hidden), w.uniform(classes, 0.5));
    let model = classifier(
        17,
        vec![
            node(
                "Gemm",
                "fc1",
                &["x", "w1", "b1"],
                &["h"],
                vec![int("transB", 1)],
            ),
            node("Tanh", "act", &["h"], &["a"], vec![]),
            node(
                "Gemm",
                "fc2",
                &["a", "w2", "b2"],
                &["y"],
                vec![float("alpha", 2.0), float("beta", 0.5)],
            ),
        ],
        vec![
            initializer("w1", &[hidden, k], &w1),
            initializer("b1", &[hidden], &b1),
            initializer("w2", &[hidden, classes], &w2),
            initializer("b2", &[classes], &b2),
        ],
        &[k],
        ("y", classes),
    );
    let network = compile(&model);
    assert_eq!(
        (network.input_shape(), network.classes()),
        (&[k][..], classes)
    );
    let x = w.uniform(n * k, 1.0);
    let a = naive::linear(&T::from_f32(&[n, k], &x), &f64s(&w1), &f64s(&b1)).map(f64::tanh);
    let w2t = naive::transpose(&T::from_f32(&[hidden, classes], &w2), &[1, 0]);
    let scaled: Vec<f64> = w2t.data.iter().map(|v| 2.0 * v).collect();
    let b2: Vec<f64> = b2.iter().map(|&v| 0.5 * f64::from(v)).collect();
    assert_logits(&network, &x, n, &naive::linear(&a, &scaled, &b2));
    assert_gradient(&network, &x, n, 1e-2);
}

#[test]
fn a_cnn_of_convolutions_and_max_pools_matches_the_reference_and_finite_differences() {
    let mut w = Weights::new(2);
    let (n, c0, c1, c2, side, classes) = (2, 2, 4, 6, 10, 5);
    let conv1 = w.layer(c1 * c0 * 9, c0 * 9);
    let bias1 = w.uniform(c1, 0.3);
    let conv2 = w.layer(c2 * c1 * 9, c1 * 9);
    let bias2 = w.uniform(c2, 0.3);
    // 10×10 → conv (pad 1) 10×10 → pool 5×5 → conv 3×3 → pool (floor) 1×1.
    let fc = w.layer(classes * c2, c2);
    let fc_bias = w.uniform(classes, 0.3);
    let model = classifier(
        13,
        vec![
            node(
                "Conv",
                "conv1",
                &["x", "k1", "b1"],
                &["c1"],
                vec![ints("pads", &[1, 1, 1, 1]), ints("kernel_shape", &[3, 3])],
            ),
            node("Relu", "relu1", &["c1"], &["r1"], vec![]),
            node(
                "MaxPool",
                "pool1",
                &["r1"],
                &["p1"],
                vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])],
            ),
            node("Conv", "conv2", &["p1", "k2", "b2"], &["c2"], vec![]),
            node("Relu", "relu2", &["c2"], &["r2"], vec![]),
            node(
                "MaxPool",
                "pool2",
                &["r2"],
                &["p2"],
                vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])],
            ),
            node("Flatten", "flatten", &["p2"], &["f"], vec![]),
            node(
                "Gemm",
                "fc",
                &["f", "w", "b"],
                &["y"],
                vec![int("transB", 1)],
            ),
        ],
        vec![
            initializer("k1", &[c1, c0, 3, 3], &conv1),
            initializer("b1", &[c1], &bias1),
            initializer("k2", &[c2, c1, 3, 3], &conv2),
            initializer("b2", &[c2], &bias2),
            initializer("w", &[classes, c2], &fc),
            initializer("b", &[classes], &fc_bias),
        ],
        &[c0, side, side],
        ("y", classes),
    );
    let network = compile(&model);
    let x = w.uniform(n * c0 * side * side, 1.0);
    let input = T::from_f32(&[n, c0, side, side], &x);
    let h = conv_relu_pool(&input, [c1, c0], &conv1, &bias1, [1; 4]);
    let h = conv_relu_pool(&h, [c2, c1], &conv2, &bias2, [0; 4]);
    let reference = naive::linear(&h.reshape(&[n, c2]), &f64s(&fc), &f64s(&fc_bias));
    assert_logits(&network, &x, n, &reference);
    assert_gradient(&network, &x, n, 1e-3);
}

/// Random batch-normalization parameters: gamma, beta, mean, variance.
fn batch_norm_parameters(w: &mut Weights, c: usize) -> [Vec<f32>; 4] {
    [
        w.between(c, 0.5, 1.5),
        w.uniform(c, 0.2),
        w.uniform(c, 0.2),
        w.between(c, 0.5, 2.0),
    ]
}

fn batch_norm_initializers(name: &str, p: &[Vec<f32>; 4]) -> Vec<TensorProto> {
    ["scale", "bias", "mean", "var"]
        .iter()
        .zip(p)
        .map(|(field, values)| initializer(&format!("{name}.{field}"), &[values.len()], values))
        .collect()
}

fn batch_norm_node(name: &str, input: &str, output: &str) -> NodeProto {
    let inputs: Vec<String> = ["scale", "bias", "mean", "var"]
        .iter()
        .map(|f| format!("{name}.{f}"))
        .collect();
    let mut all = vec![input];
    all.extend(inputs.iter().map(String::as_str));
    node(
        "BatchNormalization",
        name,
        &all,
        &[output],
        vec![float("epsilon", 1e-3)],
    )
}

fn reference_batch_norm(x: &T, p: &[Vec<f32>; 4]) -> T {
    naive::batch_norm(
        x,
        &f64s(&p[0]),
        &f64s(&p[1]),
        &f64s(&p[2]),
        &f64s(&p[3]),
        f64::from(1e-3f32),
    )
}

#[test]
fn a_residual_block_with_a_padded_stem_matches_the_reference_and_finite_differences() {
    let mut w = Weights::new(3);
    let (n, c0, c, side, classes) = (2, 3, 4, 12, 3);
    let stem = w.layer(c * c0 * 9, c0 * 9);
    let bn0 = batch_norm_parameters(&mut w, c);
    let conv1 = w.layer(c * c * 9, c * 9);
    let bn1 = batch_norm_parameters(&mut w, c);
    let conv2 = w.layer(c * c * 9, c * 9);
    let bn2 = batch_norm_parameters(&mut w, c);
    let fc = w.layer(classes * c, c);
    let fc_bias = w.uniform(classes, 0.3);
    let same = || vec![ints("pads", &[1, 1, 1, 1])];
    let mut nodes = vec![
        // The usual ResNet stem: a strided convolution, then a padded, strided 3×3 max pool.
        node(
            "Conv",
            "stem",
            &["x", "stem.w"],
            &["s"],
            vec![ints("pads", &[1, 1, 1, 1]), ints("strides", &[2, 2])],
        ),
        batch_norm_node("bn0", "s", "sn"),
        node("Relu", "relu0", &["sn"], &["sr"], vec![]),
        node(
            "MaxPool",
            "pool",
            &["sr"],
            &["p"],
            vec![
                ints("kernel_shape", &[3, 3]),
                ints("strides", &[2, 2]),
                ints("pads", &[1, 1, 1, 1]),
            ],
        ),
        node("Conv", "conv1", &["p", "conv1.w"], &["c1"], same()),
        batch_norm_node("bn1", "c1", "n1"),
        node("Relu", "relu1", &["n1"], &["r1"], vec![]),
        node("Conv", "conv2", &["r1", "conv2.w"], &["c2"], same()),
        batch_norm_node("bn2", "c2", "n2"),
        node("Add", "residual", &["n2", "p"], &["sum"], vec![]),
        node("Relu", "relu2", &["sum"], &["r2"], vec![]),
        node("GlobalAveragePool", "gap", &["r2"], &["g"], vec![]),
        node("Flatten", "flatten", &["g"], &["f"], vec![]),
        node(
            "Gemm",
            "fc",
            &["f", "fc.w", "fc.b"],
            &["y"],
            vec![int("transB", 1)],
        ),
    ];
    // Nodes out of order: the compiler sorts them.
    nodes.reverse();
    let mut initializers = vec![
        initializer("stem.w", &[c, c0, 3, 3], &stem),
        initializer("conv1.w", &[c, c, 3, 3], &conv1),
        initializer("conv2.w", &[c, c, 3, 3], &conv2),
        initializer("fc.w", &[classes, c], &fc),
        initializer("fc.b", &[classes], &fc_bias),
    ];
    for (name, p) in [("bn0", &bn0), ("bn1", &bn1), ("bn2", &bn2)] {
        initializers.extend(batch_norm_initializers(name, p));
    }
    let network = compile(&classifier(
        17,
        nodes,
        initializers,
        &[c0, side, side],
        ("y", classes),
    ));
    let x = w.uniform(n * c0 * side * side, 1.0);
    let input = T::from_f32(&[n, c0, side, side], &x);
    let s = naive::conv2d(&input, &T::from_f32(&[c, c0, 3, 3], &stem), None, 2, [1; 4]);
    let s = naive::relu(&reference_batch_norm(&s, &bn0));
    let p = naive::pool(&s, [3, 3], [2, 2], [1; 4], false, Pool::Max);
    assert_eq!(p.dims, [n, c, 3, 3]);
    let r1 = naive::relu(&reference_batch_norm(
        &naive::conv2d(&p, &T::from_f32(&[c, c, 3, 3], &conv1), None, 1, [1; 4]),
        &bn1,
    ));
    let n2 = reference_batch_norm(
        &naive::conv2d(&r1, &T::from_f32(&[c, c, 3, 3], &conv2), None, 1, [1; 4]),
        &bn2,
    );
    let g = naive::global_average(&naive::relu(&naive::add(&n2, &p)));
    assert_logits(
        &network,
        &x,
        n,
        &naive::linear(&g, &f64s(&fc), &f64s(&fc_bias)),
    );
    assert_gradient(&network, &x, n, 1e-3);
}

#[test]
fn average_and_max_pools_with_pads_and_ceil_mode_match_the_reference() {
    let mut w = Weights::new(4);
    let (n, c, side, classes) = (2, 2, 7, 3);
    for (op, count_include_pad, ceil) in [
        ("AveragePool", false, true),
        ("AveragePool", true, true),
        ("AveragePool", true, false),
        ("MaxPool", false, true),
    ] {
        // 7 padded by 1 and 0, kernel 3, stride 2: 3 windows, or 4 with ceil_mode.
        let mut attributes = vec![
            ints("kernel_shape", &[3, 3]),
            ints("strides", &[2, 2]),
            ints("pads", &[1, 1, 0, 0]),
            int("ceil_mode", i64::from(ceil)),
        ];
        if op == "AveragePool" {
            attributes.push(int("count_include_pad", i64::from(count_include_pad)));
        }
        let out = if ceil { 4 } else { 3 };
        let features = c * out * out;
        let fc = w.layer(classes * features, features);
        let fc_bias = w.uniform(classes, 0.3);
        let model = classifier(
            17,
            vec![
                node(op, "pool", &["x"], &["p"], attributes),
                node("Flatten", "flatten", &["p"], &["f"], vec![]),
                node(
                    "Gemm",
                    "fc",
                    &["f", "w", "b"],
                    &["y"],
                    vec![int("transB", 1)],
                ),
            ],
            vec![
                initializer("w", &[classes, features], &fc),
                initializer("b", &[classes], &fc_bias),
            ],
            &[c, side, side],
            ("y", classes),
        );
        let network = compile(&model);
        let x = w.uniform(n * c * side * side, 1.0);
        let kind = match op {
            "MaxPool" => Pool::Max,
            _ => Pool::Average { count_include_pad },
        };
        let p = naive::pool(
            &T::from_f32(&[n, c, side, side], &x),
            [3, 3],
            [2, 2],
            [1, 1, 0, 0],
            ceil,
            kind,
        );
        assert_eq!(p.dims, [n, c, out, out], "{op}");
        assert_logits(
            &network,
            &x,
            n,
            &naive::linear(&p.reshape(&[n, features]), &f64s(&fc), &f64s(&fc_bias)),
        );
        assert_gradient(&network, &x, n, 1e-3);
    }
}

#[test]
fn a_final_softmax_is_left_out_and_its_input_is_the_logits() {
    let mut w = Weights::new(5);
    let (n, k, classes) = (3, 5, 4);
    let weight = w.layer(k * classes, k);
    let bias = w.uniform(classes, 0.5);
    // Opset 13 takes the last axis by default; opset 11 axis 1 of the input coerced to 2-D.
    for (opset, op) in [(13, "Softmax"), (11, "Softmax"), (13, "LogSoftmax")] {
        let model = classifier(
            opset,
            vec![
                node("MatMul", "mm", &["x", "w"], &["m"], vec![]),
                node("Add", "bias", &["m", "b"], &["logits"], vec![]),
                node(op, "softmax", &["logits"], &["y"], vec![]),
            ],
            vec![
                initializer("w", &[k, classes], &weight),
                initializer("b", &[classes], &bias),
            ],
            &[k],
            ("y", classes),
        );
        let network = compile(&model);
        let x = w.uniform(n * k, 1.0);
        let wt = naive::transpose(&T::from_f32(&[k, classes], &weight), &[1, 0]);
        assert_logits(
            &network,
            &x,
            n,
            &naive::linear(&T::from_f32(&[n, k], &x), &wt.data, &f64s(&bias)),
        );
        assert_gradient(&network, &x, n, 1e-2);
    }
}

#[test]
fn a_softmax_inside_the_graph_is_computed_and_differentiated() {
    let mut w = Weights::new(6);
    let (n, k, classes) = (3, 4, 3);
    let w1 = w.layer(k * k, k);
    let w2 = w.layer(k * classes, k);
    let model = classifier(
        13,
        vec![
            node("MatMul", "mm1", &["x", "w1"], &["m"], vec![]),
            node("Softmax", "attention", &["m"], &["s"], vec![int("axis", 1)]),
            node("MatMul", "mm2", &["s", "w2"], &["y"], vec![]),
        ],
        vec![
            initializer("w1", &[k, k], &w1),
            initializer("w2", &[k, classes], &w2),
        ],
        &[k],
        ("y", classes),
    );
    let network = compile(&model);
    let x = w.uniform(n * k, 2.0);
    let m = naive::linear(
        &T::from_f32(&[n, k], &x),
        &naive::transpose(&T::from_f32(&[k, k], &w1), &[1, 0]).data,
        &[0.0; 4],
    );
    let s: Vec<f64> = m
        .data
        .chunks(k)
        .flat_map(|row| {
            let sum: f64 = row.iter().map(|v| v.exp()).sum();
            row.iter().map(move |v| v.exp() / sum)
        })
        .collect();
    let w2t = naive::transpose(&T::from_f32(&[k, classes], &w2), &[1, 0]);
    assert_logits(
        &network,
        &x,
        n,
        &naive::linear(&T::new(&[n, k], s), &w2t.data, &[0.0; 3]),
    );
    assert_gradient(&network, &x, n, 1e-2);
}

#[test]
fn transpose_reshape_concat_and_constants_match_the_reference() {
    let mut w = Weights::new(7);
    let (n, classes) = (2, 4);
    let features = 2 * 3 * 4;
    let weight = w.layer(2 * features * classes, 2 * features);
    let bias = w.uniform(classes, 0.3);
    let shape = TensorProto {
        name: None,
        ..int64_tensor("", &[0, -1])
    };
    let model = classifier(
        17,
        vec![
            node(
                "Transpose",
                "t",
                &["x"],
                &["xt"],
                vec![ints("perm", &[0, 2, 1, 3])],
            ),
            node(
                "Constant",
                "shape",
                &[],
                &["shape"],
                vec![tensor_attribute("value", shape)],
            ),
            node("Reshape", "flat", &["xt", "shape"], &["f"], vec![]),
            node("Identity", "same", &["f"], &["fi"], vec![]),
            node("Dropout", "drop", &["fi"], &["fd"], vec![]),
            node("Tanh", "tanh", &["fd"], &["a"], vec![]),
            node("Sigmoid", "sigmoid", &["f"], &["s"], vec![]),
            node("Concat", "cat", &["a", "s"], &["ab"], vec![int("axis", -1)]),
            // A weight stored transposed, folded at compile time.
            node("Transpose", "wt", &["w"], &["w_t"], vec![]),
            node("MatMul", "mm", &["ab", "w_t"], &["m"], vec![]),
            node("Add", "bias", &["m", "b"], &["y"], vec![]),
        ],
        vec![
            initializer("w", &[classes, 2 * features], &weight),
            initializer("b", &[classes], &bias),
        ],
        &[2, 3, 4],
        ("y", classes),
    );
    let network = compile(&model);
    let x = w.uniform(n * features, 1.5);
    let t =
        naive::transpose(&T::from_f32(&[n, 2, 3, 4], &x), &[0, 2, 1, 3]).reshape(&[n, features]);
    let ab = naive::concat_columns(&t.map(f64::tanh), &t.map(|v| 1.0 / (1.0 + (-v).exp())));
    assert_logits(
        &network,
        &x,
        n,
        &naive::linear(&ab, &f64s(&weight), &f64s(&bias)),
    );
    assert_gradient(&network, &x, n, 1e-2);
}

#[test]
fn models_load_from_files() {
    let mut w = Weights::new(8);
    let weight = w.layer(12, 4);
    let model = classifier(
        17,
        vec![node(
            "Gemm",
            "fc",
            &["x", "w"],
            &["y"],
            vec![int("transB", 1)],
        )],
        vec![initializer("w", &[3, 4], &weight)],
        &[4],
        ("y", 3),
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("m.onnx");
    std::fs::write(&path, prost::Message::encode_to_vec(&model)).expect("write");
    let network = OnnxModel::load(&path).expect("a model");
    let x = w.uniform(8, 1.0);
    assert_eq!(
        network.forward(&x, 2).expect("forward"),
        compile(&model).forward(&x, 2).expect("forward")
    );
    let error = OnnxModel::load(&dir.path().join("none.onnx")).expect_err("missing");
    assert!(matches!(error, ModelError::File { .. }), "{error}");
}

#[test]
fn unsupported_operators_and_attributes_are_named_with_their_node() {
    let weight = initializer("w", &[3, 4], &[0.5; 12]);
    let with = |nodes: Vec<NodeProto>| classifier(17, nodes, vec![weight.clone()], &[4], ("y", 3));
    let error = OnnxModel::compile(
        &with(vec![
            node("Gemm", "fc", &["x", "w"], &["h"], vec![int("transB", 1)]),
            node("Celu", "celu_7", &["h"], &["y"], vec![]),
        ]),
        "m.onnx",
    )
    .expect_err("Celu is not supported");
    assert_eq!(
        error.to_string(),
        "unsupported ONNX operator `Celu` in node `celu_7`"
    );
    let error = OnnxModel::compile(
        &with(vec![node(
            "Gemm",
            "fc",
            &["x", "w"],
            &["y"],
            vec![int("transB", 1), int("fused", 1)],
        )]),
        "m.onnx",
    )
    .expect_err("an unknown attribute");
    assert_eq!(
        error.to_string(),
        "unsupported ONNX operator `Gemm` in node `fc`: attribute `fused`"
    );
    let error = OnnxModel::compile(
        &with(vec![NodeProto {
            domain: Some("com.microsoft".into()),
            ..node("FusedGemm", "", &["x", "w"], &["y"], vec![])
        }]),
        "m.onnx",
    )
    .expect_err("another domain");
    assert_eq!(
        error.to_string(),
        "unsupported ONNX operator `com.microsoft.FusedGemm` in node `#0`"
    );
    let error = OnnxModel::compile(
        &with(vec![node("Gemm", "fc", &["x", "v"], &["y"], vec![])]),
        "m.onnx",
    )
    .expect_err("a missing value");
    assert!(error.to_string().contains("node `fc` reads `v`"), "{error}");
}

#[test]
fn candle_max_pool2d_backward_divides_the_gradient_by_the_window_size() {
    // Why pooling is written by hand (src/model/layers.rs): candle 0.11's `max_pool2d` gives the
    // maximum of each 2×2 window a gradient of 1/4 instead of 1. When this test fails, candle has
    // fixed the bug.
    use candle_core::{Device, Tensor, Var};
    let x =
        Var::from_tensor(&Tensor::new(&[[[[1f32, 2.0], [3.0, 4.0]]]], &Device::Cpu).expect("x"))
            .expect("var");
    let y = x.max_pool2d(2).expect("pool").sum_all().expect("sum");
    let gradient = y.backward().expect("backward");
    let gradient: Vec<f32> = gradient
        .get(&x)
        .expect("a gradient")
        .flatten_all()
        .expect("flat")
        .to_vec1()
        .expect("values");
    assert_eq!(gradient, [0.0, 0.0, 0.0, 0.25]);
}

// ---------------------------------------------------------------------------------------------
// Built-in architectures

/// A temporary safetensors file of the `f32` tensors `(name, shape, values)`.
fn safetensors_file(tensors: &[(&str, &[usize], &[f32])]) -> tempfile::NamedTempFile {
    let tensors: Vec<(&str, safetensors::Dtype, &[usize], Vec<u8>)> = tensors
        .iter()
        .map(|&(name, dims, values)| {
            assert_eq!(dims.iter().product::<usize>(), values.len(), "{name}");
            let bytes = support::files::f32_bytes(values);
            (name, safetensors::Dtype::F32, dims, bytes)
        })
        .collect();
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), support::files::safetensors(&tensors)).expect("write");
    file
}

#[test]
fn a_builtin_mlp_matches_the_reference_and_finite_differences() {
    let mut w = Weights::new(9);
    let (n, k, h0, h1, classes) = (3, 12, 8, 6, 4);
    let (w0, b0) = (w.layer(h0 * k, k), w.uniform(h0, 0.3));
    let (w1, b1) = (w.layer(h1 * h0, h0), w.uniform(h1, 0.3));
    let (w2, b2) = (w.layer(classes * h1, h1), w.uniform(classes, 0.3));
    let file = safetensors_file(&[
        ("hidden.0.weight", &[h0, k], &w0),
        ("hidden.0.bias", &[h0], &b0),
        ("hidden.1.weight", &[h1, h0], &w1),
        ("hidden.1.bias", &[h1], &b1),
        ("output.weight", &[classes, h1], &w2),
        ("output.bias", &[classes], &b2),
    ]);
    for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        let architecture = Architecture::Mlp {
            hidden: vec![h0, h1],
            classes,
            activation,
        };
        // Images of 3×4 are flattened to the 12 features of the first layer.
        let network = BuiltinModel::load(file.path(), &architecture, &[3, 4]).expect("an mlp");
        assert_eq!(
            (network.input_shape(), network.classes()),
            (&[3, 4][..], classes)
        );
        let f = |v: f64| match activation {
            Activation::Relu => v.max(0.0),
            Activation::Tanh => v.tanh(),
            Activation::Sigmoid => 1.0 / (1.0 + (-v).exp()),
        };
        let x = w.uniform(n * k, 1.0);
        let a = naive::linear(&T::from_f32(&[n, k], &x), &f64s(&w0), &f64s(&b0)).map(f);
        let a = naive::linear(&a, &f64s(&w1), &f64s(&b1)).map(f);
        assert_logits(&network, &x, n, &naive::linear(&a, &f64s(&w2), &f64s(&b2)));
        assert_gradient(&network, &x, n, 1e-2);
    }
}

#[test]
fn a_builtin_cnn_matches_the_reference_and_finite_differences() {
    let mut w = Weights::new(10);
    let (n, c0, c1, c2, side, hidden, classes) = (2, 1, 3, 4, 9, 6, 3);
    // 9×9 → conv 9×9 → pool 4×4 → conv 4×4 → pool 2×2: 4 · 2 · 2 features.
    let features = c2 * 2 * 2;
    let (k0, b0) = (w.layer(c1 * c0 * 9, c0 * 9), w.uniform(c1, 0.3));
    let (k1, b1) = (w.layer(c2 * c1 * 9, c1 * 9), w.uniform(c2, 0.3));
    let (wh, bh) = (w.layer(hidden * features, features), w.uniform(hidden, 0.3));
    let (wo, bo) = (w.layer(classes * hidden, hidden), w.uniform(classes, 0.3));
    let file = safetensors_file(&[
        ("convs.0.weight", &[c1, c0, 3, 3], &k0),
        ("convs.0.bias", &[c1], &b0),
        ("convs.1.weight", &[c2, c1, 3, 3], &k1),
        ("convs.1.bias", &[c2], &b1),
        ("hidden.weight", &[hidden, features], &wh),
        ("hidden.bias", &[hidden], &bh),
        ("output.weight", &[classes, hidden], &wo),
        ("output.bias", &[classes], &bo),
    ]);
    let architecture = Architecture::Cnn {
        channels: vec![c1, c2],
        hidden,
        classes,
        in_channels: c0,
    };
    let network = BuiltinModel::load(file.path(), &architecture, &[side, side]).expect("a cnn");
    let x = w.uniform(n * side * side, 1.0);
    let h = T::from_f32(&[n, c0, side, side], &x);
    let h = conv_relu_pool(&h, [c1, c0], &k0, &b0, [1; 4]);
    let h = conv_relu_pool(&h, [c2, c1], &k1, &b1, [1; 4]);
    let h = naive::relu(&naive::linear(
        &h.reshape(&[n, features]),
        &f64s(&wh),
        &f64s(&bh),
    ));
    assert_logits(&network, &x, n, &naive::linear(&h, &f64s(&wo), &f64s(&bo)));
    assert_gradient(&network, &x, n, 1e-3);
}

/// The tensors of a PyTorch `BatchNorm2d` called `name`, and the reference applying it.
fn pytorch_batch_norm(
    w: &mut Weights,
    name: &str,
    c: usize,
    tensors: &mut Vec<(String, Vec<usize>, Vec<f32>)>,
) -> [Vec<f32>; 4] {
    let p = batch_norm_parameters(w, c);
    for (field, values) in ["weight", "bias", "running_mean", "running_var"]
        .iter()
        .zip(&p)
    {
        tensors.push((format!("{name}.{field}"), vec![c], values.clone()));
    }
    p
}

fn pytorch_reference_bn(x: &T, p: &[Vec<f32>; 4]) -> T {
    naive::batch_norm(
        x,
        &f64s(&p[0]),
        &f64s(&p[1]),
        &f64s(&p[2]),
        &f64s(&p[3]),
        1e-5,
    )
}

#[test]
fn a_builtin_resnet_matches_the_reference_and_finite_differences() {
    let mut w = Weights::new(11);
    let (n, c_in, side, classes) = (2, 2, 8, 3);
    let channels = [3, 5];
    let mut tensors: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
    let conv =
        |w: &mut Weights, name: &str, out: usize, inputs: usize, k: usize, tensors: &mut Vec<_>| {
            let values = w.layer(out * inputs * k * k, inputs * k * k);
            tensors.push((
                format!("{name}.weight"),
                vec![out, inputs, k, k],
                values.clone(),
            ));
            T::from_f32(&[out, inputs, k, k], &values)
        };
    let stem = conv(&mut w, "stem", channels[0], c_in, 3, &mut tensors);
    let stem_bn = pytorch_batch_norm(&mut w, "stem_bn", channels[0], &mut tensors);
    // blocks = 1: stages.0.0 keeps 3 channels; stages.1.0 goes to 5 with stride 2 and a downsample.
    let mut blocks = Vec::new();
    let mut inputs = channels[0];
    for (s, &out) in channels.iter().enumerate() {
        let name = format!("stages.{s}.0");
        let conv1 = conv(
            &mut w,
            &format!("{name}.conv1"),
            out,
            inputs,
            3,
            &mut tensors,
        );
        let bn1 = pytorch_batch_norm(&mut w, &format!("{name}.bn1"), out, &mut tensors);
        let conv2 = conv(&mut w, &format!("{name}.conv2"), out, out, 3, &mut tensors);
        let bn2 = pytorch_batch_norm(&mut w, &format!("{name}.bn2"), out, &mut tensors);
        let downsample = (s > 0).then(|| {
            let c = conv(
                &mut w,
                &format!("{name}.downsample.0"),
                out,
                inputs,
                1,
                &mut tensors,
            );
            (
                c,
                pytorch_batch_norm(&mut w, &format!("{name}.downsample.1"), out, &mut tensors),
            )
        });
        blocks.push((s.min(1) + 1, conv1, bn1, conv2, bn2, downsample));
        inputs = out;
    }
    let (wo, bo) = (w.layer(classes * inputs, inputs), w.uniform(classes, 0.3));
    tensors.push(("output.weight".into(), vec![classes, inputs], wo.clone()));
    tensors.push(("output.bias".into(), vec![classes], bo.clone()));
    // PyTorch also saves `num_batches_tracked` (int64): such tensors are not weights.
    let listed: Vec<(&str, &[usize], &[f32])> = tensors
        .iter()
        .map(|(n, d, v)| (n.as_str(), d.as_slice(), v.as_slice()))
        .collect();
    let file = safetensors_file(&listed);
    let architecture = Architecture::ResNet {
        channels: channels.to_vec(),
        blocks: 1,
        classes,
        in_channels: c_in,
    };
    let network =
        BuiltinModel::load(file.path(), &architecture, &[c_in, side, side]).expect("a resnet");
    let x = w.uniform(n * c_in * side * side, 1.0);
    let mut h = naive::conv2d(
        &T::from_f32(&[n, c_in, side, side], &x),
        &stem,
        None,
        1,
        [1; 4],
    );
    h = naive::relu(&pytorch_reference_bn(&h, &stem_bn));
    for (stride, conv1, bn1, conv2, bn2, downsample) in &blocks {
        let y = naive::relu(&pytorch_reference_bn(
            &naive::conv2d(&h, conv1, None, *stride, [1; 4]),
            bn1,
        ));
        let y = pytorch_reference_bn(&naive::conv2d(&y, conv2, None, 1, [1; 4]), bn2);
        let shortcut = match downsample {
            Some((c, bn)) => pytorch_reference_bn(&naive::conv2d(&h, c, None, *stride, [0; 4]), bn),
            None => h.clone(),
        };
        h = naive::relu(&naive::add(&y, &shortcut));
    }
    assert_eq!(h.dims, [n, 5, 4, 4]);
    let g = naive::global_average(&h);
    assert_logits(&network, &x, n, &naive::linear(&g, &f64s(&wo), &f64s(&bo)));
    assert_gradient(&network, &x, n, 1e-3);
}

#[test]
fn missing_and_misshapen_weights_name_the_tensor_and_its_expected_shape() {
    let file = safetensors_file(&[
        ("hidden.0.weight", &[4, 6], &[0.1; 24]),
        ("hidden.0.bias", &[4], &[0.0; 4]),
        ("output.weight", &[3, 5], &[0.1; 15]),
    ]);
    let architecture = Architecture::Mlp {
        hidden: vec![4],
        classes: 3,
        activation: Activation::Relu,
    };
    let error = BuiltinModel::load(file.path(), &architecture, &[6]).expect_err("misshapen");
    assert_eq!(
        error.to_string(),
        "`output.weight` has shape [3, 5]; `mlp(hidden: [4], classes: 3, activation: relu)` \
         calls for [3, 4]"
    );
    let architecture = Architecture::Mlp {
        hidden: vec![4, 2],
        classes: 3,
        activation: Activation::Relu,
    };
    let error = BuiltinModel::load(file.path(), &architecture, &[6]).expect_err("missing");
    assert_eq!(
        error.to_string(),
        "the weights lack `hidden.1.weight` (floating point, shape [2, 4]), which \
         `mlp(hidden: [4, 2], classes: 3, activation: relu)` calls for"
    );
    let error = BuiltinModel::load(file.path(), &architecture, &[7]).expect_err("wrong input");
    assert!(
        error
            .to_string()
            .contains("`hidden.0.weight` has shape [4, 6]"),
        "{error}"
    );
}
