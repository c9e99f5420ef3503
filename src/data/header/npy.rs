//! NumPy `.npy` headers: the magic `\x93NUMPY`, a version (1.0, 2.0 or 3.0), and a header dict
//! giving the element type (`descr`), the memory order (`fortran_order`) and the `shape`.

use std::io::Read;
use std::path::Path;

use super::pyliteral::{self, Literal};
use super::{check_payload, file_len, hex, open, read_exact, ElementType, HeaderError};
use super::{HeaderProblem, HeaderProblem::Invalid};

/// The longest header dict accepted. NumPy itself refuses headers over 10 000 bytes by default.
pub const MAX_NPY_HEADER_LEN: usize = 65_536;

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// What an npy header says about the array that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayHeader {
    pub dtype: ElementType,
    pub shape: Vec<u64>,
    /// Whether the elements are stored column-major.
    pub fortran_order: bool,
    /// Where the elements start, in bytes from the start of the npy data.
    pub data_offset: u64,
}

/// Reads the header of the `.npy` file at `path`, and checks that the file is long enough to
/// hold the array it announces.
pub fn read_npy(path: &Path) -> Result<ArrayHeader, HeaderError> {
    let mut file = open(path)?;
    let len = file_len(&file, path)?;
    parse(&mut file, len, "the array").map_err(|p| HeaderError::new(path, p))
}

/// Reads an npy header from `reader`, whose data is `len` bytes long in all; `what` names the
/// array in messages.
pub(super) fn parse(
    reader: &mut impl Read,
    len: u64,
    what: &str,
) -> Result<ArrayHeader, HeaderProblem> {
    let mut preamble = [0u8; 8];
    read_exact(reader, &mut preamble, "the npy preamble")?;
    if &preamble[..6] != MAGIC {
        return Err(Invalid(format!(
            "not an npy file: it starts with {}, not the npy magic `\\x93NUMPY`",
            hex(&preamble[..6])
        )));
    }
    let (major, minor) = (preamble[6], preamble[7]);
    let (header_len, len_bytes) = match major {
        1 => {
            let mut bytes = [0u8; 2];
            read_exact(reader, &mut bytes, "the npy header length")?;
            (u64::from(u16::from_le_bytes(bytes)), 2)
        }
        2 | 3 => {
            let mut bytes = [0u8; 4];
            read_exact(reader, &mut bytes, "the npy header length")?;
            (u64::from(u32::from_le_bytes(bytes)), 4)
        }
        _ => {
            return Err(Invalid(format!(
                "npy version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are)"
            )))
        }
    };
    let header_len = usize::try_from(header_len)
        .ok()
        .filter(|&n| n <= MAX_NPY_HEADER_LEN)
        .ok_or_else(|| {
            Invalid(format!(
                "the npy header claims {header_len} bytes; at most {MAX_NPY_HEADER_LEN} are accepted"
            ))
        })?;
    let mut text = vec![0u8; header_len];
    read_exact(reader, &mut text, "the npy header")?;
    let text =
        std::str::from_utf8(&text).map_err(|_| Invalid("the npy header is not text".into()))?;
    let header = interpret(text, 8 + len_bytes + header_len as u64)?;
    let available = len.saturating_sub(header.data_offset);
    check_payload(&header.shape, header.dtype, available, what)?;
    Ok(header)
}

/// The header dict's meaning.
fn interpret(text: &str, data_offset: u64) -> Result<ArrayHeader, HeaderProblem> {
    let entries = match pyliteral::parse(text) {
        Ok(Literal::Dict(entries)) => entries,
        Ok(_) => return Err(Invalid("the npy header is not a dict".into())),
        Err(e) => return Err(Invalid(format!("malformed npy header: {e}"))),
    };
    let field = |name: &str| {
        entries
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
            .ok_or_else(|| Invalid(format!("the npy header has no `{name}`")))
    };
    let dtype = match field("descr")? {
        Literal::Str(descr) => parse_descr(descr)?,
        _ => {
            return Err(HeaderProblem::UnsupportedDType {
                array: None,
                found: "a structured dtype".into(),
                help: "save a plain numeric array; structured (record) arrays are not supported"
                    .into(),
            })
        }
    };
    let fortran_order = match field("fortran_order")? {
        Literal::Bool(b) => *b,
        _ => return Err(Invalid("`fortran_order` is not `True` or `False`".into())),
    };
    let shape = match field("shape")? {
        Literal::Sequence(dims) => dims
            .iter()
            .map(|d| match d {
                Literal::Int(n) => Ok(*n),
                _ => Err(Invalid(
                    "`shape` holds something other than integers".into(),
                )),
            })
            .collect::<Result<Vec<u64>, _>>()?,
        _ => return Err(Invalid("`shape` is not a tuple".into())),
    };
    Ok(ArrayHeader {
        dtype,
        shape,
        fortran_order,
        data_offset,
    })
}

/// The element types accepted, as NumPy writes them.
const SUPPORTED: &str = "f2, f4, f8, i1, i2, i4, i8, u1, u2, u4 and u8, little-endian";

