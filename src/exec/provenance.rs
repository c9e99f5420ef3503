//! Where a run happened, for `results.json`: the state of the spec's git repository and the
//! host's facts, gathered into the types of [`crate::results`]. Both are best effort: a missing `git` or `/proc/cpuinfo` leaves a field empty,
//! never fails the run.

use std::path::Path;
use std::process::Command;

use crate::results::{Host, Repository};

/// Where a run happened: the spec's repository and the host, gathered once per run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub repository: Option<Repository>,
    pub host: Host,
}

impl Provenance {
    /// The provenance of a run of the spec at `spec`, on this machine.
    pub fn gather(spec: &Path) -> Provenance {
        Provenance {
            repository: repository(spec),
            host: host(),
        }
    }
}

/// The repository of the spec file at `spec`, or `None` when it is not a file inside a git
/// work tree or `git` cannot be run.
pub fn repository(spec: &Path) -> Option<Repository> {
    if !spec.is_file() {
        return None;
    }
    let folder = match spec.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .arg("-C")
            .arg(folder)
            .args(args)
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let commit = git(&["rev-parse", "--verify", "HEAD"])?.trim().to_string();
    let status = git(&["status", "--porcelain", "--untracked-files=no"])?;
    Some(Repository {
        commit,
        dirty: !status.trim().is_empty(),
    })
}

/// The facts of the machine running now.
pub fn host() -> Host {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(key, _)| key.trim() == "model name")
                .map(|(_, value)| value.trim().to_string())
        });
    Host {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        cpu,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_outside_any_file_has_no_repository() {
        assert_eq!(repository(Path::new("<stdin>")), None);
    }

    #[test]
    fn a_file_outside_a_work_tree_has_no_repository() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let spec = folder.path().join("spec.rbench");
        std::fs::write(&spec, "").expect("a spec file");
        // Unless the temporary folder itself lies in a repository, which it does not here.
        if Command::new("git")
            .arg("-C")
            .arg(folder.path())
            .args(["rev-parse", "--git-dir"])
            .output()
            .is_ok_and(|o| !o.status.success())
        {
            assert_eq!(repository(&spec), None);
        }
    }

    #[test]
    fn the_host_has_at_least_one_thread() {
        let host = host();
        assert!(host.threads >= 1);
        assert_eq!(host.os, std::env::consts::OS);
    }
}
