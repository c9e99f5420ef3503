//! An ONNX model compiled for candle, run as a [`Network`].

use std::path::Path;

use candle_core::{Device, Tensor};

use super::compile::Program;
use super::proto::ModelProto;
use super::read_model;
use crate::model::network::{InputGradient, ModelError, Network};
use crate::model::run;

/// An ONNX classifier: a graph of supported operators whose weights are decoded once, taking one
/// input `[batch, ...]` and giving logits `[batch, classes]`.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    program: Program,
    input_shape: Vec<usize>,
    classes: usize,
}

impl OnnxModel {
    /// Reads and compiles the model at `path`.
    pub fn load(path: &Path) -> Result<OnnxModel, ModelError> {
        let model = read_model(path).map_err(|e| ModelError::File {
            path: path.display().to_string(),
            problem: e.problem.to_string(),
        })?;
        OnnxModel::compile(&model, &path.display().to_string())
    }

    /// Compiles a decoded model; `path` names it in diagnostics.
    pub fn compile(model: &ModelProto, path: &str) -> Result<OnnxModel, ModelError> {
        let (program, input) = Program::compile(model, path)?;
        let problem = |text: String| ModelError::File {
            path: path.to_string(),
            problem: text,
        };
        let dims = input.dims.ok_or_else(|| {
            problem(format!(
                "the graph input `{}` has no recorded shape",
                input.name
            ))
        })?;
        let input_shape = dims
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, d)| {
                d.map(|d| d as usize).ok_or_else(|| {
                    problem(format!(
                        "dimension {i} of the graph input `{}` is not fixed; only the batch \
                         dimension may vary",
                        input.name
                    ))
                })
            })
            .collect::<Result<Vec<usize>, ModelError>>()?;
        if dims.is_empty() {
            return Err(problem(format!(
                "the graph input `{}` is a scalar, not a batch",
                input.name
            )));
        }
        // One sample of zeros gives the width of the logits and checks the graph end to end.
        let probe = Tensor::zeros(
            [&[1][..], &input_shape].concat(),
            candle_core::DType::F32,
            &Device::Cpu,
        )
        .map_err(run::runtime)?;
        let logits = program.run(&probe).map_err(run::runtime)?;
        let classes = match logits.dims() {
            [1, classes] => *classes,
            dims => {
                return Err(problem(format!(
                    "the model's output has shape {dims:?} for one sample; rbench needs \
                     [batch, classes] class scores"
                )))
            }
        };
        Ok(OnnxModel {
            program,
            input_shape,
            classes,
        })
    }
}

impl Network for OnnxModel {
    fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    fn classes(&self) -> usize {
        self.classes
    }

    fn forward(&self, inputs: &[f32], n: usize) -> Result<Vec<f32>, ModelError> {
        run::forward(
            |x| self.program.run(x),
            inputs,
            n,
            &self.input_shape,
            self.classes,
        )
    }

    fn input_gradient(
        &self,
        inputs: &[f32],
        n: usize,
        loss_gradient: &dyn Fn(&[f32]) -> Vec<f32>,
    ) -> Result<InputGradient, ModelError> {
        run::input_gradient(
            |x| self.program.run(x),
            inputs,
            n,
            &self.input_shape,
            self.classes,
            loss_gradient,
        )
    }
}
