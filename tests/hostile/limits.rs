//! Cache entries bound to their key, and sizes checked before anything is read: swapped or
//! planted cache entries, a cache that cannot be written, an ONNX file too large to read, gzip
//! data past what a selection reads, a selection too large for memory, too many threads, and an
//! integer too large for its field.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::write::GzEncoder;
use flate2::Compression;
use miette::Diagnostic;
use rbench::data::{self, Selection, SourceSpec};
use rbench::results::RunResults;
use rbench::{run_spec, RunError, RunOptions};
use tempfile::TempDir;

/// Two FGSM strengths on the bundled digits: a clean and two attacked inferences, the attacked
/// ones of equal cache entry size.
const SPEC: &str = r#"benchmark hostile_cache {
  seed = 7
}

dataset digits {
  source = sample(digits)
  classes = 10
  range = [0, 1]
}

model mlp {
  onnx = "digits_mlp.onnx"
}

perturbation fgsm = fgsm(eps: [1/16, 2/16])

evaluate mlp on digits under fgsm

warn weak: accuracy(mlp, fgsm[eps = 1/16]) >= 10%
warn strong: accuracy(mlp, fgsm[eps = 2/16]) >= 10%
"#;

/// A project folder holding [`SPEC`] and the bundled MLP.
fn project() -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/models/digits_mlp.onnx");
    std::fs::copy(model, dir.path().join("digits_mlp.onnx")).expect("copy the model");
    std::fs::write(dir.path().join("bench.rbench"), SPEC).expect("write the spec");
    dir
}

fn options(dir: &Path) -> RunOptions<'static> {
    let mut options = RunOptions::beside(Some(&dir.join("bench.rbench")));
    options.threads = 2;
    options
}

fn run(dir: &Path) -> RunResults {
    run_spec(&dir.join("bench.rbench"), &options(dir))
        .expect("the run finishes")
        .results
}

/// The metric values of a run, by label.
fn values(results: &RunResults) -> Vec<(String, f64)> {
    results
        .metrics
        .iter()
        .map(|m| (m.label.clone(), m.value))
        .collect()
}

/// The cache entries, largest last.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<(u64, PathBuf)> = std::fs::read_dir(dir.join(".rbench/cache"))
        .expect("the cache folder")
        .map(|e| e.expect("an entry").path())
        .map(|p| (std::fs::metadata(&p).expect("metadata").len(), p))
        .collect();
    entries.sort();
    entries.into_iter().map(|(_, p)| p).collect()
}

fn code(error: &dyn Diagnostic) -> String {
    error.code().map(|c| c.to_string()).unwrap_or_default()
}

#[test]
fn two_cache_entries_swapped_are_recomputed_not_reported() {
    let dir = project();
    let first = run(dir.path());
    let entries = entries(dir.path());
    assert_eq!(entries.len(), 3, "{entries:?}");
    let (weak, strong) = (&entries[1], &entries[2]);
    let (a, b) = (
        std::fs::read(weak).expect("read"),
        std::fs::read(strong).expect("read"),
    );
    assert_eq!(a.len(), b.len(), "the attacked entries are of equal size");
    std::fs::write(weak, &b).expect("swap");
    std::fs::write(strong, &a).expect("swap");
    let second = run(dir.path());
    assert_eq!(values(&second), values(&first));
    assert_eq!(
        (second.stats.cache_hits, second.stats.cache_rejected),
        (1, 2),
        "the swapped entries are rejected, the clean one read"
    );
    assert_eq!(second.stats.cache_misses, 2);
}

#[test]
fn an_entry_planted_under_another_key_is_rejected() {
    let dir = project();
    let first = run(dir.path());
    let entries = entries(dir.path());
    // The clean branch's entry (the smallest: no perturbation sizes) replaced by an attacked one.
    std::fs::copy(&entries[2], &entries[0]).expect("plant");
    let second = run(dir.path());
    assert_eq!(values(&second), values(&first));
    assert_eq!(second.stats.cache_rejected, 1);
}

#[test]
fn a_cache_that_cannot_be_written_has_its_own_code() {
    let dir = project();
    let mut options = options(dir.path());
    let blocked = dir.path().join("not-a-folder");
    std::fs::write(&blocked, b"a file where the cache folder should be").expect("write");
    options.cache = Some(blocked);
    let error = run_spec(&dir.path().join("bench.rbench"), &options).expect_err("no cache");
    assert!(matches!(error, RunError::Exec(_)), "{error:?}");
    assert_eq!(code(&error), "rbench::exec::cache-write");
}

