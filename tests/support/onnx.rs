//! Builders of small ONNX models on the protobuf messages of `rbench::model::onnx::proto`:
//! float values with fixed or symbolic dimensions, tensors, nodes with attributes, graphs and
//! the model around them. Each fills only the fields it names; a test that needs one more (a
//! graph name, a producer) sets it with struct update syntax, `GraphProto { name, ..graph(…) }`.

use rbench::model::onnx::proto::tensor_shape_proto::{dimension, Dimension};
use rbench::model::onnx::proto::{
    data_type, type_proto, AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto,
    TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

/// The IR version of the models built here: that of ONNX 1.10 to 1.12 (opsets 15 to 17).
pub const IR_VERSION: i64 = 8;

/// The `AttributeProto.AttributeType` numbers of `onnx.proto`, saying which field holds the value.
mod attribute_type {
    pub const FLOAT: i32 = 1;
    pub const INT: i32 = 2;
    pub const TENSOR: i32 = 4;
    pub const INTS: i32 = 7;
}

/// A dimension of a value's shape: a fixed size, or a symbolic name (`batch`, `N`) for a size
/// known only at run time.
#[derive(Debug, Clone, Copy)]
pub enum Dim {
    Fixed(usize),
    Symbolic(&'static str),
}

/// A float tensor value (a graph input or output) of shape `dims`.
pub fn value(name: &str, dims: &[Dim]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Fixed(n) => dimension::Value::DimValue(*n as i64),
                Dim::Symbolic(s) => dimension::Value::DimParam(s.to_string()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(data_type::FLOAT),
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
    }
}

/// A float tensor value `[batch, sample…]`: a symbolic batch dimension named `batch`, then the
/// fixed dimensions of one sample, as exporters write a classifier's input and output.
pub fn batched_value(name: &str, sample: &[usize]) -> ValueInfoProto {
    let dims: Vec<Dim> = std::iter::once(Dim::Symbolic("batch"))
        .chain(sample.iter().map(|&d| Dim::Fixed(d)))
        .collect();
    value(name, &dims)
}

/// A float tensor of `dims` without its elements: enough for what reads only shapes (linking,
/// FLOP estimates), not for running the model.
pub fn shape_only_tensor(name: &str, dims: &[usize]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(data_type::FLOAT),
        ..Default::default()
    }
}

/// A float tensor of `dims` holding `values` in the `float_data` field.
pub fn float_tensor(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
    assert_eq!(dims.iter().product::<usize>(), values.len(), "{name}");
    TensorProto {
        float_data: values.to_vec(),
        ..shape_only_tensor(name, dims)
    }
}

/// A float tensor of `dims` holding `values` as little-endian bytes in `raw_data`, as PyTorch
/// exports initializers.
pub fn raw_float_tensor(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
    assert_eq!(dims.iter().product::<usize>(), values.len(), "{name}");
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    TensorProto {
        raw_data: Some(bytes.into()),
        ..shape_only_tensor(name, dims)
    }
}

/// A one-dimensional int64 tensor (a shape, axes) holding `values` in `int64_data`.
pub fn int64_tensor(name: &str, values: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: vec![values.len() as i64],
        data_type: Some(data_type::INT64),
        int64_data: values.to_vec(),
        ..Default::default()
    }
}

/// A one-dimensional int64 tensor holding `values` as little-endian bytes in `raw_data`.
pub fn raw_int64_tensor(name: &str, values: &[i64]) -> TensorProto {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    TensorProto {
        raw_data: Some(bytes.into()),
        int64_data: Vec::new(),
        ..int64_tensor(name, values)
    }
}

fn attribute(name: &str, kind: i32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(kind),
        ..Default::default()
    }
}

/// An integer attribute (`transB`, `axis`, `ceil_mode`).
pub fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        i: Some(value),
        ..attribute(name, attribute_type::INT)
    }
}

/// An attribute of integers (`pads`, `strides`, `kernel_shape`, `perm`).
pub fn ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        ints: values.to_vec(),
        ..attribute(name, attribute_type::INTS)
    }
}

/// A float attribute (`alpha`, `epsilon`).
pub fn float(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        f: Some(value),
        ..attribute(name, attribute_type::FLOAT)
    }
}

/// A tensor attribute, such as the `value` of a `Constant`.
pub fn tensor_attribute(name: &str, value: TensorProto) -> AttributeProto {
    AttributeProto {
        t: Some(value),
        ..attribute(name, attribute_type::TENSOR)
    }
}

/// A node `name` of the default domain applying `op` to `inputs`, writing `outputs`.
pub fn node(
    op: &str,
    name: &str,
    inputs: &[&str],
    outputs: &[&str],
    attributes: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(name.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute: attributes,
        ..Default::default()
    }
}

/// An unnamed graph of `nodes` and `initializers`, reading `inputs` and writing `outputs`.
pub fn graph(
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
) -> GraphProto {
    GraphProto {
        node: nodes,
        initializer: initializers,
        input: inputs,
        output: outputs,
        ..Default::default()
    }
}

/// A model of `graph` at [`IR_VERSION`] importing version `opset` of the default operator set;
/// `prost::Message::encode_to_vec` gives the bytes of its `.onnx` file.
pub fn model(opset: i64, graph: GraphProto) -> ModelProto {
    ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(opset),
        }],
        graph: Some(graph),
        ..Default::default()
    }
}
