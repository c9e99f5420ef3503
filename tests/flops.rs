//! FLOP estimates: the built-in architectures and ONNX graphs built here against figures
//! computed by hand (FLOPs = 2 × multiply-accumulates of convolution and linear layers), and
//! `rbench plan --link` on a temporary project.

mod support;

use std::path::Path;
use std::process::Command;

use insta_cmd::get_cargo_bin;
use prost::Message;
use rbench::check::{self, FsLoader, ModelFormat, Spec};
use rbench::link::flops_of_architecture;
use rbench::model::flops::{flops_of_onnx, FlopsError};
use rbench::model::onnx::proto::{AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto};
use rbench::syntax::{self, FileId, SourceFile};
use support::onnx::{
    self, batched_value, int, ints, raw_int64_tensor, shape_only_tensor, tensor_attribute,
};

/// MLP 784-256-128-10: 784·256 + 256·128 + 128·10 = 234,752 multiply-accumulates.
const MLP_FLOPS: u64 = 469_504;
/// CNN conv32-conv64-fc128 on 28×28: 28·28·32·9 (conv 1→32) + 14·14·64·32·9 (conv 32→64) +
/// 3136·128 + 128·10 = 4,241,152 multiply-accumulates.
const CNN_FLOPS: u64 = 8_482_304;

// ---- built-in architectures ----

/// The architecture call of the one safetensors model `arch` declares, checked.
fn architecture(arch: &str) -> check::Call {
    let text = format!(
        "benchmark b {{\n  seed = 1\n}}\n\ndataset d {{\n  source = npz(\"d.npz\")\n  classes = 10\n}}\n\nmodel m {{\n  safetensors = \"m.safetensors\"\n  arch = {arch}\n}}\n\nevaluate m on d\n"
    );
    let spec = compile(Path::new("arch.rbench"), &text);
    match &spec.models[0].format {
        ModelFormat::Safetensors { arch, .. } => arch.clone(),
        ModelFormat::Onnx { .. } => unreachable!("the model has safetensors weights"),
    }
}

fn compile(path: &Path, text: &str) -> Spec {
    let source = SourceFile::new(FileId(0), path.display().to_string(), text);
    let ast = syntax::parse(&source).expect("the spec parses");
    check::check(source, ast, path, &FsLoader)
        .unwrap_or_else(|e| panic!("the spec checks: {:?}", miette::Report::new(e)))
}

#[test]
fn the_builtin_mlp_and_cnn_give_the_reference_figures() {
    let mlp = architecture("mlp(hidden: [256, 128], classes: 10)");
    assert_eq!(flops_of_architecture(&mlp, &[784]), Some(MLP_FLOPS));
    // An MLP flattens its samples.
    assert_eq!(flops_of_architecture(&mlp, &[1, 28, 28]), Some(MLP_FLOPS));
    let cnn = architecture("cnn(channels: [32, 64], hidden: 128, classes: 10)");
    assert_eq!(flops_of_architecture(&cnn, &[1, 28, 28]), Some(CNN_FLOPS));
    assert_eq!(flops_of_architecture(&cnn, &[28, 28]), Some(CNN_FLOPS));
    // Three channels where the architecture takes one.
    assert_eq!(flops_of_architecture(&cnn, &[3, 28, 28]), None);
    // Images pooled to nothing before the last convolution.
    assert_eq!(flops_of_architecture(&cnn, &[1, 1, 1]), None);
}

#[test]
fn the_builtin_resnet_counts_stem_blocks_projections_and_output() {
    // stem 28·28·16·1·9 = 112,896; stage 0, two 16→16 convolutions at 28×28: 3,612,672;
    // stage 1 at 14×14 (stride 2): 16→32 903,168, 32→32 1,806,336, 1×1 projection 100,352;
    // output 32·10 = 320. 6,535,744 multiply-accumulates: the 13.1M reference ResNet.
    let resnet = architecture("resnet(channels: [16, 32], blocks: 1, classes: 10)");
    assert_eq!(
        flops_of_architecture(&resnet, &[1, 28, 28]),
        Some(13_071_488)
    );
    // Two blocks per stage add a 16→16 block at 28×28 and a 32→32 block at 14×14.
    let deeper = architecture("resnet(channels: [16, 32], blocks: 2, classes: 10)");
    let extra = 2 * (3_612_672 + 2 * 1_806_336);
    assert_eq!(
        flops_of_architecture(&deeper, &[1, 28, 28]),
        Some(13_071_488 + extra)
    );
}

