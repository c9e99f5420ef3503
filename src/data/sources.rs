//! Schemas of the data sources a dataset's `source` field may call.

use crate::schema::{Kind, Param, Schema, Type};

const fn source(name: &'static str, summary: &'static str, params: &'static [Param]) -> Schema {
    Schema::new(name, Kind::Source, summary, params)
}

/// Every data source.
pub static SCHEMAS: &[Schema] = &[
    source(
        "npz",
        "arrays in a NumPy .npz archive: samples and integer labels",
        &[
            Param::required("path", Type::Path, "the .npz file").positional(),
            Param::with_default("x", Type::Str, "\"x\"", "name of the samples array"),
            Param::with_default("y", Type::Str, "\"y\"", "name of the labels array"),
        ],
    ),
    source(
        "npy",
        "two NumPy .npy files: samples and integer labels",
        &[
            Param::required("x", Type::Path, "the samples .npy file").positional(),
            Param::required("y", Type::Path, "the labels .npy file").positional(),
        ],
    ),
    source(
        "idx",
        "IDX files as MNIST and Fashion-MNIST ship them (plain or .gz)",
        &[
            Param::required("images", Type::Path, "the images IDX file").positional(),
            Param::required("labels", Type::Path, "the labels IDX file").positional(),
        ],
    ),
    source(
        "csv",
        "a table with a header row: feature columns and a label column",
        &[
            Param::required("path", Type::Path, "the .csv file").positional(),
            Param::required("label", Type::Str, "name of the label column"),
            Param::optional(
                "features",
                Type::List(&Type::Str),
                "feature columns, in order (default: every column but the label)",
            ),
            Param::with_default("delimiter", Type::Str, "\",\"", "the field separator"),
        ],
    ),
    source(
        "images",
        "a folder with one sub-folder of PNG/JPEG images per class",
        &[
            Param::required("path", Type::Path, "the folder").positional(),
            Param::required(
                "size",
                Type::List(&Type::Int),
                "`[height, width]` every image is resized to",
            ),
            Param::with_default(
                "grayscale",
                Type::Bool,
                "false",
                "read images as one channel",
            ),
        ],
    ),
    source(
        "safetensors",
        "tensors in a safetensors file: samples and integer labels",
        &[
            Param::required("path", Type::Path, "the .safetensors file").positional(),
            Param::with_default("x", Type::Str, "\"x\"", "name of the samples tensor"),
            Param::with_default("y", Type::Str, "\"y\"", "name of the labels tensor"),
        ],
    ),
    source(
        "sample",
        "a data set bundled with rbench",
        &[Param::required(
            "name",
            Type::Enum(&["digits", "breast_cancer"]),
            "which bundled data set",
        )
        .positional()],
    ),
];
