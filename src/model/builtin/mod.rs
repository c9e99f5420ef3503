//! The built-in architectures (`mlp`, `cnn`, `resnet`) for safetensors weights saved from PyTorch
//! with `save_file(model.state_dict(), path)`: the architecture read from the spec
//! ([`Architecture`]), its layers declared once ([`description`]: names, shapes, FLOPs), the
//! weights loaded by walking that description ([`weights`]), and the forward pass.

mod architecture;
mod description;
#[cfg(test)]
mod tests;
mod weights;

use std::path::Path;

use candle_core::{Tensor, D};

use super::layers::{self, ChannelAffine, Window};
use super::network::{InputGradient, ModelError, Network};
use super::relu::relu;
use super::run;
pub use architecture::{Activation, Architecture, ArgsError};
use description::{BasicBlock, Layers};
pub use description::{Layer, LayerKind, Weight};
use weights::{Conv, Linear, Weights};

/// A built-in architecture with its weights, run as a [`Network`].
#[derive(Debug, Clone)]
pub struct BuiltinModel {
    layers: Layers<Linear, Conv, ChannelAffine>,
    input_shape: Vec<usize>,
    classes: usize,
}

impl BuiltinModel {
    /// Builds `architecture` from the safetensors weights at `path`, for samples of
    /// `sample_shape` (`[features...]` for an `mlp`, `[channels, height, width]` or
    /// `[height, width]` with one channel for the convolutional ones).
    pub fn load(
        path: &Path,
        architecture: &Architecture,
        sample_shape: &[usize],
    ) -> Result<BuiltinModel, ModelError> {
        let mut weights = Weights::read(path, architecture.to_string())?;
        Ok(BuiltinModel {
            layers: architecture.build(Some(sample_shape), &mut weights)?,
            input_shape: sample_shape.to_vec(),
            classes: architecture.classes(),
        })
    }

    /// The logits of a batch `x` (`n × sample`).
    fn logits(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.layers {
            Layers::Mlp {
                hidden,
                output,
                activation,
            } => {
                let mut x = x.flatten_from(1)?;
                for layer in hidden {
                    x = activation.apply(&layer.apply(&x)?)?;
                }
                output.apply(&x)
            }
            Layers::Cnn {
                in_channels,
                convs,
                hidden,
                output,
            } => {
                let mut x = images(x, *in_channels)?;
                for conv in convs {
                    x = layers::conv_relu_max_pool(
                        &x,
                        &conv.weight,
                        conv.bias.as_ref(),
                        &conv.window(1)?,
                        &Window::square(2, 2, 0),
                        1,
                    )?;
                }
                let x = relu(&hidden.apply(&x.flatten_from(1)?)?)?;
                output.apply(&x)
            }
            Layers::ResNet {
                in_channels,
                stem,
                stem_bn,
                blocks,
                output,
            } => {
                let x = images(x, *in_channels)?;
                let mut x = relu(&stem_bn.apply(&stem.apply(&x, 1)?)?)?;
                for block in blocks {
                    x = block.apply(&x)?;
                }
                output.apply(&layers::global_average_pool(&x)?.flatten_from(1)?)
            }
        }
    }
}

/// A batch of image samples (`n × C × H × W`, or `n × H × W` with one channel) as
/// `n × in_channels × H × W`.
fn images(x: &Tensor, in_channels: usize) -> candle_core::Result<Tensor> {
    let (height, width) = (x.dim(D::Minus2)?, x.dim(D::Minus1)?);
    x.reshape((x.dim(0)?, in_channels, height, width))
}

impl BasicBlock<Conv, ChannelAffine> {
    fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let y = relu(&self.bn1.apply(&self.conv1.apply(x, self.stride)?)?)?;
        let y = self.bn2.apply(&self.conv2.apply(&y, 1)?)?;
        let shortcut = match &self.downsample {
            Some((conv, bn)) => bn.apply(&conv.apply(x, self.stride)?)?,
            None => x.clone(),
        };
        relu(&(y + shortcut)?)
    }
}

impl Network for BuiltinModel {
    fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    fn classes(&self) -> usize {
        self.classes
    }

    fn forward(&self, inputs: &[f32], n: usize) -> Result<Vec<f32>, ModelError> {
        run::forward(
            |x| self.logits(x),
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
            |x| self.logits(x),
            inputs,
            n,
            &self.input_shape,
            self.classes,
            loss_gradient,
        )
    }
}
