//! The link step on real files: each test writes small data, model and weights files into a
//! temporary project, checks a spec naming them, and links it. Successes assert what the
//! headers say; failures snapshot the rendered diagnostics (the temporary folder shows as
//! `[TMP]`).

mod support;

use std::path::PathBuf;

use prost::Message;
use rbench::check::{self, FsLoader};
use rbench::link::{self, Linked, LinkedDataset, LinkedModel};
use rbench::model::onnx::proto::{GraphProto, ModelProto};
use rbench::syntax::{self, FileId, SourceFile};
use safetensors::Dtype;
use support::onnx::Dim::{self, Fixed, Symbolic};
use support::onnx::{graph, model, node, value};
use tempfile::TempDir;

/// A temporary project folder holding a spec and the files it names.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> &Project {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folders");
        std::fs::write(&path, bytes).expect("write a file");
        self
    }

    /// Parses, checks and links `spec` written as `bench.rbench` in the project, reading files
    /// in the project (and its data roots) only.
    fn link(&self, spec: &str) -> Result<Linked, String> {
        self.link_reaching(spec, link::Reach::Project)
    }

    /// Parses, checks and links `spec` written as `bench.rbench` in the project.
    fn link_reaching(&self, spec: &str, reach: link::Reach) -> Result<Linked, String> {
        let path = self.path("bench.rbench");
        std::fs::write(&path, spec).expect("write the spec");
        let source = SourceFile::new(FileId(0), path.display().to_string(), spec);
        let ast = syntax::parse(&source).expect("the spec parses");
        let spec = match check::check(source, ast, &path, &FsLoader) {
            Ok(spec) => spec,
            Err(errors) => panic!("the spec checks: {}", self.render(&errors)),
        };
        link::link(&spec, &reach).map_err(|errors| self.render(&errors))
    }

    /// Links `spec`, which must fail; the rendered diagnostics.
    fn link_errors(&self, spec: &str) -> String {
        match self.link(spec) {
            Ok(linked) => panic!("expected link errors, got {linked:?}"),
            Err(rendered) => rendered,
        }
    }

    fn render(&self, diagnostic: &dyn miette::Diagnostic) -> String {
        support::render(diagnostic, 80).replace(&self.dir.path().display().to_string(), "[TMP]")
    }
}

/// A spec with one data set declared by `source` and one ONNX model, evaluated together.
fn spec(source: &str, classes: u32) -> String {
    format!(
        r#"benchmark linking {{
  seed = 1
}}

dataset data {{
  source = {source}
  classes = {classes}
}}

model net {{
  onnx = "models/net.onnx"
}}

evaluate net on data
"#
    )
}

// ---- small file writers ----

/// An npy file of zeroed elements of `size` bytes.
fn npy(descr: &str, shape: &[u64], size: usize) -> Vec<u8> {
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    support::files::zeroed_npy(descr, &shape, size)
}

/// An npz archive of deflated npy members.
fn npz(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    support::files::npz(members, zip::CompressionMethod::Deflated)
}

/// An IDX file of zeroed unsigned bytes.
fn idx(dims: &[u32]) -> Vec<u8> {
    let count: u32 = dims.iter().product();
    support::files::idx(0x08, dims, &vec![0u8; count as usize])
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    support::files::gzip(bytes)
}

/// A safetensors file of zeroed tensors.
fn safetensors(tensors: &[(&str, Dtype, &[usize])]) -> Vec<u8> {
    let zeroed: Vec<(&str, Dtype, &[usize], Vec<u8>)> = tensors
        .iter()
        .map(|&(name, dtype, shape)| {
            let size = shape.iter().product::<usize>() * dtype.bitsize() / 8;
            (name, dtype, shape, vec![0u8; size])
        })
        .collect();
    support::files::safetensors(&zeroed)
}

/// An ONNX model `input → Flatten → output` with the given input and output shapes.
fn onnx(input: &[Dim], output: &[Dim]) -> Vec<u8> {
    let flatten = node("Flatten", "flatten", &["input"], &["scores"], vec![]);
    let graph = GraphProto {
        name: Some("net".into()),
        ..graph(
            vec![flatten],
            vec![],
            vec![value("input", input)],
            vec![value("scores", output)],
        )
    };
    ModelProto {
        producer_name: Some("rbench tests".into()),
        ..model(17, graph)
    }
    .encode_to_vec()
}

