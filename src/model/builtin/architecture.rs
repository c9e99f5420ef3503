//! A built-in architecture with its parameters, read once from the checked `arch` call, and what
//! the link step says about it before any weight is loaded.

use std::fmt;

use candle_core::Tensor;

use crate::model::layers;
use crate::model::relu::relu;
use crate::schema::Args;

/// The activation after each hidden layer of an `mlp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
}

impl Activation {
    pub(super) fn apply(self, x: &Tensor) -> candle_core::Result<Tensor> {
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

/// Why an `arch` call is not a built-in architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsError {
    /// The call names no architecture the engine builds.
    Unknown,
    /// The parameter lacks a value of its type (the checker guarantees one).
    Missing(&'static str),
}

impl Architecture {
    /// The architecture the call `name(args)` declares, its parameters read in schema order.
    pub fn from_args(name: &str, args: &dyn Args) -> Result<Architecture, ArgsError> {
        let uint = |param: &'static str| {
            args.int(param)
                .and_then(|v| usize::try_from(v).ok())
                .ok_or(ArgsError::Missing(param))
        };
        let uints = |param: &'static str| {
            args.ints(param)
                .and_then(|v| v.into_iter().map(|v| usize::try_from(v).ok()).collect())
                .ok_or(ArgsError::Missing(param))
        };
        Ok(match name {
            "mlp" => Architecture::Mlp {
                hidden: uints("hidden")?,
                classes: uint("classes")?,
                activation: match args.word("activation") {
                    Some("tanh") => Activation::Tanh,
                    Some("sigmoid") => Activation::Sigmoid,
                    _ => Activation::Relu,
                },
            },
            "cnn" => Architecture::Cnn {
                channels: uints("channels")?,
                hidden: uint("hidden")?,
                classes: uint("classes")?,
                in_channels: uint("in_channels")?,
            },
            "resnet" => Architecture::ResNet {
                channels: uints("channels")?,
                blocks: uint("blocks")?,
                classes: uint("classes")?,
                in_channels: uint("in_channels")?,
            },
            _ => return Err(ArgsError::Unknown),
        })
    }

    /// How many class scores the network outputs.
    pub fn classes(&self) -> usize {
        match self {
            Architecture::Mlp { classes, .. }
            | Architecture::Cnn { classes, .. }
            | Architecture::ResNet { classes, .. } => *classes,
        }
    }

    /// The shape of one sample as far as the architecture fixes it: `[?]` features for an
    /// `mlp` (as many as its first layer takes), `[in_channels, ?, ?]` images otherwise.
    pub fn input(&self) -> Vec<Option<usize>> {
        match self {
            Architecture::Mlp { .. } => vec![None],
            Architecture::Cnn { in_channels, .. } | Architecture::ResNet { in_channels, .. } => {
                vec![Some(*in_channels), None, None]
            }
        }
    }

    /// The names of the weights the link step checks, in a phrase for diagnostics.
    pub fn weight_names(&self) -> String {
        match self {
            Architecture::Mlp { hidden, .. } => match hidden.len() {
                0 => "`output.weight`".to_string(),
                n => format!("{} and `output.weight`", numbered("hidden", n)),
            },
            Architecture::Cnn { channels, .. } => format!(
                "{}, `hidden.weight` and `output.weight`",
                numbered("convs", channels.len())
            ),
            Architecture::ResNet { .. } => {
                "`stem.weight`, the stages, and `output.weight`".to_string()
            }
        }
    }
}

/// `` `convs.0.weight` … `convs.2.weight` `` for `n` numbered layers.
fn numbered(prefix: &str, n: usize) -> String {
    match n {
        0 | 1 => format!("`{prefix}.0.weight`"),
        n => format!("`{prefix}.0.weight` … `{prefix}.{}.weight`", n - 1),
    }
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
