//! Trains the example models of `examples/digits.rbench`, `examples/breast_cancer.rbench` and
//! `examples/fashion_mnist.rbench` (when Debian's `dataset-fashion-mnist` is installed) on
//! the bundled training splits, writes them to `examples/models/`, then loads each file back with
//! rbench's own loaders and prints its accuracy on the bundled test split.
//!
//! `cargo run --release --example train`
//!
//! Deterministic: weights start from a seeded ChaCha8 stream (PyTorch's default uniform bounds),
//! mini-batches are drawn from another, and training runs on the CPU, so two runs write the same
//! bytes. `examples/models/README.md` records the settings and the accuracies.

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use prost::Message;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rbench::data::{self, Selection, SourceSpec};
use rbench::model::onnx::proto::tensor_shape_proto::{dimension, Dimension};
use rbench::model::onnx::proto::{
    data_type, type_proto, AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto,
    TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use rbench::model::{Architecture, BuiltinModel, Network, OnnxModel};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The seed of every random draw (initial weights, mini-batch order).
const SEED: u64 = 7;

/// Passes over the 60,000 Fashion-MNIST training images for the CNN.
const FASHION_CNN_EPOCHS: usize = 2;

/// Samples per forward pass when measuring test accuracy.
const REPORT_BATCH: usize = 500;

/// Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST (IDX, gzipped).
const FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";

fn main() -> Result<()> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let models = examples.join("models");
    std::fs::create_dir_all(&models)?;
    let digits_train = read(&examples, Dataset::Digits, "train")?;
    let digits_test = read(&examples, Dataset::Digits, "test")?;
    let cancer_train = read(&examples, Dataset::BreastCancer, "train")?;
    let cancer_test = read(&examples, Dataset::BreastCancer, "test")?;
    let started = Instant::now();

    let path = models.join("digits_mlp.onnx");
    timed("digits_mlp", || digits_mlp(&digits_train, &path))?;
    report(&path, &OnnxModel::load(&path)?, &digits_test)?;

    let path = models.join("digits_cnn.safetensors");
    let shape = CnnShape {
        channels: [16, 32],
        hidden: 128,
        classes: 10,
    };
    let schedule = Schedule {
        epochs: 30,
        batch: 32,
        learning_rate: 2e-3,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    timed("digits_cnn", || {
        cnn(&digits_train, &path, &shape, &schedule, &mut rng)
    })?;
    let cnn_model = BuiltinModel::load(&path, &shape.architecture(1), &digits_test.shape)?;
    report(&path, &cnn_model, &digits_test)?;

    let path = models.join("breast_cancer_mlp.onnx");
    timed("breast_cancer_mlp", || {
        breast_cancer_mlp(&cancer_train, &path)
    })?;
    report(&path, &OnnxModel::load(&path)?, &cancer_test)?;

    if Path::new(FASHION_MNIST).is_dir() {
        let train = read(&examples, Dataset::FashionMnist, "train")?;
        let test = read(&examples, Dataset::FashionMnist, "t10k")?;

        let path = models.join("fashion_mlp.onnx");
        timed("fashion_mlp", || fashion_mlp(&train, &path))?;
        report(&path, &OnnxModel::load(&path)?, &test)?;

        let path = models.join("fashion_cnn.safetensors");
        let shape = CnnShape {
            channels: [32, 64],
            hidden: 128,
            classes: 10,
        };
        let schedule = Schedule {
            epochs: FASHION_CNN_EPOCHS,
            batch: 64,
            learning_rate: 1e-3,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(SEED);
        timed("fashion_cnn", || {
            cnn(&train, &path, &shape, &schedule, &mut rng)
        })?;
        let cnn_model = BuiltinModel::load(&path, &shape.architecture(1), &test.shape)?;
        report(&path, &cnn_model, &test)?;
    } else {
        println!("{FASHION_MNIST} not found (apt-get install dataset-fashion-mnist): Fashion-MNIST models not trained");
    }

    println!("trained in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn timed(name: &str, train: impl FnOnce() -> Result<()>) -> Result<()> {
    let started = Instant::now();
    train()?;
    println!(
        "{name}: trained in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Prints the accuracy of `network`, loaded from `path`, on `test`.
fn report(path: &Path, network: &dyn Network, test: &Split) -> Result<()> {
    let size = test.sample_size();
    let mut correct = 0;
    for (x, y) in test
        .x
        .chunks(REPORT_BATCH * size)
        .zip(test.y.chunks(REPORT_BATCH))
    {
        let logits = network.forward(x, y.len())?;
        correct += predictions(&logits, network.classes())
            .zip(y)
            .filter(|(p, y)| p == *y)
            .count();
    }
    println!(
        "{}: test accuracy {correct}/{} = {:.2}%",
        path.display(),
        test.len(),
        100.0 * correct as f64 / test.len() as f64
    );
    Ok(())
}

/// The class of the largest logit of each row.
fn predictions(logits: &[f32], classes: usize) -> impl Iterator<Item = u32> + '_ {
    logits.chunks(classes).map(|row| {
        (0..row.len()).fold(0, |best, i| if row[i] > row[best] { i } else { best }) as u32
    })
}

// ---------------------------------------------------------------------------------------------
// Data

#[derive(Clone, Copy)]
enum Dataset {
    Digits,
    BreastCancer,
    FashionMnist,
}

/// A whole split in memory: samples row-major, labels, and the shape of one sample.
struct Split {
    x: Vec<f32>,
    y: Vec<u32>,
    shape: Vec<usize>,
}

impl Split {
    fn len(&self) -> usize {
        self.y.len()
    }

    fn sample_size(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Reads the bundled `split` (`train` or `test`) of `dataset` with rbench's data sources.
fn read(examples: &Path, dataset: Dataset, split: &str) -> Result<Split> {
    let data = examples.join("data");
    let (spec, selection) = match dataset {
        Dataset::Digits => (
            SourceSpec::Npz {
                path: data.join(format!("digits_{split}.npz")),
                x: "x".into(),
                y: "y".into(),
            },
            Selection::all(10, (0.0, 1.0)),
        ),
        Dataset::BreastCancer => (
            SourceSpec::Csv {
                path: data.join(format!("breast_cancer_{split}.csv")),
                label: "target".into(),
                features: None,
                delimiter: b',',
            },
            Selection::all(2, (0.0, 4300.0)),
        ),
        Dataset::FashionMnist => (
            SourceSpec::Idx {
                images: Path::new(FASHION_MNIST).join(format!("{split}-images-idx3-ubyte.gz")),
                labels: Path::new(FASHION_MNIST).join(format!("{split}-labels-idx1-ubyte.gz")),
            },
            Selection::all(10, (0.0, 1.0)),
        ),
    };
    let source = data::open(&spec, &selection)?;
    let batch = source.batch(0..source.len())?;
    Ok(Split {
        shape: batch.sample_shape.clone(),
        x: batch.inputs,
        y: batch.labels,
    })
}

// ---------------------------------------------------------------------------------------------
// Layers and training

/// A fully connected layer, PyTorch's `nn.Linear`: `weight` is `[out, in]`.
struct Linear {
    weight: Var,
    bias: Var,
}

/// A 3×3 convolution padded by 1, PyTorch's `nn.Conv2d(in, out, 3, padding=1)`.
struct Conv {
    weight: Var,
    bias: Var,
}

/// Draws weights uniformly in ±1/√fan_in, PyTorch's default bound for `Linear` and `Conv2d`.
fn uniform(rng: &mut ChaCha8Rng, dims: &[usize], fan_in: usize) -> Result<Var> {
    let bound = 1.0 / (fan_in as f32).sqrt();
    let count = dims.iter().product();
    let values: Vec<f32> = (0..count)
        .map(|_| rng.random_range(-bound..bound))
        .collect();
    Ok(Var::from_vec(values, dims, &Device::Cpu)?)
}

impl Linear {
    fn new(rng: &mut ChaCha8Rng, inputs: usize, outputs: usize) -> Result<Self> {
        Ok(Linear {
            weight: uniform(rng, &[outputs, inputs], inputs)?,
            bias: uniform(rng, &[outputs], inputs)?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }

    fn vars(&self) -> [Var; 2] {
        [self.weight.clone(), self.bias.clone()]
    }
}

impl Conv {
    fn new(rng: &mut ChaCha8Rng, inputs: usize, outputs: usize) -> Result<Self> {
        Ok(Conv {
            weight: uniform(rng, &[outputs, inputs, 3, 3], inputs * 9)?,
            bias: uniform(rng, &[outputs], inputs * 9)?,
        })
    }

    /// The convolution, ReLU, then 2×2 max pooling. Pooling takes the maximum over reshaped
    /// windows: candle 0.11's `max_pool2d` scales its gradient by 1/4.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let channels = self.bias.dim(0)?;
        let y = x
            .conv2d(&self.weight, 1, 1, 1, 1)?
            .broadcast_add(&self.bias.reshape((1, channels, 1, 1))?)?
            .relu()?;
        let (n, c, h, w) = y.dims4()?;
        y.reshape((n, c, h / 2, 2, w / 2, 2))?.max(5)?.max(3)
    }

    fn vars(&self) -> [Var; 2] {
        [self.weight.clone(), self.bias.clone()]
    }
}

/// How a model is trained: AdamW on mini-batches of cross-entropy.
struct Schedule {
    epochs: usize,
    batch: usize,
    learning_rate: f64,
}

/// Trains `logits_of` (whose parameters are `vars`) on `x` (`len × sample`) and `y`; the order
/// of each epoch is a ChaCha8 shuffle of the samples.
fn fit(
    logits_of: impl Fn(&Tensor) -> candle_core::Result<Tensor>,
    vars: Vec<Var>,
    split: &Split,
    x: &[f32],
    schedule: &Schedule,
    rng: &mut ChaCha8Rng,
) -> Result<()> {
    let mut optimizer = AdamW::new(
        vars,
        ParamsAdamW {
            lr: schedule.learning_rate,
            ..ParamsAdamW::default()
        },
    )?;
    let size = split.sample_size();
    let mut order: Vec<usize> = (0..split.len()).collect();
    for _ in 0..schedule.epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        for chunk in order.chunks(schedule.batch) {
            let inputs: Vec<f32> = chunk
                .iter()
                .flat_map(|&i| &x[i * size..(i + 1) * size])
                .copied()
                .collect();
            let labels: Vec<u32> = chunk.iter().map(|&i| split.y[i]).collect();
            let shape = [&[chunk.len()][..], &split.shape].concat();
            let inputs = Tensor::from_vec(inputs, shape, &Device::Cpu)?;
            let labels = Tensor::from_vec(labels, chunk.len(), &Device::Cpu)?;
            let loss = candle_nn::loss::cross_entropy(&logits_of(&inputs)?, &labels)?;
            optimizer.backward_step(&loss)?;
        }
    }
    Ok(())
}

fn values(var: &Var) -> Result<Vec<f32>> {
    Ok(var.as_tensor().flatten_all()?.to_vec1()?)
}

// ---------------------------------------------------------------------------------------------
// The three models

/// A 64-64-10 MLP on the flattened digits, written as ONNX.
fn digits_mlp(train: &Split, path: &Path) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let hidden = Linear::new(&mut rng, 64, 64)?;
    let output = Linear::new(&mut rng, 64, 10)?;
    let vars = [hidden.vars(), output.vars()].concat();
    let logits_of = |x: &Tensor| output.forward(&hidden.forward(&x.flatten_from(1)?)?.relu()?);
    let schedule = Schedule {
        epochs: 60,
        batch: 32,
        learning_rate: 3e-3,
    };
    fit(logits_of, vars, train, &train.x, &schedule, &mut rng)?;
    let graph = Graph {
        input: ("x", vec![1, 8, 8]),
        nodes: [node("Flatten", &["x"], "flat", vec![int("axis", 1)])]
            .into_iter()
            .chain(mlp_layers("flat", &["hidden", "output"]))
            .collect(),
        initializers: linear_initializers("hidden", &hidden)?
            .into_iter()
            .chain(linear_initializers("output", &output)?)
            .collect(),
        output: ("logits", 10),
    };
    write(path, &graph.model().encode_to_vec())
}

/// The shape of a built-in `cnn`: its convolutions' channels and its hidden layer's width.
struct CnnShape {
    channels: [usize; 2],
    hidden: usize,
    classes: usize,
}

impl CnnShape {
    fn architecture(&self, in_channels: usize) -> Architecture {
        Architecture::Cnn {
            channels: self.channels.to_vec(),
            hidden: self.hidden,
            classes: self.classes,
            in_channels,
        }
    }
}

/// A built-in `cnn` of `shape` on `train` (samples `[1, h, w]`), written as safetensors with the
/// names and shapes of its PyTorch `state_dict`.
fn cnn(
    train: &Split,
    path: &Path,
    shape: &CnnShape,
    schedule: &Schedule,
    rng: &mut ChaCha8Rng,
) -> Result<()> {
    let [c1, c2] = shape.channels;
    let convs = [Conv::new(rng, 1, c1)?, Conv::new(rng, c1, c2)?];
    // Two poolings halve each side twice.
    let features = c2 * (train.shape[1] / 4) * (train.shape[2] / 4);
    let hidden = Linear::new(rng, features, shape.hidden)?;
    let output = Linear::new(rng, shape.hidden, shape.classes)?;
    let vars = convs
        .iter()
        .flat_map(Conv::vars)
        .chain(hidden.vars())
        .chain(output.vars())
        .collect();
    let logits_of = |x: &Tensor| {
        let features = convs[1].forward(&convs[0].forward(x)?)?.flatten_from(1)?;
        output.forward(&hidden.forward(&features)?.relu()?)
    };
    fit(logits_of, vars, train, &train.x, schedule, rng)?;
    let mut tensors = Vec::new();
    for (i, conv) in convs.iter().enumerate() {
        tensors.push((format!("convs.{i}.weight"), conv.weight.clone()));
        tensors.push((format!("convs.{i}.bias"), conv.bias.clone()));
    }
    for (name, layer) in [("hidden", &hidden), ("output", &output)] {
        tensors.push((format!("{name}.weight"), layer.weight.clone()));
        tensors.push((format!("{name}.bias"), layer.bias.clone()));
    }
    let data = tensors
        .iter()
        .map(|(name, var)| {
            let bytes: Vec<u8> = values(var)?.iter().flat_map(|v| v.to_le_bytes()).collect();
            Ok((name.clone(), var.dims().to_vec(), bytes))
        })
        .collect::<Result<Vec<_>>>()?;
    let views = data
        .iter()
        .map(|(name, dims, bytes)| {
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, dims.clone(), bytes)?;
            Ok((name.clone(), view))
        })
        .collect::<Result<HashMap<_, _>>>()?;
    safetensors::serialize_to_file(views, None, path)?;
    Ok(())
}

/// An MLP 784-256-128-10 on the flattened Fashion-MNIST images, written as ONNX.
fn fashion_mlp(train: &Split, path: &Path) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let layers = [
        Linear::new(&mut rng, 784, 256)?,
        Linear::new(&mut rng, 256, 128)?,
        Linear::new(&mut rng, 128, 10)?,
    ];
    let vars = layers.iter().flat_map(Linear::vars).collect();
    let logits_of = |x: &Tensor| {
        let hidden = layers[0].forward(&x.flatten_from(1)?)?.relu()?;
        layers[2].forward(&layers[1].forward(&hidden)?.relu()?)
    };
    let schedule = Schedule {
        epochs: 10,
        batch: 64,
        learning_rate: 1e-3,
    };
    fit(logits_of, vars, train, &train.x, &schedule, &mut rng)?;
    let names = ["hidden1", "hidden2", "output"];
    let mut initializers = Vec::new();
    for (name, layer) in names.iter().zip(&layers) {
        initializers.extend(linear_initializers(name, layer)?);
    }
    let graph = Graph {
        input: ("x", vec![1, 28, 28]),
        nodes: [node("Flatten", &["x"], "flat", vec![int("axis", 1)])]
            .into_iter()
            .chain(mlp_layers("flat", &names))
            .collect(),
        initializers,
        output: ("logits", 10),
    };
    write(path, &graph.model().encode_to_vec())
}

/// A 30-32-2 MLP on the breast cancer measurements, written as ONNX. The graph standardises
/// its raw inputs (`Sub` the training means, `Div` by the training standard deviations).
fn breast_cancer_mlp(train: &Split, path: &Path) -> Result<()> {
    let features = train.sample_size();
    let rows = || train.x.chunks(features);
    let mean: Vec<f32> = (0..features)
        .map(|j| rows().map(|r| f64::from(r[j])).sum::<f64>() / train.len() as f64)
        .map(|m| m as f32)
        .collect();
    let std: Vec<f32> = (0..features)
        .map(|j| {
            let m = f64::from(mean[j]);
            let variance =
                rows().map(|r| (f64::from(r[j]) - m).powi(2)).sum::<f64>() / train.len() as f64;
            (variance.sqrt() as f32).max(1e-6)
        })
        .collect();
    let standardised: Vec<f32> = rows()
        .flat_map(|r| (0..features).map(|j| (r[j] - mean[j]) / std[j]))
        .collect();

    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let hidden = Linear::new(&mut rng, features, 32)?;
    let output = Linear::new(&mut rng, 32, 2)?;
    let vars = [hidden.vars(), output.vars()].concat();
    let logits_of = |x: &Tensor| output.forward(&hidden.forward(x)?.relu()?);
    let schedule = Schedule {
        epochs: 100,
        batch: 32,
        learning_rate: 1e-3,
    };
    fit(logits_of, vars, train, &standardised, &schedule, &mut rng)?;
    let graph = Graph {
        input: ("x", vec![features]),
        nodes: [
            node("Sub", &["x", "mean"], "centred", vec![]),
            node("Div", &["centred", "std"], "standardised", vec![]),
        ]
        .into_iter()
        .chain(mlp_layers("standardised", &["hidden", "output"]))
        .collect(),
        initializers: [
            initializer("mean", &[features], &mean),
            initializer("std", &[features], &std),
        ]
        .into_iter()
        .chain(linear_initializers("hidden", &hidden)?)
        .chain(linear_initializers("output", &output)?)
        .collect(),
        output: ("logits", 2),
    };
    write(path, &graph.model().encode_to_vec())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", PathBuf::from(path).display()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ONNX

/// An ONNX graph of one float input `[batch, ...]` and one output `[batch, classes]`.
struct Graph {
    input: (&'static str, Vec<usize>),
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    output: (&'static str, usize),
}

impl Graph {
    /// The model file: IR version 8, opset 13.
    fn model(self) -> ModelProto {
        ModelProto {
            ir_version: Some(8),
            producer_name: Some("rbench examples/train.rs".into()),
            producer_version: None,
            opset_import: vec![OperatorSetIdProto {
                domain: Some(String::new()),
                version: Some(13),
            }],
            graph: Some(GraphProto {
                node: self.nodes,
                name: Some("main".into()),
                initializer: self.initializers,
                input: vec![value(self.input.0, &self.input.1)],
                output: vec![value(self.output.0, &[self.output.1])],
                value_info: Vec::new(),
            }),
        }
    }
}

/// The linear layers of an exported MLP reading `input`: a `Gemm` per layer (`{name}.weight`,
/// `{name}.bias`), a `Relu` between two layers, the last one writing `logits`.
fn mlp_layers(input: &str, layers: &[&str]) -> Vec<NodeProto> {
    let mut nodes = Vec::new();
    let mut from = input.to_string();
    for (i, name) in layers.iter().enumerate() {
        let last = i + 1 == layers.len();
        let output = if last { "logits" } else { name };
        let (weight, bias) = (format!("{name}.weight"), format!("{name}.bias"));
        nodes.push(node(
            "Gemm",
            &[&from, &weight, &bias],
            output,
            vec![int("transB", 1)],
        ));
        if !last {
            from = format!("{name}_relu");
            nodes.push(node("Relu", &[name], &from, vec![]));
        }
    }
    nodes
}

fn node(op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        name: Some(output.into()),
        op_type: Some(op.into()),
        attribute,
        domain: None,
    }
}

/// An integer attribute.
fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        i: Some(value),
        r#type: Some(2),
        ..AttributeProto::default()
    }
}

/// An `f32` initializer, its elements as little-endian `raw_data`.
fn initializer(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(data_type::FLOAT),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..TensorProto::default()
    }
}

/// `{name}.weight` (`[out, in]`, read with `transB = 1`) and `{name}.bias`.
fn linear_initializers(name: &str, layer: &Linear) -> Result<[TensorProto; 2]> {
    Ok([
        initializer(
            &format!("{name}.weight"),
            layer.weight.dims(),
            &values(&layer.weight)?,
        ),
        initializer(
            &format!("{name}.bias"),
            layer.bias.dims(),
            &values(&layer.bias)?,
        ),
    ])
}

/// A float tensor value `[batch, dims...]`.
fn value(name: &str, dims: &[usize]) -> ValueInfoProto {
    let batch = Dimension {
        value: Some(dimension::Value::DimParam("batch".into())),
    };
    let dims = dims.iter().map(|&d| Dimension {
        value: Some(dimension::Value::DimValue(d as i64)),
    });
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(data_type::FLOAT),
                shape: Some(TensorShapeProto {
                    dim: std::iter::once(batch).chain(dims).collect(),
                }),
            })),
        }),
    }
}
