//! The data sources on small files written here: values, labels, shapes, batches, selection,
//! content hashes, bad input, and the bundled data.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use rbench::data::{
    open, Batch, BundledSample, DataError, DataProblem, Selection, Source, SourceSpec,
};
use safetensors::Dtype;
use support::files::{f32_bytes, i64_bytes, safetensors as safetensors_file};
use tempfile::TempDir;
use zip::CompressionMethod;

// ---------------------------------------------------------------------------------------------
// Writers of small files

/// An npy file (version 1.0) of `descr` elements with `shape`, holding `data`.
fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    support::files::npy(descr, shape, data, false)
}

fn npz(path: &Path, method: CompressionMethod, members: &[(&str, Vec<u8>)]) {
    fs::write(path, support::files::npz(members, method)).expect("write the archive");
}

/// A folder of test files.
struct Files(TempDir);

impl Files {
    fn new() -> Self {
        Files(tempfile::tempdir().expect("a temporary folder"))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create a folder");
        }
        fs::write(&path, bytes).expect("write a file");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// An error's message with this folder shown as `<dir>`.
    fn message(&self, error: &DataError) -> String {
        let dir = self.0.path().display().to_string();
        error.to_string().replace(&dir, "<dir>")
    }
}

/// Six samples `[2, 3]` with values `i / 100` and labels `i % 3`.
fn six_samples() -> (Vec<f32>, Vec<i64>) {
    let x = (0..36).map(|i| i as f32 / 100.0).collect();
    let y = (0..6).map(|i| i % 3).collect();
    (x, y)
}

fn unit(classes: u32) -> Selection {
    Selection::all(classes, (0.0, 1.0))
}

fn opened(spec: &SourceSpec, selection: &Selection) -> Box<dyn Source> {
    open(spec, selection).unwrap_or_else(|e| panic!("{spec:?} opens: {e}"))
}

fn all(source: &dyn Source) -> Batch {
    source.batch(0..source.len()).expect("every sample reads")
}

/// Batches of every size split the data as one batch does.
fn assert_batches_agree(source: &dyn Source) {
    let whole = all(source);
    let n = source.len();
    for size in 1..=n {
        let mut inputs = Vec::new();
        let mut labels = Vec::new();
        let mut indices = Vec::new();
        for start in (0..n).step_by(size) {
            let batch = source.batch(start..(start + size).min(n)).expect("a batch");
            assert_eq!(batch.sample_shape, whole.sample_shape);
            inputs.extend(batch.inputs);
            labels.extend(batch.labels);
            indices.extend(batch.indices);
        }
        assert_eq!(inputs, whole.inputs, "batches of {size}");
        assert_eq!(labels, whole.labels, "batches of {size}");
        assert_eq!(indices, whole.indices, "batches of {size}");
    }
    assert_eq!(whole.indices, (0..n as u64).collect::<Vec<_>>());
}

fn error(spec: &SourceSpec, selection: &Selection) -> DataError {
    match open(spec, selection) {
        Ok(source) => all_error(&*source),
        Err(error) => error,
    }
}

fn all_error(source: &dyn Source) -> DataError {
    source
        .batch(0..source.len())
        .expect_err("the data is refused")
}

// ---------------------------------------------------------------------------------------------
// Every source kind

#[test]
fn npy_files_give_samples_and_labels() {
    let files = Files::new();
    let (x, y) = six_samples();
    let spec = SourceSpec::Npy {
        x: files.write("x.npy", &npy("<f4", &[6, 2, 3], &f32_bytes(&x))),
        y: files.write("y.npy", &npy("<i8", &[6], &i64_bytes(&y))),
    };
    let source = opened(&spec, &unit(3));
    assert_eq!((source.len(), source.sample_shape()), (6, &[2, 3][..]));
    let batch = all(&*source);
    assert_eq!(batch.inputs, x);
    assert_eq!(batch.labels, [0, 1, 2, 0, 1, 2]);
    let two = source.batch(2..4).expect("a batch");
    assert_eq!(two.indices, [2, 3]);
    assert_eq!(two.sample(1), &x[18..24]);
    assert!(source.batch(3..3).expect("an empty batch").is_empty());
    assert_batches_agree(&*source);
}