// ---- ONNX graphs ----

/// A node named after its one output.
fn node(op: &str, inputs: &[&str], output: &str, attributes: Vec<AttributeProto>) -> NodeProto {
    onnx::node(op, output, inputs, &[output], attributes)
}

/// A model of `nodes` reading `x` (batch dimension symbolic, then `sample`) and writing
/// `scores` of 10 classes.
fn model(nodes: Vec<NodeProto>, initializers: Vec<TensorProto>, sample: &[usize]) -> ModelProto {
    let input = batched_value("x", sample);
    let output = batched_value("scores", &[10]);
    let graph = GraphProto {
        name: Some("net".into()),
        ..onnx::graph(nodes, initializers, vec![input], vec![output])
    };
    ModelProto {
        producer_name: Some("rbench tests".into()),
        ..onnx::model(17, graph)
    }
}

/// MLP 784-256-128-10: a `Gemm` with `transB`, a `MatMul` + `Add`, a `Gemm`.
fn mlp_onnx() -> ModelProto {
    model(
        vec![
            node("Gemm", &["x", "w0", "b0"], "h0", vec![int("transB", 1)]),
            node("Relu", &["h0"], "a0", vec![]),
            node("MatMul", &["a0", "w1"], "m1", vec![]),
            node("Add", &["m1", "b1"], "h1", vec![]),
            node("Relu", &["h1"], "a1", vec![]),
            node(
                "Gemm",
                &["a1", "w2", "b2"],
                "scores",
                vec![int("transB", 1)],
            ),
        ],
        vec![
            shape_only_tensor("w0", &[256, 784]),
            shape_only_tensor("b0", &[256]),
            shape_only_tensor("w1", &[256, 128]),
            shape_only_tensor("b1", &[128]),
            shape_only_tensor("w2", &[10, 128]),
            shape_only_tensor("b2", &[10]),
        ],
        &[784],
    )
}

/// How the CNN's feature maps are flattened before the fully connected layers.
#[derive(Clone, Copy)]
enum Flattening {
    /// `Flatten` (axis 1).
    Flatten,
    /// `Reshape` to an initializer `[0, -1]`.
    Reshape,
    /// `Reshape` to `Concat(Unsqueeze(Gather(Shape(x), 0)), Constant([-1]))`, as PyTorch
    /// exports `x.view(x.size(0), -1)`.
    DynamicReshape,
}

/// CNN conv32-conv64-fc128 on 1×28×28: Conv (pads 1), Relu, MaxPool 2×2 twice, then the
/// fully connected layers.
fn cnn_onnx(flattening: Flattening) -> ModelProto {
    let conv = |input: &str, w: &str, out: &str| {
        node("Conv", &[input, w], out, vec![ints("pads", &[1, 1, 1, 1])])
    };
    let pool = |input: &str, out: &str| {
        let attributes = vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])];
        node("MaxPool", &[input], out, attributes)
    };
    let mut nodes = vec![
        conv("x", "c0", "c0_out"),
        node("Relu", &["c0_out"], "r0", vec![]),
        pool("r0", "p0"),
        conv("p0", "c1", "c1_out"),
        node("Relu", &["c1_out"], "r1", vec![]),
        pool("r1", "p1"),
    ];
    let mut initializer = vec![
        shape_only_tensor("c0", &[32, 1, 3, 3]),
        shape_only_tensor("c1", &[64, 32, 3, 3]),
        shape_only_tensor("fc", &[128, 3136]),
        shape_only_tensor("out", &[10, 128]),
    ];
    match flattening {
        Flattening::Flatten => nodes.push(node("Flatten", &["p1"], "flat", vec![])),
        Flattening::Reshape => {
            initializer.push(raw_int64_tensor("target", &[0, -1]));
            nodes.push(node("Reshape", &["p1", "target"], "flat", vec![]));
        }
        Flattening::DynamicReshape => {
            initializer.push(raw_int64_tensor("zero", &[0]));
            let minus_one = tensor_attribute("value", raw_int64_tensor("", &[-1]));
            nodes.extend([
                node("Shape", &["p1"], "shape", vec![]),
                node("Gather", &["shape", "zero"], "batch", vec![int("axis", 0)]),
                node("Constant", &[], "rest", vec![minus_one]),
                node("Concat", &["batch", "rest"], "target", vec![int("axis", 0)]),
                node("Reshape", &["p1", "target"], "flat", vec![]),
            ]);
        }
    }
    nodes.extend([
        node("Gemm", &["flat", "fc"], "h", vec![int("transB", 1)]),
        node("Relu", &["h"], "a", vec![]),
        node("Gemm", &["a", "out"], "scores", vec![int("transB", 1)]),
    ]);
    model(nodes, initializer, &[1, 28, 28])
}

