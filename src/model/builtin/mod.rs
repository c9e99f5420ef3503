//! The built-in architectures (`mlp`, `cnn`, `resnet`) for safetensors weights saved from PyTorch
//! with `save_file(model.state_dict(), path)`. Each is the PyTorch module below, so its tensor
//! names are the module's `state_dict` keys (`tests/reference/architectures.py` holds the same
//! definitions, runnable):
//!
//! - `mlp(hidden: [h0, ...], classes, activation)`: the input flattened, then `hidden.{i}`
//!   (`nn.Linear`) each followed by the activation, then `output` (`nn.Linear`).
//! - `cnn(channels: [c0, ...], hidden, classes, in_channels)`: for each `convs.{i}`
//!   (`nn.Conv2d(c_{i-1}, c_i, 3, padding=1)`): ReLU, then 2×2 max pooling (floor); the result
//!   flattened, `hidden` (`nn.Linear`) with ReLU, `output` (`nn.Linear`).
//! - `resnet(channels: [c0, ...], blocks, classes, in_channels)`: `stem`
//!   (`nn.Conv2d(in_channels, c0, 3, padding=1, bias=False)`), `stem_bn` (`nn.BatchNorm2d`), ReLU;
//!   stage `s` is `blocks` basic blocks `stages.{s}.{b}` of `c_s` channels, the first block of
//!   every stage after the first with stride 2; global average pooling; `output` (`nn.Linear`).
//!   A basic block is `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`: `conv1` 3×3 with the
//!   block's stride, `conv2` 3×3, both padded by 1 and without bias, each followed by its
//!   `nn.BatchNorm2d` (`bn1`, `bn2`, epsilon 1e-5, running statistics); the shortcut is the
//!   identity, or `downsample.0` (a 1×1 convolution with the stride, no bias) and `downsample.1`
//!   (`nn.BatchNorm2d`) when the stride or the channels change.

mod weights;

use std::fmt;
use std::path::Path;

use candle_core::Tensor;

use super::layers::{self, ChannelAffine, Window};
use super::network::{InputGradient, ModelError, Network};
use super::relu::relu;
use super::run;
use weights::{Linear, Weights};

/// The activation after each hidden layer of an `mlp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
}

impl Activation {
    fn apply(self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::Relu => relu(x),
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => layers::sigmoid(x),
        }
    }
}

/// A built-in architecture with its parameters, as a spec declares it in a model's `arch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Architecture {
    /// Fully connected layers of the `hidden` widths with `activation` after each.
    Mlp {
        hidden: Vec<usize>,
        classes: usize,
        activation: Activation,
    },
    /// 3×3 convolutions of `channels` with ReLU and 2×2 max pooling, then a hidden layer.
    Cnn {
        channels: Vec<usize>,
        hidden: usize,
        classes: usize,
        in_channels: usize,
    },
    /// A small residual network: a stem, stages of `blocks` basic blocks, global pooling.
    ResNet {
        channels: Vec<usize>,
        blocks: usize,
        classes: usize,
        in_channels: usize,
    },
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Architecture::Mlp {
                hidden,
                classes,
                activation,
            } => write!(
                f,
                "mlp(hidden: {hidden:?}, classes: {classes}, activation: {})",
                format!("{activation:?}").to_lowercase()
            ),
            Architecture::Cnn {
                channels,
                hidden,
                classes,
                in_channels,
            } => write!(
                f,
                "cnn(channels: {channels:?}, classes: {classes}, in_channels: {in_channels}, \
                 hidden: {hidden})"
            ),
            Architecture::ResNet {
                channels,
                blocks,
                classes,
                in_channels,
            } => write!(
                f,
                "resnet(channels: {channels:?}, blocks: {blocks}, classes: {classes}, \
                 in_channels: {in_channels})"
            ),
        }
    }
}

/// A built-in architecture with its weights, run as a [`Network`].
#[derive(Debug, Clone)]
pub struct BuiltinModel {
    layers: Layers,
    input_shape: Vec<usize>,
    classes: usize,
}

#[derive(Debug, Clone)]
enum Layers {
    Mlp {
        hidden: Vec<Linear>,
        output: Linear,
        activation: Activation,
    },
    Cnn {
        /// `N × C × H × W` images.
        image: [usize; 3],
        convs: Vec<(Tensor, Tensor)>,
        hidden: Linear,
        output: Linear,
    },
    ResNet {
        image: [usize; 3],
        stem: Tensor,
        stem_bn: ChannelAffine,
        blocks: Vec<BasicBlock>,
        output: Linear,
    },
}