#[test]
fn npz_members_read_alike_stored_or_deflated() {
    let files = Files::new();
    let (x, y) = six_samples();
    let mut batches = Vec::new();
    for (name, method) in [
        ("stored.npz", CompressionMethod::Stored),
        ("deflated.npz", CompressionMethod::Deflated),
    ] {
        let path = files.path(name);
        npz(
            &path,
            method,
            &[
                ("labels.npy", npy("<i8", &[6], &i64_bytes(&y))),
                ("images.npy", npy("<f4", &[6, 2, 3], &f32_bytes(&x))),
            ],
        );
        let spec = SourceSpec::Npz {
            path,
            x: "images".into(),
            y: "labels.npy".into(),
        };
        let source = opened(&spec, &unit(3));
        assert_batches_agree(&*source);
        batches.push(all(&*source));
    }
    assert_eq!(batches[0], batches[1]);
    assert_eq!(batches[0].inputs, x);
}

#[test]
fn idx_files_read_plain_or_gzip_and_scale_bytes_only_to_a_unit_range() {
    let files = Files::new();
    let pixels: Vec<u8> = (0..60).map(|i| (i * 4) as u8).collect();
    let images = support::files::idx(0x08, &[3, 4, 5], &pixels);
    let labels = support::files::idx(0x08, &[3], &[7, 0, 9]);
    let plain = SourceSpec::Idx {
        images: files.write("images-idx3-ubyte", &images),
        labels: files.write("labels-idx1-ubyte", &labels),
    };
    let compressed = SourceSpec::Idx {
        images: files.write("images-idx3-ubyte.gz", &support::files::gzip(&images)),
        labels: files.write("labels-idx1-ubyte.gz", &support::files::gzip(&labels)),
    };
    let plain_batch = all(&*opened(&plain, &unit(10)));
    assert_eq!(plain_batch.sample_shape, [1, 4, 5]);
    assert_eq!(plain_batch.labels, [7, 0, 9]);
    let scaled: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    assert_eq!(plain_batch.inputs, scaled);
    let source = opened(&compressed, &unit(10));
    assert_eq!(all(&*source), plain_batch);
    assert_batches_agree(&*source);

    let raw = all(&*opened(&plain, &Selection::all(10, (0.0, 255.0))));
    let unscaled: Vec<f32> = pixels.iter().map(|&p| f32::from(p)).collect();
    assert_eq!(raw.inputs, unscaled);
}

#[test]
fn csv_tables_with_quoted_names_and_another_delimiter() {
    let files = Files::new();
    let text = "\"width; cm\";target;\"height\"\n1.5;1;2\n 3 ;0;4e-1\n\n5;2;6\n";
    let path = files.write("table.csv", text.as_bytes());
    let spec = SourceSpec::Csv {
        path: path.clone(),
        label: "target".into(),
        features: None,
        delimiter: b';',
    };
    let range = Selection::all(3, (0.0, 10.0));
    let source = opened(&spec, &range);
    assert_eq!(source.sample_shape(), [2]);
    let batch = all(&*source);
    assert_eq!(batch.inputs, [1.5, 2.0, 3.0, 0.4, 5.0, 6.0]);
    assert_eq!(batch.labels, [1, 0, 2]);
    assert_batches_agree(&*source);

    let reordered = SourceSpec::Csv {
        path,
        label: "target".into(),
        features: Some(vec!["height".into(), "width; cm".into()]),
        delimiter: b';',
    };
    assert_eq!(
        all(&*opened(&reordered, &range)).inputs,
        [2.0, 1.5, 0.4, 3.0, 6.0, 5.0]
    );
}

