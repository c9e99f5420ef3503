//! Stopping a run and starting it again: a run killed with SIGKILL, or stopped with Ctrl-C,
//! keeps the inferences it finished in the cache, and the next run resumes from them and ends
//! with results identical to those of an uninterrupted run.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rbench::results::RunResults;
use support::runs::comparable;
use tempfile::TempDir;

/// Twelve FGSM strengths and the clean branch on the bundled digits: thirteen inferences. The
/// run that is stopped streams one sample per batch, so it lasts long enough to be stopped in the
/// middle; results do not depend on the batch size.
const SPEC: &str = r#"benchmark resume {
  seed = 11
}

dataset digits {
  source = sample(digits)
  classes = 10
  range = [0, 1]
}

model mlp {
  onnx = "digits_mlp.onnx"
}

perturbation attack = fgsm(eps: 0.01..0.12 step 0.01)

evaluate mlp on digits under attack

require clean_accuracy: accuracy(mlp, clean) >= 90%
warn attacked: accuracy(mlp, attack) >= 10%
"#;

/// The inferences the spec runs: the clean branch and twelve attacked ones.
const INFERENCES: usize = 13;

struct Project {
    dir: TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/models/digits_mlp.onnx");
        std::fs::copy(model, dir.path().join("digits_mlp.onnx")).expect("copy the model");
        std::fs::write(dir.path().join("bench.rbench"), SPEC).expect("write the spec");
        Project { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn command(&self, out: &str, extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rbench"));
        command
            .current_dir(self.dir.path())
            .args(["run", "bench.rbench", "--threads", "1"])
            .args(["--out", out])
            .args(extra);
        command
    }

    fn run(&self, out: &str, extra: &[&str]) -> Output {
        self.command(out, extra).output().expect("rbench runs")
    }

    /// Starts a run and returns once its first inference is in the cache.
    fn start_and_wait_for_a_cache_entry(&self) -> Child {
        let mut child = self
            .command("stopped", &["--batch-size", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rbench starts");
        let started = Instant::now();
        while self.cache_entries() == 0 {
            assert!(
                child.try_wait().expect("the run's state").is_none(),
                "the run ended before any inference was cached"
            );
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no cache entry"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        child
    }

    /// Finished cache entries (a run killed while writing one leaves a temporary file beside
    /// them, which is not an entry).
    fn cache_entries(&self) -> usize {
        std::fs::read_dir(self.path(".rbench/cache"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|ext| ext == "logits"))
                    .count()
            })
            .unwrap_or(0)
    }

    fn results(&self, out: &str) -> RunResults {
        let text = std::fs::read_to_string(self.path(out).join("results.json")).expect("results");
        serde_json::from_str(&text).expect("results.json parses")
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The results of one uninterrupted run without the cache.
fn uninterrupted(project: &Project) -> RunResults {
    let output = project.run("reference", &["--no-cache", "--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    project.results("reference")
}

/// Finishes a stopped run: the cached inferences are read back, the rest computed.
fn assert_resumes_to(project: &Project, reference: &RunResults) {
    let cached = project.cache_entries();
    assert!(
        (1..INFERENCES).contains(&cached),
        "the run was stopped in the middle: {cached} of {INFERENCES} inferences cached"
    );
    assert!(!project.path("stopped/results.json").exists());
    let output = project.run("resumed", &["--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let resumed = project.results("resumed");
    assert!(
        resumed.stats.cache_hits >= cached as u64,
        "{:?}",
        resumed.stats
    );
    assert_eq!(
        resumed.stats.cache_hits + resumed.stats.cache_misses,
        INFERENCES as u64
    );
    assert_eq!(resumed.stats.cache_rejected, 0);
    assert_eq!(comparable(resumed), comparable(reference.clone()));
}

#[test]
fn a_killed_run_resumes_from_its_cache_to_identical_results() {
    let project = Project::new();
    let reference = uninterrupted(&project);
    let mut child = project.start_and_wait_for_a_cache_entry();
    child.kill().expect("SIGKILL the run");
    child.wait().expect("the killed run ends");
    assert_resumes_to(&project, &reference);
}

#[test]
fn ctrl_c_stops_a_run_with_code_130_and_it_resumes() {
    let project = Project::new();
    let reference = uninterrupted(&project);
    let child = project.start_and_wait_for_a_cache_entry();
    let interrupt = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(interrupt.success());
    let output = child.wait_with_output().expect("the run stops");
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(130), "{text}");
    assert!(text.contains("rbench::exec::cancelled"), "{text}");
    assert!(text.contains("run again to resume"), "{text}");
    assert_resumes_to(&project, &reference);
}
