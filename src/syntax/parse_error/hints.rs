//! The specific diagnoses of a failed parse: each hint looks at the place where parsing stopped
//! (the token found, the tokens before it, the enclosing bracket and declaration) and, when it
//! recognises a common mistake, says what it is and how to fix it.

use std::collections::BTreeSet;

use miette::SourceSpan;

use super::{
    closest, found_token, keyword_list, list, Expected, ITEM_KEYWORDS, RESERVED, TAKES_VALUE,
};
use crate::syntax::error::SyntaxError;
use crate::syntax::scan::{scan, Comment};
use crate::syntax::source::SourceFile;
use crate::syntax::span::Span;

/// Where a parse failed and what stands around that place: the facts the hints look at.
struct Failure<'a> {
    source: &'a SourceFile,
    text: &'a str,
    expected: &'a BTreeSet<Expected>,
    comments: Vec<Comment>,
    /// The offending token: in words, as written, and where.
    found: String,
    raw: &'a str,
    at: usize,
    /// The declaration keyword of the statement around the failure (or `control`).
    statement: Option<&'static str>,
}

impl<'a> Failure<'a> {
    fn expects(&self, e: Expected) -> bool {
        self.expected.contains(&e)
    }

    fn expects_punct(&self, p: &str) -> bool {
        self.expected.contains(&Expected::Punct(p.to_string()))
    }

    fn span(&self, start: usize, end: usize) -> SourceSpan {
        Span::new(self.source.id, start, end).into()
    }

    fn token_span(&self) -> SourceSpan {
        self.span(self.at, self.at + self.raw.len())
    }

    fn in_statement(&self, keywords: &[&str]) -> bool {
        self.statement.is_some_and(|s| keywords.contains(&s))
    }

    /// Whether the offending token is a word (a name or keyword).
    fn found_word(&self) -> bool {
        self.raw
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
    }

    /// Whether the offending token can start a value.
    fn found_value_start(&self) -> bool {
        self.raw
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '"' | '[' | '('))
    }

    /// The token that ends at or before `before`, past whitespace and comments, as a range.
    fn token_before(&self, before: usize) -> Option<(usize, usize)> {
        let mut end = before;
        loop {
            end = self.text[..end].trim_end().len();
            match self.comments.iter().find(|c| c.span.end == end) {
                Some(comment) => end = comment.span.start,
                None => break,
            }
        }
        let head = &self.text[..end];
        let last = head.chars().next_back()?;
        let start = if last.is_alphanumeric() || matches!(last, '_' | '%' | '.') {
            head.trim_end_matches(|c: char| c.is_alphanumeric() || matches!(c, '_' | '%' | '.'))
                .len()
        } else if last == '"' {
            let mut open = end - 1;
            loop {
                match head[..open].rfind('"') {
                    Some(q) if head[..q].ends_with('\\') => open = q,
                    Some(q) => break q,
                    None => break 0,
                }
            }
        } else if ["==", "!=", ">=", "<=", "<-", ".."]
            .iter()
            .any(|op| head.ends_with(op))
        {
            end - 2
        } else {
            end - last.len_utf8()
        };
        Some((start, end))
    }

    /// The token just before the offending one.
    fn previous(&self) -> Option<(usize, usize)> {
        self.token_before(self.at)
    }

    fn text_of(&self, (start, end): (usize, usize)) -> &'a str {
        &self.text[start..end]
    }

    /// Whether `start` is the first non-blank character of its line.
    fn starts_line(&self, start: usize) -> bool {
        let line_start = self.text[..start].rfind('\n').map_or(0, |n| n + 1);
        self.text[line_start..start].trim().is_empty()
    }

    /// The innermost bracket open at the failure, and where it stands.
    fn enclosing(&self) -> Option<(char, usize)> {
        let mut open = Vec::new();
        let mut chars = self.text[..self.at].char_indices();
        while let Some((i, c)) = chars.next() {
            if let Some(comment) = self.comments.iter().find(|c| c.span.start == i) {
                let skip = self.text[i..comment.span.end.min(self.at)].chars().count();
                chars.nth(skip.saturating_sub(2));
                continue;
            }
            match c {
                '"' => {
                    let mut escaped = false;
                    for (_, s) in chars.by_ref() {
                        match s {
                            '\\' if !escaped => escaped = true,
                            '"' | '\n' if !escaped => break,
                            _ => escaped = false,
                        }
                    }
                }
                '(' | '[' | '{' => open.push((c, i)),
                ')' | ']' | '}' => {
                    open.pop();
                }
                _ => {}
            }
        }
        open.pop()
    }

    /// Whether the failure stands directly inside a member selection `name[...]`.
    fn in_selector(&self) -> bool {
        match self.enclosing() {
            Some(('[', at)) => self.text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ']')),
            _ => false,
        }
    }
}

