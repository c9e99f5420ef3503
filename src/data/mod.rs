//! Dataset sources: where samples and labels come from.

mod sources;

pub use sources::SCHEMAS;