/// A black 6×4 PNG image.
fn png() -> Vec<u8> {
    support::files::png(&image::RgbImage::new(6, 4))
}

/// An MLP classifier over 64 features with 10 classes, batch dimension symbolic.
fn mlp_onnx() -> Vec<u8> {
    onnx(
        &[Symbolic("batch"), Fixed(64)],
        &[Symbolic("batch"), Fixed(10)],
    )
}

fn digits_npz(samples: u64, labels: u64) -> Vec<u8> {
    npz(&[
        ("x.npy", npy("<f4", &[samples, 64], 4)),
        ("y.npy", npy("<i8", &[labels], 8)),
    ])
}

// ---- successes ----

#[test]
fn npz_data_and_an_onnx_model_link() {
    let project = Project::new();
    project
        .write("data/digits.npz", &digits_npz(5, 5))
        .write("models/net.onnx", &mlp_onnx());
    let linked = project
        .link(&spec(r#"npz("data/digits.npz")"#, 10))
        .expect("links");
    assert_eq!(
        linked.datasets,
        [LinkedDataset {
            samples: Some(5),
            sample_shape: Some(vec![64]),
            sample_type: Some(rbench::data::ElementType::F32),
        }]
    );
    let model = &linked.models[0];
    assert_eq!(model.input, Some(vec![Some(64)]));
    assert_eq!(model.classes, Some(10));
    let signature = model.onnx.as_ref().expect("an ONNX signature");
    assert_eq!(signature.ops, ["Flatten"]);
    assert_eq!(signature.opsets, [(String::new(), 17)]);
}

#[test]
fn gzip_idx_images_get_a_channel_and_a_symbolic_batch_is_dropped() {
    let project = Project::new();
    project
        .write("data/images.gz", &gzip(&idx(&[3, 28, 28])))
        .write("data/labels.gz", &gzip(&idx(&[3])))
        .write(
            "models/net.onnx",
            &onnx(
                &[Symbolic("N"), Fixed(1), Fixed(28), Fixed(28)],
                &[Symbolic("N"), Fixed(10)],
            ),
        );
    let linked = project
        .link(&spec(r#"idx("data/images.gz", "data/labels.gz")"#, 10))
        .expect("links");
    assert_eq!(linked.datasets[0].samples, Some(3));
    assert_eq!(linked.datasets[0].sample_shape, Some(vec![1, 28, 28]));
    assert_eq!(
        linked.models[0].input,
        Some(vec![Some(1), Some(28), Some(28)])
    );
}

#[test]
fn a_flat_model_input_takes_images_of_as_many_values_and_a_batch_of_one() {
    let project = Project::new();
    project
        .write("data/images", &idx(&[2, 28, 28]))
        .write("data/labels", &idx(&[2]))
        .write(
            "models/net.onnx",
            &onnx(&[Fixed(1), Fixed(784)], &[Fixed(1), Fixed(10)]),
        );
    let linked = project
        .link(&spec(r#"idx("data/images", "data/labels")"#, 10))
        .expect("links");
    assert_eq!(linked.models[0].input, Some(vec![Some(784)]));
}

#[test]
fn csv_images_and_safetensors_sources_with_safetensors_weights_link() {
    let project = Project::new();
    project
        .write("data/table.csv", b"a,b,c,target\n1,2,3,0\n")
        .write("data/pictures/ant/1.png", &png())
        .write("data/pictures/ant/2.png", &png())
        .write("data/pictures/bee/1.png", &png())
        .write(
            "data/tensors.safetensors",
            &safetensors(&[("x", Dtype::F32, &[4, 3]), ("y", Dtype::I64, &[4])]),
        )
        .write(
            "models/mlp.safetensors",
            &safetensors(&[
                ("hidden.0.weight", Dtype::F32, &[8, 3]),
                ("hidden.0.bias", Dtype::F32, &[8]),
                ("output.weight", Dtype::F32, &[2, 8]),
                ("output.bias", Dtype::F32, &[2]),
            ]),
        )
        .write(
            "models/cnn.safetensors",
            &safetensors(&[
                ("convs.0.weight", Dtype::F32, &[4, 1, 3, 3]),
                ("hidden.weight", Dtype::F32, &[16, 64]),
                ("output.weight", Dtype::F32, &[2, 16]),
            ]),
        );
    let linked = project
        .link(
            r#"benchmark linking {
  seed = 1
}

dataset table {
  source = csv("data/table.csv", label: "target")
  classes = 2
}

dataset tensors {
  source = safetensors("data/tensors.safetensors")
  classes = 2
}

dataset pictures {
  source = images("data/pictures", size: [16, 16], grayscale: true)
  classes = 2
}

model mlp {
  safetensors = "models/mlp.safetensors"
  arch = mlp(hidden: [8], classes: 2)
}

model cnn {
  safetensors = "models/cnn.safetensors"
  arch = cnn(channels: [4], hidden: 16, classes: 2)
}

evaluate mlp on [table, tensors]
evaluate cnn on pictures
"#,
        )
        .expect("links");
    let shapes: Vec<(Option<u64>, Option<Vec<u64>>)> = linked
        .datasets
        .iter()
        .map(|d| (d.samples, d.sample_shape.clone()))
        .collect();
    assert_eq!(
        shapes,
        [
            (None, Some(vec![3])),
            (Some(4), Some(vec![3])),
            (Some(3), Some(vec![1, 16, 16])),
        ]
    );
    assert_eq!(
        linked.models,
        [
            LinkedModel {
                input: Some(vec![Some(3)]),
                classes: Some(2),
                onnx: None,
            },
            LinkedModel {
                input: Some(vec![Some(1), None, None]),
                classes: Some(2),
                onnx: None,
            },
        ]
    );
}

// ---- which files a spec may read ----

/// A spec whose data set reads `path` (an npz archive).
fn spec_reading(path: &str, header: &str) -> String {
    spec(&format!("npz({path:?})"), 10).replace("  seed = 1\n", &format!("  seed = 1\n{header}"))
}

#[test]
fn files_outside_the_project_are_refused_unread() {
    let project = Project::new();
    project.write("models/net.onnx", &mlp_onnx());
    let elsewhere = Project::new();
    elsewhere.write("digits.npz", &digits_npz(5, 5));
    let outside = elsewhere.path("digits.npz").display().to_string();
    let rendered = project
        .link(&spec_reading(&outside, ""))
        .expect_err("an absolute path elsewhere is refused");
    assert!(
        rendered.contains("rbench::link::outside-project"),
        "{rendered}"
    );
    assert!(
        rendered.contains("lies outside the spec's project"),
        "{rendered}"
    );
    assert!(rendered.contains("--allow-root"), "{rendered}");
    // Climbing out with `..` is refused as well.
    let nested = Project::new();
    nested
        .write("bench/models/net.onnx", &mlp_onnx())
        .write("secret/digits.npz", &digits_npz(5, 5));
    let inner = Project {
        dir: tempfile::tempdir_in(nested.path("bench")).expect("a folder inside"),
    };
    inner.write("models/net.onnx", &mlp_onnx());
    let rendered = inner
        .link(&spec_reading("../../secret/digits.npz", ""))
        .expect_err("`..` out of the project is refused");
    assert!(
        rendered.contains("rbench::link::outside-project"),
        "{rendered}"
    );
}

#[test]
fn a_symbolic_link_out_of_the_project_is_refused() {
    let project = Project::new();
    project.write("models/net.onnx", &mlp_onnx());
    let elsewhere = Project::new();
    elsewhere.write("digits.npz", &digits_npz(5, 5));
    std::fs::create_dir_all(project.path("data")).expect("a data folder");
    std::os::unix::fs::symlink(
        elsewhere.path("digits.npz"),
        project.path("data/digits.npz"),
    )
    .expect("a symbolic link");
    let rendered = project
        .link(&spec_reading("data/digits.npz", ""))
        .expect_err("the link leads out of the project");
    assert!(
        rendered.contains("rbench::link::outside-project"),
        "{rendered}"
    );
}

#[test]
fn allowed_roots_and_reaching_anywhere_admit_files_elsewhere() {
    let project = Project::new();
    project.write("models/net.onnx", &mlp_onnx());
    let elsewhere = Project::new();
    elsewhere.write("digits.npz", &digits_npz(5, 5));
    let outside = elsewhere.path("digits.npz").display().to_string();
    let root = format!(
        "  data_roots = [{:?}]\n",
        elsewhere.dir.path().display().to_string()
    );
    // A spec naming a root does not allow it: only the person running rbench does.
    let rendered = project
        .link(&spec_reading(&outside, &root))
        .expect_err("a root named by the spec alone is refused");
    assert!(
        rendered.contains("rbench::link::root-not-allowed"),
        "{rendered}"
    );
    assert!(
        !rendered.contains("rbench::link::outside-project"),
        "one error for the root, none for its files: {rendered}"
    );
    let allowed = link::Reach::Roots(vec![elsewhere.dir.path().to_path_buf()]);
    let linked = project
        .link_reaching(&spec_reading(&outside, &root), allowed.clone())
        .expect("an allowed root admits its files");
    assert_eq!(linked.datasets[0].samples, Some(5));
    let linked = project
        .link_reaching(&spec_reading(&outside, ""), allowed)
        .expect("an allowed root need not be named by the spec");
    assert_eq!(linked.datasets[0].samples, Some(5));
    let linked = project
        .link_reaching(&spec_reading(&outside, ""), link::Reach::Anywhere)
        .expect("reaching anywhere admits any file");
    assert_eq!(linked.datasets[0].samples, Some(5));
}

#[test]
fn a_git_repository_is_the_project_of_the_specs_inside_it() {
    let repository = Project::new();
    std::fs::create_dir(repository.path(".git")).expect("a .git folder");
    repository.write("data/digits.npz", &digits_npz(5, 5));
    let specs = Project {
        dir: tempfile::tempdir_in(repository.dir.path()).expect("a folder inside"),
    };
    specs.write("models/net.onnx", &mlp_onnx());
    let linked = specs
        .link(&spec_reading("../data/digits.npz", ""))
        .expect("files anywhere in the repository may be read");
    assert_eq!(linked.datasets[0].samples, Some(5));
}

// ---- failures, one kind each ----

#[test]
fn missing_file() {
    let project = Project::new();
    project.write("models/net.onnx", &mlp_onnx());
    let rendered = project.link_errors(&spec(r#"npz("data/digits.npz")"#, 10));
    insta::assert_snapshot!(rendered);
}

#[test]
fn truncated_npy() {
    let project = Project::new();
    let samples = npy("<f4", &[5, 64], 4);
    project
        .write("data/x.npy", &samples[..40])
        .write("data/y.npy", &npy("<i8", &[5], 8))
        .write("models/net.onnx", &mlp_onnx());
    let rendered = project.link_errors(&spec(r#"npy("data/x.npy", "data/y.npy")"#, 10));
    insta::assert_snapshot!(rendered);
}

#[test]
fn bad_idx_magic() {
    let project = Project::new();
    project
        .write("data/images", &gzip(&idx(&[3, 28, 28])))
        .write("data/labels", &idx(&[3]))
        .write("models/net.onnx", &mlp_onnx());
    let rendered = project.link_errors(&spec(r#"idx("data/images", "data/labels")"#, 10));
    insta::assert_snapshot!(rendered);
}

#[test]
fn npz_missing_member() {
    let project = Project::new();
    project
        .write(
            "data/digits.npz",
            &npz(&[
                ("images.npy", npy("<f4", &[5, 64], 4)),
                ("labels.npy", npy("<i8", &[5], 8)),
            ]),
        )
        .write("models/net.onnx", &mlp_onnx());
    let rendered = project.link_errors(&spec(r#"npz("data/digits.npz", y: "labels")"#, 10));
    insta::assert_snapshot!(rendered);
}

#[test]
fn shape_mismatch() {
    let project = Project::new();
    project
        .write("data/images.gz", &gzip(&idx(&[3, 28, 28])))
        .write("data/labels.gz", &gzip(&idx(&[3])))
        .write(
            "models/net.onnx",
            &onnx(
                &[Symbolic("N"), Fixed(3), Fixed(32), Fixed(32)],
                &[Symbolic("N"), Fixed(10)],
            ),
        );
    let rendered = project.link_errors(&spec(r#"idx("data/images.gz", "data/labels.gz")"#, 10));
    insta::assert_snapshot!(rendered);
}

#[test]
fn classes_mismatch() {
    let project = Project::new();
    project.write("data/digits.npz", &digits_npz(5, 5)).write(
        "models/net.onnx",
        &onnx(
            &[Symbolic("batch"), Fixed(64)],
            &[Symbolic("batch"), Fixed(2)],
        ),
    );
    let rendered = project.link_errors(&spec(r#"npz("data/digits.npz")"#, 10));
    insta::assert_snapshot!(rendered);
}

#[test]
fn sample_count_mismatch() {
    let project = Project::new();
    project
        .write("data/digits.npz", &digits_npz(5, 4))
        .write("models/net.onnx", &mlp_onnx());
    let rendered = project.link_errors(&spec(r#"npz("data/digits.npz")"#, 10));
    insta::assert_snapshot!(rendered);
}

#[test]
fn architecture_mismatch() {
    let project = Project::new();
    project.write("data/digits.npz", &digits_npz(5, 5)).write(
        "models/net.safetensors",
        &safetensors(&[
            ("hidden.0.weight", Dtype::F32, &[32, 64]),
            ("output.weight", Dtype::F32, &[2, 32]),
        ]),
    );
    let rendered = project.link_errors(
        r#"benchmark linking {
  seed = 1
}

dataset data {
  source = npz("data/digits.npz")
  classes = 10
}

model net {
  safetensors = "models/net.safetensors"
  arch = mlp(hidden: [16], classes: 10)
}

evaluate net on data
"#,
    );
    insta::assert_snapshot!(rendered);
}

/// Every problem of every file is reported, not the first.
#[test]
fn every_problem_is_reported() {
    let project = Project::new();
    project
        .write("data/table.csv", b"a;b;target\n")
        .write("data/y.npy", &npy(">i8", &[5], 8))
        .write("data/x.npy", &npy("<f8", &[5], 8))
        .write("models/net.onnx", b"not a model");
    let rendered = project.link_errors(
        r#"benchmark linking {
  seed = 1
}

dataset table {
  source = csv("data/table.csv", label: "target")
  classes = 2
}

dataset arrays {
  source = npy("data/x.npy", "data/y.npy")
  classes = 2
}

model net {
  onnx = "models/net.onnx"
}

evaluate net on [table, arrays]
"#,
    );
    insta::assert_snapshot!(rendered);
}

#[test]
fn image_folder_class_count() {
    let project = Project::new();
    project
        .write("data/pictures/ant/1.png", &png())
        .write("data/pictures/bee/1.png", &png())
        .write("data/pictures/cat/1.png", &png())
        .write(
            "models/net.onnx",
            &onnx(
                &[Symbolic("N"), Fixed(3), Fixed(8), Fixed(8)],
                &[Symbolic("N"), Fixed(2)],
            ),
        );
    let rendered = project.link_errors(&spec(r#"images("data/pictures", size: [8, 8])"#, 2));
    insta::assert_snapshot!(rendered);
}

#[test]
fn labels_and_models_that_cannot_be_used() {
    let project = Project::new();
    project
        .write(
            "data/digits.npz",
            &npz(&[
                ("x.npy", npy("<f4", &[5], 4)),
                ("y.npy", npy("<f4", &[5], 4)),
            ]),
        )
        .write(
            "models/net.onnx",
            &onnx(&[Fixed(32), Fixed(64)], &[Fixed(32), Fixed(10)]),
        );
    let rendered = project.link_errors(&spec(r#"npz("data/digits.npz")"#, 10));
    insta::assert_snapshot!(rendered);
}
