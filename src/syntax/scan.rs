//! A lexical pass that runs before the grammar: it finds comments (for the formatter), and the
//! mistakes a grammar reports poorly (unclosed strings, comments and delimiters, bad escapes,
//! nesting too deep, characters borrowed from other languages or pasted from documents),
//! pointing at where the problem starts rather than where parsing gave up.

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
        line_strings: Vec::new(),
        unclosed_string: false,
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
    /// The strings seen so far on the current line, as byte ranges.
    line_strings: Vec<(usize, usize)>,
    /// Whether a string was left unclosed: delimiter errors after it are its echoes.
    unclosed_string: bool,
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
                b'\n' => {
                    self.line_strings.clear();
                    self.pos += 1;
                }
                b'#' => self.hash_comment(),
                b'\'' => self.single_quoted_string(),
                b';' => {
                    self.out.errors.push(SyntaxError::Semicolon {
                        span: self.span(self.pos, self.pos + 1).into(),
                    });
                    self.pos += 1;
                }
                b'&' | b'|' => self.foreign_operator(),
                b'!' if self.peek(1) != Some(b'=') => self.foreign_operator(),
                byte if !byte.is_ascii() => self.non_ascii(),
                _ => self.pos += 1,
            }
        }
        if self.unclosed_string {
            return self.out;
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
            _ if self.unclosed_string => true,
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

    /// Scans a (nestable) block comment; false when it is never closed or nests too deeply.
    fn block_comment(&mut self) -> bool {
        let start = self.pos;
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos..].starts_with(b"/*") {
                depth += 1;
                if depth > MAX_NESTING {
                    self.out.errors.push(SyntaxError::TooDeep {
                        limit: MAX_NESTING,
                        span: self.span(self.pos, self.pos + 2).into(),
                    });
                    return false;
                }
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
                    self.line_strings.push((start, self.pos));
                    return;
                }
                b'\n' | b'\r' => break,
                b'\\' => self.escape(),
                _ => self.pos += 1,
            }
        }
        let line_end = self.span(self.pos, self.pos);
        if let Some(close) = self.closing_quote_on_a_later_line() {
            self.out.errors.push(SyntaxError::NewlineInString {
                span: self.span(start, start + 1).into(),
                line_end: line_end.into(),
            });
            self.pos = close + 1;
            return;
        }
        let earlier = self.line_strings.first().copied();
        let help = match earlier {
            Some(_) => "a `\"` is probably missing earlier on this line, so the quotes pair up wrongly: close each string where it ends".to_string(),
            None => "a string ends on the line where it starts: add the closing `\"` (write a line break inside a string as `\\n`)".to_string(),
        };
        self.unclosed_string = true;
        self.out.errors.push(SyntaxError::UnclosedString {
            span: self.span(start, start + 1).into(),
            line_end: line_end.into(),
            earlier: earlier.map(|(s, e)| self.span(s, e).into()),
            help,
        });
    }

    /// Where a string left open at the end of a line is closed, when the next line that has a
    /// `"` ends right after it: then the string was broken over lines rather than left unclosed.
    fn closing_quote_on_a_later_line(&self) -> Option<usize> {
        let rest = &self.text[self.pos..];
        // Only the next five lines can hold it: searching further would make a file of unclosed
        // strings quadratic to scan.
        let window = rest
            .match_indices('\n')
            .nth(5)
            .map_or(rest.len(), |(at, _)| at);
        let quote = rest[..window].find('"')?;
        let after = &rest[quote + 1..];
        let line_rest = &after[..after.find('\n').unwrap_or(after.len())];
        let ends_value = line_rest
            .trim_start()
            .chars()
            .next()
            .is_none_or(|c| matches!(c, ',' | ')' | ']' | '}' | '/' | '\r'));
        let lines_between = rest[..quote].matches('\n').count();
        (ends_value && (1..=5).contains(&lines_between)).then_some(self.pos + quote)
    }

    /// `# comment`: reported, and skipped to the end of its line.
    fn hash_comment(&mut self) {
        self.out.errors.push(SyntaxError::HashComment {
            span: self.span(self.pos, self.pos + 1).into(),
        });
        self.pos = self.line_end(self.pos);
    }

    /// `'text'`: reported as one string, and skipped.
    fn single_quoted_string(&mut self) {
        let start = self.pos;
        let line_end = self.line_end(start);
        let end = self.text[start + 1..line_end]
            .find('\'')
            .map_or(start + 1, |n| start + 1 + n + 1);
        let help = if end > start + 1 {
            let body = &self.text[start + 1..end - 1];
            format!("write it as `\"{}\"`", body.replace('"', "\\\""))
        } else {
            "write strings between double quotes: `\"text\"`".to_string()
        };
        self.out.errors.push(SyntaxError::SingleQuotedString {
            span: self.span(start, end).into(),
            help,
        });
        self.pos = end;
    }

    /// `&&`, `||`, `!` and their single forms: operators of other languages.
    fn foreign_operator(&mut self) {
        let first = self.bytes[self.pos];
        let len = if self.peek(1) == Some(first) && first != b'!' {
            2
        } else {
            1
        };
        let (replacement, help) = match first {
            b'&' => ("and", "conditions are combined with `and`, `or` and `not`"),
            b'|' => ("or", "conditions are combined with `and`, `or` and `not`"),
            _ => (
                "not ",
                "a condition is negated with `not`, as in `not (x >= 0.5)`; `!=` means \"not equal\"",
            ),
        };
        self.out.errors.push(SyntaxError::UnknownOperator {
            found: self.text[self.pos..self.pos + len].to_string(),
            replacement: replacement.trim_end(),
            span: self.span(self.pos, self.pos + len).into(),
            help: help.to_string(),
        });
        self.pos += len;
    }

    /// A non-ASCII character outside strings and comments: reported when it imitates an ASCII
    /// one (typographic quotes, dashes, comparison signs); otherwise left to the grammar.
    fn non_ascii(&mut self) {
        let Some(found) = self.text[self.pos..].chars().next() else {
            self.pos += 1;
            return;
        };
        let start = self.pos;
        self.pos += found.len_utf8();
        let Some(replacement) = lookalike(found) else {
            return;
        };
        let mut other = None;
        if let Some(close) = closing_lookalike(found) {
            let line_end = self.line_end(self.pos);
            if let Some(n) = self.text[self.pos..line_end].find(close) {
                let at = self.pos + n;
                other = Some(self.span(at, at + close.len_utf8()).into());
                self.pos = at + close.len_utf8();
            }
        }
        let codepoint = format!("U+{:04X}", u32::from(found));
        let span = self.span(start, start + found.len_utf8()).into();
        let (found, replacement) = if replacement == " " {
            (
                format!("{codepoint} (an invisible space)"),
                "a plain space".to_string(),
            )
        } else {
            (
                format!("`{found}` ({codepoint})"),
                format!("`{replacement}`"),
            )
        };
        self.out.errors.push(SyntaxError::LookalikeCharacter {
            found,
            replacement,
            span,
            other,
        });
    }

    /// The offset of the end of the line holding `from` (its `\n`, or the end of the text).
    fn line_end(&self, from: usize) -> usize {
        self.text[from..]
            .find('\n')
            .map_or(self.text.len(), |n| from + n)
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

/// The ASCII text a typographic or mathematical character is mistaken for.
fn lookalike(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => "\"",
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        '\u{2265}' => ">=",
        '\u{2264}' => "<=",
        '\u{2260}' => "!=",
        '\u{00D7}' | '\u{22C5}' | '\u{2217}' => "*",
        '\u{00F7}' | '\u{2215}' => "/",
        '\u{2190}' => "<-",
        '\u{2026}' => "..",
        '\u{FF1A}' => ":",
        '\u{FF1D}' => "=",
        '\u{FF0C}' => ",",
        '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{200B}' | '\u{3000}'
        | '\u{FEFF}' => " ",
        _ => return None,
    })
}

