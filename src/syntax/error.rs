//! Syntax diagnostics: what can be wrong with the text of a spec before its meaning is looked at.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use super::lines::IndexedText;
use super::source::SourceFile;

/// All syntax problems found in one file, rendered together against its source.
#[derive(Debug, Error, Diagnostic)]
#[error("{}", summary(&self.file_name, self.errors.len()))]
pub struct SyntaxErrors {
    file_name: String,
    #[source_code]
    source_code: NamedSource<IndexedText>,
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
    #[diagnostic(code("rbench::syntax::unclosed-string"))]
    UnclosedString {
        #[label("this string is never closed")]
        span: SourceSpan,
        #[label("the line ends inside the string")]
        line_end: SourceSpan,
        /// An earlier string on the same line, when a missing `"` there is the likelier mistake.
        #[label("read as one string: is a `\"` missing here?")]
        earlier: Option<SourceSpan>,
        #[help]
        help: String,
    },

    #[error("a string runs over a line break")]
    #[diagnostic(
        code("rbench::syntax::newline-in-string"),
        help("a string stays on one line: join the lines and write the line break as `\\n`")
    )]
    NewlineInString {
        #[label("this string starts here ...")]
        span: SourceSpan,
        #[label("... and is still open at the end of this line")]
        line_end: SourceSpan,
    },

    #[error("strings use double quotes")]
    #[diagnostic(code("rbench::syntax::single-quoted-string"))]
    SingleQuotedString {
        #[label("single quotes do not make a string")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`#` does not start a comment")]
    #[diagnostic(
        code("rbench::syntax::hash-comment"),
        help("start a comment with `//`, or wrap it in `/* */`")
    )]
    HashComment {
        #[label("write `//` here")]
        span: SourceSpan,
    },

    #[error("unexpected `;`")]
    #[diagnostic(
        code("rbench::syntax::semicolon"),
        help("rbench needs no semicolons: a field or declaration ends where the next one begins; remove the `;`")
    )]
    Semicolon {
        #[label("remove this `;`")]
        span: SourceSpan,
    },

    #[error("`{found}` is not an rbench operator")]
    #[diagnostic(code("rbench::syntax::unknown-operator"))]
    UnknownOperator {
        found: String,
        replacement: &'static str,
        #[label("write `{replacement}` here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{found} looks like {replacement} but is another character")]
    #[diagnostic(
        code("rbench::syntax::lookalike-character"),
        help("text pasted from a document or a chat often carries typographic characters; outside strings and comments a spec is plain ASCII: type {replacement} instead")
    )]
    LookalikeCharacter {
        /// The character as shown: `"`≥` (U+2265)"`, or a name for an invisible one.
        found: String,
        /// The ASCII text it imitates, as shown: `` "`>=`" `` or `"a plain space"`.
        replacement: String,
        #[label("replace this with {replacement}")]
        span: SourceSpan,
        /// The matching closing character, for a pair of typographic quotes.
        #[label("and this one")]
        other: Option<SourceSpan>,
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
    #[diagnostic(code("rbench::syntax::colon-instead-of-equals"))]
    ColonInsteadOfEquals {
        #[label("write `=` here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`=` where `:` was expected")]
    #[diagnostic(code("rbench::syntax::equals-instead-of-colon"))]
    EqualsInsteadOfColon {
        #[label("write `:` here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`==` where `=` was expected")]
    #[diagnostic(
        code("rbench::syntax::double-equals"),
        help("`==` compares two values; a field is set with a single `=`, as in `seed = 7`")
    )]
    DoubleEquals {
        #[label("write `=` here")]
        span: SourceSpan,
    },

    #[error("`=` in a condition")]
    #[diagnostic(
        code("rbench::syntax::equals-in-condition"),
        help("`=` sets fields; a condition compares with `==` (or `!=`, `>=`, `<=`, `>`, `<`)")
    )]
    EqualsInCondition {
        #[label("write `==` to compare")]
        span: SourceSpan,
    },

    #[error("`{found}` where `<-` was expected")]
    #[diagnostic(
        code("rbench::syntax::map-arrow"),
        help("a mapping points a control at the gates that give evidence for it: `\"MEASURE 2.5\" <- gate_a, gate_b \"rationale\"`")
    )]
    MapArrow {
        found: String,
        #[label("write `<-` here")]
        span: SourceSpan,
    },

    #[error("missing value after `{after}`")]
    #[diagnostic(code("rbench::syntax::missing-value"))]
    MissingValue {
        after: String,
        #[label("nothing follows this `{after}`")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{op}` has nothing on its right")]
    #[diagnostic(
        code("rbench::syntax::missing-operand"),
        help("complete the expression after `{op}`, or remove the operator")
    )]
    MissingOperand {
        op: String,
        #[label("a value must follow this `{op}`")]
        span: SourceSpan,
    },

    #[error("missing `,`")]
    #[diagnostic(code("rbench::syntax::missing-comma"))]
    MissingComma {
        #[label("add `,` before this")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("missing `{keyword}`")]
    #[diagnostic(code("rbench::syntax::missing-keyword"))]
    MissingKeyword {
        keyword: &'static str,
        #[label("add `{keyword}` before this")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{found}` is not a keyword here")]
    #[diagnostic(code("rbench::syntax::misspelled-keyword"))]
    MisspelledKeyword {
        found: String,
        keyword: &'static str,
        #[label("did you mean `{keyword}`?")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("a range is not allowed here")]
    #[diagnostic(code("rbench::syntax::range-not-allowed"))]
    RangeNotAllowed {
        #[label("a range (`start..end`) cannot stand in an expression")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("a space separates a number from its `%`")]
    #[diagnostic(
        code("rbench::syntax::space-before-percent"),
        help("a percentage is one literal, written without a space: `95%`")
    )]
    SpaceBeforePercent {
        #[label("remove this space")]
        span: SourceSpan,
    },

    #[error("`{found}` is not a number")]
    #[diagnostic(code("rbench::syntax::malformed-number"))]
    MalformedNumber {
        found: String,
        #[label("not a number literal")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("unexpected end of file")]
    #[diagnostic(code("rbench::syntax::unexpected-eof"))]
    UnexpectedEof {
        expected: String,
        #[label("the file ends here; expected {expected} after this")]
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
