//! Each built-in architecture's layers, declared once: [`Architecture::build`] walks them in
//! `state_dict` order and hands each [`Layer`] (its kind, its PyTorch name, its shapes) to a
//! [`Build`], which turns it into what the caller needs — loaded weights
//! ([`super::weights::Weights`]), or the layer itself ([`Architecture::layers`], read by the link
//! step's weight check and by [`Architecture::flops`]). Candle-nn's `VarBuilder` works the same
//! way: the model's code names each weight once, whoever supplies it.
//!
//! Each architecture is the PyTorch module below, so its tensor names are the module's
//! `state_dict` keys (`tests/reference/architectures.py` holds the same definitions, runnable):
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

use super::architecture::{Activation, Architecture};
use crate::model::network::ModelError;

/// One layer of a built-in architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The PyTorch module's name: its tensors are `{name}.weight`, `{name}.bias`, ...
    pub name: String,
    pub kind: LayerKind,
    /// What the link step's diagnostics call the layer; `None` for a layer whose weights link
    /// leaves to loading (batch normalizations, a `resnet`'s blocks).
    pub role: Option<String>,
}

/// What a layer computes, with the sizes its tensors have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerKind {
    /// `nn.Linear`: weight `[outputs, inputs]`, bias `[outputs]`; `inputs` is `None` when it
    /// depends on a sample shape that was not given.
    Linear {
        inputs: Option<usize>,
        outputs: usize,
    },
    /// `nn.Conv2d` with a square, odd `kernel` padded by `kernel / 2`: weight
    /// `[outputs, inputs, kernel, kernel]`, and a bias `[outputs]` if `bias`. `map` is the
    /// `[height, width]` it reads, when a sample shape was given and the map is not empty.
    Conv {
        inputs: usize,
        outputs: usize,
        kernel: usize,
        stride: usize,
        bias: bool,
        map: Option<[usize; 2]>,
    },
    /// `nn.BatchNorm2d`: `weight`, `bias`, `running_mean` and `running_var`, each `[channels]`.
    BatchNorm { channels: usize },
}

/// One tensor of a layer: its `state_dict` name and shape (`None`: any size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weight {
    pub name: String,
    pub shape: Vec<Option<usize>>,
}

impl Layer {
    /// The fields of the layer's tensors, in `state_dict` order.
    fn fields(&self) -> &'static [&'static str] {
        match self.kind {
            LayerKind::Linear { .. } | LayerKind::Conv { bias: true, .. } => &["weight", "bias"],
            LayerKind::Conv { bias: false, .. } => &["weight"],
            LayerKind::BatchNorm { .. } => &["weight", "bias", "running_mean", "running_var"],
        }
    }

    /// Whether the layer has the tensor `field`.
    pub fn has(&self, field: &str) -> bool {
        self.fields().contains(&field)
    }

    /// The tensor `field` (`weight`, `bias`, `running_mean`, ...) of the layer.
    pub fn tensor(&self, field: &str) -> Weight {
        let shape = match (field, &self.kind) {
            ("weight", LayerKind::Linear { inputs, outputs }) => vec![Some(*outputs), *inputs],
            (
                "weight",
                LayerKind::Conv {
                    inputs,
                    outputs,
                    kernel,
                    ..
                },
            ) => vec![Some(*outputs), Some(*inputs), Some(*kernel), Some(*kernel)],
            // Biases and a batch normalization's tensors: one value per output.
            (_, LayerKind::Linear { outputs, .. } | LayerKind::Conv { outputs, .. }) => {
                vec![Some(*outputs)]
            }
            (_, LayerKind::BatchNorm { channels }) => vec![Some(*channels)],
        };
        Weight {
            name: format!("{}.{field}", self.name),
            shape,
        }
    }

    /// Every tensor of the layer, in `state_dict` order.
    pub fn tensors(&self) -> Vec<Weight> {
        self.fields()
            .iter()
            .map(|field| self.tensor(field))
            .collect()
    }

    /// Multiply-accumulates per sample (batch normalizations count none); `None` when they
    /// depend on a sample shape that was not given, or overflow.
    pub fn macs(&self) -> Option<u64> {
        let product = |dims: &[usize]| {
            dims.iter()
                .try_fold(1u64, |acc, &d| acc.checked_mul(u64::try_from(d).ok()?))
        };
        match self.kind {
            LayerKind::Linear { inputs, outputs } => product(&[inputs?, outputs]),
            LayerKind::Conv {
                inputs,
                outputs,
                kernel,
                stride,
                map,
                ..
            } => {
                let [h, w] = conv_output(map?, stride)?;
                product(&[h, w, outputs, inputs, kernel, kernel])
            }
            LayerKind::BatchNorm { .. } => Some(0),
        }
    }
}

/// What a [`Layer`] becomes, kind by kind: the weights a loader reads for it, or the layer
/// itself for a listing.
pub(super) trait Build {
    type Linear;
    type Conv;
    type Norm;
    fn linear(&mut self, layer: Layer) -> Result<Self::Linear, ModelError>;
    fn conv(&mut self, layer: Layer) -> Result<Self::Conv, ModelError>;
    fn batch_norm(&mut self, layer: Layer) -> Result<Self::Norm, ModelError>;
}

