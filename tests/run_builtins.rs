//! `rbench run` on the built-in data sources (npy, IDX, image folders, safetensors), the built-in
//! `mlp` and `resnet` architectures and the `f1` and `class_accuracy` metrics. The files are
//! written here, and the model's predictions are known, so every number a run reports is exact: a
//! reader that scrambles the order, the scaling, the labels or the shape of samples changes them.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

use rbench::model::{Architecture, BuiltinModel, Network};
use rbench::results::RunResults;
use safetensors::Dtype;
use support::files::{f32_bytes, f32_safetensors, gzip, i64_bytes, idx, npy, png, safetensors};
use support::runs::gate_metric;
use tempfile::TempDir;

/// Nine grey 2×2 images (pixels in reading order); [`brightest`] classifies each.
const PIXELS: [[u8; 4]; 9] = [
    [255, 0, 0, 0],
    [0, 220, 0, 30],
    [0, 0, 255, 0],
    [20, 0, 0, 230],
    [60, 0, 0, 0],
    [0, 0, 40, 100],
    [0, 240, 0, 0],
    [0, 10, 250, 0],
    [0, 0, 0, 255],
];
/// The labels. [`brightest`] predicts the brightest pixel of [`PIXELS`] in `[0, 1]`, or 4 when
/// no pixel reaches 0.5: `[0, 1, 2, 3, 4, 4, 1, 2, 3]`. Samples 3 and 5 are misclassified, so the
/// accuracy is 7/9.
const LABELS: [i64; 9] = [0, 1, 2, 0, 4, 0, 1, 2, 3];
const CLASSES: usize = 5;
const ACCURACY: f64 = 7.0 / 9.0;

/// A project folder: the files and spec of one run.
struct Project(TempDir);

impl Project {
    fn new() -> Self {
        Project(tempfile::tempdir().expect("a temporary folder"))
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.0.path().join(relative)
    }

    fn write(&self, relative: &str, bytes: &[u8]) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create a folder");
        std::fs::write(path, bytes).expect("write a file");
    }

    /// Runs `spec` (written to `bench.rbench`) in the project folder, without the cache.
    fn run(&self, spec: &str) -> Output {
        self.write("bench.rbench", spec.as_bytes());
        Command::new(env!("CARGO_BIN_EXE_rbench"))
            .current_dir(self.0.path())
            .args([
                "run",
                "bench.rbench",
                "--quiet",
                "--no-cache",
                "--out",
                "out",
            ])
            .output()
            .expect("rbench runs")
    }

    /// Runs `spec`, which must pass (exit 0), and returns its results.
    fn results(&self, spec: &str) -> RunResults {
        let output = self.run(spec);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(self.path("out/results.json")).expect("results.json");
        serde_json::from_str(&text).expect("results.json parses")
    }

    /// Runs `spec`, which must fail to read its data (exit 2), and returns the message.
    fn data_error(&self, spec: &str) -> String {
        let output = self.run(spec);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        stderr
    }
}

fn assert_close(value: f64, expected: f64, what: &str) {
    assert!(
        (value - expected).abs() < 1e-12,
        "{what}: {value} is not {expected}"
    );
}

/// A spec of dataset `data` (from `source`, in `range`) and model `m` (`model.safetensors` of
/// `arch`), with a gate `clean_accuracy` on the clean accuracy and the extra `gates`.
fn spec(source: &str, range: &str, classes: usize, arch: &str, gates: &str) -> String {
    format!(
        "benchmark builtins {{\n  seed = 1\n}}\n\ndataset data {{\n  source = {source}\n  \
         classes = {classes}\n  range = {range}\n}}\n\nmodel m {{\n  safetensors = \
         \"model.safetensors\"\n  arch = {arch}\n}}\n\nperturbation noise = \
         gaussian_noise(sigma: 0.01)\n\nevaluate m on data under noise\n\nrequire clean_accuracy: \
         accuracy(m, clean) >= 0%\n{gates}"
    )
}

/// A spec of the 2×2 images in `[0, 1]` and the [`brightest`] `mlp` over `channels` channels.
fn brightest_spec(source: &str, channels: usize) -> String {
    let arch = format!("mlp(hidden: [{}], classes: {CLASSES})", 4 * channels);
    spec(source, "[0, 1]", CLASSES, &arch, "")
}

