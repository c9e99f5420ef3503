//! Checking safetensors weights against the built-in architecture a model declares.
//!
//! Weights are read as PyTorch saves a module's `state_dict`, so the tensor names are those of
//! the module's attributes. rbench's built-in architectures name their layers as follows (weights
//! are `[out, in]` for linear layers and `[out, in, k, k]` for convolutions; linear layers and the
//! `cnn`'s convolutions also have a `.bias`, not checked here):
//!
//! | architecture | layers |
//! | --- | --- |
//! | `mlp(hidden: [h0, h1, ...], classes)` | `hidden.{i}` (linear, `[h_i, h_{i-1}]`, `h_{-1}` the input features), `output` (`[classes, h_last]`) |
//! | `cnn(channels: [c0, ...], hidden, classes, in_channels)` | `convs.{i}` (`[c_i, c_{i-1}, 3, 3]`, `c_{-1} = in_channels`, padding 1, each followed by ReLU and 2×2 max pooling), `hidden` (`[hidden, flattened]`), `output` (`[classes, hidden]`) |
//! | `resnet(channels: [c0, ...], blocks, classes, in_channels)` | `stem` (`[c0, in_channels, 3, 3]`, no bias) and `stem_bn` (batch norm); `stages.{s}.{b}` basic blocks (only stem and output are checked here); `output` (`[classes, c_last]`) |
//!
//! The `resnet` is: the stem, a 3×3 convolution (padding 1, no bias) with BatchNorm and ReLU;
//! one stage per entry of `channels`, each of `blocks` basic blocks (two 3×3 convolutions with
//! BatchNorm, ReLU after the first and after the sum with the shortcut); the first block of each
//! stage after the first has stride 2, and a block whose stride or channels change has a 1×1
//! projection shortcut (convolution of the same stride, with BatchNorm), the others an identity
//! shortcut; then global average pooling and the `output` layer.
//!
//! A `resnet` basic block `stages.{s}.{b}` has `conv1` (3×3, stride 2 for the first block of every
//! stage after the first), `bn1`, `conv2` (3×3), `bn2`, and, when the stride or the channels
//! change, `downsample.0` (1×1 convolution) and `downsample.1` (batch norm); its convolutions have
//! no bias; a batch norm has `weight`, `bias`, `running_mean` and `running_var`. The engine that
//! builds these architectures (`src/model/builtin/`) uses the same names;
//! `tests/reference/architectures.py` defines them as PyTorch modules.

use crate::check::Call;
use crate::data::header::{format_shape, SafetensorsHeader};

use super::{format_dims, quoted_list};

/// A weight tensor an architecture needs and the shape it calls for (`None`: any size).
struct Expected {
    name: String,
    shape: Vec<Option<u64>>,
    role: String,
}

/// What the weights and the declared architecture say about a model.
pub(super) struct ArchitectureFit {
    /// The shape of one input sample (batch dimension dropped).
    pub input: Vec<Option<u64>>,
    /// The number of class scores the model outputs.
    pub classes: u64,
    /// Every way the weights contradict the architecture.
    pub problems: Vec<String>,
    /// The naming convention, for the diagnostics' help.
    pub help: String,
}

