//! Writers of the small data files the tests read: NumPy `.npy`/`.npz`, IDX, gzip, safetensors
//! and PNG.

use std::io::Write;

/// An `.npy` file (format 1.0) holding `data`, already in the byte layout `descr` names.
pub fn npy(descr: &str, shape: &[usize], data: &[u8], fortran: bool) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let dims = match dims.as_slice() {
        [one] => format!("{one},"),
        _ => dims.join(", "),
    };
    let order = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': ({dims}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    bytes
}

/// An `.npy` file of zeroed elements of `size` bytes.
pub fn zeroed_npy(descr: &str, shape: &[usize], size: usize) -> Vec<u8> {
    let count: usize = shape.iter().product();
    npy(descr, shape, &vec![0u8; count * size], false)
}

/// An `.npz` archive of the members, each stored with `method`.
pub fn npz(members: &[(&str, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(*name, options).expect("start a member");
        zip.write_all(bytes).expect("write a member");
    }
    zip.finish().expect("finish the archive").into_inner()
}

/// An IDX file of `dims` with element type byte `type_byte` and the given data.
pub fn idx(type_byte: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, type_byte, dims.len() as u8];
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(data);
    bytes
}

/// `bytes` compressed with gzip.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

/// The little-endian bytes of `f32` values, as `.npy` (`<f4`) and safetensors (`F32`) store them.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The little-endian bytes of `i64` values, as `.npy` (`<i8`) and safetensors (`I64`) store them.
pub fn i64_bytes(values: &[i64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A safetensors file of the tensors `(name, type, shape, bytes)`.
pub fn safetensors(tensors: &[(&str, safetensors::Dtype, &[usize], Vec<u8>)]) -> Vec<u8> {
    let views: Vec<(&str, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(name, dtype, shape, data)| {
            let view = safetensors::tensor::TensorView::new(*dtype, shape.to_vec(), data)
                .expect("a valid tensor");
            (*name, view)
        })
        .collect();
    safetensors::serialize(views, None).expect("serialize")
}

/// A safetensors file of `f32` tensors `(name, shape, values)`, as PyTorch saves a `state_dict`.
pub fn f32_safetensors(tensors: &[(&str, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let tensors: Vec<(&str, safetensors::Dtype, &[usize], Vec<u8>)> = tensors
        .iter()
        .map(|(name, shape, values)| {
            let bytes = f32_bytes(values);
            (*name, safetensors::Dtype::F32, shape.as_slice(), bytes)
        })
        .collect();
    safetensors(&tensors)
}

/// A PNG file of `image`.
pub fn png(image: &image::RgbImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode a PNG");
    bytes.into_inner()
}