/// Weights of an `mlp(hidden: [features], classes: 5)` (PyTorch `state_dict` names) that
/// predicts the brightest of four pixels, or class 4 when none reaches 0.5: the hidden layer is
/// the identity (ReLU keeps values in [0, 1]); `output` gives class `c` the features
/// `read(f) == Some(c)` and class 4 a bias of 0.5.
fn brightest(features: usize, read: impl Fn(usize) -> Option<usize>) -> Vec<u8> {
    let identity = (0..features * features)
        .map(|i| f32::from(u8::from(i / features == i % features)))
        .collect();
    let output = (0..CLASSES * features)
        .map(|i| f32::from(u8::from(read(i % features) == Some(i / features))))
        .collect();
    f32_safetensors(&[
        ("hidden.0.weight", vec![features, features], identity),
        ("hidden.0.bias", vec![features], vec![0.0; features]),
        ("output.weight", vec![CLASSES, features], output),
        ("output.bias", vec![CLASSES], vec![0.0, 0.0, 0.0, 0.0, 0.5]),
    ])
}

/// A project with the grey-pixel [`brightest`] model.
fn grey_project() -> Project {
    let project = Project::new();
    project.write("model.safetensors", &brightest(4, Some));
    project
}

fn pixel_bytes() -> Vec<u8> {
    PIXELS.concat()
}

fn unit_values() -> Vec<f32> {
    pixel_bytes()
        .iter()
        .map(|&v| f32::from(v) / 255.0)
        .collect()
}

#[test]
fn npy_float32_samples_with_f1_and_class_accuracy() {
    let project = grey_project();
    project.write(
        "x.npy",
        &npy("<f4", &[9, 4], &f32_bytes(&unit_values()), false),
    );
    project.write("y.npy", &npy("<i8", &[9], &i64_bytes(&LABELS), false));
    let gates = "warn macro: f1(m, clean) >= 0\nwarn micro: f1(m, clean, average: micro) >= 0\n\
                 warn weighted: f1(m, clean, average: weighted) >= 0\n\
                 warn zero: class_accuracy(m, clean, class: 0) >= 0\n\
                 warn two: class_accuracy(m, clean, class: 2) >= 0\n";
    let arch = format!("mlp(hidden: [4], classes: {CLASSES})");
    let source = r#"npy("x.npy", "y.npy")"#;
    let results = project.results(&spec(source, "[0, 1]", CLASSES, &arch, gates));
    assert_close(
        gate_metric(&results, "clean_accuracy"),
        ACCURACY,
        "accuracy",
    );

    // The confusion of the predictions against LABELS, class by class (TP, FP, FN, support):
    // 0: (1, 0, 2, 3) F1 1/2; 1: (2, 0, 0, 2) F1 1; 2: (2, 0, 0, 2) F1 1;
    // 3: (1, 1, 0, 1) F1 2/3; 4: (1, 1, 0, 1) F1 2/3. As scikit-learn's f1_score averages them:
    let macro_f1 = (0.5 + 1.0 + 1.0 + 2.0 / 3.0 + 2.0 / 3.0) / 5.0;
    let weighted_f1 = (3.0 * 0.5 + 2.0 + 2.0 + 2.0 / 3.0 + 2.0 / 3.0) / 9.0;
    assert_close(gate_metric(&results, "macro"), macro_f1, "macro F1");
    assert_close(gate_metric(&results, "micro"), ACCURACY, "micro F1");
    assert_close(
        gate_metric(&results, "weighted"),
        weighted_f1,
        "weighted F1",
    );
    assert_close(
        gate_metric(&results, "zero"),
        1.0 / 3.0,
        "accuracy on class 0",
    );
    assert_close(gate_metric(&results, "two"), 1.0, "accuracy on class 2");
}

#[test]
fn npy_uint8_samples_are_scaled_only_to_a_unit_range() {
    let project = grey_project();
    project.write("x.npy", &npy("|u1", &[9, 1, 2, 2], &pixel_bytes(), false));
    project.write("y.npy", &npy("<i8", &[9], &i64_bytes(&LABELS), false));
    let source = r#"npy("x.npy", "y.npy")"#;
    let results = project.results(&brightest_spec(source, 1));
    assert_close(
        gate_metric(&results, "clean_accuracy"),
        ACCURACY,
        "scaled to [0, 1]",
    );

    // Declared in [0, 255], bytes are kept as they are: no pixel is below 0.5 any more, so the
    // dark sample 4 is taken for class 0 and sample 5 for class 3.
    let arch = format!("mlp(hidden: [4], classes: {CLASSES})");
    let results = project.results(&spec(source, "[0, 255]", CLASSES, &arch, ""));
    assert_close(
        gate_metric(&results, "clean_accuracy"),
        6.0 / 9.0,
        "kept in [0, 255]",
    );
}

#[test]
fn idx_files_plain_and_gzip() {
    let project = grey_project();
    let images = idx(0x08, &[9, 2, 2], &pixel_bytes());
    let labels: Vec<u8> = LABELS.iter().map(|&l| l as u8).collect();
    let labels = idx(0x08, &[9], &labels);
    project.write("images-idx3-ubyte", &images);
    project.write("labels-idx1-ubyte", &labels);
    project.write("images-idx3-ubyte.gz", &gzip(&images));
    project.write("labels-idx1-ubyte.gz", &gzip(&labels));
    for suffix in ["", ".gz"] {
        let source = format!("idx(\"images-idx3-ubyte{suffix}\", \"labels-idx1-ubyte{suffix}\")");
        let results = project.results(&brightest_spec(&source, 1));
        assert_close(gate_metric(&results, "clean_accuracy"), ACCURACY, suffix);
    }
}

