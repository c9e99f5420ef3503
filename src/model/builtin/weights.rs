//! Reading a safetensors file of PyTorch `state_dict` weights, and loading a built-in
//! architecture's layers from them, each tensor checked against the shape its description calls
//! for.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use safetensors::{Dtype, SafeTensors};

use super::description::{Build, Layer, Weight};
use crate::data::header::format_dims;
use crate::model::layers::{self, ChannelAffine, Window};
use crate::model::network::ModelError;
use crate::model::run;

/// Weight tensors by name, decoded to `f32`.
pub(crate) struct Weights {
    tensors: HashMap<String, Tensor>,
    /// What the architecture is, for diagnostics (`cnn(channels: [32, 64], ...)`).
    architecture: String,
}

impl Weights {
    /// Reads every floating-point tensor of the safetensors file at `path`; `architecture` names
    /// the declared architecture in diagnostics.
    pub(crate) fn read(path: &Path, architecture: String) -> Result<Weights, ModelError> {
        let file_error = |problem: String| ModelError::File {
            path: path.display().to_string(),
            problem,
        };
        let mut bytes = Vec::new();
        crate::confine::open_regular(path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .map_err(|e| file_error(e.to_string()))?;
        let file = SafeTensors::deserialize(&bytes)
            .map_err(|e| file_error(format!("not a safetensors file: {e}")))?;
        let mut tensors = HashMap::new();
        for (name, view) in file.tensors() {
            let dtype = match view.dtype() {
                Dtype::F32 => DType::F32,
                Dtype::F64 => DType::F64,
                Dtype::F16 => DType::F16,
                Dtype::BF16 => DType::BF16,
                // Integer tensors (`num_batches_tracked`) are not weights.
                _ => continue,
            };
            let tensor = Tensor::from_raw_buffer(view.data(), dtype, view.shape(), &Device::Cpu)
                .and_then(|t| t.to_dtype(DType::F32))
                .map_err(|e| file_error(format!("tensor `{name}`: {}", run::message(&e))))?;
            tensors.insert(name, tensor);
        }
        Ok(Weights {
            tensors,
            architecture,
        })
    }

    /// The tensor `weight` names, which must have the shape it calls for.
    fn get(&self, weight: &Weight) -> Result<Tensor, ModelError> {
        let (name, shape) = (&weight.name, format_dims(&weight.shape));
        let architecture = &self.architecture;
        let Some(tensor) = self.tensors.get(name) else {
            return Err(ModelError::Weights(format!(
                "the weights lack `{name}` (floating point, shape {shape}), which \
                 `{architecture}` calls for"
            )));
        };
        let fits = tensor.dims().len() == weight.shape.len()
            && (tensor.dims().iter().zip(&weight.shape)).all(|(d, e)| e.is_none_or(|e| e == *d));
        if !fits {
            return Err(ModelError::Weights(format!(
                "`{name}` has shape {:?}; `{architecture}` calls for {shape}",
                tensor.dims()
            )));
        }
        Ok(tensor.clone())
    }

    /// The tensor `field` of `layer`.
    fn field(&self, layer: &Layer, field: &str) -> Result<Tensor, ModelError> {
        self.get(&layer.tensor(field))
    }
}

/// Loading: each layer of the architecture becomes its tensors, checked against its description.
impl Build for Weights {
    type Linear = Linear;
    type Conv = Conv;
    type Norm = ChannelAffine;

    fn linear(&mut self, layer: Layer) -> Result<Linear, ModelError> {
        Ok(Linear {
            weight: self.field(&layer, "weight")?,
            bias: self.field(&layer, "bias")?,
        })
    }

    fn conv(&mut self, layer: Layer) -> Result<Conv, ModelError> {
        Ok(Conv {
            weight: self.field(&layer, "weight")?,
            bias: match layer.has("bias") {
                true => Some(self.field(&layer, "bias")?),
                false => None,
            },
        })
    }

    /// The four tensors of a `BatchNorm2d` (with its default epsilon), folded into a scale and
    /// shift.
    fn batch_norm(&mut self, layer: Layer) -> Result<ChannelAffine, ModelError> {
        let get = |field: &str| self.field(&layer, field);
        ChannelAffine::batch_norm(
            &get("weight")?,
            &get("bias")?,
            &get("running_mean")?,
            &get("running_var")?,
            1e-5,
        )
        .map_err(|e| ModelError::Weights(format!("`{}`: {}", layer.name, run::message(&e))))
    }
}

/// A linear layer: PyTorch's `nn.Linear`.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    /// `x · weightᵀ + bias`.
    pub(crate) fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        layers::linear(x, &self.weight, Some(&self.bias))
    }
}

/// A convolution: PyTorch's `nn.Conv2d` with a square, odd kernel padded by half of it.
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
}

impl Conv {
    /// Where the convolution's windows fall at stride `stride`.
    pub(crate) fn window(&self, stride: usize) -> candle_core::Result<Window> {
        let kernel = self.weight.dim(3)?;
        Ok(Window::square(kernel, stride, kernel / 2))
    }

    /// The convolution of `x` at stride `stride`.
    pub(crate) fn apply(&self, x: &Tensor, stride: usize) -> candle_core::Result<Tensor> {
        layers::conv2d(
            x,
            &self.weight,
            self.bias.as_ref(),
            &self.window(stride)?,
            1,
        )
    }
}