/// Describes the failure at `pos`, where the parser expected one of `expected`.
pub(super) fn describe(
    source: &SourceFile,
    pos: usize,
    expected: &BTreeSet<Expected>,
) -> SyntaxError {
    let text: &str = &source.text;
    // A reserved word where a name belongs: pest stops just after it, inside its lookahead.
    let before = text[..pos].trim_end();
    let last_word_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |(n, c)| n + c.len_utf8());
    let last_word = &before[last_word_start..];
    if RESERVED.contains(&last_word) && expected.contains(&Expected::Name) {
        let span = Span::new(source.id, last_word_start, before.len());
        return SyntaxError::ReservedWord {
            word: last_word.to_string(),
            span: span.into(),
        };
    }
    let at = pos + (text[pos..].len() - text[pos..].trim_start().len());
    let (found, len) = found_token(text, at);
    let failure = Failure {
        source,
        text,
        expected,
        comments: scan(source.id, text).comments,
        found,
        raw: &text[at..at + len],
        at,
        statement: statement_at(text, at),
    };
    HINTS
        .iter()
        .find_map(|hint| hint(&failure))
        .unwrap_or_else(|| unexpected(&failure))
}

/// The specific diagnoses, most specific first; the first that recognises the failure wins.
const HINTS: [fn(&Failure) -> Option<SyntaxError>; 14] = [
    end_of_file,
    swallowed_next_line,
    double_equals,
    malformed_number,
    missing_value,
    space_before_percent,
    range_not_allowed,
    map_arrow,
    colon_or_equals,
    keyword_problem,
    missing_comma,
    equals_in_condition,
    unknown_item,
    reserved_word_found,
];

/// The file ends too early: point at its last token.
fn end_of_file(f: &Failure) -> Option<SyntaxError> {
    if !f.raw.is_empty() {
        return None;
    }
    let last = f.previous().unwrap_or((0, 0));
    let last_text = f.text_of(last);
    if is_operator(last_text) {
        return Some(SyntaxError::MissingOperand {
            op: last_text.to_string(),
            span: f.span(last.0, last.1),
        });
    }
    if TAKES_VALUE.contains(&last_text) {
        return Some(missing_value_at(f, last));
    }
    Some(SyntaxError::UnexpectedEof {
        expected: list(f.expected),
        span: f.span(last.0, last.1),
        help: statement_help(f.statement),
    })
}

/// A value left out at the end of a line, so that the next line was read as that value:
/// `classes =` then `limit = 500`, or `require g:` then `warn h: ...`.
fn swallowed_next_line(f: &Failure) -> Option<SyntaxError> {
    let eaten = f.previous()?;
    let eaten_text = f.text_of(eaten);
    let eaten_is_keyword = ITEM_KEYWORDS.contains(&eaten_text);
    if !f.starts_line(eaten.0) || !(eaten_is_keyword || matches!(f.raw, "=" | ":")) {
        return None;
    }
    let before = f.token_before(eaten.0)?;
    let before_text = f.text_of(before);
    let on_earlier_line = f.text[before.1..eaten.0].contains('\n');
    if !on_earlier_line {
        return None;
    }
    if TAKES_VALUE.contains(&before_text) {
        return Some(missing_value_at(f, before));
    }
    is_operator(before_text).then(|| SyntaxError::MissingOperand {
        op: before_text.to_string(),
        span: f.span(before.0, before.1),
    })
}