#[test]
fn image_folders_are_resized_per_class_in_name_order() {
    let files = Files::new();
    let save = |name: &str, image: image::RgbImage| {
        let path = files.path(name);
        fs::create_dir_all(path.parent().expect("a class folder")).expect("create");
        image.save(&path).expect("save a PNG");
    };
    save(
        "zebra/a.png",
        image::RgbImage::from_pixel(4, 4, image::Rgb([255, 0, 51])),
    );
    save(
        "ant/b.png",
        image::RgbImage::from_pixel(8, 6, image::Rgb([0, 102, 255])),
    );
    save(
        "ant/c.png",
        image::RgbImage::from_pixel(2, 2, image::Rgb([51, 51, 51])),
    );
    fs::write(files.path("ant/notes.txt"), "not an image").expect("write");
    let spec = |grayscale| SourceSpec::Images {
        path: files.0.path().to_path_buf(),
        size: [4, 4],
        grayscale,
    };
    let source = opened(&spec(false), &unit(2));
    assert_eq!(source.sample_shape(), [3, 4, 4]);
    let batch = all(&*source);
    assert_eq!(batch.labels, [0, 0, 1]);
    let planes = |sample: &[f32]| -> Vec<f32> { sample.chunks(16).map(|p| p[5]).collect() };
    // Uniform images stay uniform when resized; channels come plane by plane.
    assert_eq!(planes(batch.sample(0)), [0.0, 0.4, 1.0]);
    assert_eq!(planes(batch.sample(1)), [0.2, 0.2, 0.2]);
    assert_eq!(planes(batch.sample(2)), [1.0, 0.0, 0.2]);
    assert!(batch
        .sample(0)
        .chunks(16)
        .all(|p| p.iter().all(|&v| v == p[0])));
    assert_batches_agree(&*source);

    let grey = opened(&spec(true), &Selection::all(2, (0.0, 255.0)));
    assert_eq!(grey.sample_shape(), [1, 4, 4]);
    let batch = all(&*grey);
    // Pillow's `convert("L")` levels: (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16.
    assert_eq!(batch.sample(0), [89.0; 16]);
    assert_eq!(batch.sample(1), [51.0; 16]);
    assert_eq!(batch.sample(2), [82.0; 16]);
}

#[test]
fn safetensors_tensors_of_any_supported_type() {
    let files = Files::new();
    let halves: Vec<u8> = [0x3c00u16, 0x3800, 0x0000, 0x3400]
        .iter()
        .flat_map(|h| h.to_le_bytes())
        .collect();
    let path = files.write(
        "data.safetensors",
        &safetensors_file(&[
            ("pixels", Dtype::F16, &[2, 2], halves),
            (
                "classes",
                Dtype::I32,
                &[2],
                [1i32, 0].iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
        ]),
    );
    let spec = SourceSpec::Safetensors {
        path,
        x: "pixels".into(),
        y: "classes".into(),
    };
    let source = opened(&spec, &unit(2));
    let batch = all(&*source);
    assert_eq!(batch.inputs, [1.0, 0.5, 0.0, 0.25]);
    assert_eq!(batch.labels, [1, 0]);
    assert_batches_agree(&*source);
}

// ---------------------------------------------------------------------------------------------
// Selection

fn twenty(files: &Files) -> SourceSpec {
    let x: Vec<f32> = (0..20).map(|i| i as f32).collect();
    let y: Vec<i64> = (0..20).collect();
    SourceSpec::Npy {
        x: files.write("x.npy", &npy("<f4", &[20, 1], &f32_bytes(&x))),
        y: files.write("y.npy", &npy("<i8", &[20], &i64_bytes(&y))),
    }
}

fn labels(spec: &SourceSpec, selection: &Selection) -> Vec<u32> {
    all(&*opened(spec, selection)).labels
}

#[test]
fn offset_and_limit_select_a_window() {
    let files = Files::new();
    let spec = twenty(&files);
    let mut selection = Selection::all(20, (0.0, 20.0));
    selection.offset = 15;
    assert_eq!(labels(&spec, &selection), [15, 16, 17, 18, 19]);
    selection.limit = Some(3);
    assert_eq!(labels(&spec, &selection), [15, 16, 17]);
    let source = opened(&spec, &selection);
    assert_eq!(source.batch(1..3).expect("a batch").indices, [1, 2]);
}

#[test]
fn shuffles_are_deterministic_and_seed_dependent() {
    let files = Files::new();
    let spec = twenty(&files);
    let mut selection = Selection::all(20, (0.0, 20.0));
    selection.shuffle_seed = Some(42);
    let shuffled = labels(&spec, &selection);
    assert_eq!(labels(&spec, &selection), shuffled);
    let mut sorted = shuffled.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..20).collect::<Vec<u32>>());
    assert_ne!(shuffled, sorted);
    // The order is part of the results' provenance: it must not change between releases.
    assert_eq!(
        shuffled,
        [15, 9, 18, 6, 3, 8, 2, 13, 7, 1, 11, 16, 10, 17, 19, 14, 4, 5, 12, 0]
    );

    let source = opened(&spec, &selection);
    assert_batches_agree(&*source);
    let batch = all(&*source);
    for (i, &label) in batch.labels.iter().enumerate() {
        assert_eq!(
            batch.sample(i),
            [label as f32],
            "sample and label stay together"
        );
    }

    selection.offset = 5;
    selection.limit = Some(4);
    assert_eq!(labels(&spec, &selection), shuffled[5..9]);
    selection.shuffle_seed = Some(43);
    assert_ne!(labels(&spec, &selection), shuffled[5..9]);
}

