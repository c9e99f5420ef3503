//! Array formats: npy, npz, IDX and safetensors. Each gives a samples array `[N, ...]` and a
//! labels array `[N]` whose rows lie at fixed offsets, read a batch at a time.

use std::io::{self, BufReader, Cursor, Read, Seek};
use std::ops::Range;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use super::decode::{decode_integers, decode_values, ByteOrder};
use super::error::DataError;
use super::header::{
    self, format_shape, npz_member_name, read_idx, read_npy, read_safetensors, ElementType,
    HeaderError, HeaderProblem, NpzArchive,
};
use super::selected::Rows;
use super::store::{hash_contents, ByteStore, Content};

/// One array: where its rows lie, and what its header says.
#[derive(Debug)]
pub(crate) struct Array {
    store: ByteStore,
    /// Where row 0 starts in the store.
    start: u64,
    dtype: ElementType,
    order: ByteOrder,
    shape: Vec<u64>,
    fortran_order: bool,
    /// The file, for messages.
    path: PathBuf,
    /// The member or tensor, when the file holds several: "member `x.npy`".
    name: Option<String>,
}

impl Array {
    /// The bytes of rows `rows`.
    fn bytes(&self, rows: Range<u64>) -> Result<Vec<u8>, DataError> {
        let row_bytes = self.shape[1..].iter().product::<u64>() * self.dtype.size() as u64;
        let len = usize::try_from((rows.end - rows.start) * row_bytes)
            .map_err(|_| DataError::invalid(&self.path, "a batch too large to address"))?;
        let mut buf = vec![0; len];
        self.store
            .read_at(self.start + rows.start * row_bytes, &mut buf)
            .map_err(|e| DataError::io(&self.path, &e))?;
        Ok(buf)
    }

    /// "the samples `x.npy`" or "the samples (member `x.npy`)".
    fn role(&self, role: &str) -> String {
        match &self.name {
            Some(name) => format!("the {role} ({name})"),
            None => format!("the {role}"),
        }
    }

    /// How messages name sample `index` of this array.
    fn sample(&self, index: u64) -> (PathBuf, String) {
        let text = match &self.name {
            Some(name) => format!("sample {index} of {name}"),
            None => format!("sample {index}"),
        };
        (self.path.clone(), text)
    }
}

/// A samples array and a labels array of as many rows.
#[derive(Debug)]
pub(crate) struct ArrayRows {
    samples: Array,
    labels: Array,
    sample_shape: Vec<usize>,
    contents: Vec<Content>,
}

impl ArrayRows {
    /// Checks that `samples` is `[N, ...]`, C-ordered, and `labels` integer `[N]`.
    fn new(samples: Array, labels: Array, contents: Vec<Content>) -> Result<Self, DataError> {
        for (array, role) in [(&samples, "samples"), (&labels, "labels")] {
            if array.fortran_order {
                return Err(DataError::invalid(
                    &array.path,
                    format!(
                        "{} are stored in Fortran (column-major) order; save them C-ordered: \
                         `np.ascontiguousarray(a)`",
                        array.role(role)
                    ),
                ));
            }
        }
        if samples.shape.len() < 2 {
            return Err(DataError::invalid(
                &samples.path,
                format!(
                    "{} have shape {}; `[N, ...]`, one sample per row, is expected (for samples \
                     of one feature, reshape to `[N, 1]`)",
                    samples.role("samples"),
                    format_shape(&samples.shape)
                ),
            ));
        }
        if labels.shape.len() != 1 {
            return Err(DataError::invalid(
                &labels.path,
                format!(
                    "{} have shape {}; `[N]`, one class index per sample, is expected",
                    labels.role("labels"),
                    format_shape(&labels.shape)
                ),
            ));
        }
        if !labels.dtype.is_integer() {
            return Err(DataError::invalid(
                &labels.path,
                format!(
                    "{} are of type {}; labels are class indices, of an integer type: convert \
                     with `y.astype('int64')`",
                    labels.role("labels"),
                    labels.dtype
                ),
            ));
        }
        if samples.shape[0] != labels.shape[0] {
            return Err(DataError::invalid(
                &labels.path,
                format!(
                    "{} number {}, but {} number {} (`{}`); every sample needs one label",
                    labels.role("labels"),
                    labels.shape[0],
                    samples.role("samples"),
                    samples.shape[0],
                    samples.path.display()
                ),
            ));
        }
        let sample_shape = samples.shape[1..]
            .iter()
            .map(|&d| usize::try_from(d))
            .collect::<Result<Vec<usize>, _>>()
            .map_err(|_| DataError::invalid(&samples.path, "a sample too large to address"))?;
        Ok(ArrayRows {
            samples,
            labels,
            sample_shape,
            contents,
        })
    }
}

