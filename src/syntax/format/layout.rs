//! The layout engine of the formatter: writes tokens with lazy spaces and line breaks, puts each
//! comment back where it stood in the source, and lays bracketed groups out flat or one element
//! per line.
//!
//! Comments are flushed by position: before a token that starts at source offset `pos` is written,
//! every comment that starts before `pos` is written first. Tokens that have no span of their own
//! (`,`, `=`, operators, contextual keywords) are "glue": they never flush, so a comment written
//! just before one of them moves past it, which keeps the output stable under reformatting.

use crate::syntax::scan::Comment;

/// The line width a bracketed group must fit in to stay on one line.
pub const WIDTH: usize = 100;

const INDENT: &str = "  ";

/// A line break waiting for the next thing written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Break {
    /// A blank line is required here.
    blank: bool,
    /// A blank line in the source at this place is kept.
    may_blank: bool,
    /// The break falls inside an expression: the next line is indented one level deeper.
    continuation: bool,
}

impl Break {
    /// A break between the members of a block or group; `may_blank` keeps a source blank line.
    pub(super) fn line(may_blank: bool) -> Self {
        Break {
            blank: false,
            may_blank,
            continuation: false,
        }
    }

    /// A break between top-level items; `blank` forces a blank line.
    pub(super) fn item(blank: bool) -> Self {
        Break {
            blank,
            may_blank: true,
            continuation: false,
        }
    }

    /// A break in the middle of an expression (before an operator of a long condition, or
    /// after a `//` comment): the next line is indented one level deeper.
    pub(super) fn continuation() -> Self {
        Break {
            blank: false,
            may_blank: false,
            continuation: true,
        }
    }
}

/// What a flat attempt must restore when it fails.
#[derive(Debug, Clone, Copy)]
pub(super) struct Checkpoint {
    out_len: usize,
    column: usize,
    line_has_content: bool,
    line_closed: bool,
    next_comment: usize,
    pending_break: Option<Break>,
    pending_space: bool,
    last_end: usize,
}

/// The output being built, with the comments still to place.
pub(super) struct Layout<'a> {
    /// The original source, read only to find blank lines.
    text: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: String,
    indent: usize,
    column: usize,
    line_has_content: bool,
    /// The current line ends with a `//` comment: nothing more may be written on it.
    line_closed: bool,
    pending_break: Option<Break>,
    pending_space: bool,
    /// Where the last token or comment written ended in the source.
    last_end: usize,
    /// Inside a flat attempt: any line break or overlong line makes it fail.
    pub(super) flat: bool,
    /// The current flat attempt failed.
    pub(super) overflow: bool,
}

