//! Dataset sources: where samples and labels come from.

mod batch;
pub mod header;
mod sources;

pub use batch::Batch;

pub use header::{ElementType, HeaderError, HeaderProblem};
pub use sources::SCHEMAS;
