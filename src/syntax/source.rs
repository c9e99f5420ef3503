//! Source files as the compiler reads them: a name for diagnostics and UTF-8 text.

use std::sync::Arc;

use miette::NamedSource;

use super::error::{SyntaxError, SyntaxErrors};
use super::lines::IndexedText;
use super::span::{FileId, Span};

/// One source file: its id, the name diagnostics show, its text, and where its lines start
/// (computed once, shared by every diagnostic drawn against it).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub id: FileId,
    pub name: String,
    pub text: Arc<str>,
    indexed: IndexedText,
}

impl SourceFile {
    /// A source file from text already known to be UTF-8.
    pub fn new(id: FileId, name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        SourceFile {
            id,
            name: name.into(),
            indexed: IndexedText::new(text.clone()),
            text,
        }
    }

    /// A source file from raw bytes; invalid UTF-8 is a diagnostic pointing at the first bad byte.
    pub fn from_bytes(
        id: FileId,
        name: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Result<Self, SyntaxErrors> {
        let name = name.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(id, name, text)),
            Err(err) => {
                let offset = err.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
                // The lossy text has the same prefix, so `offset` still points at the bad byte.
                let bad_len = lossy[offset..].chars().next().map_or(1, char::len_utf8);
                let file = SourceFile::new(id, name, lossy);
                let span = Span::new(id, offset, offset + bad_len);
                Err(SyntaxErrors::new(
                    &file,
                    vec![SyntaxError::InvalidUtf8 { span: span.into() }],
                ))
            }
        }
    }

    /// The text as a miette source for diagnostics, read through the line index.
    pub fn named_source(&self) -> NamedSource<IndexedText> {
        NamedSource::new(self.name.clone(), self.indexed.clone())
    }
}
