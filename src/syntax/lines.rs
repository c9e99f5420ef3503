//! Where the lines of a source text start, computed once per file, so that finding the line of
//! a span takes a binary search and a diagnostic is drawn from the few lines around its labels
//! instead of from the start of the file (which made drawing many diagnostics quadratic).

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// The byte offset at which each line of a text starts. Lines end as miette counts them: at
/// `\n`, `\r\n` or a lone `\r`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The line starts of `text`, in one pass.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b'\r' if bytes.get(at + 1) == Some(&b'\n') => {
                    at += 2;
                    starts.push(at);
                }
                b'\r' | b'\n' => {
                    at += 1;
                    starts.push(at);
                }
                _ => at += 1,
            }
        }
        LineIndex { starts }
    }

    /// The line (counted from 0) holding byte `offset`; offsets past the end are on the last line.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// The byte offset at which `line` (counted from 0) starts; the last line's start for lines
    /// past the end.
    pub fn start_of(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)]
    }
}

/// A source text with its line index, shared: what diagnostics are drawn against. Reading a span
/// scans only from a few lines before it, and gives the same excerpt as miette's reading of the
/// whole text.
#[derive(Debug, Clone)]
pub struct IndexedText(Arc<TextLines>);

/// A text and where its lines start.
#[derive(Debug)]
struct TextLines {
    text: Arc<str>,
    lines: LineIndex,
}

impl IndexedText {
    /// `text` with its line index, computed here.
    pub fn new(text: Arc<str>) -> IndexedText {
        let lines = LineIndex::new(&text);
        IndexedText(Arc::new(TextLines { text, lines }))
    }
}

impl SourceCode for IndexedText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // Start one line earlier than the context needs: miette places a span that starts on a
        // line break on the line the break ends, and whole lines before the context change
        // nothing but the line numbers, which are shifted back below.
        let TextLines { text, lines } = &*self.0;
        let line = lines.line_of(span.offset());
        let first = line.saturating_sub(context_lines_before + 1);
        let base = lines.start_of(first);
        let local = SourceSpan::new((span.offset() - base).into(), span.len());
        let rest: &'a [u8] = &text.as_bytes()[base..];
        let excerpt = <[u8] as SourceCode>::read_span(
            rest,
            &local,
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(MietteSpanContents::new(
            excerpt.data(),
            SourceSpan::new(
                (excerpt.span().offset() + base).into(),
                excerpt.span().len(),
            ),
            excerpt.line() + first,
            excerpt.column(),
            excerpt.line_count() + first,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares every span of `text` up to length 3, with 0 to 2 context lines, against miette's
    /// reading of the whole text (which panics on spans past the end: diagnostics have none).
    fn same_as_miette(text: &str) {
        let indexed = IndexedText::new(text.into());
        let whole = text.as_bytes();
        for offset in 0..=text.len() {
            for len in 0..4.min(text.len() - offset + 1) {
                for context in 0..3 {
                    let span = SourceSpan::new(offset.into(), len);
                    let expected = whole.read_span(&span, context, context);
                    let found = indexed.read_span(&span, context, context);
                    match (expected, found) {
                        (Ok(e), Ok(f)) => {
                            let what = format!("{text:?} {offset}+{len} context {context}");
                            assert_eq!(e.data(), f.data(), "{what}");
                            assert_eq!(e.span(), f.span(), "{what}");
                            assert_eq!(e.line(), f.line(), "{what}");
                            assert_eq!(e.column(), f.column(), "{what}");
                            assert_eq!(e.line_count(), f.line_count(), "{what}");
                        }
                        (Err(_), Err(_)) => {}
                        (e, f) => panic!(
                            "{text:?} {offset}+{len}: miette {:?}, indexed {:?}",
                            e.is_ok(),
                            f.is_ok()
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn excerpts_are_miettes() {
        for text in [
            "",
            "a",
            "ab\ncd\nef\n",
            "one\n\ntwo\nthree\nfour\nfive",
            "a\r\nb\r\n\r\nc\rd\n",
            "\n\n\n",
            "x\r",
        ] {
            same_as_miette(text);
        }
    }

    #[test]
    fn lines_of_offsets() {
        let index = LineIndex::new("ab\ncd\r\nef\rg");
        assert_eq!(
            (0..12).map(|o| index.line_of(o)).collect::<Vec<_>>(),
            [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3]
        );
        assert_eq!(index.start_of(2), 7);
        assert_eq!(index.start_of(9), 10);
    }
}