/// Compares `weights` with the architecture `arch`; `None` when the call lacks a parameter the
/// checker guarantees.
pub(super) fn fit(arch: &Call, weights: &SafetensorsHeader) -> Option<ArchitectureFit> {
    let classes = arch.uint("classes")?;
    let (expected, mut input, convention) = match arch.schema.name {
        "mlp" => {
            let hidden = arch.uints("hidden")?;
            let mut expected = Vec::new();
            let mut previous = None;
            for (i, &width) in hidden.iter().enumerate() {
                expected.push(linear(
                    format!("hidden.{i}"),
                    width,
                    previous,
                    format!("hidden layer {i}"),
                ));
                previous = Some(width);
            }
            expected.push(linear(
                "output".into(),
                classes,
                previous,
                "the output layer".into(),
            ));
            let convention = match hidden.len() {
                0 => "`output.weight`".to_string(),
                n => format!("{} and `output.weight`", numbered("hidden", n)),
            };
            (expected, vec![None], convention)
        }
        "cnn" => {
            let channels = arch.uints("channels")?;
            let in_channels = arch.uint("in_channels")?;
            let hidden = arch.uint("hidden")?;
            let mut expected = Vec::new();
            let mut previous = in_channels;
            for (i, &out) in channels.iter().enumerate() {
                expected.push(conv(
                    format!("convs.{i}"),
                    out,
                    previous,
                    format!("convolution {i}"),
                ));
                previous = out;
            }
            expected.push(linear(
                "hidden".into(),
                hidden,
                None,
                "the hidden layer".into(),
            ));
            expected.push(linear(
                "output".into(),
                classes,
                Some(hidden),
                "the output layer".into(),
            ));
            let convention = format!(
                "{}, `hidden.weight` and `output.weight`",
                numbered("convs", channels.len())
            );
            (expected, vec![Some(in_channels), None, None], convention)
        }
        "resnet" => {
            let channels = arch.uints("channels")?;
            let in_channels = arch.uint("in_channels")?;
            let (&first, &last) = (channels.first()?, channels.last()?);
            let expected = vec![
                conv(
                    "stem".into(),
                    first,
                    in_channels,
                    "the stem convolution".into(),
                ),
                linear(
                    "output".into(),
                    classes,
                    Some(last),
                    "the output layer".into(),
                ),
            ];
            let convention = "`stem.weight`, the stages, and `output.weight`".to_string();
            (expected, vec![Some(in_channels), None, None], convention)
        }
        _ => return None,
    };
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for tensor in &expected {
        let Some(found) = weights.tensors.get(&tensor.name) else {
            missing.push(tensor.name.clone());
            continue;
        };
        let weight = &tensor.name;
        if !matches!(found.element_type(), Some(t) if !t.is_integer()) {
            problems.push(format!(
                "`{weight}` ({}) is {}; weights are floating point",
                tensor.role, found.dtype
            ));
        }
        if !fits(&found.shape, &tensor.shape) {
            problems.push(format!(
                "`{weight}` ({}) has shape {}; `{}` calls for {}",
                tensor.role,
                format_shape(&found.shape),
                arch.schema.name,
                format_dims(&tensor.shape)
            ));
        }
    }
    // An MLP takes as many features as its first layer has inputs.
    if arch.schema.name == "mlp" {
        input = vec![expected
            .first()
            .and_then(|first| weights.tensors.get(&first.name))
            .and_then(|t| t.shape.get(1).copied())];
    }
    let mut help = format!(
        "rbench reads PyTorch `state_dict` names; `{}` weights are {convention}",
        arch.schema.name
    );
    if !missing.is_empty() {
        problems.insert(0, format!("the weights lack {}", quoted_list(&missing)));
        let names: Vec<String> = weights.tensors.keys().cloned().collect();
        help.push_str(&format!("; the file has {}", quoted_list(&names)));
    }
    Some(ArchitectureFit {
        input,
        classes,
        problems,
        help,
    })
}

/// `` `convs.0.weight` … `convs.2.weight` `` for `n` numbered layers.
fn numbered(prefix: &str, n: usize) -> String {
    match n {
        0 | 1 => format!("`{prefix}.0.weight`"),
        n => format!("`{prefix}.0.weight` … `{prefix}.{}.weight`", n - 1),
    }
}

/// A linear layer `name` of `out` outputs and `inputs` inputs; weights `[out, in]`.
fn linear(name: String, out: u64, inputs: Option<u64>, role: String) -> Expected {
    Expected {
        name: format!("{name}.weight"),
        shape: vec![Some(out), inputs],
        role,
    }
}

/// A 3×3 convolution `name`; weights `[out, in, 3, 3]`.
fn conv(name: String, out: u64, inputs: u64, role: String) -> Expected {
    Expected {
        name: format!("{name}.weight"),
        shape: vec![Some(out), Some(inputs), Some(3), Some(3)],
        role,
    }
}