#[test]
fn onnx_mlp_and_cnn_give_the_reference_figures() {
    assert_eq!(flops_of_onnx(&mlp_onnx(), &[784]), Ok(MLP_FLOPS));
    for flattening in [
        Flattening::Flatten,
        Flattening::Reshape,
        Flattening::DynamicReshape,
    ] {
        assert_eq!(
            flops_of_onnx(&cnn_onnx(flattening), &[1, 28, 28]),
            Ok(CNN_FLOPS)
        );
    }
    // Shapes follow the sample given, not the recorded input: on 32×32 samples the flattened
    // map is 64·8·8 = 4096 wide, which the 3136-wide layer cannot take.
    let error = flops_of_onnx(&cnn_onnx(Flattening::Flatten), &[1, 32, 32]);
    assert_eq!(
        error.map_err(|e| e.to_string()),
        Err(
            "cannot follow shapes through `Gemm` (node `h`): it multiplies [1, 4096] by \
             [3136, 128]"
                .to_string()
        )
    );
}

/// A ResNet-style graph on 3×32×32: stem Conv 7×7 stride 2 (pads 3), BatchNormalization,
/// Relu, MaxPool 3×3 stride 2 (pads 1); an identity block of two 3×3 convolutions; a block
/// with stride 2 and a 1×1 projection shortcut; GlobalAveragePool, Flatten, Gemm.
fn resnet_onnx() -> ModelProto {
    let conv = |input: &str, w: &str, out: &str, stride: i64, pad: i64| {
        let attributes = vec![
            ints("strides", &[stride, stride]),
            ints("pads", &[pad, pad, pad, pad]),
        ];
        node("Conv", &[input, w], out, attributes)
    };
    let bn = |input: &str, channels: &str, out: &str| {
        let inputs = [input, channels, channels, channels, channels];
        node("BatchNormalization", &inputs, out, vec![])
    };
    let nodes = vec![
        conv("x", "stem", "s", 2, 3),
        bn("s", "g16", "s_bn"),
        node("Relu", &["s_bn"], "s_relu", vec![]),
        node(
            "MaxPool",
            &["s_relu"],
            "pool",
            vec![
                ints("kernel_shape", &[3, 3]),
                ints("strides", &[2, 2]),
                ints("pads", &[1, 1, 1, 1]),
            ],
        ),
        conv("pool", "a1", "a1_out", 1, 1),
        bn("a1_out", "g16", "a1_bn"),
        node("Relu", &["a1_bn"], "a1_relu", vec![]),
        conv("a1_relu", "a2", "a2_out", 1, 1),
        bn("a2_out", "g16", "a2_bn"),
        node("Add", &["a2_bn", "pool"], "a_sum", vec![]),
        node("Relu", &["a_sum"], "a", vec![]),
        conv("a", "b1", "b1_out", 2, 1),
        bn("b1_out", "g32", "b1_bn"),
        node("Relu", &["b1_bn"], "b1_relu", vec![]),
        conv("b1_relu", "b2", "b2_out", 1, 1),
        bn("b2_out", "g32", "b2_bn"),
        conv("a", "proj", "proj_out", 2, 0),
        bn("proj_out", "g32", "proj_bn"),
        node("Add", &["b2_bn", "proj_bn"], "b_sum", vec![]),
        node("Relu", &["b_sum"], "b", vec![]),
        node("GlobalAveragePool", &["b"], "gap", vec![]),
        node("Flatten", &["gap"], "features", vec![]),
        node(
            "Gemm",
            &["features", "fc"],
            "scores",
            vec![int("transB", 1)],
        ),
    ];
    let initializer = vec![
        shape_only_tensor("stem", &[16, 3, 7, 7]),
        shape_only_tensor("g16", &[16]),
        shape_only_tensor("g32", &[32]),
        shape_only_tensor("a1", &[16, 16, 3, 3]),
        shape_only_tensor("a2", &[16, 16, 3, 3]),
        shape_only_tensor("b1", &[32, 16, 3, 3]),
        shape_only_tensor("b2", &[32, 32, 3, 3]),
        shape_only_tensor("proj", &[32, 16, 1, 1]),
        shape_only_tensor("fc", &[10, 32]),
    ];
    model(nodes, initializer, &[3, 32, 32])
}

