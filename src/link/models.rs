//! Linking models: an ONNX graph's signature, or safetensors weights against the declared
//! architecture, to the shape of one input sample and the number of classes.

use std::path::Path;

use crate::check::{Call, Model, ModelFormat};
use crate::data::header::read_safetensors;
use crate::model::onnx::{self, Signature, ValueSignature};
use crate::syntax::Span;

use super::architecture;
use super::{quoted_list, LinkError, LinkedModel, Linker};

impl Linker<'_> {
    /// Links one model; `None` when a problem was reported.
    pub(super) fn model(&mut self, model: &Model) -> Option<LinkedModel> {
        match &model.format {
            ModelFormat::Onnx { path } => self.onnx(model, path),
            ModelFormat::Safetensors { path, arch } => self.weights(model, path, arch),
        }
    }

    fn onnx(&mut self, model: &Model, path: &Path) -> Option<LinkedModel> {
        let span = self.header_line(model.span);
        let (graph, signature) = match onnx::read_with_signature(path) {
            Ok(read) => read,
            Err(e) => return self.file_error(e, "the ONNX model", "an ONNX model", span),
        };
        self.graphs.insert(path.to_path_buf(), graph);
        let before = self.errors.len();
        let input = self.onnx_input(model, &signature, span);
        let classes = self.onnx_classes(model, &signature, span);
        (self.errors.len() == before).then(|| LinkedModel {
            input: input.flatten(),
            classes: classes.flatten(),
            onnx: Some(signature),
        })
    }

    fn unsupported(&mut self, model: &Model, span: Span, problem: String, help: &str) {
        self.errors.push(LinkError::UnsupportedModel {
            model: model.name.clone(),
            problem,
            span: span.into(),
            help: help.to_string(),
        });
    }

    /// The shape of one sample the model's single input takes: its dimensions after the first,
    /// which is the batch (symbolic, or 1). `Some(None)` when the model records no shape.
    fn onnx_input(
        &mut self,
        model: &Model,
        signature: &Signature,
        span: Span,
    ) -> Option<Option<Vec<Option<u64>>>> {
        let input = match signature.inputs.as_slice() {
            [input] => input,
            [] => {
                let problem = "its graph has no inputs".into();
                self.unsupported(
                    model,
                    span,
                    problem,
                    "rbench feeds the samples to one input",
                );
                return None;
            }
            inputs => {
                let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
                let problem = format!(
                    "its graph has {} inputs ({}); rbench feeds one, the samples",
                    inputs.len(),
                    quoted_list(&names)
                );
                self.unsupported(model, span, problem, "export the model with a single input");
                return None;
            }
        };
        if input.element_type().is_none() {
            let problem = format!(
                "its input `{}` holds {}, not numbers",
                input.name,
                type_name(input)
            );
            self.unsupported(
                model,
                span,
                problem,
                "export the model with a numeric input",
            );
            return None;
        }
        let Some(dims) = &input.dims else {
            return Some(None);
        };
        match dims.split_first() {
            Some((None | Some(1), sample)) => Some(Some(sample.to_vec())),
            Some((Some(batch), _)) => {
                let problem = format!(
                    "its input `{}` has a fixed batch size of {batch}",
                    input.name
                );
                let help = "export it with a dynamic batch dimension (`dynamic_axes` of \
                            `torch.onnx.export`) or a batch of 1";
                self.unsupported(model, span, problem, help);
                None
            }
            None => {
                let problem = format!("its input `{}` is a scalar", input.name);
                let help = "the input's first dimension is the batch";
                self.unsupported(model, span, problem, help);
                None
            }
        }
    }

    /// The number of class scores: the last dimension of the first output of rank 2 or more
    /// (`[batch, classes]`; classifiers that output the predicted label first have such an output
    /// after it). `Some(None)` when unknown.
    fn onnx_classes(
        &mut self,
        model: &Model,
        signature: &Signature,
        span: Span,
    ) -> Option<Option<u64>> {
        let scores = signature
            .outputs
            .iter()
            .find_map(|o| o.dims.as_ref().filter(|d| d.len() >= 2));
        if let Some(dims) = scores {
            return Some(dims.last().copied().flatten());
        }
        if signature.outputs.iter().any(|o| o.dims.is_none()) {
            return Some(None);
        }
        let outputs: Vec<String> = signature.outputs.iter().map(|o| o.name.clone()).collect();
        let problem = match outputs.len() {
            0 => "its graph has no outputs".to_string(),
            _ => format!(
                "none of its outputs ({}) has the shape `[batch, classes]` of class scores",
                quoted_list(&outputs)
            ),
        };
        self.unsupported(
            model,
            span,
            problem,
            "the model must output one score per class",
        );
        None
    }

    fn weights(&mut self, model: &Model, path: &Path, arch: &Call) -> Option<LinkedModel> {
        let span = self.header_line(model.span);
        let weights = match read_safetensors(path) {
            Ok(weights) => weights,
            Err(e) => return self.file_error(e, "the weights file", "a safetensors file", span),
        };
        let fit = architecture::fit(arch, &weights)?;
        for problem in &fit.problems {
            self.errors.push(LinkError::ArchitectureMismatch {
                model: model.name.clone(),
                problem: problem.clone(),
                span: arch.span.into(),
                help: fit.help.clone(),
            });
        }
        fit.problems.is_empty().then_some(LinkedModel {
            input: Some(fit.input),
            classes: Some(fit.classes),
            onnx: None,
        })
    }
}

/// The element type of an ONNX value, in words, for values rbench cannot feed.
fn type_name(value: &ValueSignature) -> String {
    match value.elem_type {
        0 => "something other than a tensor".into(),
        onnx::proto::data_type::STRING => "strings".into(),
        onnx::proto::data_type::BOOL => "booleans".into(),
        code => format!("elements of ONNX type {code}"),
    }
}