fn rbench(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rbench"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rbench runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_onnx_file_over_the_limit_is_refused_by_its_size_unread() {
    let dir = project();
    // 3 GiB on disk, sparse: the refusal reads none of it.
    let model = File::create(dir.path().join("digits_mlp.onnx")).expect("create");
    model.set_len(3 << 30).expect("a sparse file");
    let output = rbench(dir.path(), &["check", "--link", "bench.rbench"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("rbench::link::invalid-file"), "{text}");
    assert!(text.contains("larger than 2147483648 bytes"), "{text}");
    assert!(text.contains("external data is not supported"), "{text}");
    assert!(
        !text.contains("store its weights as external data"),
        "{text}"
    );
}

/// An IDX header of unsigned bytes with dimensions `dims`.
fn idx_header(dims: &[u32]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes
}

/// A plain IDX file of `dims`, all zeros, written sparsely.
fn sparse_idx(path: &Path, dims: &[u32]) -> PathBuf {
    let header = idx_header(dims);
    let payload: u64 = dims.iter().map(|&d| u64::from(d)).product();
    let mut file = File::create(path).expect("create");
    file.write_all(&header).expect("header");
    file.set_len(header.len() as u64 + payload)
        .expect("sparse payload");
    path.to_path_buf()
}

fn selection(limit: Option<u64>) -> Selection {
    Selection {
        limit,
        ..Selection::all(10, (0.0, 1.0))
    }
}

#[test]
fn gzip_idx_data_is_decoded_only_as_far_as_the_selection_reads() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    const ROWS: u32 = 1_000_000;
    // The header and ten 2×2 images, flushed; then a stream cut off in the middle.
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(&idx_header(&[ROWS, 2, 2]))
        .expect("header");
    encoder.write_all(&[0; 40]).expect("ten images");
    encoder.flush().expect("a sync flush");
    let readable = encoder.get_ref().len();
    encoder.write_all(&[1; 4096]).expect("more images");
    let mut compressed = encoder.finish().expect("gzip");
    compressed.truncate(readable + 3);
    let images = dir.path().join("images.idx.gz");
    std::fs::write(&images, &compressed).expect("write");
    let labels = sparse_idx(&dir.path().join("labels.idx"), &[ROWS]);
    let spec = SourceSpec::Idx { images, labels };
    let source = data::open(&spec, &selection(Some(10))).expect("ten rows decompress");
    assert_eq!(source.batch(0..10).expect("a batch").labels, [0; 10]);
    let error = data::open(&spec, &selection(None))
        .err()
        .expect("the rest is cut off");
    assert!(error.to_string().contains("images.idx.gz"), "{error}");
}

#[test]
fn a_selection_too_large_for_memory_is_refused_before_reading() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    const ROWS: u32 = 64 << 20;
    let spec = SourceSpec::Idx {
        images: sparse_idx(&dir.path().join("images.idx"), &[ROWS, 1, 1]),
        labels: sparse_idx(&dir.path().join("labels.idx"), &[ROWS]),
    };
    let error = data::open(&spec, &selection(None)).err().expect("refused");
    let text = error.to_string();
    assert!(text.contains("set `limit` to at most"), "{text}");
    let source = data::open(&spec, &selection(Some(10))).expect("ten samples");
    assert_eq!(source.len(), 10);
}

#[test]
fn threads_are_capped_at_four_per_cpu() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(rbench::exec::worker_threads(100_000), 4 * cpus);
    assert_eq!(rbench::exec::worker_threads(0), 1);
    let dir = project();
    let output = rbench(
        dir.path(),
        &[
            "run",
            "bench.rbench",
            "--threads",
            "100000",
            "--quiet",
            "--no-cache",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn an_integer_too_large_for_its_field_is_a_labelled_diagnostic() {
    let dir = project();
    let spec = SPEC.replace("classes = 10", "classes = 4294967296");
    std::fs::write(dir.path().join("bench.rbench"), spec).expect("write");
    let output = rbench(dir.path(), &["check", "bench.rbench"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("rbench::check::out-of-range"), "{text}");
    assert!(text.contains("must lie in [2, 4294967295]"), "{text}");
    assert!(!text.contains("0 errors"), "{text}");
}