impl Rows for ArrayRows {
    fn count(&self) -> u64 {
        self.samples.shape[0]
    }

    fn sample_shape(&self) -> &[usize] {
        &self.sample_shape
    }

    fn stored_as_u8(&self) -> bool {
        self.samples.dtype == ElementType::U8
    }

    fn read(
        &self,
        rows: Range<u64>,
        inputs: &mut Vec<f32>,
        labels: &mut Vec<i64>,
    ) -> Result<(), DataError> {
        let bytes = self.samples.bytes(rows.clone())?;
        decode_values(self.samples.dtype, self.samples.order, &bytes, inputs);
        let bytes = self.labels.bytes(rows)?;
        decode_integers(self.labels.dtype, self.labels.order, &bytes, labels);
        Ok(())
    }

    fn origin(&self) -> PathBuf {
        self.samples.path.clone()
    }

    fn describe_sample(&self, index: u64) -> (PathBuf, String) {
        self.samples.sample(index)
    }

    fn describe_label(&self, index: u64) -> (PathBuf, String) {
        self.labels.sample(index)
    }

    fn hash(&self) -> Result<[u8; 32], DataError> {
        hash_contents(self.contents.iter().map(|c| ("", c)))
    }
}

/// Samples and labels in two `.npy` files.
pub(crate) fn npy(x: &Path, y: &Path) -> Result<ArrayRows, DataError> {
    let array = |path: &Path| -> Result<Array, DataError> {
        let header = read_npy(path)?;
        Ok(Array {
            store: ByteStore::open(path)?,
            start: header.data_offset,
            dtype: header.dtype,
            order: ByteOrder::Little,
            shape: header.shape,
            fortran_order: header.fortran_order,
            path: path.to_path_buf(),
            name: None,
        })
    };
    let contents = vec![
        Content::File(x.to_path_buf()),
        Content::File(y.to_path_buf()),
    ];
    ArrayRows::new(array(x)?, array(y)?, contents)
}

/// Arrays `x` and `y` of the `.npz` archive at `path`.
pub(crate) fn npz(path: &Path, x: &str, y: &str) -> Result<ArrayRows, DataError> {
    let archive = NpzArchive::open(path)?;
    let store = || ByteStore::open(path);
    npz_arrays(
        path,
        archive,
        store,
        x,
        y,
        Content::File(path.to_path_buf()),
    )
}

/// Arrays `x` and `y` of an `.npz` archive bundled in the binary; `name` stands for its path.
pub(crate) fn npz_bytes(
    name: &Path,
    bytes: &'static [u8],
    x: &str,
    y: &str,
) -> Result<ArrayRows, DataError> {
    let archive = NpzArchive::from_reader(name, Cursor::new(bytes))?;
    let store = || Ok(ByteStore::Static(bytes));
    npz_arrays(name, archive, store, x, y, Content::Static(bytes))
}

/// Arrays `x` and `y` of an archive: stored members are read in place (from a store that
/// `store` opens), deflated ones decompressed once into a temporary file.
fn npz_arrays<R: Read + Seek>(
    path: &Path,
    mut archive: NpzArchive<R>,
    store: impl Fn() -> Result<ByteStore, DataError>,
    x: &str,
    y: &str,
    content: Content,
) -> Result<ArrayRows, DataError> {
    let mut array = |name: &str| -> Result<Array, DataError> {
        let member = archive.member(name)?;
        let (store, start) = if member.stored {
            (store()?, member.data_start + member.header.data_offset)
        } else {
            let extract = |out: &mut dyn io::Write| Ok(archive.extract(name, out)?);
            (
                ByteStore::temporary(path, extract)?.0,
                member.header.data_offset,
            )
        };
        Ok(Array {
            store,
            start,
            dtype: member.header.dtype,
            order: ByteOrder::Little,
            shape: member.header.shape,
            fortran_order: member.header.fortran_order,
            path: path.to_path_buf(),
            name: Some(format!("member `{}`", npz_member_name(name))),
        })
    };
    let samples = array(x)?;
    let labels = array(y)?;
    ArrayRows::new(samples, labels, vec![content])
}

