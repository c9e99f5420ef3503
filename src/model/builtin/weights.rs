//! Reading a safetensors file of PyTorch `state_dict` weights, checking each tensor a built-in
//! architecture takes against the shape it calls for.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use safetensors::{Dtype, SafeTensors};

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

    /// The tensor `name`, which must have shape `shape`.
    pub(crate) fn get(&self, name: &str, shape: &[usize]) -> Result<Tensor, ModelError> {
        let architecture = &self.architecture;
        let Some(tensor) = self.tensors.get(name) else {
            return Err(ModelError::Weights(format!(
                "the weights lack `{name}` (floating point, shape {shape:?}), which \
                 `{architecture}` calls for"
            )));
        };
        if tensor.dims() != shape {
            return Err(ModelError::Weights(format!(
                "`{name}` has shape {:?}; `{architecture}` calls for {shape:?}",
                tensor.dims()
            )));
        }
        Ok(tensor.clone())
    }

    /// The `[out, in]` weight and `[out]` bias of the linear layer `name`.
    pub(crate) fn linear(
        &self,
        name: &str,
        inputs: usize,
        out: usize,
    ) -> Result<Linear, ModelError> {
        Ok(Linear {
            weight: self.get(&format!("{name}.weight"), &[out, inputs])?,
            bias: self.get(&format!("{name}.bias"), &[out])?,
        })
    }

    /// The `[out, in, k, k]` weight of the convolution `name`.
    pub(crate) fn conv(
        &self,
        name: &str,
        inputs: usize,
        out: usize,
        kernel: usize,
    ) -> Result<Tensor, ModelError> {
        self.get(&format!("{name}.weight"), &[out, inputs, kernel, kernel])
    }

    /// The four `[channels]` tensors of the batch normalization `name` (PyTorch's `BatchNorm2d`
    /// with its default epsilon), folded into a scale and shift.
    pub(crate) fn batch_norm(
        &self,
        name: &str,
        channels: usize,
    ) -> Result<crate::model::layers::ChannelAffine, ModelError> {
        let get = |field: &str| self.get(&format!("{name}.{field}"), &[channels]);
        crate::model::layers::ChannelAffine::batch_norm(
            &get("weight")?,
            &get("bias")?,
            &get("running_mean")?,
            &get("running_var")?,
            1e-5,
        )
        .map_err(|e| ModelError::Weights(format!("`{name}`: {}", run::message(&e))))
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
        crate::model::layers::linear(x, &self.weight, Some(&self.bias))
    }
}
