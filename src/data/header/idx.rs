//! IDX files, as MNIST and Fashion-MNIST ship them: a magic number `0x0000TTNN` (element type
//! `TT`, `NN` dimensions), then each dimension as a big-endian `u32`, then the elements. A name
//! ending in `.gz` is read through gzip, decompressing only the header bytes.

use std::io::{Cursor, Read};
use std::path::Path;

use flate2::read::GzDecoder;

use super::{check_payload, file_len, hex, open, read_exact, ElementType, HeaderError};
use super::{HeaderProblem, HeaderProblem::Invalid};

/// More dimensions than this are refused (MNIST images have 3).
const MAX_DIMS: u8 = 8;

/// What an IDX header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxHeader {
    /// The element type; IDX stores every type big-endian.
    pub dtype: ElementType,
    pub dims: Vec<u64>,
    /// Whether the file is gzip-compressed (named `.gz`).
    pub gzip: bool,
}

/// Reads the header of the IDX file at `path` (gzip-compressed when its name ends in `.gz`);
/// for an uncompressed file, also checks that it holds every element the header announces.
pub fn read_idx(path: &Path) -> Result<IdxHeader, HeaderError> {
    let file = open(path)?;
    let gzip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let error = |problem| HeaderError::new(path, problem);
    if gzip {
        let mut file = file;
        let mut magic = [0u8; 2];
        read_exact(&mut file, &mut magic, "the gzip header").map_err(error)?;
        if magic != [0x1f, 0x8b] {
            return Err(error(Invalid(format!(
                "not a gzip file: it starts with {}, not 0x1f8b; if it is a plain IDX file, \
                 drop `.gz` from its name",
                hex(&magic)
            ))));
        }
        let mut decoder = GzDecoder::new(Cursor::new(magic).chain(file));
        parse(&mut decoder, true).map_err(|p| error(gzip_problem(p)))
    } else {
        let len = file_len(&file, path)?;
        let mut file = file;
        let header = parse(&mut file, false).map_err(error)?;
        let offset = 4 + 4 * header.dims.len() as u64;
        check_payload(
            &header.dims,
            header.dtype,
            len.saturating_sub(offset),
            "the data",
        )
        .map_err(error)?;
        Ok(header)
    }
}

fn parse(reader: &mut impl Read, gzip: bool) -> Result<IdxHeader, HeaderProblem> {
    let mut magic = [0u8; 4];
    read_exact(reader, &mut magic, "the IDX magic number")?;
    if magic[..2] == [0x1f, 0x8b] {
        return Err(Invalid(format!(
            "not an IDX file: magic {} (a gzip file? name it `.gz`)",
            hex(&magic)
        )));
    }
    if magic[..2] != [0, 0] {
        return Err(Invalid(format!(
            "not an IDX file: magic {}; IDX files start with two zero bytes, a type byte and \
             the number of dimensions (0x00000803 for MNIST images)",
            hex(&magic)
        )));
    }
    let dtype = match magic[2] {
        0x08 => ElementType::U8,
        0x09 => ElementType::I8,
        0x0B => ElementType::I16,
        0x0C => ElementType::I32,
        0x0D => ElementType::F32,
        0x0E => ElementType::F64,
        other => {
            return Err(HeaderProblem::UnsupportedDType {
                array: None,
                found: format!("0x{other:02x}"),
                help: "IDX type bytes are 0x08 (uint8), 0x09 (int8), 0x0b (int16), \
                       0x0c (int32), 0x0d (float32) and 0x0e (float64)"
                    .into(),
            })
        }
    };
    let rank = magic[3];
    if rank == 0 || rank > MAX_DIMS {
        return Err(Invalid(format!(
            "the IDX header declares {rank} dimensions; 1 to {MAX_DIMS} are expected"
        )));
    }
    let mut bytes = vec![0u8; 4 * usize::from(rank)];
    read_exact(reader, &mut bytes, "the IDX dimensions")?;
    let dims = bytes
        .chunks_exact(4)
        .map(|c| u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    Ok(IdxHeader { dtype, dims, gzip })
}

/// A gzip stream that does not decompress says so instead of a bare I/O error.
fn gzip_problem(problem: HeaderProblem) -> HeaderProblem {
    match problem {
        HeaderProblem::Unreadable(text) => {
            Invalid(format!("the gzip stream does not decompress: {text}"))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    fn idx(type_byte: u8, dims: &[u32], data_len: usize) -> Vec<u8> {
        let mut bytes = vec![0, 0, type_byte, dims.len() as u8];
        for d in dims {
            bytes.extend(d.to_be_bytes());
        }
        bytes.extend(vec![0u8; data_len]);
        bytes
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).expect("compress");
        encoder.finish().expect("compress")
    }

    fn read_file(name: &str, bytes: &[u8]) -> Result<IdxHeader, HeaderError> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        read_idx(&path)
    }

    #[test]
    fn reads_images_and_labels() {
        let images = read_file("images", &idx(0x08, &[2, 28, 28], 2 * 784)).expect("valid");
        assert_eq!(images.dims, [2, 28, 28]);
        assert_eq!(images.dtype, ElementType::U8);
        let labels = read_file("labels", &idx(0x08, &[2], 2)).expect("valid");
        assert_eq!(labels.dims, [2]);
    }

    #[test]
    fn reads_only_the_header_of_a_gzip_file() {
        let bytes = gz(&idx(0x0D, &[3, 4], 48));
        let header = read_file("x.idx.gz", &bytes[..bytes.len() - 8]).expect("header intact");
        assert_eq!(
            (header.dtype, header.dims, header.gzip),
            (ElementType::F32, vec![3, 4], true)
        );
    }

    #[test]
    fn names_a_gzip_file_that_is_not_named_gz() {
        let error = read_file("images", &gz(&idx(0x08, &[1], 1))).expect_err("compressed");
        assert_eq!(
            error.problem.to_string(),
            "not an IDX file: magic 0x1f8b0800 (a gzip file? name it `.gz`)"
        );
    }

    #[test]
    fn refuses_wrong_magic_types_ranks_and_short_files() {
        let error = read_file("x", b"\x01\x02\x08\x01").expect_err("wrong magic");
        assert!(error.problem.to_string().contains("magic 0x01020801"));
        let error = read_file("x", &idx(0x07, &[1], 1)).expect_err("unknown type");
        assert!(matches!(
            error.problem,
            HeaderProblem::UnsupportedDType { .. }
        ));
        let error = read_file("x", &[0, 0, 8, 200]).expect_err("absurd rank");
        assert!(error.problem.to_string().contains("200 dimensions"));
        let error = read_file("x", &idx(0x08, &[10, 2], 5)).expect_err("short data");
        assert!(error.problem.to_string().contains("needs 20 bytes"));
        let error = read_file("x.gz", &idx(0x08, &[1], 1)).expect_err("not gzip");
        assert!(
            error.problem.to_string().contains("not a gzip file"),
            "{error}"
        );
    }
}
