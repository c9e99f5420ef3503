//! Confinement: the one rule for every file rbench reads or writes on a spec's behalf. A spec
//! is text anyone may send in a pull request, so it never decides how far rbench reaches: its
//! files must lie inside its project (its git repository, else its folder) or inside a folder
//! the person running rbench allowed (`--allow-root DIR`, or `--allow-outside` for anywhere).
//! Paths are compared after resolving `..` and symbolic links, and only regular files are
//! opened, so neither a link nor a FIFO, a device or a socket gets past the rule.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// How far from its project the files a spec names may lie: the choice of the person running
/// rbench (command-line flags), never of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Reach {
    /// The spec's project only (the default).
    #[default]
    Project,
    /// The project and these folders (`--allow-root DIR`, repeatable).
    Roots(Vec<PathBuf>),
    /// Anywhere the user running rbench can read (`--allow-outside`).
    Anywhere,
}

/// The folders a spec's files may be read from, resolved.
#[derive(Debug, Clone)]
pub struct Confinement {
    project: PathBuf,
    /// The folders allowed besides the project, resolved.
    roots: Vec<PathBuf>,
    anywhere: bool,
}

impl Confinement {
    /// The folders the spec at `spec` may read from, as far as `reach` allows.
    pub fn new(spec: &Path, reach: &Reach) -> Self {
        let roots = match reach {
            Reach::Roots(roots) => roots.iter().map(|root| resolve(root)).collect(),
            Reach::Project | Reach::Anywhere => Vec::new(),
        };
        Confinement {
            project: project_of(spec),
            roots,
            anywhere: *reach == Reach::Anywhere,
        }
    }

    /// The spec's project: the nearest folder above it holding `.git`, else its folder.
    pub fn project(&self) -> &Path {
        &self.project
    }

    /// Whether `path`, resolved, lies inside the project or an allowed folder.
    pub fn permits(&self, path: &Path) -> bool {
        let path = resolve(path);
        self.anywhere
            || path.starts_with(&self.project)
            || self.roots.iter().any(|root| path.starts_with(root))
    }
}

/// The project of the spec at `spec`: the nearest folder above it holding `.git`, else its
/// folder; resolved.
fn project_of(spec: &Path) -> PathBuf {
    let folder = resolve(spec.parent().unwrap_or(Path::new("")));
    folder
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(&folder)
        .to_path_buf()
}

/// `path` made absolute, with symbolic links followed where it exists and `.`/`..` folded
/// lexically where it does not (a missing file is reported later by the reader).
pub fn resolve(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    // The longest existing ancestor is resolved for real, the rest folded.
    let mut folded = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                folded.pop();
            }
            Component::CurDir => {}
            other => folded.push(other),
        }
    }
    folded
        .ancestors()
        .find_map(|ancestor| {
            let real = ancestor.canonicalize().ok()?;
            let rest = folded.strip_prefix(ancestor).ok()?;
            Some(real.join(rest))
        })
        .unwrap_or(folded)
}

/// Opens `path` for reading if it is a regular file (after following links); anything else —
/// a FIFO, a device, a socket, a folder — is refused with [`io::ErrorKind::InvalidInput`]
/// before it is opened, and the file is opened non-blocking, so nothing here ever waits on a
/// writer.
pub fn open_regular(path: &Path) -> io::Result<File> {
    refuse_irregular(&std::fs::metadata(path)?)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    // The file may have been swapped since the first look.
    refuse_irregular(&file.metadata()?)?;
    Ok(file)
}

/// The bytes of the regular file at `path` ([`open_regular`]), refused by its size on disk when
/// larger than `limit` bytes, and read through a reader that stops after `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the file has {size} bytes, more than the {limit} allowed"),
        )
    };
    let size = file.metadata()?.len();
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    match bytes.len() as u64 > limit {
        true => Err(too_large(bytes.len() as u64)),
        false => Ok(bytes),
    }
}

/// An error unless `metadata` is a regular file's.
fn refuse_irregular(metadata: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    let what = match () {
        _ if kind.is_file() => return Ok(()),
        _ if kind.is_dir() => "a folder",
        _ if kind.is_fifo() => "a FIFO",
        _ if kind.is_socket() => "a socket",
        _ if kind.is_char_device() || kind.is_block_device() => "a device",
        _ => "not a file",
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}, not a regular file"),
    ))
}

/// The first symbolic link on the way from `base` down to `folder` (`folder` included, `base`
/// and its ancestors not), if any: an output folder rbench chose beside a spec must not lead
/// elsewhere through a link committed with the spec.
pub fn link_below(base: &Path, folder: &Path) -> Option<PathBuf> {
    let below = folder.strip_prefix(base).ok()?;
    let mut path = base.to_path_buf();
    below.components().find_map(|part| {
        path.push(part);
        std::fs::symlink_metadata(&path)
            .is_ok_and(|m| m.file_type().is_symlink())
            .then(|| path.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_paths_fold_their_parents_and_follow_links_above_them() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let real = dir.path().join("real");
        std::fs::create_dir(&real).expect("folder");
        std::os::unix::fs::symlink(&real, dir.path().join("alias")).expect("link");
        let resolved = resolve(&dir.path().join("alias/sub/../missing.npz"));
        let expected = real.canonicalize().expect("exists").join("missing.npz");
        assert_eq!(resolved, expected);
    }

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let file = dir.path().join("spec.rbench");
        std::fs::write(&file, "12345").expect("write");
        assert_eq!(read_regular(&file, 5).expect("read"), b"12345");
        let refused = read_regular(&file, 4).expect_err("too large");
        assert_eq!(refused.kind(), io::ErrorKind::InvalidInput);
        let refused = open_regular(dir.path()).expect_err("a folder");
        assert!(refused.to_string().contains("a folder"), "{refused}");
        let refused = read_regular(Path::new("/dev/zero"), 5).expect_err("a device");
        assert!(refused.to_string().contains("a device"), "{refused}");
    }

    #[test]
    fn the_first_link_below_the_base_is_found() {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir(dir.path().join("real")).expect("folder");
        std::os::unix::fs::symlink("real", dir.path().join("out")).expect("link");
        let link = link_below(dir.path(), &dir.path().join("out/run"));
        assert_eq!(link, Some(dir.path().join("out")));
        assert_eq!(link_below(dir.path(), &dir.path().join("real/run")), None);
    }
}
