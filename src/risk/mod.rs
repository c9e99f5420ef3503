//! Risk-management frameworks: the catalogs that `map` declarations point gates at.
//!
//! The NIST AI RMF 1.0 core ships built in ([`Catalog::ai_rmf`]); specs may declare their own
//! frameworks, which become catalogs of the same shape ([`Catalog::user`]).

mod ai_rmf;
mod catalog;

pub use ai_rmf::{oscal_control_id, AI_RMF_NAME};
pub use catalog::{Catalog, Control, Lookup};
