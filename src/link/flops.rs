//! FLOPs per forward pass of each model on one sample of each data set it is evaluated on,
//! computed while linking from the decoded ONNX graph (shapes followed by the operator
//! registry's rules, [`crate::model::flops`]) or from the built-in architecture's definition.

use crate::check::{Call, Model, ModelFormat};
use crate::model::flops::flops_of_onnx;
use crate::model::onnx::proto::ModelProto;
use crate::model::Architecture;

use super::{LinkedDataset, LinkedModel};

/// The FLOPs of one forward pass of the built-in architecture `call` on one sample of shape
/// `input_shape`, from the architecture's description ([`Architecture::flops`]); `None` when the
/// call lacks a parameter the checker guarantees or the shape does not fit the architecture.
pub fn flops_of_architecture(call: &Call, input_shape: &[usize]) -> Option<u64> {
    Architecture::from_args(call.schema.name, &call.params)
        .ok()?
        .flops(input_shape)
}

/// The FLOPs of one forward pass of `model` (whose decoded ONNX graph is `graph`) on one sample
/// of a data set, or why they are unknown.
pub(super) fn forward_flops(
    model: &Model,
    linked_model: &LinkedModel,
    linked_data: &LinkedDataset,
    graph: Option<&ModelProto>,
) -> Result<u64, String> {
    let shape = input_shape(linked_model, linked_data)?;
    match (&model.format, graph) {
        (ModelFormat::Safetensors { arch, .. }, _) => flops_of_architecture(arch, &shape)
            .ok_or_else(|| {
                format!(
                    "`{}` does not take samples of shape {shape:?}",
                    arch.schema.name
                )
            }),
        (ModelFormat::Onnx { .. }, Some(graph)) => {
            flops_of_onnx(graph, &shape).map_err(|e| e.to_string())
        }
        (ModelFormat::Onnx { .. }, None) => Err("the model or the data set was not linked".into()),
    }
}

/// The shape of one sample as the model takes it: the model's input shape, its symbolic
/// dimensions filled from the data set's samples, or the samples' shape when the model records
/// none.
fn input_shape(model: &LinkedModel, data: &LinkedDataset) -> Result<Vec<usize>, String> {
    let to_usize = |d: u64| usize::try_from(d).unwrap_or(usize::MAX);
    match (&model.input, &data.sample_shape) {
        (Some(input), _) if input.iter().all(Option::is_some) => {
            Ok(input.iter().flatten().map(|&d| to_usize(d)).collect())
        }
        (Some(input), Some(sample)) if input.len() == sample.len() => Ok(input
            .iter()
            .zip(sample)
            .map(|(i, &s)| to_usize(i.unwrap_or(s)))
            .collect()),
        (None, Some(sample)) => Ok(sample.iter().map(|&d| to_usize(d)).collect()),
        _ => Err("the shape of a sample is not known before loading the data".into()),
    }
}
