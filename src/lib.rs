#![doc = include_str!("../docs/architecture.md")]

pub mod syntax;
