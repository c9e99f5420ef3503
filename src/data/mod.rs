//! Dataset sources: where samples and labels come from.

pub mod header;
mod sources;

pub use header::{ElementType, HeaderError, HeaderProblem};
pub use sources::SCHEMAS;