impl<'a> Layout<'a> {
    /// An empty output for a file with this source text and these comments (in source order).
    pub(super) fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        Layout {
            text,
            comments,
            next_comment: 0,
            out: String::new(),
            indent: 0,
            column: 0,
            line_has_content: false,
            line_closed: false,
            pending_break: Some(Break::item(false)),
            pending_space: false,
            last_end: 0,
            flat: false,
            overflow: false,
        }
    }

    /// Writes the comments left, and returns the text ending with exactly one newline.
    pub(super) fn finish(mut self) -> String {
        self.set_break(Break::item(false));
        self.flush_before(usize::MAX);
        let mut out = self.out;
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    /// Asks for one space before the next token (dropped at the start of a line).
    pub(super) fn space(&mut self) {
        self.pending_space = true;
    }

    /// Asks for a line break before the next token, replacing any break already asked for.
    pub(super) fn set_break(&mut self, brk: Break) {
        self.pending_break = Some(brk);
    }

    /// Writes a token that starts at `pos` in the source, after the comments that precede it.
    pub(super) fn token(&mut self, pos: usize, text: &str) {
        self.flush_before(pos);
        self.emit(pos, text);
        self.last_end = pos + text.len();
    }

    /// Writes a closing bracket that stands at `pos`, after the comments inside the brackets.
    pub(super) fn closer(&mut self, pos: usize, text: &str) {
        self.flush_before(pos);
        self.pending_space = false;
        self.emit(pos, text);
        self.last_end = pos + text.len();
    }

    /// Writes a token without a span of its own; it never moves a comment.
    pub(super) fn glue(&mut self, text: &str) {
        self.emit(self.last_end, text);
    }

    /// Whether a comment not yet written starts before `pos`.
    pub(super) fn has_comment_before(&self, pos: usize) -> bool {
        self.comments
            .get(self.next_comment)
            .is_some_and(|c| c.span.start < pos)
    }

    /// Writes every comment not yet written that starts before `pos`.
    pub(super) fn flush_before(&mut self, pos: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= pos {
                break;
            }
            self.next_comment += 1;
            self.comment(comment);
        }
    }

    /// A block body `{ members }`, one member per line; `close` is where its `}` stands.
    pub(super) fn block<T>(
        &mut self,
        members: &[T],
        close: usize,
        mut member: impl FnMut(&mut Self, &T),
    ) {
        self.space();
        self.glue("{");
        if members.is_empty() && !self.has_comment_before(close) {
            self.closer(close, "}");
            return;
        }
        self.indent += 1;
        for (i, m) in members.iter().enumerate() {
            self.set_break(Break::line(i > 0));
            member(self, m);
        }
        self.set_break(Break::line(!members.is_empty()));
        self.flush_before(close);
        self.indent -= 1;
        self.set_break(Break::line(false));
        self.closer(close, "}");
    }

    /// The elements of a bracketed group (its opener already written) and its closing bracket:
    /// on one line when that fits and holds no line comment, else one element per line with a
    /// trailing comma.
    pub(super) fn group<T>(
        &mut self,
        elements: &[T],
        close: usize,
        closer: &str,
        mut element: impl FnMut(&mut Self, &T),
    ) {
        if self.flat {
            self.group_flat(elements, close, closer, &mut element);
            return;
        }
        if elements.is_empty() && !self.has_comment_before(close) {
            self.closer(close, closer);
            return;
        }
        let checkpoint = self.checkpoint();
        self.flat = true;
        self.group_flat(elements, close, closer, &mut element);
        self.flat = false;
        if !std::mem::take(&mut self.overflow) {
            return;
        }
        self.restore(checkpoint);
        self.indent += 1;
        for e in elements {
            self.set_break(Break::line(false));
            element(self, e);
            self.glue(",");
        }
        self.set_break(Break::line(false));
        self.flush_before(close);
        self.indent -= 1;
        self.set_break(Break::line(false));
        self.closer(close, closer);
    }

    fn group_flat<T>(
        &mut self,
        elements: &[T],
        close: usize,
        closer: &str,
        element: &mut impl FnMut(&mut Self, &T),
    ) {
        for (i, e) in elements.iter().enumerate() {
            if self.overflow {
                return;
            }
            if i > 0 {
                self.glue(",");
                self.space();
            }
            element(self, e);
        }
        self.closer(close, closer);
    }

    pub(super) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            out_len: self.out.len(),
            column: self.column,
            line_has_content: self.line_has_content,
            line_closed: self.line_closed,
            next_comment: self.next_comment,
            pending_break: self.pending_break,
            pending_space: self.pending_space,
            last_end: self.last_end,
        }
    }

    pub(super) fn restore(&mut self, c: Checkpoint) {
        self.out.truncate(c.out_len);
        self.column = c.column;
        self.line_has_content = c.line_has_content;
        self.line_closed = c.line_closed;
        self.next_comment = c.next_comment;
        self.pending_break = c.pending_break;
        self.pending_space = c.pending_space;
        self.last_end = c.last_end;
    }

    /// Writes one comment: on its own line if it stood on its own line, else after the code
    /// before it. A `//` comment ends its line.
    fn comment(&mut self, comment: &Comment) {
        let text = if comment.is_line() {
            comment.text.trim_end().to_string()
        } else {
            comment.text.replace("\r\n", "\n")
        };
        if self.flat && (comment.own_line || comment.is_line() || text.contains('\n')) {
            self.overflow = true;
        }
        if comment.own_line || !self.line_has_content || self.line_closed {
            let brk = self.pending_break.take().unwrap_or(Break::continuation());
            self.line_break(brk, comment.span.start);
            self.write(&text);
            self.pending_break = Some(Break {
                blank: false,
                ..brk
            });
        } else {
            if comment.is_line() || !self.out.ends_with(['(', '[']) {
                self.out.push(' ');
                self.column += 1;
            }
            self.write(&text);
        }
        self.pending_space = !comment.is_line();
        if comment.is_line() {
            self.pending_break.get_or_insert(Break::continuation());
            self.line_closed = true;
        }
        self.last_end = comment.span.end;
    }

    /// Writes `text` after the pending line break or space; `pos` is where it stands in the source.
    fn emit(&mut self, pos: usize, text: &str) {
        if let Some(brk) = self.pending_break.take() {
            self.line_break(brk, pos);
        } else if self.pending_space && self.line_has_content {
            self.out.push(' ');
            self.column += 1;
        }
        self.pending_space = false;
        self.write(text);
    }

    /// Starts a new line for something that stands at `pos` in the source.
    fn line_break(&mut self, brk: Break, pos: usize) {
        if self.flat {
            self.overflow = true;
        }
        if self.out.is_empty() {
            return;
        }
        let blank =
            brk.blank || (brk.may_blank && blank_line_between(self.text, self.last_end, pos));
        self.out.push('\n');
        if blank {
            self.out.push('\n');
        }
        let level = self.indent + usize::from(brk.continuation);
        for _ in 0..level {
            self.out.push_str(INDENT);
        }
        self.column = level * INDENT.len();
        self.line_has_content = false;
        self.line_closed = false;
    }

    fn write(&mut self, text: &str) {
        self.out.push_str(text);
        self.column = match text.rfind('\n') {
            Some(at) => text[at + 1..].chars().count(),
            None => self.column + text.chars().count(),
        };
        self.line_has_content = true;
        if self.flat && self.column > WIDTH {
            self.overflow = true;
        }
    }
}

/// Whether the source between `start` and `end` holds an empty line.
fn blank_line_between(text: &str, start: usize, end: usize) -> bool {
    let Some(gap) = text.get(start..end) else {
        return false;
    };
    let mut newlines = 0;
    for c in gap.chars() {
        match c {
            '\n' => {
                newlines += 1;
                if newlines >= 2 {
                    return true;
                }
            }
            ' ' | '\t' | '\r' => {}
            _ => newlines = 0,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::blank_line_between;

    #[test]
    fn finds_blank_lines_only_between_line_breaks() {
        assert!(blank_line_between("a\n\nb", 1, 3));
        assert!(blank_line_between("a\r\n  \r\nb", 1, 7));
        assert!(!blank_line_between("a\nb\nc", 1, 4));
        assert!(!blank_line_between("", 0, 9));
    }
}
