//! Binding: the checked spec's declarations to the runtime's typed values — data sources,
//! networks, perturbations and metrics. Parameters the checker typed and bounded are read back by
//! each built-in's own binding ([`crate::registry`]); a built-in the engine does not run is an
//! error naming it.

use std::path::Path;
use std::sync::Arc;

use crate::check::{
    Call, Dataset, MetricCall, Model, ModelFormat, Perturbation, PerturbationId, Target, Value,
};
use crate::data::{self, BundledSample, Selection, Source, SourceSpec};
use crate::metric::{Evaluation, MetricBuiltin};
use crate::model::{Architecture, ArgsError, BuiltinModel, Network, OnnxModel};
use crate::perturb;
use crate::registry;

use super::ExecError;
use values::{not_implemented, parameter, strings, word};

mod values;

/// The source and selection a dataset declaration describes.
pub fn source_spec(dataset: &Dataset) -> Result<(SourceSpec, Selection), ExecError> {
    let call = &dataset.source;
    let missing = |param: &str| parameter(&dataset.name, format!("`{param}` is missing"));
    let path = |param: &str| {
        call.path(param)
            .map(Path::to_path_buf)
            .ok_or_else(|| missing(param))
    };
    let string = |param: &str| {
        call.str(param)
            .map(str::to_string)
            .ok_or_else(|| missing(param))
    };
    let spec = match call.schema.name {
        "npz" => SourceSpec::Npz {
            path: path("path")?,
            x: string("x")?,
            y: string("y")?,
        },
        "npy" => SourceSpec::Npy {
            x: path("x")?,
            y: path("y")?,
        },
        "idx" => SourceSpec::Idx {
            images: path("images")?,
            labels: path("labels")?,
        },
        "safetensors" => SourceSpec::Safetensors {
            path: path("path")?,
            x: string("x")?,
            y: string("y")?,
        },
        "csv" => SourceSpec::Csv {
            path: path("path")?,
            label: string("label")?,
            features: strings(&call.params, "features"),
            delimiter: match string("delimiter")?.as_bytes() {
                [byte] => *byte,
                _ => {
                    let problem = "the CSV `delimiter` must be a single one-byte character";
                    return Err(parameter(&dataset.name, problem.into()));
                }
            },
        },
        "images" => {
            let size = call.uints("size").unwrap_or_default();
            let [height, width] = size[..] else {
                let problem = "`size` must be `[height, width]`".to_string();
                return Err(parameter(&dataset.name, problem));
            };
            SourceSpec::Images {
                path: path("path")?,
                size: [height as usize, width as usize],
                grayscale: matches!(call.params.get("grayscale"), Some(Value::Bool(true))),
            }
        }
        "sample" => {
            let name = word(&call.params, "name").unwrap_or_default();
            let sample = BundledSample::from_name(name).ok_or_else(|| missing("name"))?;
            SourceSpec::Sample(sample)
        }
        other => return Err(not_implemented("data source", other)),
    };
    let selection = Selection {
        classes: dataset.classes,
        range: (dataset.range.0 as f32, dataset.range.1 as f32),
        limit: dataset.limit,
        offset: dataset.offset,
        shuffle_seed: dataset.shuffle,
    };
    Ok((spec, selection))
}

/// Opens a dataset's source (headers and indexes only).
pub fn open_dataset(dataset: &Dataset) -> Result<Box<dyn Source>, ExecError> {
    let (spec, selection) = source_spec(dataset)?;
    data::open(&spec, &selection).map_err(|source| ExecError::Data {
        dataset: dataset.name.clone(),
        source,
    })
}

/// Loads a model; a built-in architecture is built for samples of `sample_shape`.
pub fn load_model(model: &Model, sample_shape: &[usize]) -> Result<Box<dyn Network>, ExecError> {
    let error = |source| ExecError::Model {
        model: model.name.clone(),
        path: model.path().to_path_buf(),
        source,
    };
    Ok(match &model.format {
        ModelFormat::Onnx { path } => Box::new(OnnxModel::load(path).map_err(error)?),
        ModelFormat::Safetensors { path, arch } => {
            let architecture = architecture(&model.name, arch)?;
            Box::new(BuiltinModel::load(path, &architecture, sample_shape).map_err(error)?)
        }
    })
}

/// The built-in architecture an `arch` call declares.
fn architecture(model: &str, arch: &Call) -> Result<Architecture, ExecError> {
    let name = arch.schema.name;
    Architecture::from_args(name, &arch.params).map_err(|error| match error {
        ArgsError::Unknown => not_implemented("architecture", name),
        ArgsError::Missing(param) => parameter(model, format!("`{param}` of `{name}` is missing")),
    })
}

/// The runtime perturbation of member `member` of perturbation `id`, bound by its built-in; an
/// ensemble's parts are bound first, from the same `perturbations`. `feature_stats` gives the
/// statistics of the data set's features, asked for only by the built-ins they scale.
pub fn perturbation(
    perturbations: &[Perturbation],
    id: PerturbationId,
    member: usize,
    feature_stats: &dyn Fn() -> Result<Arc<perturb::FeatureStats>, ExecError>,
) -> Result<Box<dyn perturb::Perturbation>, ExecError> {
    let perturbation = &perturbations[id];
    let name = perturbation.schema.name;
    let builtin =
        registry::perturbation(name).ok_or_else(|| not_implemented("perturbation", name))?;
    let chosen = &perturbation.members[member];
    let mut parts = Vec::new();
    for part in &chosen.parts {
        if let Target::Members {
            perturbation: part,
            members,
        } = part
        {
            for &k in members {
                parts.push(self::perturbation(perturbations, *part, k, feature_stats)?);
            }
        }
    }
    let inputs = perturb::Inputs {
        feature_stats: match builtin.needs_feature_stats() {
            true => Some(feature_stats()?),
            false => None,
        },
        parts,
    };
    builtin
        .bind(&chosen.params, inputs)
        .map_err(|error| match error {
            perturb::BindError::Parameter(problem) => parameter(&perturbation.name, problem),
            perturb::BindError::Perturb(source) => ExecError::Perturb {
                perturbation: chosen.label.clone(),
                source,
            },
        })
}

/// The built-in a metric call names, and how its value is computed.
pub fn metric(call: &MetricCall) -> Result<(&'static dyn MetricBuiltin, Evaluation), ExecError> {
    let name = call.schema.name;
    let builtin = registry::metric(name).ok_or_else(|| not_implemented("metric", name))?;
    Ok((builtin, builtin.evaluation(&call.params)))
}
