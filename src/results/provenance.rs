//! Where a run happened and what it read: the spec's repository, the host, and the hashes of
//! the imported files, datasets and models. The engine gathers them (`exec::provenance`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The git commit the spec's repository was at, and whether its tracked files had changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Repository {
    /// `git rev-parse HEAD` in the spec's folder.
    pub commit: String,
    /// Whether tracked files differ from that commit (`git status --porcelain
    /// --untracked-files=no` printed anything).
    pub dirty: bool,
}

/// The machine that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    /// `linux`, `macos`, `windows`, ...
    pub os: String,
    /// `x86_64`, `aarch64`, ...
    pub arch: String,
    /// The first `model name` of `/proc/cpuinfo`, where there is one.
    pub cpu: Option<String>,
    /// The hardware threads available to the process.
    pub threads: usize,
}

/// A file the spec imports and the hash of its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImportedFile {
    /// The path, as the checker resolved it.
    pub path: String,
    /// blake3 of the file's text, hex.
    pub blake3: String,
}

/// The content hash of a declaration's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileHash {
    /// `dataset` or `model`.
    pub kind: String,
    pub name: String,
    pub blake3: String,
}