#[test]
fn a_batch_reads_only_its_rows() {
    // Ten thousand samples, all NaN but rows 5000..5010: those read, the others are refused.
    let files = Files::new();
    let mut x = vec![f32::NAN; 10_000 * 4];
    x[5000 * 4..5010 * 4].fill(0.5);
    let spec = SourceSpec::Npy {
        x: files.write("x.npy", &npy("<f4", &[10_000, 4], &f32_bytes(&x))),
        y: files.write("y.npy", &npy("<i8", &[10_000], &i64_bytes(&[1; 10_000]))),
    };
    let source = opened(&spec, &unit(2));
    let batch = source.batch(5000..5010).expect("the clean rows read");
    assert_eq!(batch.inputs, [0.5; 40]);
    assert_eq!(batch.indices, (5000..5010).collect::<Vec<u64>>());
    let error = source.batch(4999..5001).expect_err("row 4999 is NaN");
    assert!(
        error.to_string().contains("sample 4999 holds NaN"),
        "{error}"
    );
}

#[test]
fn one_source_serves_batches_to_several_threads() {
    let files = Files::new();
    let spec = twenty(&files);
    let mut selection = Selection::all(20, (0.0, 20.0));
    selection.shuffle_seed = Some(3);
    let source = opened(&spec, &selection);
    let whole = all(&*source);
    let parts: Vec<Batch> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let source = &source;
                scope.spawn(move || source.batch(i * 5..i * 5 + 5).expect("a batch"))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a thread"))
            .collect()
    });
    let labels: Vec<u32> = parts.iter().flat_map(|b| b.labels.clone()).collect();
    assert_eq!(labels, whole.labels);
}

// ---------------------------------------------------------------------------------------------
// Content hashes

#[test]
fn content_hashes_are_stable_and_follow_every_byte() {
    let files = Files::new();
    let spec = twenty(&files);
    let hash = |selection: &Selection| opened(&spec, selection).content_hash().expect("a hash");
    let whole = Selection::all(20, (0.0, 20.0));
    let first = hash(&whole);
    let source = opened(&spec, &whole);
    assert_eq!(source.content_hash().expect("hash"), first);
    assert_eq!(source.content_hash().expect("hash, remembered"), first);
    let mut window = whole.clone();
    window.limit = Some(2);
    assert_eq!(hash(&window), first, "the selection is not content");

    let SourceSpec::Npy { x, .. } = &spec else {
        unreachable!()
    };
    let mut bytes = fs::read(x).expect("read");
    *bytes.last_mut().expect("a byte") ^= 1;
    fs::write(x, &bytes).expect("write");
    assert_ne!(hash(&whole), first);
}

