//! A lexical pass that runs before the grammar: it finds comments (for the formatter), and the
//! mistakes a grammar reports poorly (unclosed strings, comments and delimiters, bad escapes,
//! nesting too deep), pointing at where the problem starts rather than where parsing gave up.

use super::error::SyntaxError;
use super::span::{FileId, Span};

/// The deepest nesting of `(`, `[` and `{` that a spec may use.
pub const MAX_NESTING: usize = 64;

/// A comment as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The whole comment, `//` or `/*` included (a line comment without its newline).
    pub text: String,
    pub span: Span,
    /// Whether only whitespace precedes it on its line.
    pub own_line: bool,
}

impl Comment {
    /// Whether this is a `//` comment, which runs to the end of its line.
    pub fn is_line(&self) -> bool {
        self.text.starts_with("//")
    }
}

/// What the lexical pass found: every comment, and every lexical error.
#[derive(Debug, Default)]
pub struct Scan {
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

/// Scans `text` (file `file`) for comments and lexical errors.
pub fn scan(file: FileId, text: &str) -> Scan {
    Scanner {
        file,
        text,
        bytes: text.as_bytes(),
        pos: 0,
        open: Vec::new(),
        out: Scan::default(),
    }
    .run()
}

struct Scanner<'a> {
    file: FileId,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Open delimiters and where they stand.
    open: Vec<(u8, usize)>,
    out: Scan,
}

impl Scanner<'_> {
    fn run(mut self) -> Scan {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'"' => self.string(),
                b'/' if self.peek(1) == Some(b'/') => self.line_comment(),
                b'/' if self.peek(1) == Some(b'*') => {
                    if !self.block_comment() {
                        return self.out;
                    }
                }
                b'(' | b'[' | b'{' => {
                    self.open.push((self.bytes[self.pos], self.pos));
                    if self.open.len() > MAX_NESTING {
                        self.out.errors.push(SyntaxError::TooDeep {
                            limit: MAX_NESTING,
                            span: self.span(self.pos, self.pos + 1).into(),
                        });
                        return self.out;
                    }
                    self.pos += 1;
                }
                close @ (b')' | b']' | b'}') => {
                    if !self.close(close) {
                        return self.out;
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        if let Some(&(open, at)) = self.open.last() {
            let close = closer(open) as char;
            self.out.errors.push(SyntaxError::UnclosedDelimiter {
                open: open as char,
                span: self.span(at, at + 1).into(),
                help: format!("add the matching `{close}`"),
            });
        }
        self.out
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// Handles a closing delimiter; false when scanning cannot usefully go on.
    fn close(&mut self, close: u8) -> bool {
        match self.open.pop() {
            Some((open, _)) if closer(open) == close => true,
            Some((open, at)) => {
                self.out.errors.push(SyntaxError::MismatchedDelimiter {
                    open: open as char,
                    found: close as char,
                    open_span: self.span(at, at + 1).into(),
                    span: self.span(self.pos, self.pos + 1).into(),
                    help: format!(
                        "close `{}` with `{}` before `{}`",
                        open as char,
                        closer(open) as char,
                        close as char
                    ),
                });
                false
            }
            None => {
                self.out.errors.push(SyntaxError::UnmatchedDelimiter {
                    found: close as char,
                    span: self.span(self.pos, self.pos + 1).into(),
                });
                false
            }
        }
    }

    fn own_line(&self, start: usize) -> bool {
        self.text[..start]
            .bytes()
            .rev()
            .take_while(|&b| b != b'\n')
            .all(|b| b == b' ' || b == b'\t' || b == b'\r')
    }

    fn push_comment(&mut self, start: usize, end: usize) {
        self.out.comments.push(Comment {
            text: self.text[start..end].trim_end_matches('\r').to_string(),
            span: self.span(start, end),
            own_line: self.own_line(start),
        });
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.bytes.len(), |n| start + n);
        let end = if self.bytes[start..end].ends_with(b"\r") {
            end - 1
        } else {
            end
        };
        self.push_comment(start, end);
        self.pos = end;
    }

    /// Scans a (nestable) block comment; false when it is never closed.
    fn block_comment(&mut self) -> bool {
        let start = self.pos;
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos..].starts_with(b"/*") {
                depth += 1;
                self.pos += 2;
            } else if self.bytes[self.pos..].starts_with(b"*/") {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    self.push_comment(start, self.pos);
                    return true;
                }
            } else {
                self.pos += 1;
            }
        }
        self.out.errors.push(SyntaxError::UnclosedComment {
            span: self.span(start, start + 2).into(),
        });
        false
    }

    /// Scans a string literal, reporting bad escapes and a missing closing quote.
    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\n' | b'\r' => break,
                b'\\' => self.escape(),
                _ => self.pos += 1,
            }
        }
        self.out.errors.push(SyntaxError::UnclosedString {
            span: self.span(start, start + 1).into(),
        });
    }

    fn escape(&mut self) {
        let start = self.pos;
        let rest = &self.text[start + 1..];
        let len = match rest.chars().next() {
            Some('"' | '\\' | 'n' | 't' | 'r' | '0') => Some(2),
            Some('u') => unicode_escape_len(rest),
            _ => None,
        };
        match len {
            Some(len) => self.pos += len,
            None => {
                let shown = rest
                    .chars()
                    .next()
                    .filter(|c| *c != '\n' && *c != '\r')
                    .map_or(1, |c| 1 + c.len_utf8());
                let shown = if rest.starts_with('u') {
                    1 + rest.find(['}', '"', '\n']).map_or(rest.len(), |n| n + 1)
                } else {
                    shown
                };
                self.out.errors.push(SyntaxError::InvalidEscape {
                    escape: self.text[start..start + shown].to_string(),
                    span: self.span(start, start + shown).into(),
                });
                self.pos += shown;
            }
        }
    }
}

