//! Decoding ONNX tensors (initializers and constants) into candle tensors, once, when a model is
//! loaded. Floating-point elements become `f32` (the engine computes in `f32`); integer elements
//! become `i64` (shapes and axes).

use candle_core::{DType, Device, Tensor};

use super::proto::{data_type, TensorProto};
use crate::model::run;

/// Decodes `tensor`, or says why it cannot be.
pub(crate) fn tensor(tensor: &TensorProto) -> Result<Tensor, String> {
    let name = tensor.name.as_deref().unwrap_or_default();
    let fail = |problem: String| format!("tensor `{name}`: {problem}");
    if tensor.data_location == Some(1) {
        return Err(fail(
            "its data is stored in an external file, which rbench does not read".into(),
        ));
    }
    let dims = tensor
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| fail(format!("negative dimension {d}"))))
        .collect::<Result<Vec<usize>, String>>()?;
    let count: usize = dims.iter().product();
    let code = tensor.data_type.unwrap_or(0);
    let decoded = match (&tensor.raw_data, code) {
        (Some(raw), _) => {
            let dtype = match code {
                data_type::FLOAT => DType::F32,
                data_type::DOUBLE => DType::F64,
                data_type::FLOAT16 => DType::F16,
                data_type::BFLOAT16 => DType::BF16,
                data_type::INT64 => DType::I64,
                data_type::INT32 => DType::I32,
                _ => return Err(fail(unsupported_type(code))),
            };
            let expected = count * dtype.size_in_bytes();
            if raw.len() != expected {
                return Err(fail(format!(
                    "{} bytes of data where its shape {dims:?} calls for {expected}",
                    raw.len()
                )));
            }
            Tensor::from_raw_buffer(raw, dtype, &dims, &Device::Cpu)
        }
        (None, data_type::FLOAT) => typed(&tensor.float_data, &dims, count).map_err(fail)?,
        (None, data_type::DOUBLE) => typed(&tensor.double_data, &dims, count).map_err(fail)?,
        (None, data_type::INT64) => typed(&tensor.int64_data, &dims, count).map_err(fail)?,
        (None, data_type::INT32) => {
            let values: Vec<i64> = tensor.int32_data.iter().map(|&v| i64::from(v)).collect();
            typed(&values, &dims, count).map_err(fail)?
        }
        (None, data_type::FLOAT16 | data_type::BFLOAT16) => {
            // Half-precision elements are stored as their bits in `int32_data`.
            let bytes: Vec<u8> = tensor
                .int32_data
                .iter()
                .flat_map(|&bits| (bits as u16).to_le_bytes())
                .collect();
            if bytes.len() != count * 2 {
                return Err(fail(element_count(bytes.len() / 2, &dims, count)));
            }
            let dtype = match code {
                data_type::FLOAT16 => DType::F16,
                _ => DType::BF16,
            };
            Tensor::from_raw_buffer(&bytes, dtype, &dims, &Device::Cpu)
        }
        (None, code) => return Err(fail(unsupported_type(code))),
    };
    let decoded = decoded.map_err(|e| fail(run::message(&e)))?;
    let target = match decoded.dtype() {
        DType::I32 | DType::I64 => DType::I64,
        _ => DType::F32,
    };
    decoded.to_dtype(target).map_err(|e| fail(run::message(&e)))
}

/// A tensor of `values`, checked against the element count of `dims`.
fn typed<T: candle_core::WithDType>(
    values: &[T],
    dims: &[usize],
    count: usize,
) -> Result<candle_core::Result<Tensor>, String> {
    if values.len() != count {
        return Err(element_count(values.len(), dims, count));
    }
    Ok(Tensor::from_slice(values, dims, &Device::Cpu))
}

fn element_count(found: usize, dims: &[usize], count: usize) -> String {
    format!("{found} elements where its shape {dims:?} calls for {count}")
}

fn unsupported_type(code: i32) -> String {
    let name = match code {
        data_type::UINT8 => "uint8",
        data_type::INT8 => "int8",
        data_type::UINT16 => "uint16",
        data_type::INT16 => "int16",
        data_type::STRING => "string",
        data_type::BOOL => "bool",
        data_type::UINT32 => "uint32",
        data_type::UINT64 => "uint64",
        _ => return format!("element type {code} is not supported"),
    };
    format!("{name} elements are not supported")
}

/// The elements of an integer tensor, for shapes and axes.
pub(crate) fn integers(tensor: &Tensor) -> candle_core::Result<Vec<i64>> {
    tensor.to_dtype(DType::I64)?.flatten_all()?.to_vec1()
}
