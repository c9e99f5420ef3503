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
///
/// A graph whose input has a fixed batch of 1 (an export without a dynamic batch axis, whose
/// reshapes have the batch size written in) is run one sample at a time.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    program: Program,
    input_shape: Vec<usize>,
    classes: usize,
    one_sample_at_a_time: bool,
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
        let one_sample_at_a_time = match dims.first() {
            None => {
                return Err(problem(format!(
                    "the graph input `{}` is a scalar, not a batch",
                    input.name
                )))
            }
            Some(None) => false,
            Some(Some(1)) => true,
            Some(Some(batch)) => {
                return Err(problem(format!(
                    "the graph input `{}` has a fixed batch size of {batch}; export the model \
                     with a dynamic batch axis (`dynamic_axes` of `torch.onnx.export`) or a \
                     batch of 1",
                    input.name
                )))
            }
        };
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
            one_sample_at_a_time,
        })
    }

    /// Runs the graph on the batch `x`, one sample at a time when its batch is fixed at 1.
    fn run(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if !self.one_sample_at_a_time {
            return self.program.run(x);
        }
        let logits = (0..x.dim(0)?)
            .map(|i| self.program.run(&x.narrow(0, i, 1)?))
            .collect::<candle_core::Result<Vec<Tensor>>>()?;
        Tensor::cat(&logits, 0)
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
        run::forward(|x| self.run(x), inputs, n, &self.input_shape, self.classes)
    }

    fn input_gradient(
        &self,
        inputs: &[f32],
        n: usize,
        loss_gradient: &dyn Fn(&[f32]) -> Vec<f32>,
    ) -> Result<InputGradient, ModelError> {
        run::input_gradient(
            |x| self.run(x),
            inputs,
            n,
            &self.input_shape,
            self.classes,
            loss_gradient,
        )
    }
}