/// A residual block of two 3×3 convolutions.
#[derive(Debug, Clone)]
struct BasicBlock {
    stride: usize,
    conv1: Tensor,
    bn1: ChannelAffine,
    conv2: Tensor,
    bn2: ChannelAffine,
    downsample: Option<(Tensor, ChannelAffine)>,
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
        let weights = Weights::read(path, architecture.to_string())?;
        let (layers, classes) = match architecture {
            Architecture::Mlp {
                hidden,
                classes,
                activation,
            } => {
                let mut inputs: usize = sample_shape.iter().product();
                let mut layers = Vec::new();
                for (i, &width) in hidden.iter().enumerate() {
                    layers.push(weights.linear(&format!("hidden.{i}"), inputs, width)?);
                    inputs = width;
                }
                let layers = Layers::Mlp {
                    hidden: layers,
                    output: weights.linear("output", inputs, *classes)?,
                    activation: *activation,
                };
                (layers, *classes)
            }
            Architecture::Cnn {
                channels,
                hidden,
                classes,
                in_channels,
            } => {
                let image = image(sample_shape, *in_channels)?;
                let [mut inputs, mut height, mut width] = image;
                let mut convs = Vec::new();
                for (i, &out) in channels.iter().enumerate() {
                    let name = format!("convs.{i}");
                    let weight = weights.conv(&name, inputs, out, 3)?;
                    convs.push((weight, weights.get(&format!("{name}.bias"), &[out])?));
                    (inputs, height, width) = (out, height / 2, width / 2);
                }
                if height == 0 || width == 0 {
                    return Err(too_small(sample_shape, channels.len()));
                }
                let layers = Layers::Cnn {
                    image,
                    convs,
                    hidden: weights.linear("hidden", inputs * height * width, *hidden)?,
                    output: weights.linear("output", *hidden, *classes)?,
                };
                (layers, *classes)
            }
            Architecture::ResNet {
                channels,
                blocks,
                classes,
                in_channels,
            } => {
                let image = image(sample_shape, *in_channels)?;
                let first = *channels.first().ok_or_else(|| {
                    ModelError::Weights("`resnet` needs at least one stage".into())
                })?;
                let stem = weights.conv("stem", *in_channels, first, 3)?;
                let stem_bn = weights.batch_norm("stem_bn", first)?;
                let mut residual = Vec::new();
                let mut inputs = first;
                for (s, &out) in channels.iter().enumerate() {
                    for b in 0..*blocks {
                        let stride = if s > 0 && b == 0 { 2 } else { 1 };
                        residual.push(basic_block(
                            &weights,
                            &format!("stages.{s}.{b}"),
                            inputs,
                            out,
                            stride,
                        )?);
                        inputs = out;
                    }
                }
                let layers = Layers::ResNet {
                    image,
                    stem,
                    stem_bn,
                    blocks: residual,
                    output: weights.linear("output", inputs, *classes)?,
                };
                (layers, *classes)
            }
        };
        Ok(BuiltinModel {
            layers,
            input_shape: sample_shape.to_vec(),
            classes,
        })
    }

    /// The logits of a batch `x` (`n × sample`).
    fn logits(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let n = x.dim(0)?;
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
                image,
                convs,
                hidden,
                output,
            } => {
                let mut x = x.reshape([&[n][..], image].concat())?;
                for (weight, bias) in convs {
                    x = layers::conv_relu_max_pool(
                        &x,
                        weight,
                        Some(bias),
                        &Window::square(3, 1, 1),
                        &Window::square(2, 2, 0),
                        1,
                    )?;
                }
                let x = relu(&hidden.apply(&x.flatten_from(1)?)?)?;
                output.apply(&x)
            }
            Layers::ResNet {
                image,
                stem,
                stem_bn,
                blocks,
                output,
            } => {
                let x = x.reshape([&[n][..], image].concat())?;
                let mut x = relu(&stem_bn.apply(&layers::conv2d(
                    &x,
                    stem,
                    None,
                    &Window::square(3, 1, 1),
                    1,
                )?)?)?;
                for block in blocks {
                    x = block.apply(&x)?;
                }
                output.apply(&layers::global_average_pool(&x)?.flatten_from(1)?)
            }
        }
    }
}

impl BasicBlock {
    fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let conv = |x: &Tensor, weight: &Tensor, kernel: usize, stride: usize| {
            layers::conv2d(
                x,
                weight,
                None,
                &Window::square(kernel, stride, kernel / 2),
                1,
            )
        };
        let y = relu(&self.bn1.apply(&conv(x, &self.conv1, 3, self.stride)?)?)?;
        let y = self.bn2.apply(&conv(&y, &self.conv2, 3, 1)?)?;
        let shortcut = match &self.downsample {
            Some((weight, bn)) => bn.apply(&conv(x, weight, 1, self.stride)?)?,
            None => x.clone(),
        };
        relu(&(y + shortcut)?)
    }
}

/// The basic block `name` from `inputs` to `out` channels.
fn basic_block(
    weights: &Weights,
    name: &str,
    inputs: usize,
    out: usize,
    stride: usize,
) -> Result<BasicBlock, ModelError> {
    let downsample = if stride != 1 || inputs != out {
        let conv = weights.conv(&format!("{name}.downsample.0"), inputs, out, 1)?;
        Some((
            conv,
            weights.batch_norm(&format!("{name}.downsample.1"), out)?,
        ))
    } else {
        None
    };
    Ok(BasicBlock {
        stride,
        conv1: weights.conv(&format!("{name}.conv1"), inputs, out, 3)?,
        bn1: weights.batch_norm(&format!("{name}.bn1"), out)?,
        conv2: weights.conv(&format!("{name}.conv2"), out, out, 3)?,
        bn2: weights.batch_norm(&format!("{name}.bn2"), out)?,
        downsample,
    })
}

/// The `[channels, height, width]` of image samples of `shape`.
fn image(shape: &[usize], channels: usize) -> Result<[usize; 3], ModelError> {
    match *shape {
        [c, h, w] if c == channels => Ok([c, h, w]),
        [h, w] if channels == 1 => Ok([1, h, w]),
        _ => Err(ModelError::Shape {
            expected: [&[channels][..], &shape[shape.len().saturating_sub(2)..]].concat(),
            found: shape.to_vec(),
        }),
    }
}

/// Images of `shape` too small for `pools` 2×2 poolings.
fn too_small(shape: &[usize], pools: usize) -> ModelError {
    let side = 1 << pools;
    ModelError::Shape {
        expected: vec![shape.first().copied().unwrap_or(1), side, side],
        found: shape.to_vec(),
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
