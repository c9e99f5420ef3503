//! NumPy `.npz` archives: a zip file (stored or deflated) with one `.npy` member per array.
//! Only the central directory and the npy headers of the arrays asked for are read.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

use super::npy::{self, ArrayHeader};
use super::{io_problem, open, HeaderError, HeaderProblem};

/// An open `.npz` archive, read from a file or (for data bundled in the binary) from memory.
pub struct NpzArchive<R = BufReader<File>> {
    path: PathBuf,
    archive: ZipArchive<R>,
}

/// Where an array's elements lie in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpzMember {
    pub header: ArrayHeader,
    /// Where the member's bytes start in the archive.
    pub data_start: u64,
    /// Whether the member is stored uncompressed, so its elements can be read in place.
    pub stored: bool,
}

impl NpzArchive {
    /// Opens the archive at `path` and reads its directory.
    pub fn open(path: &Path) -> Result<Self, HeaderError> {
        let file = open(path)?;
        Self::from_reader(path, BufReader::new(file))
    }
}

impl<R: Read + Seek> NpzArchive<R> {
    /// Reads the directory of the archive in `reader`; `path` names it in messages.
    pub fn from_reader(path: &Path, reader: R) -> Result<Self, HeaderError> {
        let archive = ZipArchive::new(reader).map_err(|e| {
            HeaderError::new(
                path,
                HeaderProblem::Invalid(zip_problem(&e, "an npz (zip) archive")),
            )
        })?;
        Ok(NpzArchive {
            path: path.to_path_buf(),
            archive,
        })
    }

    /// The member names, in archive order (`x.npy`, `y.npy`).
    pub fn members(&self) -> Vec<String> {
        self.archive.file_names().map(str::to_string).collect()
    }

    /// The npy header of the array `name` (the member `name.npy`).
    pub fn array(&mut self, name: &str) -> Result<ArrayHeader, HeaderError> {
        self.member(name).map(|member| member.header)
    }

    /// The npy header of the array `name` and where its member lies in the archive.
    pub fn member(&mut self, name: &str) -> Result<NpzMember, HeaderError> {
        let member = npz_member_name(name);
        let path = self.path.clone();
        let error = |problem| HeaderError::new(&path, problem);
        let mut file = self.by_name(&member)?;
        let len = file.size();
        let header =
            npy::parse(&mut file, len, &format!("member `{member}`")).map_err(|problem| {
                error(match problem {
                    HeaderProblem::Invalid(text) => {
                        HeaderProblem::Invalid(format!("member `{member}`: {text}"))
                    }
                    HeaderProblem::UnsupportedDType { found, help, .. } => {
                        HeaderProblem::UnsupportedDType {
                            array: Some(format!("member `{member}`")),
                            found,
                            help,
                        }
                    }
                    other => other,
                })
            })?;
        Ok(NpzMember {
            header,
            data_start: file.data_start(),
            stored: file.compression() == CompressionMethod::Stored,
        })
    }

    /// Writes the decompressed bytes of the array `name`'s member (npy header included) to
    /// `out`, checking its CRC; returns how many bytes were written.
    pub fn extract(&mut self, name: &str, out: &mut dyn Write) -> Result<u64, HeaderError> {
        let member = npz_member_name(name);
        let path = self.path.clone();
        let mut file = self.by_name(&member)?;
        io::copy(&mut file, out).map_err(|e| {
            HeaderError::new(
                &path,
                HeaderProblem::Invalid(format!(
                    "member `{member}` does not decompress: {}",
                    zip_problem(&ZipError::Io(e), "a readable zip member")
                )),
            )
        })
    }

    /// The member `member`, or the problem of a missing or unreadable one.
    fn by_name(&mut self, member: &str) -> Result<zip::read::ZipFile<'_, R>, HeaderError> {
        let members = self.members();
        let error = |problem| HeaderError::new(&self.path, problem);
        match self.archive.by_name(member) {
            Ok(file) => Ok(file),
            Err(ZipError::FileNotFound) => Err(error(HeaderProblem::Missing {
                kind: "member",
                name: member.to_string(),
                available: members,
            })),
            Err(e) => Err(error(HeaderProblem::Invalid(format!(
                "member `{member}`: {}",
                zip_problem(&e, "a readable zip member")
            )))),
        }
    }
}

/// The archive member holding the array `name`: NumPy adds `.npy` to each keyword's name.
pub fn npz_member_name(name: &str) -> String {
    if name.ends_with(".npy") {
        name.to_string()
    } else {
        format!("{name}.npy")
    }
}

/// What a zip error means to someone who expected `expected`.
fn zip_problem(error: &ZipError, expected: &str) -> String {
    match error {
        ZipError::Io(io) => match io_problem(io) {
            HeaderProblem::Unreadable(text) => format!("cannot read it: {text}"),
            other => other.to_string(),
        },
        ZipError::UnsupportedArchive(what) => {
            format!("not {expected}: {what} (only stored and deflated members are read)")
        }
        other => format!("not {expected}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;
    use crate::data::header::ElementType;

    fn npy_bytes(descr: &str, shape: &str, data_len: usize) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend(vec![0u8; data_len]);
        bytes
    }

    fn write_npz(path: &Path, method: CompressionMethod, members: &[(&str, Vec<u8>)]) {
        let file = File::create(path).expect("create the archive");
        let mut zip = ZipWriter::new(file);
        for (name, bytes) in members {
            let options = SimpleFileOptions::default().compression_method(method);
            zip.start_file(*name, options).expect("start a member");
            zip.write_all(bytes).expect("write a member");
        }
        zip.finish().expect("finish the archive");
    }

    #[test]
    fn reads_stored_and_deflated_members() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for method in [CompressionMethod::Stored, CompressionMethod::Deflated] {
            let path = dir.path().join("data.npz");
            write_npz(
                &path,
                method,
                &[
                    ("x.npy", npy_bytes("<f4", "(4, 2)", 32)),
                    ("y.npy", npy_bytes("<i8", "(4,)", 32)),
                ],
            );
            let mut archive = NpzArchive::open(&path).expect("a valid archive");
            assert_eq!(archive.members(), ["x.npy", "y.npy"]);
            let x = archive.array("x").expect("x is there");
            assert_eq!((x.dtype, x.shape), (ElementType::F32, vec![4, 2]));
            let y = archive.array("y.npy").expect("y is there");
            assert_eq!((y.dtype, y.shape), (ElementType::I64, vec![4]));
        }
    }

    #[test]
    fn names_the_members_when_one_is_missing() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("data.npz");
        write_npz(
            &path,
            CompressionMethod::Stored,
            &[("images.npy", npy_bytes("<f4", "(1,)", 4))],
        );
        let mut archive = NpzArchive::open(&path).expect("a valid archive");
        let error = archive.array("x").expect_err("no member x");
        assert_eq!(
            error.problem,
            HeaderProblem::Missing {
                kind: "member",
                name: "x.npy".into(),
                available: vec!["images.npy".into()],
            }
        );
    }

    #[test]
    fn refuses_a_file_that_is_not_a_zip_archive() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("data.npz");
        std::fs::write(&path, npy_bytes("<f4", "(1,)", 4)).expect("write");
        let error = NpzArchive::open(&path).err().expect("not a zip file");
        assert!(
            error.to_string().contains("not an npz (zip) archive"),
            "{error}"
        );
    }
}
