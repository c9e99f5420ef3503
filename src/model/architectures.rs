//! Schemas of the built-in architectures a model's `arch` field may call, for safetensors
//! weights saved from PyTorch (`save_file(model.state_dict())`).

use crate::schema::{Bounds, Kind, Param, Schema, Type};

const fn arch(name: &'static str, summary: &'static str, params: &'static [Param]) -> Schema {
    Schema::new(name, Kind::Architecture, summary, params)
}

const CLASSES: Param = Param::required("classes", Type::Int, "number of output classes")
    .bounded(Bounds::at_least(2.0));
const INPUT_CHANNELS: Param = Param::with_default(
    "in_channels",
    Type::Int,
    "1",
    "channels of the input images",
)
.bounded(Bounds::at_least(1.0));

/// Every built-in architecture.
pub static SCHEMAS: &[Schema] = &[
    arch(
        "mlp",
        "fully connected layers with an activation between them",
        &[
            Param::required(
                "hidden",
                Type::List(&Type::Int),
                "widths of the hidden layers",
            ),
            CLASSES,
            Param::with_default(
                "activation",
                Type::Enum(&["relu", "tanh", "sigmoid"]),
                "relu",
                "activation after each hidden layer",
            ),
        ],
    ),
    arch(
        "cnn",
        "3×3 convolutions with ReLU and 2×2 max pooling, then a hidden fully connected layer",
        &[
            Param::required(
                "channels",
                Type::List(&Type::Int),
                "output channels of each convolution",
            ),
            CLASSES,
            INPUT_CHANNELS,
            Param::with_default(
                "hidden",
                Type::Int,
                "128",
                "width of the fully connected layer",
            )
            .bounded(Bounds::at_least(1.0)),
        ],
    ),
    arch(
        "resnet",
        "a small residual network: a stem, stages of basic blocks with BatchNorm, global pooling",
        &[
            Param::required(
                "channels",
                Type::List(&Type::Int),
                "channels of each stage (each stage after the first halves the resolution)",
            ),
            Param::with_default("blocks", Type::Int, "1", "basic blocks per stage")
                .bounded(Bounds::at_least(1.0)),
            CLASSES,
            INPUT_CHANNELS,
        ],
    ),
];
