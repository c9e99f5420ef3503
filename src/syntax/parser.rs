//! The pest parser generated from `grammar/rbench.pest`.

use pest_derive::Parser;

/// The generated parser; its `Rule` enum names every grammar rule.
#[derive(Parser)]
#[grammar = "grammar/rbench.pest"]
pub struct RbenchParser;