fn missing_value_at(f: &Failure, (start, end): (usize, usize)) -> SyntaxError {
    let after = &f.text[start..end];
    let help = match (after, statement_at(f.text, start)) {
        (":", Some(kw @ ("require" | "warn"))) => {
            format!("a gate states its condition after `:`, as in `{kw} clean_accuracy: accuracy(mlp, clean) >= 95%`")
        }
        (":", _) => "a named argument has a value after `:`, as in `sigma: 0.1`".to_string(),
        ("confidence", _) => "give the level, as in `with confidence 95%`".to_string(),
        ("step", _) => "give the step, as in `0..1 step 0.25`".to_string(),
        ("on", _) => "name the datasets, as in `evaluate mlp on digits_test`".to_string(),
        ("under", _) => "name the perturbations, as in `under [noise, blur]`".to_string(),
        ("as", _) => {
            "name the namespace, as in `import \"suites/noise.rbench\" as noise`".to_string()
        }
        _ => "give it a value, as in `limit = 500`, or remove the line".to_string(),
    };
    SyntaxError::MissingValue {
        after: after.to_string(),
        span: f.span(start, end),
        help,
    }
}

/// `seed == 7` where a field is set.
fn double_equals(f: &Failure) -> Option<SyntaxError> {
    let double = f.raw == "=" && f.text[..f.at].ends_with('=') && f.expects(Expected::Value);
    double.then(|| SyntaxError::DoubleEquals {
        span: f.span(f.at - 1, f.at + 1),
    })
}