#[test]
fn content_hashes_cover_every_kind() {
    let files = Files::new();
    let digits = SourceSpec::Sample(BundledSample::Digits);
    let hash = opened(&digits, &unit(10)).content_hash().expect("hash");
    assert_eq!(
        opened(&digits, &unit(10)).content_hash().expect("hash"),
        hash
    );
    let table = |text: &str| {
        let spec = SourceSpec::Csv {
            path: files.write("t.csv", text.as_bytes()),
            label: "y".into(),
            features: None,
            delimiter: b',',
        };
        opened(&spec, &unit(2)).content_hash().expect("hash")
    };
    assert_ne!(table("a,y\n0,1\n"), table("a,y\n1,1\n"));
    let images = |name: &str| {
        let _ = fs::remove_dir_all(files.path("img"));
        image::GrayImage::new(2, 2)
            .save(files.write(&format!("img/{name}/0.png"), b""))
            .expect("save");
        let spec = SourceSpec::Images {
            path: files.path("img"),
            size: [2, 2],
            grayscale: true,
        };
        opened(&spec, &unit(2)).content_hash().expect("hash")
    };
    assert_ne!(images("cat"), images("dog"), "class names decide labels");
}

// ---------------------------------------------------------------------------------------------
// Bad input

#[test]
fn bad_input_is_refused_with_the_file_named() {
    let files = Files::new();
    let (x, y) = six_samples();
    let x_npy = npy("<f4", &[6, 2, 3], &f32_bytes(&x));
    let y_npy = npy("<i8", &[6], &i64_bytes(&y));
    let npy_spec = |x: &[u8], y: &[u8]| SourceSpec::Npy {
        x: files.write("x.npy", x),
        y: files.write("y.npy", y),
    };
    let mut messages = Vec::new();
    let mut record = |what: &str, error: DataError| {
        messages.push(format!("{what}:\n  {}", files.message(&error)));
    };

    let missing = SourceSpec::Npy {
        x: files.path("absent.npy"),
        y: files.path("y.npy"),
    };
    record("missing file", error(&missing, &unit(3)));
    record(
        "truncated npy",
        error(&npy_spec(&x_npy[..x_npy.len() - 4], &y_npy), &unit(3)),
    );
    let mut nan = x.clone();
    nan[13] = f32::NAN;
    record(
        "NaN",
        error(
            &npy_spec(&npy("<f4", &[6, 2, 3], &f32_bytes(&nan)), &y_npy),
            &unit(3),
        ),
    );
    let mut infinite = x.clone();
    infinite[30] = f32::NEG_INFINITY;
    record(
        "infinity",
        error(
            &npy_spec(&npy("<f4", &[6, 2, 3], &f32_bytes(&infinite)), &y_npy),
            &unit(3),
        ),
    );
    record(
        "label out of range",
        error(&npy_spec(&x_npy, &y_npy), &unit(2)),
    );
    record(
        "negative label",
        error(
            &npy_spec(&x_npy, &npy("<i8", &[6], &i64_bytes(&[0, 1, -1, 0, 0, 0]))),
            &unit(3),
        ),
    );
    record(
        "value out of range",
        error(&npy_spec(&x_npy, &y_npy), &Selection::all(3, (0.0, 0.3))),
    );
    record(
        "sample count mismatch",
        error(
            &npy_spec(&x_npy, &npy("<i8", &[5], &i64_bytes(&y[..5]))),
            &unit(3),
        ),
    );
    record(
        "float labels",
        error(
            &npy_spec(&x_npy, &npy("<f4", &[6], &f32_bytes(&[0.0; 6]))),
            &unit(3),
        ),
    );
    record(
        "labels of the wrong shape",
        error(
            &npy_spec(&x_npy, &npy("<i8", &[3, 2], &i64_bytes(&y))),
            &unit(3),
        ),
    );
    record(
        "samples of one dimension",
        error(
            &npy_spec(&npy("<f4", &[6], &f32_bytes(&x[..6])), &y_npy),
            &unit(3),
        ),
    );
    record(
        "Fortran order",
        error(
            &npy_spec(
                &support::files::npy("<f4", &[6, 2, 3], &f32_bytes(&x), true),
                &y_npy,
            ),
            &unit(3),
        ),
    );
    let mut past_the_end = unit(3);
    past_the_end.offset = 6;
    record(
        "offset past the end",
        error(&npy_spec(&x_npy, &y_npy), &past_the_end),
    );

    let wrong_magic = SourceSpec::Idx {
        images: files.write("images.idx", b"\x01\x02\x08\x03rest"),
        labels: files.write("labels.idx", &support::files::idx(0x08, &[1], &[0])),
    };
    record("wrong IDX magic", error(&wrong_magic, &unit(3)));
    let noise: Vec<u8> = (0..800u32).map(|i| (i * 7919 % 251) as u8).collect();
    let compressed = support::files::gzip(&support::files::idx(0x08, &[2, 20, 20], &noise));
    let truncated_gz = SourceSpec::Idx {
        images: files.write("images.idx.gz", &compressed[..compressed.len() / 2]),
        labels: files.write("labels.idx", &support::files::idx(0x08, &[2], &[0, 1])),
    };
    record("truncated gzip IDX", error(&truncated_gz, &unit(3)));
    let short_gz = SourceSpec::Idx {
        images: files.write(
            "short.idx.gz",
            &support::files::gzip(&support::files::idx(0x08, &[2, 20, 20], &noise[..500])),
        ),
        labels: files.write("labels.idx", &support::files::idx(0x08, &[2], &[0, 1])),
    };
    record(
        "IDX shorter than its header says",
        error(&short_gz, &unit(3)),
    );
    record(
        "wrong npy magic",
        error(&npy_spec(b"PK\x03\x04 a zip file", &y_npy), &unit(3)),
    );

    let zip_path = files.write("data.npz", b"PK\x03\x04 not really");
    let broken_npz = SourceSpec::Npz {
        path: zip_path,
        x: "x".into(),
        y: "y".into(),
    };
    record("corrupt npz", error(&broken_npz, &unit(3)));
    let npz_path = files.path("good.npz");
    npz(
        &npz_path,
        CompressionMethod::Deflated,
        &[("x.npy", x_npy.clone()), ("y.npy", y_npy.clone())],
    );
    let missing_member = SourceSpec::Npz {
        path: npz_path,
        x: "x".into(),
        y: "labels".into(),
    };
    record("missing npz member", error(&missing_member, &unit(3)));

    let csv = |text: &str, label: &str| SourceSpec::Csv {
        path: files.write("table.csv", text.as_bytes()),
        label: label.into(),
        features: None,
        delimiter: b',',
    };
    record(
        "missing column",
        error(&csv("a,b\n1,0\n", "target"), &unit(2)),
    );
    record(
        "ragged CSV row",
        error(&csv("a,y\n1,0\n2\n", "y"), &unit(2)),
    );
    record(
        "CSV field not a number",
        error(&csv("a,y\n0.5,0\nabc,1\n", "y"), &unit(2)),
    );
    record("CSV NaN", error(&csv("a,y\n0.5,0\nNaN,1\n", "y"), &unit(2)));
    record(
        "CSV label not a class index",
        error(&csv("a,y\n0.5,0.5\n", "y"), &unit(2)),
    );

    fs::create_dir_all(files.path("images/cat")).expect("create");
    files.write("images/cat/broken.png", b"not a png");
    let broken_image = SourceSpec::Images {
        path: files.path("images"),
        size: [2, 2],
        grayscale: false,
    };
    record("broken image", error(&broken_image, &unit(2)));

    insta::assert_snapshot!("data_sources_bad_input", messages.join("\n"));
}