/// Whether `shape` has the dimensions `expected` calls for.
fn fits(shape: &[u64], expected: &[Option<u64>]) -> bool {
    shape.len() == expected.len()
        && shape
            .iter()
            .zip(expected)
            .all(|(s, e)| e.is_none() || *e == Some(*s))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::check::Value;
    use crate::data::header::TensorInfo;
    use crate::syntax::Span;

    fn call(name: &str, params: &[(&str, Value)]) -> Call {
        Call {
            schema: crate::registry::find(name).expect("a built-in architecture"),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            span: Span::default(),
        }
    }

    fn weights(tensors: &[(&str, &str, &[u64])]) -> SafetensorsHeader {
        let tensors: BTreeMap<String, TensorInfo> = tensors
            .iter()
            .map(|(name, dtype, shape)| {
                let info = TensorInfo {
                    dtype: dtype.to_string(),
                    shape: shape.to_vec(),
                    data: 0..0,
                };
                (name.to_string(), info)
            })
            .collect();
        SafetensorsHeader {
            tensors,
            data_offset: 0,
        }
    }

    fn ints(values: &[i64]) -> Value {
        Value::List(values.iter().map(|&v| Value::Int(v)).collect())
    }

    fn cnn() -> Call {
        call(
            "cnn",
            &[
                ("channels", ints(&[8, 16])),
                ("classes", Value::Int(10)),
                ("in_channels", Value::Int(3)),
                ("hidden", Value::Int(32)),
            ],
        )
    }

    #[test]
    fn a_cnn_with_the_documented_names_fits() {
        let fit = super::fit(
            &cnn(),
            &weights(&[
                ("convs.0.weight", "F32", &[8, 3, 3, 3]),
                ("convs.1.weight", "F32", &[16, 8, 3, 3]),
                ("hidden.weight", "F32", &[32, 1024]),
                ("output.weight", "F32", &[10, 32]),
            ]),
        )
        .expect("a known architecture");
        assert_eq!(fit.problems, Vec::<String>::new());
        assert_eq!(fit.input, [Some(3), None, None]);
        assert_eq!(fit.classes, 10);
    }

    #[test]
    fn missing_tensors_wrong_shapes_and_integer_weights_are_reported() {
        let fit = super::fit(
            &cnn(),
            &weights(&[
                ("convs.0.weight", "I64", &[8, 1, 3, 3]),
                ("fc.weight", "F32", &[10, 32]),
            ]),
        )
        .expect("a known architecture");
        assert_eq!(
            fit.problems,
            [
                "the weights lack `convs.1.weight`, `hidden.weight` and `output.weight`",
                "`convs.0.weight` (convolution 0) is I64; weights are floating point",
                "`convs.0.weight` (convolution 0) has shape [8, 1, 3, 3]; `cnn` calls for \
                 [8, 3, 3, 3]",
            ]
        );
        assert!(fit
            .help
            .ends_with("the file has `convs.0.weight` and `fc.weight`"));
    }

    #[test]
    fn an_mlp_takes_as_many_features_as_its_first_layer_and_a_resnet_checks_stem_and_output() {
        let mlp = call("mlp", &[("hidden", ints(&[4])), ("classes", Value::Int(2))]);
        let fit = super::fit(
            &mlp,
            &weights(&[
                ("hidden.0.weight", "F32", &[4, 30]),
                ("output.weight", "F16", &[2, 4]),
            ]),
        )
        .expect("a known architecture");
        assert_eq!((fit.input, fit.problems.len()), (vec![Some(30)], 0));
        let resnet = call(
            "resnet",
            &[
                ("channels", ints(&[16, 32])),
                ("classes", Value::Int(10)),
                ("in_channels", Value::Int(1)),
                ("blocks", Value::Int(1)),
            ],
        );
        let fit = super::fit(
            &resnet,
            &weights(&[
                ("stem.weight", "F32", &[16, 1, 3, 3]),
                ("output.weight", "F32", &[10, 16]),
            ]),
        )
        .expect("a known architecture");
        assert_eq!(
            fit.problems,
            ["`output.weight` (the output layer) has shape [10, 16]; `resnet` calls for [10, 32]"]
        );
    }
}