#[test]
fn onnx_residual_blocks_with_batchnorm_and_a_padded_stem_pool() {
    // stem: 32 → (32 + 6 − 7) / 2 + 1 = 16: 16·16·16·3·49 = 602,112;
    // max pool: (16 + 2 − 3) / 2 + 1 = 8;
    // identity block at 8×8: 2 · 8·8·16·16·9 = 294,912;
    // stride-2 block at 4×4: 16·32·16·9 = 73,728 and 16·32·32·9 = 147,456;
    // projection 1×1 stride 2: 16·32·16 = 8,192; output 32·10 = 320.
    let macs = 602_112 + 294_912 + 73_728 + 147_456 + 8_192 + 320;
    assert_eq!(macs, 1_126_720);
    assert_eq!(flops_of_onnx(&resnet_onnx(), &[3, 32, 32]), Ok(2 * macs));
}

#[test]
fn onnx_pooling_with_ceil_mode_keeps_the_partial_window() {
    // 7×7 pooled 2×2 with stride 2: 4×4 with ceil_mode, 3×3 without; then a 1×1 conv 1→1.
    let graph = |ceil: i64| {
        let pool = vec![
            ints("kernel_shape", &[2, 2]),
            ints("strides", &[2, 2]),
            int("ceil_mode", ceil),
        ];
        model(
            vec![
                node("MaxPool", &["x"], "p", pool),
                node("Conv", &["p", "w"], "scores", vec![]),
            ],
            vec![shape_only_tensor("w", &[1, 1, 1, 1])],
            &[1, 7, 7],
        )
    };
    assert_eq!(flops_of_onnx(&graph(1), &[1, 7, 7]), Ok(2 * 16));
    assert_eq!(flops_of_onnx(&graph(0), &[1, 7, 7]), Ok(2 * 9));
}

#[test]
fn grouped_and_strided_convolutions_and_batched_matmul() {
    // Depthwise 3×3 on 8 channels of 10×10, stride 2, pads 1: 5·5·8·1·9 = 1,800.
    let depthwise = vec![
        int("group", 8),
        ints("strides", &[2, 2]),
        ints("pads", &[1, 1, 1, 1]),
    ];
    let graph = model(
        vec![node("Conv", &["x", "w"], "scores", depthwise)],
        vec![shape_only_tensor("w", &[8, 1, 3, 3])],
        &[8, 10, 10],
    );
    assert_eq!(flops_of_onnx(&graph, &[8, 10, 10]), Ok(2 * 1_800));
    // [1, 4, 6, 5] × [5, 3]: 4·6·5·3 = 360 multiply-accumulates.
    let graph = model(
        vec![
            node("Transpose", &["x"], "t", vec![ints("perm", &[0, 2, 1, 3])]),
            node("MatMul", &["t", "w"], "scores", vec![]),
        ],
        vec![shape_only_tensor("w", &[5, 3])],
        &[6, 4, 5],
    );
    assert_eq!(flops_of_onnx(&graph, &[6, 4, 5]), Ok(2 * 360));
}