/// A built-in network, with what a [`Build`] made of each linear layer (`L`), convolution (`C`)
/// and batch normalization (`N`).
#[derive(Debug, Clone)]
pub(super) enum Layers<L, C, N> {
    Mlp {
        hidden: Vec<L>,
        output: L,
        activation: Activation,
    },
    Cnn {
        /// The channels of the input images.
        in_channels: usize,
        convs: Vec<C>,
        hidden: L,
        output: L,
    },
    ResNet {
        in_channels: usize,
        stem: C,
        stem_bn: N,
        blocks: Vec<BasicBlock<C, N>>,
        output: L,
    },
}

/// The network a [`Build`] `B` makes.
pub(super) type Built<B> = Layers<<B as Build>::Linear, <B as Build>::Conv, <B as Build>::Norm>;

/// A residual block of two 3×3 convolutions, with a projection shortcut when it changes the
/// stride or the channels.
#[derive(Debug, Clone)]
pub(super) struct BasicBlock<C, N> {
    /// The stride of `conv1` and of the projection.
    pub stride: usize,
    pub conv1: C,
    pub bn1: N,
    pub conv2: C,
    pub bn2: N,
    pub downsample: Option<(C, N)>,
}

impl Architecture {
    /// Walks the architecture's layers in `state_dict` order, handing each to `build`, for
    /// samples of `sample` shape (`[features...]` for an `mlp`, `[channels, height, width]` or
    /// `[height, width]` with one channel for the convolutional ones); without a sample shape,
    /// the sizes that depend on it are unknown.
    pub(super) fn build<B: Build>(
        &self,
        sample: Option<&[usize]>,
        build: &mut B,
    ) -> Result<Built<B>, ModelError> {
        Ok(match self {
            Architecture::Mlp {
                hidden,
                classes,
                activation,
            } => {
                let mut inputs =
                    sample.map(|s| s.iter().fold(1, |a: usize, &d| a.saturating_mul(d)));
                let mut layers = Vec::new();
                for (i, &width) in hidden.iter().enumerate() {
                    let role = format!("hidden layer {i}");
                    layers.push(build.linear(linear(
                        format!("hidden.{i}"),
                        inputs,
                        width,
                        role,
                    ))?);
                    inputs = Some(width);
                }
                let output = linear("output".into(), inputs, *classes, "the output layer".into());
                Layers::Mlp {
                    hidden: layers,
                    output: build.linear(output)?,
                    activation: *activation,
                }
            }
            Architecture::Cnn {
                channels,
                hidden,
                classes,
                in_channels,
            } => {
                let mut map = sample.map(|s| image(s, *in_channels)).transpose()?;
                let mut inputs = *in_channels;
                let mut convs = Vec::new();
                for (i, &out) in channels.iter().enumerate() {
                    let name = format!("convs.{i}");
                    let layer = conv(name, inputs, out, 3, 1, true, map);
                    let role = format!("convolution {i}");
                    convs.push(build.conv(Layer {
                        role: Some(role),
                        ..layer
                    })?);
                    (inputs, map) = (out, map.map(|[h, w]| [h / 2, w / 2]));
                }
                if let (Some([0, _] | [_, 0]), Some(sample)) = (map, sample) {
                    return Err(too_small(sample, channels.len()));
                }
                let flattened = map.map(|[h, w]| inputs.saturating_mul(h).saturating_mul(w));
                let layer = linear(
                    "hidden".into(),
                    flattened,
                    *hidden,
                    "the hidden layer".into(),
                );
                let hidden_layer = build.linear(layer)?;
                let output = linear(
                    "output".into(),
                    Some(*hidden),
                    *classes,
                    "the output layer".into(),
                );
                Layers::Cnn {
                    in_channels: *in_channels,
                    convs,
                    hidden: hidden_layer,
                    output: build.linear(output)?,
                }
            }
            Architecture::ResNet {
                channels,
                blocks,
                classes,
                in_channels,
            } => {
                let mut map = sample.map(|s| image(s, *in_channels)).transpose()?;
                let first = *channels.first().ok_or_else(|| {
                    ModelError::Weights("`resnet` needs at least one stage".into())
                })?;
                let stem = conv("stem".into(), *in_channels, first, 3, 1, false, map);
                let stem = build.conv(Layer {
                    role: Some("the stem convolution".into()),
                    ..stem
                })?;
                let stem_bn = build.batch_norm(batch_norm("stem_bn".into(), first))?;
                let mut residual = Vec::new();
                let mut inputs = first;
                for (s, &out) in channels.iter().enumerate() {
                    for b in 0..*blocks {
                        let stride = if s > 0 && b == 0 { 2 } else { 1 };
                        let name = format!("stages.{s}.{b}");
                        residual.push(basic_block(build, &name, inputs, out, stride, map)?);
                        (inputs, map) = (out, map.and_then(|map| conv_output(map, stride)));
                    }
                }
                let output = linear(
                    "output".into(),
                    Some(inputs),
                    *classes,
                    "the output layer".into(),
                );
                Layers::ResNet {
                    in_channels: *in_channels,
                    stem,
                    stem_bn,
                    blocks: residual,
                    output: build.linear(output)?,
                }
            }
        })
    }