#[test]
fn safetensors_data_tensors() {
    let project = grey_project();
    let shape: &[usize] = &[9, 1, 2, 2];
    project.write(
        "data.safetensors",
        &safetensors(&[
            ("pixels", Dtype::F32, shape, f32_bytes(&unit_values())),
            ("classes", Dtype::I64, &[9], i64_bytes(&LABELS)),
        ]),
    );
    let source = r#"safetensors("data.safetensors", x: "pixels", y: "classes")"#;
    let results = project.results(&brightest_spec(source, 1));
    assert_close(
        gate_metric(&results, "clean_accuracy"),
        ACCURACY,
        "safetensors",
    );
}

/// Writes [`PIXELS`] as 4×4 PNG images (each pixel a 2×2 block) to `images/class{label}/`;
/// `colour(sample, position)` gives a block's RGB.
fn image_folder(project: &Project, colour: impl Fn(usize, usize) -> [u8; 3]) {
    for (i, label) in LABELS.iter().enumerate() {
        let image = image::RgbImage::from_fn(4, 4, |x, y| {
            image::Rgb(colour(i, (y / 2 * 2 + x / 2) as usize))
        });
        project.write(&format!("images/class{label}/{i}.png"), &png(&image));
    }
}

#[test]
fn grey_image_folders_are_resized_per_class() {
    let project = grey_project();
    image_folder(&project, |i, p| [PIXELS[i][p]; 3]);
    let source = r#"images("images", size: [2, 2], grayscale: true)"#;
    let results = project.results(&brightest_spec(source, 1));
    assert_close(
        gate_metric(&results, "clean_accuracy"),
        ACCURACY,
        "grey images",
    );
}

#[test]
fn colour_image_folders_keep_their_channels_apart() {
    let project = Project::new();
    // The model reads the green plane of `[3, 2, 2]` samples; red lights the next position, so
    // a reader that mixed planes up would predict another class.
    let green = |f: usize| (f / 4 == 1).then_some(f % 4);
    project.write("model.safetensors", &brightest(12, green));
    let brightest_position = |i: usize| (0..4).max_by_key(|&p| PIXELS[i][p]).unwrap_or(0);
    image_folder(&project, |i, p| {
        let red = if p == (brightest_position(i) + 1) % 4 {
            255
        } else {
            0
        };
        [red, PIXELS[i][p], 0]
    });
    let source = r#"images("images", size: [2, 2])"#;
    let results = project.results(&brightest_spec(source, 3));
    assert_close(
        gate_metric(&results, "clean_accuracy"),
        ACCURACY,
        "colour images",
    );
}

/// A tiny deterministic generator of weights in `[-1, 1)`.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn values(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// Random weights of `resnet(channels: [2, 3], classes: 3)` with PyTorch `state_dict` names,
/// `num_batches_tracked` included.
fn random_resnet(rng: &mut Lcg) -> Vec<u8> {
    let mut tensors: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
    let mut conv = |tensors: &mut Vec<_>, name: &str, shape: [usize; 4]| {
        let n = shape.iter().product();
        tensors.push((format!("{name}.weight"), shape.to_vec(), rng.values(n)));
    };
    conv(&mut tensors, "stem", [2, 1, 3, 3]);
    conv(&mut tensors, "stages.0.0.conv1", [2, 2, 3, 3]);
    conv(&mut tensors, "stages.0.0.conv2", [2, 2, 3, 3]);
    conv(&mut tensors, "stages.1.0.conv1", [3, 2, 3, 3]);
    conv(&mut tensors, "stages.1.0.conv2", [3, 3, 3, 3]);
    conv(&mut tensors, "stages.1.0.downsample.0", [3, 2, 1, 1]);
    let norms = [
        ("stem_bn", 2),
        ("stages.0.0.bn1", 2),
        ("stages.0.0.bn2", 2),
        ("stages.1.0.bn1", 3),
        ("stages.1.0.bn2", 3),
        ("stages.1.0.downsample.1", 3),
    ];
    for (name, channels) in norms {
        let variance = rng.values(channels).iter().map(|v| 1.0 + v / 2.0).collect();
        tensors.push((
            format!("{name}.weight"),
            vec![channels],
            rng.values(channels),
        ));
        tensors.push((format!("{name}.bias"), vec![channels], rng.values(channels)));
        let mean = rng.values(channels);
        tensors.push((format!("{name}.running_mean"), vec![channels], mean));
        tensors.push((format!("{name}.running_var"), vec![channels], variance));
    }
    tensors.push(("output.weight".into(), vec![3, 3], rng.values(9)));
    tensors.push(("output.bias".into(), vec![3], rng.values(3)));
    let mut stored: Vec<(&str, Dtype, &[usize], Vec<u8>)> = tensors
        .iter()
        .map(|(name, shape, values)| {
            (
                name.as_str(),
                Dtype::F32,
                shape.as_slice(),
                f32_bytes(values),
            )
        })
        .collect();
    stored.push((
        "stem_bn.num_batches_tracked",
        Dtype::I64,
        &[],
        i64_bytes(&[7]),
    ));
    safetensors(&stored)
}

