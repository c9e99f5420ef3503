//! Random access to the bytes of a data file, a temporary file, or data bundled in the binary.
//!
//! Reads are positional (`pread` on Unix, `seek_read` on Windows): they do not move a shared
//! cursor, so one source serves batches to several threads at once without a lock.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::error::DataError;
use super::header;

/// Bytes that can be read at any offset.
#[derive(Debug)]
pub(crate) enum ByteStore {
    File(File),
    Static(&'static [u8]),
}

impl ByteStore {
    /// Opens the file at `path`, telling a missing file from an unreadable one.
    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        Ok(ByteStore::File(header::open(path)?))
    }

    /// A new anonymous temporary file (removed when the store is dropped) filled by `fill`,
    /// which returns how many bytes it wrote; for data that must be decompressed before it can
    /// be read at an offset. `fill` streams, so memory stays bounded whatever the data's size.
    pub(crate) fn temporary(
        path: &Path,
        fill: impl FnOnce(&mut dyn Write) -> Result<u64, DataError>,
    ) -> Result<(Self, u64), DataError> {
        let cannot = |e: io::Error| {
            DataError::invalid(
                path,
                format!("cannot write a temporary file to decompress the data into: {e}"),
            )
        };
        let mut file = tempfile::tempfile().map_err(cannot)?;
        let mut writer = io::BufWriter::new(&mut file);
        let len = fill(&mut writer)?;
        writer.flush().map_err(cannot)?;
        drop(writer);
        Ok((ByteStore::File(file), len))
    }

    /// Fills `buf` with the bytes at `offset`; an end of data before `buf` is full is an
    /// `UnexpectedEof` error.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        match self {
            ByteStore::File(file) => read_exact_at(file, offset, buf),
            ByteStore::Static(bytes) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                let slice = start
                    .checked_add(buf.len())
                    .and_then(|end| bytes.get(start..end))
                    .ok_or(io::ErrorKind::UnexpectedEof)?;
                buf.copy_from_slice(slice);
                Ok(())
            }
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A sequential reader over a file or bundled bytes, for parsing headers and indexes once.
pub(crate) enum SeqReader {
    File(io::BufReader<File>),
    Static(Cursor<&'static [u8]>),
}

impl SeqReader {
    /// Reads the file at `path` from its start.
    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        Ok(SeqReader::File(io::BufReader::new(header::open(path)?)))
    }
}

impl Read for SeqReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            SeqReader::File(file) => file.read(buf),
            SeqReader::Static(bytes) => bytes.read(buf),
        }
    }
}

impl Seek for SeqReader {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        match self {
            SeqReader::File(file) => file.seek(pos),
            SeqReader::Static(bytes) => bytes.seek(pos),
        }
    }
}

/// The bytes a source's content hash covers: whole files, or data bundled in the binary.
#[derive(Debug, Clone)]
pub(crate) enum Content {
    File(PathBuf),
    Static(&'static [u8]),
}

/// Hashes `parts` in order, each as its name and its bytes, both preceded by their length (`u64`,
/// little-endian) so that moving bytes from one part to the next changes the hash. Files are
/// streamed.
pub(crate) fn hash_contents<'a>(
    parts: impl IntoIterator<Item = (&'a str, &'a Content)>,
) -> Result<[u8; 32], DataError> {
    let mut hasher = blake3::Hasher::new();
    for (label, part) in parts {
        hasher.update(&(label.len() as u64).to_le_bytes());
        hasher.update(label.as_bytes());
        match part {
            Content::Static(bytes) => {
                hasher.update(&(bytes.len() as u64).to_le_bytes());
                hasher.update(bytes);
            }
            Content::File(path) => {
                let file = header::open(path)?;
                let len = file.metadata().map_err(|e| DataError::io(path, &e))?.len();
                hasher.update(&len.to_le_bytes());
                hasher
                    .update_reader(file)
                    .map_err(|e| DataError::io(path, &e))?;
            }
        }
    }
    Ok(*hasher.finalize().as_bytes())
}
