//! Syntax diagnostics: what can be wrong with the text of a spec before its meaning is looked at.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use super::source::SourceFile;

/// All syntax problems found in one file, rendered together against its source.
#[derive(Debug, Error, Diagnostic)]
#[error("{}", summary(&self.file_name, self.errors.len()))]
pub struct SyntaxErrors {
    file_name: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[related]
    errors: Vec<SyntaxError>,
}

fn summary(file_name: &str, count: usize) -> String {
    match count {
        1 => format!("could not parse `{file_name}`"),
        n => format!("could not parse `{file_name}`: {n} syntax errors"),
    }
}

impl SyntaxErrors {
    /// Collects the errors of one file (at least one).
    pub fn new(file: &SourceFile, errors: Vec<SyntaxError>) -> Self {
        SyntaxErrors {
            file_name: file.name.clone(),
            source_code: file.named_source(),
            errors,
        }
    }

    /// The individual problems, in source order.
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }
}

/// One syntax problem. Each kind has a stable code `rbench::syntax::<kind>`.
#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum SyntaxError {
    #[error("the file is not valid UTF-8")]
    #[diagnostic(
        code("rbench::syntax::invalid-utf8"),
        help("save the spec as UTF-8 text")
    )]
    InvalidUtf8 {
        #[label("this byte does not start a UTF-8 character")]
        span: SourceSpan,
    },

    #[error("the file declares nothing")]
    #[diagnostic(
        code("rbench::syntax::empty-file"),
        help("a spec declares at least one item, for example `benchmark my_benchmark {{ seed = 1 }}`")
    )]
    EmptyFile {
        #[label("no declaration in this file")]
        span: SourceSpan,
    },

    #[error("unclosed string")]
    #[diagnostic(
        code("rbench::syntax::unclosed-string"),
        help("a string ends on the line where it starts: add the closing `\"` (write a line break inside a string as `\\n`)")
    )]
    UnclosedString {
        #[label("this string is never closed")]
        span: SourceSpan,
    },

    #[error("unknown escape `{escape}` in a string")]
    #[diagnostic(
        code("rbench::syntax::invalid-escape"),
        help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r`, `\\0` and `\\u{{1F600}}`; write a backslash as `\\\\`")
    )]
    InvalidEscape {
        escape: String,
        #[label("not a valid escape")]
        span: SourceSpan,
    },

    #[error("unclosed block comment")]
    #[diagnostic(
        code("rbench::syntax::unclosed-comment"),
        help("close the comment with `*/` (block comments nest: each `/*` needs its own `*/`)")
    )]
    UnclosedComment {
        #[label("this comment is never closed")]
        span: SourceSpan,
    },

    #[error("unclosed `{open}`")]
    #[diagnostic(code("rbench::syntax::unclosed-delimiter"))]
    UnclosedDelimiter {
        open: char,
        #[label("this `{open}` is never closed")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{found}` does not close `{open}`")]
    #[diagnostic(code("rbench::syntax::mismatched-delimiter"))]
    MismatchedDelimiter {
        open: char,
        found: char,
        #[label("this `{open}` ...")]
        open_span: SourceSpan,
        #[label("... is closed by `{found}` here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("unexpected closing `{found}`")]
    #[diagnostic(
        code("rbench::syntax::unmatched-delimiter"),
        help("remove it, or add the opening delimiter it belongs to")
    )]
    UnmatchedDelimiter {
        found: char,
        #[label("nothing is open here")]
        span: SourceSpan,
    },

    #[error("nesting is too deep")]
    #[diagnostic(
        code("rbench::syntax::too-deep"),
        help("rbench accepts at most {limit} levels of nested brackets and operators; split the value into named perturbations or metrics")
    )]
    TooDeep {
        limit: usize,
        #[label("the limit is exceeded here")]
        span: SourceSpan,
    },

    #[error("`{found}` does not start a declaration")]
    #[diagnostic(code("rbench::syntax::unknown-item"))]
    UnknownItem {
        found: String,
        #[label("expected a declaration keyword")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{word}` is a reserved word")]
    #[diagnostic(
        code("rbench::syntax::reserved-word"),
        help("`true`, `false`, `and`, `or` and `not` cannot be names; choose another name")
    )]
    ReservedWord {
        word: String,
        #[label("a name was expected here")]
        span: SourceSpan,
    },

    #[error("`:` where `=` was expected")]
    #[diagnostic(
        code("rbench::syntax::colon-instead-of-equals"),
        help("fields and member selections are written `name = value`; `:` names an argument inside a call, as in `gaussian_noise(sigma: 0.1)`")
    )]
    ColonInsteadOfEquals {
        #[label("write `=` here")]
        span: SourceSpan,
    },

    #[error("`=` where `:` was expected")]
    #[diagnostic(
        code("rbench::syntax::equals-instead-of-colon"),
        help("a call names its arguments with `:`, as in `gaussian_noise(sigma: 0.1)`; `=` sets fields and selects sweep members")
    )]
    EqualsInsteadOfColon {
        #[label("write `:` here")]
        span: SourceSpan,
    },

    #[error("unexpected end of file")]
    #[diagnostic(code("rbench::syntax::unexpected-eof"))]
    UnexpectedEof {
        expected: String,
        #[label("expected {expected}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("unexpected {found}")]
    #[diagnostic(code("rbench::syntax::unexpected-token"))]
    UnexpectedToken {
        found: String,
        expected: String,
        #[label("expected {expected}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },
}
