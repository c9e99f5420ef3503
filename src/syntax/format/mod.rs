//! The formatter: prints a parsed file in the one canonical layout, keeping every comment where
//! it stood.
//!
//! The layout: 2-space indentation, width 100, one blank line between items (runs of one-line
//! items stay together when the source had no blank line between them), one block member per
//! line, groups that do not fit broken one element per line with a trailing comma. Formatting is
//! idempotent: formatting the output again gives the same text.

mod expr;
mod items;
mod layout;

use super::ast;
use super::scan::Comment;
use super::{parse_with_comments, SourceFile, SyntaxErrors};

pub use layout::WIDTH;

/// Parses `source` and prints it in the canonical layout, or returns its syntax errors.
pub fn format(source: &SourceFile) -> Result<String, SyntaxErrors> {
    let parsed = parse_with_comments(source)?;
    Ok(print(&parsed.file, &parsed.comments, &source.text))
}

/// Prints `file` in the canonical layout with its `comments` (in source order); `text` is the
/// source the file was parsed from, read only to keep blank lines (pass `""` for a built AST).
pub fn print(file: &ast::File, comments: &[Comment], text: &str) -> String {
    let mut layout = layout::Layout::new(text, comments);
    layout.file(file);
    layout.finish()
}
