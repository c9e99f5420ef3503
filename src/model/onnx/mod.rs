//! ONNX models: the protobuf messages ([`proto`]) and the model's signature (inputs, outputs,
//! operator sets, operators), read before anything runs; the operator registry
//! (`registry.rs`, one entry per operator under `ops/`), from which the graph compiler
//! (`compile.rs`) and the FLOP estimate ([`flops_of_onnx`]) both work.

mod attributes;
mod compile;
mod decode;
mod flops;
mod infer;
mod model;
#[cfg(test)]
mod op_tests;
mod ops;
pub mod proto;
mod registry;

pub use flops::{flops_of_onnx, FlopsError};
pub use model::OnnxModel;
pub use registry::supported_operators;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use prost::Message;

use crate::data::header::{self, ElementType, HeaderError, HeaderProblem};
use proto::tensor_shape_proto::dimension;
use proto::{data_type, type_proto, ModelProto, ValueInfoProto};

/// The largest model file read: protobuf messages cannot exceed 2 GiB, and rbench does not read
/// ONNX external data.
pub const MAX_MODEL_BYTES: u64 = 2 << 30;

/// What a model takes and gives, and what it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Graph inputs that are not initializers: the values a caller feeds.
    pub inputs: Vec<ValueSignature>,
    pub outputs: Vec<ValueSignature>,
    /// Imported operator sets: (domain, version); the domain is empty for `ai.onnx`.
    pub opsets: Vec<(String, i64)>,
    /// The operators the graph uses, sorted (`Conv`, `Gemm`; `com.microsoft.Attention` for
    /// operators of another domain).
    pub ops: Vec<String>,
    pub ir_version: i64,
}

/// A graph input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSignature {
    pub name: String,
    /// The ONNX element type code (see [`proto::data_type`]); 0 for a value that is not a tensor.
    pub elem_type: i32,
    /// The dimensions, `None` for symbolic or unknown ones; `None` when no shape is recorded.
    pub dims: Option<Vec<Option<u64>>>,
}

impl ValueSignature {
    /// The element type, when it is one rbench computes with.
    pub fn element_type(&self) -> Option<ElementType> {
        element_type(self.elem_type)
    }
}

/// The numeric element type of an ONNX `data_type` code, if rbench has it.
pub fn element_type(code: i32) -> Option<ElementType> {
    use ElementType::*;
    Some(match code {
        data_type::FLOAT => F32,
        data_type::UINT8 => U8,
        data_type::INT8 => I8,
        data_type::UINT16 => U16,
        data_type::INT16 => I16,
        data_type::INT32 => I32,
        data_type::INT64 => I64,
        data_type::FLOAT16 => F16,
        data_type::DOUBLE => F64,
        data_type::UINT32 => U32,
        data_type::UINT64 => U64,
        data_type::BFLOAT16 => BF16,
        _ => return None,
    })
}

/// Reads the ONNX model at `path` and returns its signature.
///
/// An ONNX file has no header apart from its graph, so the whole file is read (at most
/// [`MAX_MODEL_BYTES`]) and decoded; initializer data is not copied.
pub fn read_signature(path: &Path) -> Result<Signature, HeaderError> {
    read_with_signature(path).map(|(_, signature)| signature)
}

/// Reads and decodes the ONNX model at `path`, with its signature (the link step keeps the
/// graph to follow its shapes).
pub fn read_with_signature(path: &Path) -> Result<(ModelProto, Signature), HeaderError> {
    let model = read_model(path)?;
    let signature =
        signature(&model).map_err(|text| HeaderError::new(path, HeaderProblem::Invalid(text)))?;
    Ok((model, signature))
}

/// Reads and decodes the ONNX model at `path`.
///
/// The file's size on disk is checked before anything is read, so a file over
/// [`MAX_MODEL_BYTES`] is refused without allocating for it; the read itself is bounded too, for
/// files whose size the file system does not know (pipes, devices).
pub fn read_model(path: &Path) -> Result<ModelProto, HeaderError> {
    let error = |problem| HeaderError::new(path, problem);
    let unreadable = |e: std::io::Error| error(HeaderProblem::Unreadable(e.to_string()));
    let too_large = || {
        error(HeaderProblem::Invalid(format!(
            "the model is larger than {MAX_MODEL_BYTES} bytes, the most rbench reads (ONNX \
             external data is not supported): export a smaller model, or its weights as \
             safetensors with a built-in `arch`"
        )))
    };
    let file = header::open(path)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_MODEL_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_MODEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        return Err(too_large());
    }
    if bytes.is_empty() {
        return Err(error(HeaderProblem::Invalid("the file is empty".into())));
    }
    ModelProto::decode(bytes::Bytes::from(bytes))
        .map_err(|e| error(HeaderProblem::Invalid(format!("not an ONNX model: {e}"))))
}