    /// The architecture's layers in `state_dict` order, for samples of `sample` shape
    /// (`[features...]` for an `mlp`, `[channels, height, width]` or `[height, width]` with one
    /// channel for the convolutional ones; `None`: sizes that depend on it are unknown); an
    /// error when the samples do not fit it.
    pub fn layers(&self, sample: Option<&[usize]>) -> Result<Vec<Layer>, ModelError> {
        let mut list = List(Vec::new());
        self.build(sample, &mut list)?;
        Ok(list.0)
    }

    /// The FLOPs of one forward pass on one sample of shape `sample`: 2 × the
    /// multiply-accumulates of its convolution and linear layers, as [`crate::model::flops`]
    /// counts an ONNX graph's. `None` when the samples do not fit the architecture or the count
    /// overflows.
    pub fn flops(&self, sample: &[usize]) -> Option<u64> {
        self.layers(Some(sample))
            .ok()?
            .iter()
            .try_fold(0u64, |total, layer| total.checked_add(layer.macs()?))?
            .checked_mul(2)
    }
}

/// The basic block `name` from `inputs` to `out` channels, reading a map of size `map`.
fn basic_block<B: Build>(
    build: &mut B,
    name: &str,
    inputs: usize,
    out: usize,
    stride: usize,
    map: Option<[usize; 2]>,
) -> Result<BasicBlock<B::Conv, B::Norm>, ModelError> {
    let out_map = map.and_then(|map| conv_output(map, stride));
    let conv1 = build.conv(conv(
        format!("{name}.conv1"),
        inputs,
        out,
        3,
        stride,
        false,
        map,
    ))?;
    let bn1 = build.batch_norm(batch_norm(format!("{name}.bn1"), out))?;
    let conv2 = build.conv(conv(
        format!("{name}.conv2"),
        out,
        out,
        3,
        1,
        false,
        out_map,
    ))?;
    let bn2 = build.batch_norm(batch_norm(format!("{name}.bn2"), out))?;
    let downsample = match stride != 1 || inputs != out {
        true => {
            let projection = conv(
                format!("{name}.downsample.0"),
                inputs,
                out,
                1,
                stride,
                false,
                map,
            );
            let projection = build.conv(projection)?;
            Some((
                projection,
                build.batch_norm(batch_norm(format!("{name}.downsample.1"), out))?,
            ))
        }
        false => None,
    };
    Ok(BasicBlock {
        stride,
        conv1,
        bn1,
        conv2,
        bn2,
        downsample,
    })
}

/// A linear layer `name`, called `role` in diagnostics.
fn linear(name: String, inputs: Option<usize>, outputs: usize, role: String) -> Layer {
    Layer {
        name,
        kind: LayerKind::Linear { inputs, outputs },
        role: Some(role),
    }
}

/// A convolution `name` reading a map of size `map`.
fn conv(
    name: String,
    inputs: usize,
    outputs: usize,
    kernel: usize,
    stride: usize,
    bias: bool,
    map: Option<[usize; 2]>,
) -> Layer {
    Layer {
        name,
        kind: LayerKind::Conv {
            inputs,
            outputs,
            kernel,
            stride,
            bias,
            map: map.filter(|[h, w]| *h > 0 && *w > 0),
        },
        role: None,
    }
}

/// A batch normalization `name` of `channels` channels.
fn batch_norm(name: String, channels: usize) -> Layer {
    Layer {
        name,
        kind: LayerKind::BatchNorm { channels },
        role: None,
    }
}

/// The map a convolution of an odd kernel padded by half of it and of stride `stride` writes
/// from a non-empty `[height, width]` map.
fn conv_output([h, w]: [usize; 2], stride: usize) -> Option<[usize; 2]> {
    let side = |len: usize| Some(len.checked_sub(1)? / stride + 1);
    Some([side(h)?, side(w)?])
}

/// The `[height, width]` of image samples of `shape` with `channels` channels.
fn image(shape: &[usize], channels: usize) -> Result<[usize; 2], ModelError> {
    match *shape {
        [c, h, w] if c == channels => Ok([h, w]),
        [h, w] if channels == 1 => Ok([h, w]),
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

/// A [`Build`] that lists the layers.
struct List(Vec<Layer>);

impl Build for List {
    type Linear = ();
    type Conv = ();
    type Norm = ();

    fn linear(&mut self, layer: Layer) -> Result<(), ModelError> {
        self.0.push(layer);
        Ok(())
    }

    fn conv(&mut self, layer: Layer) -> Result<(), ModelError> {
        self.0.push(layer);
        Ok(())
    }

    fn batch_norm(&mut self, layer: Layer) -> Result<(), ModelError> {
        self.0.push(layer);
        Ok(())
    }
}
