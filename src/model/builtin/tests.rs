//! The loader, the link step's weight check and the FLOP count read one description: for each
//! architecture and a few sample shapes, the weights the loader reads are exactly the tensors
//! the description lists, with their shapes, and the network runs on them.

use std::collections::HashMap;

use candle_core::{Device, Tensor};

use super::{Activation, Architecture, BuiltinModel};
use crate::model::network::{ModelError, Network};

/// Each architecture with the sample shapes it is tried on.
fn cases() -> Vec<(Architecture, Vec<usize>)> {
    let mlp = |hidden: &[usize]| Architecture::Mlp {
        hidden: hidden.to_vec(),
        classes: 3,
        activation: Activation::Tanh,
    };
    let cnn = |channels: &[usize], in_channels| Architecture::Cnn {
        channels: channels.to_vec(),
        hidden: 4,
        classes: 3,
        in_channels,
    };
    let resnet = |channels: &[usize], blocks, in_channels| Architecture::ResNet {
        channels: channels.to_vec(),
        blocks,
        classes: 2,
        in_channels,
    };
    vec![
        (mlp(&[]), vec![6]),
        (mlp(&[5, 4]), vec![1, 2, 3]),
        (cnn(&[2], 1), vec![8, 8]),
        (cnn(&[2, 3], 3), vec![3, 9, 7]),
        (resnet(&[2], 1, 1), vec![1, 8, 8]),
        (resnet(&[2, 3], 2, 3), vec![3, 7, 9]),
    ]
}

/// A safetensors file of every tensor `architecture` lists for samples of `sample`, but `skip`.
fn weights_file(
    architecture: &Architecture,
    sample: &[usize],
    skip: Option<&str>,
) -> tempfile::NamedTempFile {
    let mut tensors = HashMap::new();
    let layers = architecture.layers(Some(sample)).expect("the samples fit");
    for weight in layers.iter().flat_map(|layer| layer.tensors()) {
        if Some(weight.name.as_str()) == skip {
            continue;
        }
        let shape: Vec<usize> = weight.shape.iter().map(|d| d.expect("known")).collect();
        // Ones keep a batch normalization's variance positive.
        let tensor = Tensor::ones(shape, candle_core::DType::F32, &Device::Cpu).expect("ones");
        tensors.insert(weight.name, tensor);
    }
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    candle_core::safetensors::save(&tensors, file.path()).expect("written");
    file
}

#[test]
fn the_loader_reads_exactly_the_described_tensors_and_runs_on_them() {
    for (architecture, sample) in cases() {
        let file = weights_file(&architecture, &sample, None);
        let model = BuiltinModel::load(file.path(), &architecture, &sample)
            .unwrap_or_else(|e| panic!("{architecture} on {sample:?}: {e}"));
        let values = vec![0.5; 2 * sample.iter().product::<usize>()];
        let logits = model.forward(&values, 2).expect("a forward pass");
        assert_eq!(logits.len(), 2 * architecture.classes(), "{architecture}");
        let layers = architecture.layers(Some(&sample)).expect("the samples fit");
        for weight in layers.iter().flat_map(|layer| layer.tensors()) {
            let file = weights_file(&architecture, &sample, Some(&weight.name));
            match BuiltinModel::load(file.path(), &architecture, &sample) {
                Err(ModelError::Weights(problem)) => assert!(
                    problem.starts_with(&format!("the weights lack `{}`", weight.name)),
                    "{problem}"
                ),
                other => panic!("{architecture} without `{}`: {other:?}", weight.name),
            }
        }
    }
}

#[test]
fn without_a_sample_shape_the_description_leaves_only_sample_sizes_unknown() {
    for (architecture, sample) in cases() {
        let known = architecture.layers(Some(&sample)).expect("the samples fit");
        let unknown = architecture.layers(None).expect("no samples to refuse");
        assert_eq!(known.len(), unknown.len(), "{architecture}");
        for (known, unknown) in known.iter().zip(&unknown) {
            assert_eq!((&known.name, &known.role), (&unknown.name, &unknown.role));
            let (known, unknown) = (known.tensors(), unknown.tensors());
            assert_eq!(known.len(), unknown.len(), "{architecture}");
            for (k, u) in known.iter().zip(&unknown) {
                let fits = k.name == u.name
                    && k.shape.len() == u.shape.len()
                    && (k.shape.iter().zip(&u.shape)).all(|(k, u)| u.is_none() || u == k);
                assert!(fits, "{architecture}: {k:?} and {u:?}");
            }
        }
    }
}

#[test]
fn the_description_counts_the_reference_flops() {
    // The figures of tests/flops.rs, computed by hand.
    let mlp = Architecture::Mlp {
        hidden: vec![256, 128],
        classes: 10,
        activation: Activation::Relu,
    };
    assert_eq!(mlp.flops(&[784]), Some(469_504));
    let cnn = Architecture::Cnn {
        channels: vec![32, 64],
        hidden: 128,
        classes: 10,
        in_channels: 1,
    };
    assert_eq!(cnn.flops(&[1, 28, 28]), Some(8_482_304));
    assert_eq!(cnn.flops(&[3, 28, 28]), None);
    let resnet = Architecture::ResNet {
        channels: vec![16, 32],
        blocks: 1,
        classes: 10,
        in_channels: 1,
    };
    assert_eq!(resnet.flops(&[28, 28]), Some(13_071_488));
}