/// The signature of a decoded model.
pub fn signature(model: &ModelProto) -> Result<Signature, String> {
    let graph = model
        .graph
        .as_ref()
        .ok_or("not an ONNX model: it has no graph")?;
    let initializers: BTreeSet<&str> = graph
        .initializer
        .iter()
        .filter_map(|t| t.name.as_deref())
        .collect();
    let inputs: Vec<ValueSignature> = graph
        .input
        .iter()
        .filter(|v| !initializers.contains(v.name.as_deref().unwrap_or_default()))
        .map(value_signature)
        .collect();
    let outputs: Vec<ValueSignature> = graph.output.iter().map(value_signature).collect();
    let ops: BTreeSet<String> = graph
        .node
        .iter()
        .map(|node| {
            let op = node.op_type.clone().unwrap_or_default();
            match node.domain.as_deref() {
                None | Some("" | "ai.onnx") => op,
                Some(domain) => format!("{domain}.{op}"),
            }
        })
        .collect();
    let opsets = model
        .opset_import
        .iter()
        .map(|o| (o.domain.clone().unwrap_or_default(), o.version.unwrap_or(0)))
        .collect();
    Ok(Signature {
        inputs,
        outputs,
        opsets,
        ops: ops.into_iter().collect(),
        ir_version: model.ir_version.unwrap_or(0),
    })
}

pub(crate) fn value_signature(value: &ValueInfoProto) -> ValueSignature {
    let tensor = value
        .r#type
        .as_ref()
        .and_then(|t| t.value.as_ref())
        .map(|type_proto::Value::TensorType(tensor)| tensor);
    let dims = tensor.and_then(|t| t.shape.as_ref()).map(|shape| {
        shape
            .dim
            .iter()
            .map(|d| match d.value {
                Some(dimension::Value::DimValue(n)) if n > 0 => Some(n as u64),
                _ => None,
            })
            .collect()
    });
    ValueSignature {
        name: value.name.clone().unwrap_or_default(),
        elem_type: tensor.and_then(|t| t.elem_type).unwrap_or(0),
        dims,
    }
}

#[cfg(test)]
mod tests {
    use super::proto::tensor_shape_proto::Dimension;
    use super::proto::*;
    use super::*;

    fn dim(value: dimension::Value) -> Dimension {
        Dimension { value: Some(value) }
    }

    fn tensor_value(name: &str, dims: Vec<Dimension>) -> ValueInfoProto {
        ValueInfoProto {
            name: Some(name.into()),
            r#type: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type: Some(data_type::FLOAT),
                    shape: Some(TensorShapeProto { dim: dims }),
                })),
            }),
        }
    }

    fn model() -> ModelProto {
        let weight = TensorProto {
            name: Some("w".into()),
            dims: vec![4, 3],
            data_type: Some(data_type::FLOAT),
            raw_data: Some(vec![0u8; 48].into()),
            ..Default::default()
        };
        ModelProto {
            ir_version: Some(8),
            producer_name: Some("test".into()),
            opset_import: vec![OperatorSetIdProto {
                domain: Some(String::new()),
                version: Some(17),
            }],
            graph: Some(GraphProto {
                node: vec![
                    NodeProto {
                        op_type: Some("MatMul".into()),
                        input: vec!["x".into(), "w".into()],
                        output: vec!["h".into()],
                        ..Default::default()
                    },
                    NodeProto {
                        op_type: Some("Softmax".into()),
                        input: vec!["h".into()],
                        output: vec!["y".into()],
                        attribute: vec![AttributeProto {
                            name: Some("axis".into()),
                            i: Some(-1),
                            r#type: Some(2),
                            ..Default::default()
                        }],
                        ..Default::default()
                    },
                ],
                initializer: vec![weight],
                input: vec![
                    tensor_value(
                        "x",
                        vec![
                            dim(dimension::Value::DimParam("batch".into())),
                            dim(dimension::Value::DimValue(4)),
                        ],
                    ),
                    // Older exporters list initializers among the inputs too.
                    tensor_value(
                        "w",
                        vec![
                            dim(dimension::Value::DimValue(4)),
                            dim(dimension::Value::DimValue(3)),
                        ],
                    ),
                ],
                output: vec![tensor_value(
                    "y",
                    vec![Dimension::default(), dim(dimension::Value::DimValue(3))],
                )],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn reads_inputs_outputs_opsets_and_ops_from_a_file() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, model().encode_to_vec()).expect("write");
        let signature = read_signature(&path).expect("a valid model");
        assert_eq!(
            signature.inputs,
            [ValueSignature {
                name: "x".into(),
                elem_type: data_type::FLOAT,
                dims: Some(vec![None, Some(4)]),
            }]
        );
        assert_eq!(signature.outputs[0].dims, Some(vec![None, Some(3)]));
        assert_eq!(signature.outputs[0].element_type(), Some(ElementType::F32));
        assert_eq!(signature.opsets, [(String::new(), 17)]);
        assert_eq!(signature.ops, ["MatMul", "Softmax"]);
        assert_eq!(signature.ir_version, 8);
    }

    #[test]
    fn round_trips_the_messages() {
        let model = model();
        let decoded = ModelProto::decode(model.encode_to_vec().as_slice()).expect("decode");
        assert_eq!(decoded, model);
    }

    #[test]
    fn refuses_files_that_are_not_models() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, b"\xff\xff\xff garbage").expect("write");
        let error = read_signature(&path).expect_err("garbage");
        assert!(error.to_string().contains("not an ONNX model"), "{error}");
        std::fs::write(&path, b"\x08\x07").expect("write");
        let error = read_signature(&path).expect_err("no graph");
        assert!(error.to_string().contains("it has no graph"), "{error}");
        let error = read_signature(&dir.path().join("none.onnx")).expect_err("missing");
        assert_eq!(error.problem, HeaderProblem::NotFound);
    }
}
