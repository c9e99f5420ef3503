//! Checking safetensors weights against the built-in architecture a model declares.
//!
//! Weights are read as PyTorch saves a module's `state_dict`. The names and shapes come from
//! the architecture's description ([`Architecture::layers`], which also drives loading and the
//! FLOP count; `src/model/builtin/description.rs` lists the names). Before the samples are
//! known, only the `weight` of each layer the description gives a role is checked (the layers
//! of an `mlp` and a `cnn`, a `resnet`'s stem and output); sizes that depend on the samples
//! (an `mlp`'s first layer's inputs, a `cnn`'s flattened map) fit any size. Loading checks
//! every tensor.

use crate::check::Call;
use crate::data::header::{format_dims, format_shape, SafetensorsHeader};
use crate::model::Architecture;

use super::quoted_list;

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
/// checker guarantees or declares no architecture the engine builds.
pub(super) fn fit(arch: &Call, weights: &SafetensorsHeader) -> Option<ArchitectureFit> {
    let architecture = Architecture::from_args(arch.schema.name, &arch.params).ok()?;
    let to_u64 = |d: Option<usize>| d.map(|d| d as u64);
    let expected: Vec<(String, Vec<Option<u64>>, String)> = architecture
        .layers(None)
        .ok()?
        .into_iter()
        .filter_map(|layer| {
            let weight = layer.tensor("weight");
            let shape = weight.shape.into_iter().map(to_u64).collect();
            Some((weight.name, shape, layer.role?))
        })
        .collect();
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for (weight, shape, role) in &expected {
        let Some(found) = weights.tensors.get(weight) else {
            missing.push(weight.clone());
            continue;
        };
        if !matches!(found.element_type(), Some(t) if !t.is_integer()) {
            problems.push(format!(
                "`{weight}` ({role}) is {}; weights are floating point",
                found.dtype
            ));
        }
        if !fits(&found.shape, shape) {
            problems.push(format!(
                "`{weight}` ({role}) has shape {}; `{}` calls for {}",
                format_shape(&found.shape),
                arch.schema.name,
                format_dims(shape)
            ));
        }
    }
    let mut input: Vec<Option<u64>> = architecture.input().into_iter().map(to_u64).collect();
    // An architecture of flat samples takes as many features as its first layer has inputs.
    if input == [None] {
        input = vec![expected
            .first()
            .and_then(|(first, _, _)| weights.tensors.get(first))
            .and_then(|t| t.shape.get(1).copied())];
    }
    let mut help = format!(
        "rbench reads PyTorch `state_dict` names; `{}` weights are {}",
        arch.schema.name,
        architecture.weight_names()
    );
    if !missing.is_empty() {
        problems.insert(0, format!("the weights lack {}", quoted_list(&missing)));
        let names: Vec<String> = weights.tensors.keys().cloned().collect();
        help.push_str(&format!("; the file has {}", quoted_list(&names)));
    }
    Some(ArchitectureFit {
        input,
        classes: architecture.classes() as u64,
        problems,
        help,
    })
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
