//! Confinement: a spec never makes rbench read a file outside its project, or a folder the
//! person running it allowed, nor write outside through a committed symbolic link; only
//! regular files are opened, so a FIFO or a device never blocks or floods a run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The most any of these commands may take: each is refused before reading anything large.
const BOUND: Duration = Duration::from_secs(60);

/// A temporary project (not in a git repository: the spec's folder is the project) beside a
/// folder outside it.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sandbox = Sandbox {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        std::fs::create_dir_all(sandbox.project("")).expect("the project");
        std::fs::create_dir_all(sandbox.outside("")).expect("a folder outside");
        sandbox
    }

    fn project(&self, relative: &str) -> PathBuf {
        self.dir.path().join("project").join(relative)
    }

    fn outside(&self, relative: &str) -> PathBuf {
        self.dir.path().join("outside").join(relative)
    }

    fn write(&self, path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, bytes).expect("write a file");
    }

    /// Runs rbench in the project with `args`, killing it (and failing) past [`BOUND`].
    fn rbench(&self, args: &[&str]) -> (Option<i32>, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rbench"))
            .current_dir(self.project(""))
            .env("RBENCH_HOSTILE_SECRET", "hunter2-do-not-print")
            .env("NO_COLOR", "1")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rbench");
        let start = Instant::now();
        while child.try_wait().expect("wait for rbench").is_none() {
            if start.elapsed() > BOUND {
                child.kill().expect("stop rbench");
                panic!("rbench {args:?} ran past {BOUND:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().expect("its output");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
        (status.code(), text)
    }
}

/// A spec importing `path`.
fn importing(path: &str) -> String {
    format!("import {path:?} as suite\n\nbenchmark b {{\n  seed = 1\n}}\n")
}

/// Checks a spec that imports `import` and asserts the import is refused with its code; returns
/// what `rbench check` printed.
fn assert_import_refused(sandbox: &Sandbox, import: &str) -> String {
    sandbox.write(
        &sandbox.project("spec.rbench"),
        importing(import).as_bytes(),
    );
    let (code, text) = sandbox.rbench(&["check", "spec.rbench"]);
    assert_eq!(code, Some(1), "{import}: {text}");
    assert!(
        text.contains("rbench::check::import-refused"),
        "{import}: {text}"
    );
    text
}

/// A spec whose one data set is `source`, evaluated by a model that need not exist.
fn reading(source: &str, header: &str) -> String {
    format!(
        "benchmark b {{\n  seed = 1\n{header}}}\n\ndataset data {{\n  source = {source}\n  \
         classes = 2\n}}\n\nmodel net {{\n  onnx = \"net.onnx\"\n}}\n\nevaluate net on data\n"
    )
}

fn make_fifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn an_import_of_proc_self_environ_is_refused_without_printing_it() {
    let sandbox = Sandbox::new();
    let text = assert_import_refused(&sandbox, "/proc/self/environ");
    assert!(!text.contains("hunter2"), "the environment leaked: {text}");
}

#[test]
fn an_import_of_a_credentials_file_outside_the_project_leaks_nothing() {
    let sandbox = Sandbox::new();
    sandbox.write(
        &sandbox.outside("creds.rbench"),
        b"aws_secret = \"AKIA-SECRET-LINE\"\n",
    );
    sandbox.write(&sandbox.outside("creds"), b"AKIA-SECRET-LINE\n");
    // Named directly, and through a link inside the project that looks like a spec.
    std::os::unix::fs::symlink(sandbox.outside("creds"), sandbox.project("creds.rbench"))
        .expect("a link");
    for import in [
        "../outside/creds.rbench",
        "../outside/creds",
        "creds.rbench",
    ] {
        let text = assert_import_refused(&sandbox, import);
        assert!(!text.contains("AKIA"), "{import}: the file leaked: {text}");
    }
}

#[test]
fn an_import_of_a_device_a_fifo_or_a_huge_file_is_refused_unread() {
    let sandbox = Sandbox::new();
    std::os::unix::fs::symlink("/dev/zero", sandbox.project("zero.rbench")).expect("a link");
    make_fifo(&sandbox.project("fifo.rbench"));
    let huge = vec![b' '; (rbench::check::MAX_SPEC_BYTES + 1) as usize];
    sandbox.write(&sandbox.project("huge.rbench"), &huge);
    for import in ["/dev/zero", "zero.rbench", "fifo.rbench", "huge.rbench"] {
        assert_import_refused(&sandbox, import);
    }
}

#[test]
fn an_image_folder_linking_out_of_the_project_is_refused() {
    let sandbox = Sandbox::new();
    for class in ["a", "b"] {
        let image = sandbox.outside(&format!("{class}/1.png"));
        std::fs::create_dir_all(image.parent().expect("a folder")).expect("folders");
        image::RgbImage::new(4, 4).save(&image).expect("an image");
    }
    std::fs::create_dir_all(sandbox.project("pics/a")).expect("a class folder");
    image::RgbImage::new(4, 4)
        .save(sandbox.project("pics/a/1.png"))
        .expect("an image");
    std::os::unix::fs::symlink(sandbox.outside("b"), sandbox.project("pics/b")).expect("a link");
    let spec = reading(r#"images("pics", size: [4, 4])"#, "");
    sandbox.write(&sandbox.project("spec.rbench"), spec.as_bytes());
    let (code, text) = sandbox.rbench(&["check", "--link", "spec.rbench"]);
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("rbench::link::outside-project"), "{text}");
    assert!(text.contains("1.png"), "{text}");
}

#[test]
fn a_spec_cannot_widen_its_own_reach_with_data_roots() {
    let sandbox = Sandbox::new();
    sandbox.write(&sandbox.outside("table.csv"), b"SECRET-FIRST-ROW,x\n1,2\n");
    let csv = format!("csv({:?}, label: \"y\")", sandbox.outside("table.csv"));
    for root in ["/", ".."] {
        let header = format!("  data_roots = [{root:?}]\n");
        sandbox.write(
            &sandbox.project("spec.rbench"),
            reading(&csv, &header).as_bytes(),
        );
        let (code, text) = sandbox.rbench(&["check", "--link", "spec.rbench"]);
        assert_ne!(code, Some(0), "{root}: {text}");
        assert!(
            text.contains("rbench::link::root-not-allowed"),
            "{root}: {text}"
        );
        assert!(text.contains("--allow-root"), "{root}: {text}");
        assert!(!text.contains("SECRET"), "{root}: the file leaked: {text}");
    }
    // The person running rbench may allow the root; the file is then read (and its header,
    // which lacks the label column, reported).
    let header = "  data_roots = [\"../outside\"]\n";
    sandbox.write(
        &sandbox.project("spec.rbench"),
        reading(&csv, header).as_bytes(),
    );
    let outside = sandbox.outside("").display().to_string();
    let (_, text) = sandbox.rbench(&["check", "--link", "--allow-root", &outside, "spec.rbench"]);
    assert!(!text.contains("root-not-allowed"), "{text}");
    assert!(!text.contains("outside-project"), "{text}");
}

#[test]
fn committed_links_at_the_output_folders_are_refused() {
    for folder in [".rbench", "rbench-results"] {
        let sandbox = Sandbox::new();
        sandbox.write(
            &sandbox.project("spec.rbench"),
            reading(r#"npz("d.npz")"#, "").as_bytes(),
        );
        std::os::unix::fs::symlink(sandbox.outside(""), sandbox.project(folder)).expect("a link");
        let (code, text) = sandbox.rbench(&["run", "--quiet", "spec.rbench"]);
        assert_eq!(code, Some(2), "{folder}: {text}");
        assert!(
            text.contains("rbench::exec::linked-output"),
            "{folder}: {text}"
        );
        let written = std::fs::read_dir(sandbox.outside(""))
            .expect("list")
            .count();
        assert_eq!(written, 0, "{folder}: something was written outside");
    }
}

#[test]
fn a_fifo_at_a_data_path_never_blocks() {
    let sandbox = Sandbox::new();
    make_fifo(&sandbox.project("d.npz"));
    sandbox.write(
        &sandbox.project("spec.rbench"),
        reading(r#"npz("d.npz")"#, "").as_bytes(),
    );
    let (code, text) = sandbox.rbench(&["check", "--link", "spec.rbench"]);
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("not a regular file"), "{text}");
    let (code, text) = sandbox.rbench(&["run", "--quiet", "--no-cache", "spec.rbench"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("not a regular file"), "{text}");
}
