//! Linking data sets: each source's files, read by header, to a sample count and shape.

use crate::check::{Dataset, Value};
use crate::data::header::{
    self, describe_image_folder, format_shape, list_image_classes, read_csv_header, read_idx,
    read_npy, read_safetensors, NpzArchive, SafetensorsHeader,
};
use crate::data::{ElementType, HeaderError, HeaderProblem};
use crate::syntax::Span;

use super::{missing_help, quoted_list, LinkError, LinkedDataset, Linker};

/// Samples or labels as a header describes them.
struct Array {
    dtype: ElementType,
    shape: Vec<u64>,
    /// The file the array is in, as shown to the reader.
    path: String,
    /// How messages name the array: "the samples `x`".
    name: String,
    /// How the help of a count mismatch names it: "`x.npy`".
    short: String,
}

impl Linker<'_> {
    /// Links one data set; `None` when a problem was reported.
    pub(super) fn dataset(&mut self, dataset: &Dataset) -> Option<LinkedDataset> {
        match dataset.source.schema.name {
            "npz" => self.npz(dataset),
            "npy" => self.npy(dataset),
            "idx" => self.idx(dataset),
            "csv" => self.csv(dataset),
            "images" => self.images(dataset),
            "safetensors" => self.safetensors_data(dataset),
            // The bundled samples ship with rbench: nothing to read before they load.
            _ => Some(LinkedDataset::default()),
        }
    }

    fn npz(&mut self, dataset: &Dataset) -> Option<LinkedDataset> {
        let call = &dataset.source;
        let path = call.path("path")?;
        let mut archive = match NpzArchive::open(path) {
            Ok(archive) => archive,
            Err(e) => return self.file_error(e, "the npz archive", "an npz archive", call.span),
        };
        let mut array = |linker: &mut Self, param: &str, role: &str| {
            let name = call.str(param)?;
            match archive.array(name) {
                Ok(header) => Some(Array {
                    dtype: header.dtype,
                    shape: header.shape,
                    path: linker.show(path),
                    name: format!("the {role} `{name}`"),
                    short: format!("`{name}`"),
                }),
                Err(e) => linker.file_error(e, "the npz archive", "an npz archive", call.span),
            }
        };
        let samples = array(self, "x", "samples");
        let labels = array(self, "y", "labels");
        self.arrays(dataset, samples?, labels?)
    }

    fn npy(&mut self, dataset: &Dataset) -> Option<LinkedDataset> {
        let call = &dataset.source;
        let array = |linker: &mut Self, param: &str, role: &str| {
            let path = call.path(param)?;
            match read_npy(path) {
                Ok(header) => Some(Array {
                    dtype: header.dtype,
                    shape: header.shape,
                    path: linker.show(path),
                    name: format!("the {role}"),
                    short: format!("`{}`", linker.show(path)),
                }),
                Err(e) => {
                    let what = format!("the {role} file");
                    linker.file_error(e, &what, "an npy file", call.span)
                }
            }
        };
        let samples = array(self, "x", "samples");
        let labels = array(self, "y", "labels");
        self.arrays(dataset, samples?, labels?)
    }

    fn idx(&mut self, dataset: &Dataset) -> Option<LinkedDataset> {
        let call = &dataset.source;
        let array = |linker: &mut Self, param: &str, role: &str| {
            let path = call.path(param)?;
            match read_idx(path) {
                Ok(header) => Some(Array {
                    dtype: header.dtype,
                    shape: header.dims,
                    path: linker.show(path),
                    name: format!("the {role}"),
                    short: format!("`{}`", linker.show(path)),
                }),
                Err(e) => {
                    let what = format!("the {role} file");
                    linker.file_error(e, &what, "an IDX file", call.span)
                }
            }
        };
        let images = array(self, "images", "images");
        let labels = array(self, "labels", "labels");
        let mut linked = self.arrays(dataset, images?, labels?)?;
        // IDX images are `[N, height, width]`: one channel.
        if let Some(shape) = linked.sample_shape.as_mut().filter(|s| s.len() == 2) {
            shape.insert(0, 1);
        }
        Some(linked)
    }

    fn safetensors_data(&mut self, dataset: &Dataset) -> Option<LinkedDataset> {
        let call = &dataset.source;
        let path = call.path("path")?;
        let header = match read_safetensors(path) {
            Ok(header) => header,
            Err(e) => {
                return self.file_error(e, "the safetensors file", "a safetensors file", call.span)
            }
        };
        let array = |linker: &mut Self, param: &str, role: &str| {
            let name = call.str(param)?;
            linker.tensor_array(&header, path, name, role, call.span)
        };
        let samples = array(self, "x", "samples");
        let labels = array(self, "y", "labels");
        self.arrays(dataset, samples?, labels?)
    }

    fn tensor_array(
        &mut self,
        header: &SafetensorsHeader,
        path: &std::path::Path,
        name: &str,
        role: &str,
        span: Span,
    ) -> Option<Array> {
        let error = |problem| HeaderError::new(path, problem);
        let expected = "a safetensors file";
        let tensor = match header.tensor(name) {
            Ok(tensor) => tensor,
            Err(problem) => return self.file_error(error(problem), "", expected, span),
        };
        let Some(dtype) = tensor.element_type() else {
            let problem = HeaderProblem::UnsupportedDType {
                array: Some(format!("tensor `{name}`")),
                found: tensor.dtype.clone(),
                help: "supported types are U8, I8, U16, I16, U32, I32, U64, I64, F16, BF16, F32 \
                       and F64"
                    .into(),
            };
            return self.file_error(error(problem), "", expected, span);
        };
        Some(Array {
            dtype,
            shape: tensor.shape.clone(),
            path: self.show(path),
            name: format!("the {role} `{name}`"),
            short: format!("tensor `{name}`"),
        })
    }

    /// Checks samples against labels: samples `[N, ...]`, integer labels `[N]`.
    fn arrays(
        &mut self,
        dataset: &Dataset,
        samples: Array,
        labels: Array,
    ) -> Option<LinkedDataset> {
        let span = dataset.source.span.into();
        let before = self.errors.len();
        if samples.shape.len() < 2 {
            self.errors.push(LinkError::UnexpectedShape {
                path: samples.path.clone(),
                array: samples.name.clone(),
                shape: format_shape(&samples.shape),
                expected: "`[N, ...]`, one sample per row,".into(),
                span,
                help: "for samples of one feature, reshape to `[N, 1]`".into(),
            });
        }
        if labels.shape.len() != 1 {
            self.errors.push(LinkError::UnexpectedShape {
                path: labels.path.clone(),
                array: labels.name.clone(),
                shape: format_shape(&labels.shape),
                expected: "`[N]`, one class index per sample,".into(),
                span,
                help: "flatten column labels with `y.reshape(-1)`; turn one-hot labels into \
                       indices with `y.argmax(1)`"
                    .into(),
            });
        }
        if !labels.dtype.is_integer() {
            self.errors.push(LinkError::LabelDType {
                path: labels.path.clone(),
                dtype: labels.dtype.to_string(),
                span,
            });
        }
        if let (Some(&n), Some(&m)) = (samples.shape.first(), labels.shape.first()) {
            if self.errors.len() == before && n != m {
                self.errors.push(LinkError::SampleCountMismatch {
                    dataset: dataset.name.clone(),
                    samples: n,
                    labels: m,
                    samples_from: samples.short,
                    labels_from: labels.short,
                    span,
                });
            }
        }
        (self.errors.len() == before).then(|| LinkedDataset {
            samples: samples.shape.first().copied(),
            sample_shape: Some(samples.shape[1..].to_vec()),
            sample_type: Some(samples.dtype),
        })
    }

    fn csv(&mut self, dataset: &Dataset) -> Option<LinkedDataset> {
        let call = &dataset.source;
        let path = call.path("path")?;
        let delimiter = call.str("delimiter").unwrap_or(",");
        let &[delimiter] = delimiter.as_bytes() else {
            self.errors.push(LinkError::BadArgument {
                message: format!("the delimiter `{delimiter}` is not one character"),
                span: call.span.into(),
                label: "`delimiter` is one ASCII character, as `;` or `\\t`".into(),
            });
            return None;
        };
        let columns = match read_csv_header(path, delimiter) {
            Ok(columns) => columns,
            Err(e) => return self.file_error(e, "the table", "a CSV file", call.span),
        };
        let before = self.errors.len();
        let require = |linker: &mut Self, column: &str| {
            if !columns.iter().any(|c| c == column) {
                linker.errors.push(LinkError::MissingEntry {
                    path: linker.show(path),
                    kind: "column".into(),
                    name: column.to_string(),
                    span: call.span.into(),
                    help: column_help(column, &columns, delimiter),
                });
            }
        };
        let label = call.str("label")?;
        require(self, label);
        let features: Vec<String> = match call.params.get("features") {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => columns.iter().filter(|c| *c != label).cloned().collect(),
        };
        for feature in &features {
            require(self, feature);
        }
        if features.iter().any(|f| f == label) {
            self.errors.push(LinkError::BadArgument {
                message: format!("the label column `{label}` is also listed as a feature"),
                span: call.span.into(),
                label: "the label is not a feature".into(),
            });
        } else if features.is_empty() {
            self.errors.push(LinkError::InvalidFile {
                path: self.show(path),
                problem: format!("the table has no feature columns besides `{label}`"),
                span: call.span.into(),
                expected: "feature columns and a label column".into(),
            });
        }
        (self.errors.len() == before).then(|| LinkedDataset {
            samples: None,
            sample_shape: Some(vec![features.len() as u64]),
            sample_type: None,
        })
    }

    fn images(&mut self, dataset: &Dataset) -> Option<LinkedDataset> {
        let call = &dataset.source;
        let path = call.path("path")?;
        let size = match call.uints("size").as_deref() {
            Some(&[height, width]) if height > 0 && width > 0 => [height, width],
            _ => {
                self.errors.push(LinkError::BadArgument {
                    message: "`size` must be `[height, width]`, two positive integers".into(),
                    span: call.span.into(),
                    label: "every image is resized to `size`".into(),
                });
                return None;
            }
        };
        let grayscale = matches!(call.params.get("grayscale"), Some(Value::Bool(true)));
        let classes = match list_image_classes(path) {
            Ok(classes) => classes,
            Err(e) => return self.file_error(e, "the image folder", "an image folder", call.span),
        };
        // Every image must be as reachable as the folder: a class folder or an image may be a
        // symbolic link out of the project.
        let confinement = &self.confinement;
        let mut images = classes.iter().flat_map(|class| &class.images);
        if let Some(outside) = images.find(|image| !confinement.permits(image)) {
            self.outside(outside, call.span);
            return None;
        }
        let folder = match describe_image_folder(path, classes) {
            Ok(folder) => folder,
            Err(e) => return self.file_error(e, "the image folder", "an image folder", call.span),
        };
        let before = self.errors.len();
        if folder.classes.len() != dataset.classes as usize {
            let names: Vec<String> = folder.classes.iter().map(|c| c.name.clone()).collect();
            self.errors.push(LinkError::ClassFolders {
                path: self.show(path),
                dataset: dataset.name.clone(),
                folders: folder.classes.len(),
                classes: dataset.classes,
                span: call.span.into(),
                help: format!(
                    "each sub-folder is a class, in name order: {}",
                    quoted_list(&names)
                ),
            });
        }
        if folder.images() == 0 {
            self.errors.push(LinkError::InvalidFile {
                path: self.show(path),
                problem: format!(
                    "the class folders hold no images ({} files)",
                    header::IMAGE_EXTENSIONS.join(", ")
                ),
                span: call.span.into(),
                expected: "an image folder".into(),
            });
        }
        let channels = if grayscale { 1 } else { 3 };
        (self.errors.len() == before).then(|| LinkedDataset {
            samples: Some(folder.images()),
            sample_shape: Some(vec![channels, size[0], size[1]]),
            sample_type: Some(ElementType::U8),
        })
    }
}

/// Help for a column the header row lacks: a header read as one column suggests the wrong
/// delimiter.
fn column_help(column: &str, columns: &[String], delimiter: u8) -> String {
    let likely = [b',', b';', b'\t', b'|']
        .into_iter()
        .filter(|&d| d != delimiter)
        .find(|&d| columns.len() == 1 && columns[0].as_bytes().contains(&d));
    match likely {
        Some(d) => format!(
            "the header row reads as one column, `{}`; is the delimiter `{}`?",
            columns[0],
            (d as char).escape_default()
        ),
        None => missing_help("column", column, columns),
    }
}