#[test]
fn an_unsupported_operator_is_named_with_its_node() {
    let graph = model(
        vec![
            node("Relu", &["x"], "r", vec![]),
            node("LSTM", &["r", "w", "rw"], "scores", vec![]),
        ],
        vec![
            shape_only_tensor("w", &[1, 40, 784]),
            shape_only_tensor("rw", &[1, 40, 10]),
        ],
        &[784],
    );
    let error = flops_of_onnx(&graph, &[784]).expect_err("LSTM is not followed");
    assert_eq!(
        error,
        FlopsError::UnsupportedOp {
            op: "LSTM".into(),
            node: "node `scores`".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "the operator `LSTM` of node `scores` is not one whose shapes rbench follows"
    );
    // A reshape whose target is computed from a value only known at run time.
    let graph = model(
        vec![
            node("Relu", &["x"], "target", vec![]),
            node("Reshape", &["x", "target"], "scores", vec![]),
        ],
        vec![],
        &[10],
    );
    let error = flops_of_onnx(&graph, &[10]).expect_err("a run-time target");
    assert_eq!(
        error.to_string(),
        "cannot follow shapes through `Reshape` (node `scores`): its target shape is computed \
         at run time"
    );
}

// ---- rbench plan --link ----

/// An npy file of zeroed elements of `size` bytes.
fn flops_npy(descr: &str, shape: &[u64], size: usize) -> Vec<u8> {
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    support::files::zeroed_npy(descr, &shape, size)
}

/// An npz archive of stored npy members.
fn flops_npz(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    support::files::npz(members, zip::CompressionMethod::Stored)
}

/// Zeroed f32 safetensors weights of the built-in `mlp(hidden: [256, 128], classes: 10)`.
fn mlp_weights() -> Vec<u8> {
    let shapes: [(&str, Vec<usize>); 6] = [
        ("hidden.0.weight", vec![256, 784]),
        ("hidden.0.bias", vec![256]),
        ("hidden.1.weight", vec![128, 256]),
        ("hidden.1.bias", vec![128]),
        ("output.weight", vec![10, 128]),
        ("output.bias", vec![10]),
    ];
    let zeroed: Vec<(&str, Vec<usize>, Vec<f32>)> = shapes
        .into_iter()
        .map(|(name, shape)| {
            let count = shape.iter().product();
            (name, shape, vec![0.0; count])
        })
        .collect();
    support::files::f32_safetensors(&zeroed)
}

const PROJECT_SPEC: &str = r#"benchmark flops {
  seed = 1
}

dataset digits {
  source = npz("data/digits.npz")
  classes = 10
  offset = 2
  limit = 5
}

model cnn {
  onnx = "models/cnn.onnx"
}

model mlp {
  safetensors = "models/mlp.safetensors"
  arch = mlp(hidden: [256, 128], classes: 10)
}

model rnn {
  onnx = "models/rnn.onnx"
}

perturbation attack = fgsm(eps: 0.1)

evaluate [cnn, mlp] on digits under attack
evaluate rnn on digits

require robust: accuracy(cnn, attack) >= 50%
require recurrent: accuracy(rnn, clean) >= 50%
"#;

/// A project of 10 samples (offset 2, limit 5: 5 are run), a CNN in ONNX, the built-in MLP,
/// and an ONNX model with an operator whose FLOPs are unknown.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |relative: &str, bytes: &[u8]| {
        let path = dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create folders");
        std::fs::write(path, bytes).expect("write a file");
    };
    write(
        "data/digits.npz",
        &flops_npz(&[
            ("x.npy", flops_npy("<f4", &[10, 1, 28, 28], 4)),
            ("y.npy", flops_npy("<i8", &[10], 8)),
        ]),
    );
    write(
        "models/cnn.onnx",
        &cnn_onnx(Flattening::Flatten).encode_to_vec(),
    );
    write("models/mlp.safetensors", &mlp_weights());
    let rnn = model(
        vec![node("LSTM", &["x"], "scores", vec![])],
        vec![],
        &[1, 28, 28],
    );
    write("models/rnn.onnx", &rnn.encode_to_vec());
    write("bench.rbench", PROJECT_SPEC.as_bytes());
    dir
}

