//! safetensors headers: an 8-byte little-endian length, then a JSON object mapping each tensor
//! name to its `dtype`, `shape` and `data_offsets` (and an optional `__metadata__` entry).

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use super::{file_len, open, read_exact, ElementType, HeaderError};
use super::{HeaderProblem, HeaderProblem::Invalid};

/// The longest JSON header accepted, in bytes (the reference implementation's limit).
pub const MAX_SAFETENSORS_HEADER_LEN: u64 = 100_000_000;

/// One tensor's entry in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// The type as the file names it (`F32`, `I64`, `BOOL`, ...).
    pub dtype: String,
    pub shape: Vec<u64>,
    /// Where the elements lie, in bytes from the end of the header.
    pub data: Range<u64>,
}

impl TensorInfo {
    /// The element type, when rbench reads it.
    pub fn element_type(&self) -> Option<ElementType> {
        use ElementType::*;
        Some(match self.dtype.as_str() {
            "U8" => U8,
            "I8" => I8,
            "U16" => U16,
            "I16" => I16,
            "U32" => U32,
            "I32" => I32,
            "U64" => U64,
            "I64" => I64,
            "F16" => F16,
            "BF16" => BF16,
            "F32" => F32,
            "F64" => F64,
            _ => return None,
        })
    }
}

/// What a safetensors header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetensorsHeader {
    /// Tensors by name.
    pub tensors: BTreeMap<String, TensorInfo>,
    /// Where the tensor data starts, in bytes from the start of the file.
    pub data_offset: u64,
}

impl SafetensorsHeader {
    /// The tensor `name`, or the problem of a missing one (naming those the file has).
    pub fn tensor(&self, name: &str) -> Result<&TensorInfo, HeaderProblem> {
        self.tensors
            .get(name)
            .ok_or_else(|| HeaderProblem::Missing {
                kind: "tensor",
                name: name.to_string(),
                available: self.tensors.keys().cloned().collect(),
            })
    }
}

#[derive(Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: (u64, u64),
}

/// Reads the header of the safetensors file at `path`, checking every tensor's data lies inside
/// the file and has the size its type and shape call for.
pub fn read_safetensors(path: &Path) -> Result<SafetensorsHeader, HeaderError> {
    let mut file = open(path)?;
    let len = file_len(&file, path)?;
    parse(&mut file, len).map_err(|p| HeaderError::new(path, p))
}

fn parse(reader: &mut impl Read, len: u64) -> Result<SafetensorsHeader, HeaderProblem> {
    let mut prefix = [0u8; 8];
    read_exact(reader, &mut prefix, "the safetensors header length")?;
    let header_len = u64::from_le_bytes(prefix);
    if header_len > MAX_SAFETENSORS_HEADER_LEN {
        return Err(Invalid(format!(
            "the safetensors header claims {header_len} bytes; at most \
             {MAX_SAFETENSORS_HEADER_LEN} are accepted"
        )));
    }
    if header_len > len.saturating_sub(8) {
        return Err(Invalid(format!(
            "truncated file: the safetensors header claims {header_len} bytes, but only {} follow",
            len.saturating_sub(8)
        )));
    }
    // Bounded above by the cap and by the file's length.
    let mut text = vec![0u8; header_len as usize];
    read_exact(reader, &mut text, "the safetensors header")?;
    let raw: BTreeMap<String, serde_json::Value> = serde_json::from_slice(&text)
        .map_err(|e| Invalid(format!("the safetensors header is not a JSON object: {e}")))?;
    let data_len = len - 8 - header_len;
    let mut tensors = BTreeMap::new();
    for (name, value) in raw {
        if name == "__metadata__" {
            continue;
        }
        let entry: Entry = serde_json::from_value(value).map_err(|e| {
            Invalid(format!(
                "the header entry of tensor `{name}` is malformed: {e}"
            ))
        })?;
        let (start, end) = entry.data_offsets;
        if start > end || end > data_len {
            return Err(Invalid(format!(
                "tensor `{name}` lies at bytes {start}..{end} of the data, but the data is \
                 {data_len} bytes long"
            )));
        }
        let info = TensorInfo {
            dtype: entry.dtype,
            shape: entry.shape,
            data: start..end,
        };
        if let Some(dtype) = info.element_type() {
            let needed = super::payload_len(&info.shape, dtype);
            if needed != Some(end - start) {
                return Err(Invalid(format!(
                    "tensor `{name}` of shape {} and type {} takes {} bytes, not {}",
                    super::format_shape(&info.shape),
                    info.dtype,
                    needed.map_or("too many".into(), |n| n.to_string()),
                    end - start
                )));
            }
        }
        tensors.insert(name, info);
    }
    Ok(SafetensorsHeader {
        tensors,
        data_offset: 8 + header_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, data_len: usize) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend(header.as_bytes());
        bytes.extend(vec![0u8; data_len]);
        bytes
    }

    fn read(bytes: &[u8]) -> Result<SafetensorsHeader, HeaderProblem> {
        parse(&mut &bytes[..], bytes.len() as u64)
    }

    #[test]
    fn reads_names_types_and_shapes() {
        let bytes = file(
            r#"{"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"y":{"dtype":"I64","shape":[2],"data_offsets":[24,40]}}"#,
            40,
        );
        let header = read(&bytes).expect("valid");
        let x = header.tensor("x").expect("x");
        assert_eq!(
            (x.element_type(), x.shape.clone()),
            (Some(ElementType::F32), vec![2, 3])
        );
        assert_eq!(header.tensor("y").expect("y").data, 24..40);
        assert!(matches!(
            header.tensor("z"),
            Err(HeaderProblem::Missing { .. })
        ));
    }

    #[test]
    fn refuses_absurd_and_truncated_headers() {
        let error = read(&u64::MAX.to_le_bytes()).expect_err("absurd");
        assert!(error.to_string().contains("at most 100000000"), "{error}");
        let error = read(&file("{}", 0)[..6]).expect_err("short");
        assert!(error.to_string().contains("truncated"), "{error}");
        let mut bytes = 1000u64.to_le_bytes().to_vec();
        bytes.extend(b"{}");
        let error = read(&bytes).expect_err("longer than the file");
        assert!(error.to_string().contains("only 2 follow"), "{error}");
    }

    #[test]
    fn refuses_data_outside_the_file_or_of_the_wrong_size() {
        let bytes = file(
            r#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
            8,
        );
        assert!(read(&bytes)
            .expect_err("short")
            .to_string()
            .contains("8 bytes long"));
        let bytes = file(
            r#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#,
            8,
        );
        assert!(read(&bytes)
            .expect_err("wrong size")
            .to_string()
            .contains("takes 16 bytes"));
        let bytes = file(r#"{"x":{"dtype":"F32"}}"#, 0);
        assert!(read(&bytes)
            .expect_err("no shape")
            .to_string()
            .contains("malformed"));
    }
}