/// The closing partner of an opening typographic quote.
fn closing_lookalike(open: char) -> Option<char> {
    match open {
        '\u{201C}' | '\u{201E}' => Some('\u{201D}'),
        '\u{2018}' | '\u{201A}' => Some('\u{2019}'),
        '\u{00AB}' => Some('\u{00BB}'),
        _ => None,
    }
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

    #[test]
    fn reports_characters_borrowed_from_other_languages_and_documents() {
        assert_eq!(
            codes("# note (with a [bracket\nmodel m {}"),
            ["rbench::syntax::hash-comment"]
        );
        assert_eq!(
            codes("model m { x = 'it\"s' }"),
            ["rbench::syntax::single-quoted-string"]
        );
        assert_eq!(
            codes("model m { x = 1; y = 2; }"),
            ["rbench::syntax::semicolon", "rbench::syntax::semicolon"]
        );
        assert_eq!(
            codes("metric m = a && b || !c != d"),
            [
                "rbench::syntax::unknown-operator",
                "rbench::syntax::unknown-operator",
                "rbench::syntax::unknown-operator"
            ]
        );
        assert_eq!(
            codes("model m { x = \u{201C}a (b\u{201D} }"),
            ["rbench::syntax::lookalike-character"]
        );
        assert_eq!(
            codes("metric m = a \u{2265} b\u{00A0}"),
            [
                "rbench::syntax::lookalike-character",
                "rbench::syntax::lookalike-character"
            ]
        );
        // Inside strings and comments these characters are text.
        assert!(codes("model m { x = \"# ; ' && \u{201C}\" } // # ; '\n/* ! */").is_empty());
        // A non-ASCII letter is left to the grammar.
        assert!(codes("metric \u{3C3} = 1").is_empty());
    }

    #[test]
    fn tells_a_string_broken_over_lines_from_an_unclosed_one() {
        assert_eq!(
            codes("model m {\n  x = \"a\n  b\"\n}"),
            ["rbench::syntax::newline-in-string"]
        );
        assert_eq!(
            codes("model m {\n  x = \"a\n  y = \"b\"\n}"),
            ["rbench::syntax::unclosed-string"]
        );
        // Delimiters after an unclosed string are its echoes, not new errors.
        assert_eq!(
            codes("model m { x = f(\"a, \"b\")\n}"),
            ["rbench::syntax::unclosed-string"]
        );
    }
}