#[test]
fn value_errors_name_the_sample_and_its_file() {
    let files = Files::new();
    let (x, y) = six_samples();
    let spec = SourceSpec::Npy {
        x: files.write("x.npy", &npy("<f4", &[6, 2, 3], &f32_bytes(&x))),
        y: files.write("y.npy", &npy("<i8", &[6], &i64_bytes(&y))),
    };
    let error = error(&spec, &unit(2));
    assert_eq!(error.path, files.path("y.npy"));
    assert_eq!(
        error.problem,
        DataProblem::LabelOutOfRange {
            sample: "sample 2".into(),
            label: 2,
            classes: 2,
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Bundled data

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(name)
}

fn value_bounds(batch: &Batch) -> (f32, f32) {
    let min = batch.inputs.iter().copied().fold(f32::INFINITY, f32::min);
    let max = batch
        .inputs
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    (min, max)
}

#[test]
fn the_bundled_digits_load_in_a_train_and_a_test_split() {
    let mut total = 0;
    for (name, expected) in [("digits_train.npz", 1348), ("digits_test.npz", 449)] {
        let spec = SourceSpec::Npz {
            path: example(name),
            x: "x".into(),
            y: "y".into(),
        };
        let source = opened(&spec, &unit(10));
        assert_eq!(
            (source.len(), source.sample_shape()),
            (expected, &[1, 8, 8][..])
        );
        let batch = all(&*source);
        assert_eq!(value_bounds(&batch), (0.0, 1.0));
        // The 17 grey levels of the original, divided by 16.
        assert!(batch.inputs.iter().all(|v| (v * 16.0).fract() == 0.0));
        let mut seen = [false; 10];
        batch.labels.iter().for_each(|&l| seen[l as usize] = true);
        assert_eq!(seen, [true; 10]);
        total += expected;
    }
    assert_eq!(total, 1797);

    let bundled = opened(&SourceSpec::Sample(BundledSample::Digits), &unit(10));
    let file = SourceSpec::Npz {
        path: example("digits_test.npz"),
        x: "x".into(),
        y: "y".into(),
    };
    assert_eq!(all(&*bundled), all(&*opened(&file, &unit(10))));
    assert_batches_agree(&*bundled);
}

#[test]
fn the_bundled_breast_cancer_table_loads_whole_and_split() {
    let range = Selection::all(2, (0.0, 4300.0));
    for (name, expected) in [
        ("breast_cancer.csv", 569),
        ("breast_cancer_train.csv", 427),
        ("breast_cancer_test.csv", 142),
    ] {
        let spec = SourceSpec::Csv {
            path: example(name),
            label: "target".into(),
            features: None,
            delimiter: b',',
        };
        let source = opened(&spec, &range);
        assert_eq!((source.len(), source.sample_shape()), (expected, &[30][..]));
        let batch = all(&*source);
        let (min, max) = value_bounds(&batch);
        assert_eq!(min, 0.0);
        assert!(max <= 4254.0, "{max}");
        if expected == 569 {
            assert_eq!(max, 4254.0, "worst area");
            let benign = batch.labels.iter().filter(|&&l| l == 1).count();
            assert_eq!(benign, 357);
            assert_eq!(&batch.sample(0)[..4], [17.99, 10.38, 122.8, 1001.0]);
        }
    }
    let bundled = opened(&SourceSpec::Sample(BundledSample::BreastCancer), &range);
    assert_eq!(bundled.len(), 142);
    // The test split is every fourth row of the whole table, from row 3.
    let whole = SourceSpec::Csv {
        path: example("breast_cancer.csv"),
        label: "target".into(),
        features: None,
        delimiter: b',',
    };
    let whole = all(&*opened(&whole, &range));
    let bundled = all(&*bundled);
    assert_eq!(bundled.sample(1), whole.sample(7));
    assert_eq!(bundled.labels[1], whole.labels[7]);
    assert_eq!(
        BundledSample::from_name("breast_cancer"),
        Some(BundledSample::BreastCancer)
    );
}

#[test]
fn the_bundled_data_declared_out_of_its_range_is_refused() {
    let error = error(&SourceSpec::Sample(BundledSample::BreastCancer), &unit(2));
    assert_eq!(
        error.to_string(),
        "`sample(breast_cancer)`: sample 0 holds 11.42, outside the declared range [0, 1]; \
         declare the range the data has (`range = [low, high]`) or rescale the data"
    );
}