/// A NumPy type string (`<f4`, `|u1`) as an element type; big-endian ones are refused.
fn parse_descr(descr: &str) -> Result<ElementType, HeaderProblem> {
    use ElementType::*;
    let unsupported = |help: String| HeaderProblem::UnsupportedDType {
        array: None,
        found: descr.to_string(),
        help,
    };
    let (order, code) = match descr.as_bytes().first() {
        Some(b'<' | b'>' | b'|' | b'=') => descr.split_at(1),
        _ => ("", descr),
    };
    let dtype = match code {
        "f2" => F16,
        "f4" => F32,
        "f8" => F64,
        "i1" => I8,
        "i2" => I16,
        "i4" => I32,
        "i8" => I64,
        "u1" => U8,
        "u2" => U16,
        "u4" => U32,
        "u8" => U64,
        _ => {
            return Err(unsupported(format!(
                "supported element types are {SUPPORTED}; convert with `x.astype('<f4')`"
            )))
        }
    };
    match order {
        "<" | "|" => Ok(dtype),
        ">" if dtype.size() == 1 => Ok(dtype),
        ">" => Err(unsupported(format!(
            "big-endian arrays are not supported; save it little-endian: `x.astype('<{code}')`"
        ))),
        _ => Err(unsupported(format!(
            "the byte order must be explicit (`<{code}`); NumPy writes it so"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An npy file of the given version and header dict, with `data` after it.
    fn npy(major: u8, dict: &str, data: &[u8]) -> Vec<u8> {
        let mut header = dict.to_string();
        let prefix = if major == 1 { 10 } else { 12 };
        while (prefix + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend([major, 0]);
        if major == 1 {
            bytes.extend((header.len() as u16).to_le_bytes());
        } else {
            bytes.extend((header.len() as u32).to_le_bytes());
        }
        bytes.extend(header.as_bytes());
        bytes.extend(data);
        bytes
    }

    fn read(bytes: &[u8]) -> Result<ArrayHeader, HeaderProblem> {
        parse(&mut &bytes[..], bytes.len() as u64, "the array")
    }

    #[test]
    fn reads_a_version_1_header() {
        let bytes = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            &[0; 24],
        );
        let header = read(&bytes).expect("a valid header");
        assert_eq!(header.dtype, ElementType::F32);
        assert_eq!(header.shape, [2, 3]);
        assert!(!header.fortran_order);
        assert_eq!(header.data_offset, bytes.len() as u64 - 24);
        assert_eq!(header.data_offset % 64, 0);
    }

    #[test]
    fn reads_a_version_2_header_with_a_four_byte_length() {
        let bytes = npy(
            2,
            "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }",
            &[0; 5],
        );
        let header = read(&bytes).expect("a valid header");
        assert_eq!((header.dtype, header.shape), (ElementType::U8, vec![5]));
        assert_eq!(header.data_offset, bytes.len() as u64 - 5);
    }

    #[test]
    fn reports_fortran_order() {
        let bytes = npy(
            3,
            "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 2), }",
            &[0; 32],
        );
        let header = read(&bytes).expect("a valid header");
        assert!(header.fortran_order);
        assert_eq!(header.dtype, ElementType::I64);
    }

    #[test]
    fn refuses_big_endian_and_unknown_types() {
        for (descr, says) in [
            (">f4", "big-endian"),
            ("<c8", "supported element types"),
            ("|b1", "supported element types"),
            ("f4", "byte order"),
        ] {
            let bytes = npy(
                1,
                &format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}"),
                &[0; 8],
            );
            match read(&bytes) {
                Err(HeaderProblem::UnsupportedDType { found, help, .. }) => {
                    assert_eq!(found, descr);
                    assert!(help.contains(says), "{descr}: {help}");
                }
                other => panic!("{descr}: {other:?}"),
            }
        }
    }

    #[test]
    fn refuses_an_absurd_header_length_before_allocating() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend([2, 0]);
        bytes.extend(u32::MAX.to_le_bytes());
        let error = read(&bytes).expect_err("the length is absurd");
        assert_eq!(
            error.to_string(),
            "the npy header claims 4294967295 bytes; at most 65536 are accepted"
        );
    }

    #[test]
    fn refuses_truncated_files_and_wrong_magic() {
        let bytes = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            &[0; 24],
        );
        let error = read(&bytes[..30]).expect_err("cut in the header");
        assert_eq!(
            error.to_string(),
            "truncated file: it ends inside the npy header"
        );
        let error = read(&bytes[..bytes.len() - 10]).expect_err("cut in the data");
        assert!(error.to_string().contains("needs 24 bytes"), "{error}");
        let error = read(b"PK\x03\x04 not npy at all").expect_err("a zip file");
        assert!(error.to_string().contains("0x504b0304206"), "{error}");
        let v9 = [&MAGIC[..], &[9, 0, 0, 0]].concat();
        assert!(read(&v9)
            .expect_err("version 9")
            .to_string()
            .contains("9.0"));
    }

    #[test]
    fn refuses_a_header_without_a_shape() {
        let bytes = npy(1, "{'descr': '<f4', 'fortran_order': False}", &[]);
        let error = read(&bytes).expect_err("no shape");
        assert_eq!(error.to_string(), "the npy header has no `shape`");
    }
}