/// IDX images `[N, height, width]` (read as `[1, height, width]`) and labels `[N]`; a `.gz`
/// file is decompressed once into a temporary file, only as far as its first `rows` rows (all
/// rows when `None`): the rows a selection can read.
pub(crate) fn idx(images: &Path, labels: &Path, rows: Option<u64>) -> Result<ArrayRows, DataError> {
    let array = |path: &Path| -> Result<Array, DataError> {
        let header = read_idx(path)?;
        let start = 4 + 4 * header.dims.len() as u64;
        let store = if header.gzip {
            let mut read = header.dims.clone();
            if let (Some(first), Some(rows)) = (read.first_mut(), rows) {
                *first = rows.min(*first);
            }
            let needed =
                header::payload_len(&read, header.dtype).and_then(|n| n.checked_add(start));
            let decompress = |out: &mut dyn io::Write| {
                let file = BufReader::new(header::open(path)?);
                let mut data = GzDecoder::new(file).take(needed.unwrap_or(u64::MAX));
                io::copy(&mut data, out).map_err(|e| {
                    DataError::invalid(
                        path,
                        format!("the gzip stream does not decompress (truncated or corrupt?): {e}"),
                    )
                })
            };
            let (store, len) = ByteStore::temporary(path, decompress)?;
            if needed.is_none_or(|needed| len < needed) {
                return Err(DataError::invalid(
                    path,
                    format!(
                        "truncated file: the header and data of shape {} and type {} take {} \
                         bytes, but the file decompresses to {len}",
                        format_shape(&read),
                        header.dtype,
                        needed.map_or("too many".into(), |n| n.to_string()),
                    ),
                ));
            }
            store
        } else {
            ByteStore::open(path)?
        };
        Ok(Array {
            store,
            start,
            dtype: header.dtype,
            order: ByteOrder::Big,
            shape: header.dims,
            fortran_order: false,
            path: path.to_path_buf(),
            name: None,
        })
    };
    let contents = vec![
        Content::File(images.to_path_buf()),
        Content::File(labels.to_path_buf()),
    ];
    let mut rows = ArrayRows::new(array(images)?, array(labels)?, contents)?;
    if rows.sample_shape.len() == 2 {
        rows.sample_shape.insert(0, 1);
    }
    Ok(rows)
}

/// Tensors `x` and `y` of the safetensors file at `path`.
pub(crate) fn safetensors(path: &Path, x: &str, y: &str) -> Result<ArrayRows, DataError> {
    let header = read_safetensors(path)?;
    let array = |name: &str| -> Result<Array, DataError> {
        let error = |problem| DataError::from(HeaderError::new(path, problem));
        let tensor = header.tensor(name).map_err(error)?;
        let dtype = tensor.element_type().ok_or_else(|| {
            error(HeaderProblem::UnsupportedDType {
                array: Some(format!("tensor `{name}`")),
                found: tensor.dtype.clone(),
                help: "supported types are U8, I8, U16, I16, U32, I32, U64, I64, F16, BF16, F32 \
                       and F64"
                    .into(),
            })
        })?;
        Ok(Array {
            store: ByteStore::open(path)?,
            start: header.data_offset + tensor.data.start,
            dtype,
            order: ByteOrder::Little,
            shape: tensor.shape.clone(),
            fortran_order: false,
            path: path.to_path_buf(),
            name: Some(format!("tensor `{name}`")),
        })
    };
    ArrayRows::new(
        array(x)?,
        array(y)?,
        vec![Content::File(path.to_path_buf())],
    )
}