#[test]
fn a_linked_plan_carries_flops_in_its_costs_and_json() {
    let dir = project();
    let path = dir.path().join("bench.rbench");
    let spec = compile(&path, PROJECT_SPEC);
    let linked =
        rbench::link::link(&spec, &rbench::link::Reach::Project).expect("the project links");
    let plan = rbench::plan::build_with(&spec, Some(&linked));
    let estimate = plan.flops.as_ref().expect("a FLOP estimate");
    let forward: Vec<(usize, Option<u64>)> = estimate
        .models
        .iter()
        .map(|m| (m.model, m.forward))
        .collect();
    assert_eq!(
        forward,
        [(0, Some(CNN_FLOPS)), (1, Some(MLP_FLOPS)), (2, None)]
    );
    assert_eq!(estimate.samples, [Some(5)]);
    let totals = plan.flops_totals().expect("totals");
    assert_eq!(totals.per_sample, 5 * (CNN_FLOPS + MLP_FLOPS));
    assert_eq!(totals.run, 5 * totals.per_sample);
    assert_eq!((totals.unknown_flops, totals.unknown_samples), (1, 0));
    let json = rbench::plan::to_json(&plan);
    let attack = json["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["label"] == "attack cnn on digits with attack")
        .expect("the cnn attack");
    assert_eq!(attack["cost"]["flops"], 3 * CNN_FLOPS);
    // Without the link step, there is no estimate and the JSON has no FLOPs.
    let plain = rbench::plan::build(&spec);
    assert!(plain.flops.is_none() && plain.flops_totals().is_none());
    assert!(!rbench::plan::to_json(&plain)
        .to_string()
        .contains("\"flops\":"));
}

#[test]
fn plan_with_link_lists_flops_per_model_node_and_run() {
    let dir = project();
    let output = Command::new(get_cargo_bin("rbench"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("TERM")
        .args(["plan", "--link", "bench.rbench"])
        .output()
        .expect("run rbench");
    let stdout =
        String::from_utf8_lossy(&output.stdout).replace(&dir.path().display().to_string(), "[TMP]");
    assert!(
        stdout.contains("cnn on digits: 8,482,304 (8.48 M) per forward pass"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mlp on digits: 469,504 (470 k) per forward pass"),
        "{stdout}"
    );
    // Per sample, each model runs the attack (1 forward + 1 backward pass: 3 forward passes of
    // FLOPs), inference under it and clean inference: 5 × (8,482,304 + 469,504) = 44,759,040;
    // the rnn's clean inference is not counted. The run is 5 samples.
    assert!(
        stdout.contains("per sample: 44,759,040 (44.8 M)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("whole run: 223,795,200 (224 M)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[1 fwd + 1 bwd / sample, 25.4 MFLOPs]"),
        "{stdout}"
    );
    insta::assert_snapshot!("plan_with_link", stdout);
    // The JSON export of a linked plan carries the per-model figures and the totals.
    let output = Command::new(get_cargo_bin("rbench"))
        .current_dir(dir.path())
        .args(["graph", "--link", "--format", "json", "bench.rbench"])
        .output()
        .expect("run rbench");
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the export is JSON");
    assert_eq!(json["flops"]["totals"]["per_sample"], 44_759_040, "{json}");
    // Without --link, no file is read and no FLOPs are shown.
    std::fs::remove_dir_all(dir.path().join("models")).expect("remove the models");
    let output = Command::new(get_cargo_bin("rbench"))
        .current_dir(dir.path())
        .args(["plan", "bench.rbench"])
        .output()
        .expect("run rbench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("model work:"), "{stdout}");
    assert!(!stdout.contains("FLOPs"), "{stdout}");
}
