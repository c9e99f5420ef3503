//! The syntax stage: text to a typed AST with spans, syntax diagnostics, and the formatter.
//!
//! This module uses nothing else of the crate, so the formatter and a future language server can
//! stand on it alone.

pub mod ast;
pub mod error;
pub mod format;
pub mod lines;
mod lower;
mod parse_error;
pub mod parser;
pub mod scan;
pub mod source;
pub mod span;

use pest::Parser as _;

pub use error::{SyntaxError, SyntaxErrors};
pub use format::format;
pub use lines::{IndexedText, LineIndex};
pub use lower::{unescape, MAX_EXPR_DEPTH};
pub use scan::MAX_NESTING;
pub use source::SourceFile;
pub use span::{FileId, Span};

use parser::{RbenchParser, Rule};

/// A parsed file with its comments, as the formatter needs it.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: ast::File,
    pub comments: Vec<scan::Comment>,
}

/// Parses one source file into its AST, or every syntax error found.
pub fn parse(source: &SourceFile) -> Result<ast::File, SyntaxErrors> {
    parse_with_comments(source).map(|parsed| parsed.file)
}

/// Parses one source file, keeping its comments.
pub fn parse_with_comments(source: &SourceFile) -> Result<Parsed, SyntaxErrors> {
    let text: &str = &source.text;
    let scanned = scan::scan(source.id, text);
    if !scanned.errors.is_empty() {
        return Err(SyntaxErrors::new(source, scanned.errors));
    }
    let mut pairs = RbenchParser::parse(Rule::file, text)
        .map_err(|_| SyntaxErrors::new(source, vec![parse_error::diagnose(source)]))?;
    let root = pairs
        .next()
        .unwrap_or_else(|| unreachable!("a successful parse yields the `file` rule"));
    let file = lower::Lowerer::new(source.id, text, &scanned.comments)
        .file(root)
        .map_err(|e| SyntaxErrors::new(source, vec![e]))?;
    if file.items.is_empty() {
        let span = Span::new(source.id, 0, text.len());
        return Err(SyntaxErrors::new(
            source,
            vec![SyntaxError::EmptyFile { span: span.into() }],
        ));
    }
    Ok(Parsed {
        file,
        comments: scanned.comments,
    })
}