/// `.5` for `0.5`, and `1,000` for `1_000`.
fn malformed_number(f: &Failure) -> Option<SyntaxError> {
    let after = &f.text[f.at + f.raw.len()..];
    let three_dots = f.text[..f.at].ends_with("..");
    if f.raw == "." && !three_dots && after.starts_with(|c: char| c.is_ascii_digit()) {
        let digits = after
            .find(|c: char| !(c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        let number = &f.text[f.at..f.at + 1 + digits];
        return Some(SyntaxError::MalformedNumber {
            found: number.to_string(),
            span: f.span(f.at, f.at + 1 + digits),
            help: format!("write a digit before the point: `0{number}`"),
        });
    }
    let previous = f.previous()?;
    let grouped = f.raw == ","
        && !f.expects_punct(",")
        && previous.1 == f.at
        && f.text_of(previous).bytes().all(|b| b.is_ascii_digit())
        && after.len() >= 3
        && after.as_bytes()[..3].iter().all(u8::is_ascii_digit);
    if !grouped {
        return None;
    }
    let rest = after
        .find(|c: char| !(c.is_ascii_digit() || c == ','))
        .unwrap_or(after.len());
    let number = &f.text[previous.0..f.at + 1 + rest];
    Some(SyntaxError::MalformedNumber {
        found: number.to_string(),
        span: f.span(previous.0, f.at + 1 + rest),
        help: format!(
            "group the digits of a number with `_`: `{}`",
            number.replace(',', "_")
        ),
    })
}

/// `=` or `:` (or an operator) with nothing after it before a closing bracket or a new field.
fn missing_value(f: &Failure) -> Option<SyntaxError> {
    if !f.expects(Expected::Value) || f.found_value_start() {
        return None;
    }
    let previous = f.previous()?;
    let previous_text = f.text_of(previous);
    if previous_text == "=" || previous_text == ":" {
        return Some(missing_value_at(f, previous));
    }
    (is_operator(previous_text) && previous_text != f.raw).then(|| SyntaxError::MissingOperand {
        op: previous_text.to_string(),
        span: f.span(previous.0, previous.1),
    })
}

/// `95 %`.
fn space_before_percent(f: &Failure) -> Option<SyntaxError> {
    let previous = f.previous()?;
    let after_number = f
        .text_of(previous)
        .starts_with(|c: char| c.is_ascii_digit());
    let spaced = previous.1 < f.at;
    (f.raw == "%" && after_number && spaced).then(|| SyntaxError::SpaceBeforePercent {
        span: f.span(previous.1, f.at),
    })
}

/// `start..end` where only an expression may stand (conditions, metrics).
fn range_not_allowed(f: &Failure) -> Option<SyntaxError> {
    if f.raw != ".." || f.expects_punct("..") {
        return None;
    }
    let help = if f.in_statement(&["require", "warn"]) {
        "a condition is an expression, not a range; compare with both ends instead, as in `x >= 0.5 and x <= 0.9`"
    } else {
        "ranges are values of fields, call arguments, list elements, perturbations and member selections, not parts of an expression"
    };
    Some(SyntaxError::RangeNotAllowed {
        span: f.token_span(),
        help: help.to_string(),
    })
}

/// `"ID" = gate`, `"ID": gate` or `"ID" -> gate` in a map.
fn map_arrow(f: &Failure) -> Option<SyntaxError> {
    if !f.in_statement(&["map"]) || !matches!(f.raw, "=" | ":" | "-" | "<=") {
        return None;
    }
    if !f.text_of(f.previous()?).starts_with('"') {
        return None;
    }
    let len = if f.text[f.at..].starts_with("->") {
        2
    } else {
        f.raw.len()
    };
    Some(SyntaxError::MapArrow {
        found: f.text[f.at..f.at + len].to_string(),
        span: f.span(f.at, f.at + len),
    })
}

/// `:` where `=` belongs and the other way round, with the form the context wants.
fn colon_or_equals(f: &Failure) -> Option<SyntaxError> {
    if f.raw == ":" && f.expects_punct("=") {
        let help = if f.in_selector() {
            "a member selection is written `noise[sigma = 0.1]`; `:` names an argument inside a call, as in `gaussian_noise(sigma: 0.1)`"
        } else if f.in_statement(&["perturbation", "metric"]) && f.enclosing().is_none() {
            "a perturbation or metric is bound with `=`, as in `perturbation noise = gaussian_noise(sigma: 0.1)`"
        } else {
            "a field is written `name = value`; `:` names an argument inside a call, as in `gaussian_noise(sigma: 0.1)`"
        };
        return Some(SyntaxError::ColonInsteadOfEquals {
            span: f.token_span(),
            help: help.to_string(),
        });
    }
    if f.raw == "=" && f.expects_punct(":") {
        let help = match (f.enclosing(), f.statement) {
            (None, Some(kw @ ("require" | "warn"))) => {
                format!("a gate is written `{kw} NAME: condition`, as in `{kw} clean_accuracy: accuracy(mlp, clean) >= 95%`")
            }
            _ => "a call names its arguments with `:`, as in `gaussian_noise(sigma: 0.1)`; `=` sets fields and selects sweep members".to_string(),
        };
        return Some(SyntaxError::EqualsInsteadOfColon {
            span: f.token_span(),
            help,
        });
    }
    None
}

/// A misspelled keyword inside a declaration, or one left out.
fn keyword_problem(f: &Failure) -> Option<SyntaxError> {
    let keywords: Vec<&'static str> = f
        .expected
        .iter()
        .filter_map(|e| match e {
            Expected::Keyword("with confidence") => Some("with"),
            Expected::Keyword(k) => Some(*k),
            _ => None,
        })
        .collect();
    if keywords.is_empty() {
        return None;
    }
    let help = statement_help(f.statement).unwrap_or_default();
    if f.raw == "confidence" && keywords.contains(&"with") {
        return Some(SyntaxError::MissingKeyword {
            keyword: "with",
            span: f.token_span(),
            help: "a confidence level follows the condition as `with confidence 95%`".to_string(),
        });
    }
    if f.found_word() {
        if let Some(keyword) = closest(f.raw, &keywords).filter(|k| *k != f.raw) {
            return Some(SyntaxError::MisspelledKeyword {
                found: f.raw.to_string(),
                keyword,
                span: f.token_span(),
                help,
            });
        }
    }
    let required = ["on", "as", "confidence"]
        .into_iter()
        .find(|k| keywords.contains(k))?;
    f.found_value_start().then(|| SyntaxError::MissingKeyword {
        keyword: required,
        span: f.token_span(),
        help,
    })
}

/// Two list elements or arguments with no `,` between them.
fn missing_comma(f: &Failure) -> Option<SyntaxError> {
    if !f.expects_punct(",") || !f.found_value_start() {
        return None;
    }
    let help = match f.enclosing() {
        Some(('(', _)) => "separate the arguments of a call with `,`",
        Some(('[', _)) => "separate the elements of a list with `,`",
        _ => return None,
    };
    Some(SyntaxError::MissingComma {
        span: f.token_span(),
        help: help.to_string(),
    })
}

/// `x = 0` in a condition or a metric.
fn equals_in_condition(f: &Failure) -> Option<SyntaxError> {
    let in_expression = f.in_statement(&["require", "warn", "metric"]);
    (f.raw == "=" && in_expression && f.expects(Expected::Operator)).then(|| {
        SyntaxError::EqualsInCondition {
            span: f.token_span(),
        }
    })
}

/// A word where a declaration should start.
fn unknown_item(f: &Failure) -> Option<SyntaxError> {
    let at_item =
        f.expects(Expected::ItemKeyword("dataset")) && f.expects(Expected::ItemKeyword("model"));
    if !at_item || !f.found_word() {
        return None;
    }
    let after = f.text[f.at + f.raw.len()..].trim_start();
    let lowercase = f.raw.to_lowercase();
    let help = if after.starts_with('=') && !after.starts_with("==") {
        format!(
            "a field belongs inside a block, as in `benchmark NAME {{ {} = ... }}`",
            f.raw
        )
    } else if lowercase != f.raw && ITEM_KEYWORDS.contains(&lowercase.as_str()) {
        format!("keywords are lowercase: write `{lowercase}`")
    } else if let Some(k) = closest(f.raw, &ITEM_KEYWORDS) {
        format!("did you mean `{k}`?")
    } else if f.in_statement(&["evaluate"]) && f.text[..f.at].trim_end().ends_with(is_name_char) {
        "list several names in brackets, as in `under [noise, blur]`".to_string()
    } else {
        format!("a declaration starts with one of {}", keyword_list())
    };
    Some(SyntaxError::UnknownItem {
        found: f.raw.to_string(),
        span: f.token_span(),
        help,
    })
}

/// A reserved word met where a name belongs.
fn reserved_word_found(f: &Failure) -> Option<SyntaxError> {
    (RESERVED.contains(&f.raw) && f.expects(Expected::Name)).then(|| SyntaxError::ReservedWord {
        word: f.raw.to_string(),
        span: f.token_span(),
    })
}

/// The general case: what was found and expected, with the likeliest fix as help.
fn unexpected(f: &Failure) -> SyntaxError {
    let expected = if f.expects(Expected::ItemKeyword("dataset")) {
        let mut rest = f.expected.clone();
        rest.retain(|e| !matches!(e, Expected::ItemKeyword(_) | Expected::EndOfFile));
        rest.insert(Expected::Declaration);
        list(&rest)
    } else {
        list(f.expected)
    };
    // `a<-1`: the grammar stops inside `<-`, which it refuses as `<`; show both characters.
    let arrow = f.raw == "-" && f.text[..f.at].ends_with('<');
    let (found, span) = if arrow {
        ("`<-`".to_string(), f.span(f.at - 1, f.at + 1))
    } else {
        (f.found.clone(), f.token_span())
    };
    SyntaxError::UnexpectedToken {
        found,
        expected,
        span,
        help: unexpected_help(f).or_else(|| statement_help(f.statement)),
    }
}

fn unexpected_help(f: &Failure) -> Option<String> {
    let previous = f.previous().map(|p| f.text_of(p)).unwrap_or_default();
    let kw = f.statement.unwrap_or("declaration");
    let help = match f.raw {
        "=" if f.expects_punct("{") => format!("a block follows its name directly: `{kw} {previous} {{`"),
        "{" if f.expects_punct("=") && f.enclosing().is_some() => {
            format!("fields do not nest: give `{previous}` a value, as in `{previous} = npz(\"digits.npz\")`")
        }
        "{" if f.expects_punct("=") => format!("a {kw} is not a block; it is bound to a value: `{kw} {previous} = ...`"),
        "{" if f.expects(Expected::Name) => format!("give the {kw} a name: `{kw} NAME {{`"),
        "-" if f.previous().is_some_and(|p| p.1 == f.at) && !f.expects(Expected::Operator) => {
            "names are written with `_`, not `-`, as in `digits_cnn`".to_string()
        }
        "-" | "<" if f.text[..f.at].ends_with('<') || f.text[f.at..].starts_with("<-") => {
            "`<-` is the arrow of a mapping: to compare with a negative value, write a space, as in `a < -1`".to_string()
        }
        "." if f.text[..f.at].ends_with("..") => "a range is written with two dots, as in `1..5`".to_string(),
        "," | "(" if f.in_statement(&["evaluate"]) => {
            "list several names in brackets, as in `evaluate [mlp, cnn] on digits_test`".to_string()
        }
        "," if matches!(f.enclosing(), Some(('{', _))) => {
            "fields are not separated by commas: remove the `,` (one field per line)".to_string()
        }
        "(" if f.in_statement(&["require", "warn"]) && f.expects_punct(":") => {
            format!("a gate is named before its condition, as in `{kw} clean_accuracy: {previous}(...) >= 95%`")
        }
        _ if f.in_statement(&["require", "warn"]) && f.expects_punct(":") && f.found_word() => {
            format!("a gate's name is followed by `:`, as in `{kw} {previous}: {} ...`", f.raw)
        }
        "=" => "`=` sets a field or selects a sweep member; compare with `==`".to_string(),
        _ if f.raw == previous && is_operator(previous) => format!("`{previous}` is written twice"),
        _ if f.raw.starts_with('"') && previous.starts_with('"') => {
            "two strings stand side by side: join them into one string, or make a list `[\"a\", \"b\"]`".to_string()
        }
        _ if f.raw.starts_with(|c: char| !c.is_ascii() && c.is_alphabetic()) => {
            "names are written with ASCII letters, digits and `_`".to_string()
        }
        _ => return string_or_name_help(f),
    };
    Some(help)
}

/// Help when a string stands where a name belongs, or the other way round.
fn string_or_name_help(f: &Failure) -> Option<String> {
    let wants_name = f.expects(Expected::Name) || f.expects(Expected::Field);
    if wants_name && f.in_selector() {
        return Some(
            "a member selection names the parameter, as in `noise[sigma = 0.1]`".to_string(),
        );
    }
    if wants_name && f.raw.starts_with(|c: char| c.is_ascii_digit()) {
        return Some("a name starts with a letter or `_`, as in `mlp_2layer`".to_string());
    }
    if wants_name && f.raw.starts_with('"') && matches!(f.enclosing(), Some(('{', _))) {
        let name = f.raw.trim_matches('"');
        return Some(format!("field names are not quoted: write `{name} = ...`"));
    }
    if !f.expects(Expected::StringLit) {
        return None;
    }
    let help = match f.statement {
        Some("import") => {
            "the path of an import is a string: `import \"suites/noise.rbench\" as noise`"
                .to_string()
        }
        Some("control") => "a control is written `control \"ID\" \"text\"`".to_string(),
        Some("map") if f.found_word() && f.expects_punct(",") => {
            let line_end = f.text[f.at..].find('\n').map_or(f.text.len(), |n| f.at + n);
            let words = f.text[f.at..line_end].trim_end();
            format!("a rationale is a string: write `\"{words}\"`")
        }
        Some("map") if f.found_word() => {
            format!("the control ID is a string: write `\"{}\" <- ...`", f.raw)
        }
        _ => return None,
    };
    Some(help)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_operator(token: &str) -> bool {
    matches!(
        token,
        "+" | "-" | "*" | "/" | "==" | "!=" | ">=" | "<=" | ">" | "<" | "and" | "or" | "not"
    )
}

/// The declaration keyword that starts the statement around `pos` (or `control` for a control
/// line), from the nearest line above that starts with one.
fn statement_at(text: &str, pos: usize) -> Option<&'static str> {
    text[..pos]
        .lines()
        .rev()
        .filter_map(|line| line.split_whitespace().next())
        .find_map(|w| {
            ITEM_KEYWORDS
                .iter()
                .chain(&["control"])
                .find(|k| **k == w)
                .copied()
        })
}

/// How the declaration `keyword` is written.
fn statement_help(keyword: Option<&str>) -> Option<String> {
    let shape = match keyword? {
        keyword @ ("benchmark" | "dataset" | "model") => {
            format!("{keyword} NAME {{ field = value ... }}")
        }
        "perturbation" => "perturbation NAME = generator(param: value, ...)".to_string(),
        "metric" => "metric NAME = expression".to_string(),
        "evaluate" => "evaluate [models] on [datasets] under [perturbations]".to_string(),
        keyword @ ("require" | "warn") => format!("{keyword} NAME: condition with confidence 95%"),
        "map" => "map FRAMEWORK { \"ID\" <- gate, ... \"rationale\" }".to_string(),
        "framework" => "framework NAME { control \"ID\" \"text\" ... }".to_string(),
        "control" => "control \"ID\" \"text\"".to_string(),
        _ => "import \"path.rbench\" as NAME".to_string(),
    };
    Some(format!("this declaration is written `{shape}`"))
}