#[test]
fn a_resnet_with_random_weights_runs_as_it_computes() {
    const SAMPLES: usize = 8;
    let project = Project::new();
    let mut rng = Lcg(11);
    project.write("model.safetensors", &random_resnet(&mut rng));
    let x: Vec<f32> = rng
        .values(SAMPLES * 36)
        .iter()
        .map(|v| (v + 1.0) / 2.0)
        .collect();
    let architecture = Architecture::ResNet {
        channels: vec![2, 3],
        blocks: 1,
        classes: 3,
        in_channels: 1,
    };
    let network = BuiltinModel::load(
        &project.path("model.safetensors"),
        &architecture,
        &[1, 6, 6],
    )
    .expect("the resnet loads");
    let logits = network.forward(&x, SAMPLES).expect("a forward pass");
    let predicted: Vec<i64> = logits
        .chunks(3)
        .map(|l| (0..3).max_by(|&a, &b| l[a].total_cmp(&l[b])).unwrap_or(0) as i64)
        .collect();
    // Half the labels are the predictions, half are not: the run must find exactly 1/2.
    let labels: Vec<i64> = predicted
        .iter()
        .enumerate()
        .map(|(i, &p)| if i % 2 == 0 { p } else { (p + 1) % 3 })
        .collect();
    project.write(
        "x.npy",
        &npy("<f4", &[SAMPLES, 1, 6, 6], &f32_bytes(&x), false),
    );
    project.write("y.npy", &npy("<i8", &[SAMPLES], &i64_bytes(&labels), false));
    let source = r#"npy("x.npy", "y.npy")"#;
    let arch = "resnet(channels: [2, 3], classes: 3)";
    let results = project.results(&spec(source, "[0, 1]", 3, arch, ""));
    assert_close(
        gate_metric(&results, "clean_accuracy"),
        0.5,
        "resnet accuracy",
    );
}

#[test]
fn truncated_idx_files_name_the_file() {
    let project = grey_project();
    let images = idx(0x08, &[9, 2, 2], &pixel_bytes());
    let labels: Vec<u8> = LABELS.iter().map(|&l| l as u8).collect();
    project.write("labels-idx1-ubyte", &idx(0x08, &[9], &labels));
    project.write("short-idx3-ubyte", &images[..images.len() - 5]);
    // Without its last bytes (the gzip trailer and some data) the header still reads: the run
    // finds the truncation when it decompresses.
    let compressed = gzip(&images);
    project.write("short-idx3-ubyte.gz", &compressed[..compressed.len() - 10]);
    for file in ["short-idx3-ubyte", "short-idx3-ubyte.gz"] {
        let source = format!("idx(\"{file}\", \"labels-idx1-ubyte\")");
        let message = project.data_error(&brightest_spec(&source, 1));
        assert!(message.contains(file), "{message}");
        assert!(message.contains("truncated"), "{message}");
    }
}

#[test]
fn an_image_folder_without_a_class_names_the_folder() {
    let project = grey_project();
    image_folder(&project, |i, p| [PIXELS[i][p]; 3]);
    std::fs::remove_dir_all(project.path("images/class3")).expect("remove a class");
    let source = r#"images("images", size: [2, 2], grayscale: true)"#;
    let message = project.data_error(&brightest_spec(source, 1));
    assert!(message.contains("images"), "{message}");
    assert!(message.contains("class4"), "{message}");
}

#[test]
fn class_accuracy_of_a_class_the_data_lacks_is_refused_before_running() {
    let project = grey_project();
    project.write("x.npy", &npy("|u1", &[9, 1, 2, 2], &pixel_bytes(), false));
    project.write("y.npy", &npy("<i8", &[9], &i64_bytes(&LABELS), false));
    let gates = "warn missing: class_accuracy(m, clean, class: 7) >= 0\n";
    let arch = format!("mlp(hidden: [4], classes: {CLASSES})");
    let output = project.run(&spec(
        r#"npy("x.npy", "y.npy")"#,
        "[0, 1]",
        CLASSES,
        &arch,
        gates,
    ));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("rbench::check::out-of-range"), "{stderr}");
    assert!(stderr.contains("numbered 0 to 4"), "{stderr}");
}
