//! Dataset sources: where samples and labels come from, read a batch at a time.

mod arrays;
mod batch;
mod bundled;
mod decode;
mod error;
pub mod header;
mod images;
mod selected;
mod selection;
mod source;
mod sources;
mod store;
mod table;

pub use batch::Batch;
pub use error::{DataError, DataProblem};
pub use selection::{Selection, MAX_SELECTION_BYTES};
pub use source::{open, BundledSample, Source, SourceSpec};

pub use header::{ElementType, HeaderError, HeaderProblem};
pub use sources::SCHEMAS;
