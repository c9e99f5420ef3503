#![doc = include_str!("../docs/architecture.md")]

pub mod risk;
pub mod syntax;
