//! The Python literals an npy header is written in: a dict of strings, booleans, integers and
//! tuples (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`).

/// A Python literal value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Literal {
    Str(String),
    Bool(bool),
    Int(u64),
    /// A tuple or a list (a list `descr` is a structured dtype).
    Sequence(Vec<Literal>),
    Dict(Vec<(String, Literal)>),
}

/// Parses one literal filling `text` (surrounding whitespace allowed).
pub(super) fn parse(text: &str) -> Result<Literal, String> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = parser.value()?;
    parser.skip_space();
    if parser.at < parser.bytes.len() {
        return Err(parser.unexpected("the end of the header"));
    }
    Ok(value)
}

struct Parser<'t> {
    bytes: &'t [u8],
    at: usize,
}

/// Deeper nesting than an npy header ever has is refused, so hostile input cannot overflow the
/// stack.
const MAX_DEPTH: usize = 8;

impl Parser<'_> {
    fn value(&mut self) -> Result<Literal, String> {
        self.nested(0)
    }

    fn nested(&mut self, depth: usize) -> Result<Literal, String> {
        if depth > MAX_DEPTH {
            return Err("the header nests too deeply".into());
        }
        self.skip_space();
        match self.peek() {
            Some(b'{') => self.dict(depth),
            Some(b'(') => self.sequence(b')', depth),
            Some(b'[') => self.sequence(b']', depth),
            Some(b'\'' | b'"') => self.string().map(Literal::Str),
            Some(b'0'..=b'9') => self.int(),
            Some(b'T' | b'F') => self.boolean(),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Literal, String> {
        self.at += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_space();
            if self.eat(b'}') {
                return Ok(Literal::Dict(entries));
            }
            let key = match self.peek() {
                Some(b'\'' | b'"') => self.string()?,
                _ => return Err(self.unexpected("a quoted key or `}`")),
            };
            self.skip_space();
            if !self.eat(b':') {
                return Err(self.unexpected("`:`"));
            }
            let value = self.nested(depth + 1)?;
            entries.push((key, value));
            self.skip_space();
            if !self.eat(b',') && self.peek() != Some(b'}') {
                return Err(self.unexpected("`,` or `}`"));
            }
        }
    }

    fn sequence(&mut self, close: u8, depth: usize) -> Result<Literal, String> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.eat(close) {
                return Ok(Literal::Sequence(items));
            }
            items.push(self.nested(depth + 1)?);
            self.skip_space();
            if !self.eat(b',') && self.peek() != Some(close) {
                return Err(self.unexpected(&format!("`,` or `{}`", close as char)));
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = self.bytes[self.at];
        let start = self.at + 1;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| b == quote)
            .ok_or("a string in the header is not closed")?;
        self.at = start + len + 1;
        String::from_utf8(self.bytes[start..start + len].to_vec())
            .map_err(|_| "a string in the header is not UTF-8".to_string())
    }

    fn int(&mut self) -> Result<Literal, String> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        // Python 2 wrote long integers as `3L`.
        let digits = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or_default();
        self.eat(b'L');
        digits
            .parse()
            .map(Literal::Int)
            .map_err(|_| format!("the integer `{digits}` in the header is too large"))
    }

    fn boolean(&mut self) -> Result<Literal, String> {
        for (word, value) in [("True", true), ("False", false)] {
            if self.bytes[self.at..].starts_with(word.as_bytes()) {
                self.at += word.len();
                return Ok(Literal::Bool(value));
            }
        }
        Err(self.unexpected("`True` or `False`"))
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn unexpected(&self, expected: &str) -> String {
        match self.peek() {
            Some(b) => format!(
                "unexpected `{}` at byte {} of the header; expected {expected}",
                b.escape_ascii(),
                self.at
            ),
            None => format!("the header ends early; expected {expected}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_numpy_header() {
        let text = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }          \n";
        assert_eq!(
            parse(text),
            Ok(Literal::Dict(vec![
                ("descr".into(), Literal::Str("<f4".into())),
                ("fortran_order".into(), Literal::Bool(false)),
                (
                    "shape".into(),
                    Literal::Sequence(vec![Literal::Int(3), Literal::Int(4)])
                ),
            ]))
        );
    }

    #[test]
    fn parses_one_element_and_empty_tuples() {
        assert_eq!(parse("(5,)"), Ok(Literal::Sequence(vec![Literal::Int(5)])));
        assert_eq!(parse("()"), Ok(Literal::Sequence(vec![])));
        assert_eq!(parse("7L"), Ok(Literal::Int(7)));
    }

    #[test]
    fn refuses_garbage_with_a_position() {
        let error = parse("{'descr' '<f4'}").expect_err("a colon is missing");
        assert!(error.contains("expected `:`"), "{error}");
        assert!(parse("{'a': 1").is_err());
        assert!(parse(&"(".repeat(100)).is_err());
        assert!(parse("99999999999999999999999").is_err());
    }
}