/// The length of `\u{XXXX}` (with its backslash) when `rest` (after the backslash) is valid.
fn unicode_escape_len(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix("u{")?;
    let close = body.find('}')?;
    let hex = &body[..close];
    let valid = (1..=6).contains(&hex.len())
        && u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .is_some();
    valid.then_some(1 + 2 + close + 1)
}

fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        use miette::Diagnostic;
        scan(FileId(0), text)
            .errors
            .iter()
            .map(|e| e.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn finds_line_and_block_comments_with_their_placement() {
        let s = scan(
            FileId(0),
            "// lead\nmodel m { /* a /* nested */ b */ }  // tail\r\n",
        );
        let texts: Vec<_> = s.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["// lead", "/* a /* nested */ b */", "// tail"]);
        let own: Vec<_> = s.comments.iter().map(|c| c.own_line).collect();
        assert_eq!(own, [true, false, false]);
        assert!(s.errors.is_empty());
    }

    #[test]
    fn comment_markers_inside_strings_are_text() {
        let s = scan(FileId(0), r#"benchmark b { title = "a // b /* c" }"#);
        assert!(s.comments.is_empty());
        assert!(s.errors.is_empty());
    }

    #[test]
    fn reports_lexical_mistakes_where_they_start() {
        assert_eq!(
            codes("model m { x = \"abc\n}"),
            ["rbench::syntax::unclosed-string"]
        );
        assert_eq!(
            codes("/* never closed"),
            ["rbench::syntax::unclosed-comment"]
        );
        assert_eq!(codes("model m {"), ["rbench::syntax::unclosed-delimiter"]);
        assert_eq!(
            codes("model m { x = f(] }"),
            ["rbench::syntax::mismatched-delimiter"]
        );
        assert_eq!(codes("}"), ["rbench::syntax::unmatched-delimiter"]);
        assert_eq!(codes(r#"x = "\q""#), ["rbench::syntax::invalid-escape"]);
        assert_eq!(
            codes(r#"x = "\u{110000}""#),
            ["rbench::syntax::invalid-escape"]
        );
        assert!(codes(r#"x = "\u{1F600} \" \\ \n""#).is_empty());
        assert_eq!(
            codes(&"[".repeat(MAX_NESTING + 1)),
            ["rbench::syntax::too-deep"]
        );
    }
}
