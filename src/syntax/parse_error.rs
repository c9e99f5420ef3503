//! Turns a failed parse into one diagnostic: what was found, what was expected in words a spec
//! author uses, and a fix where the mistake is a common one.

use std::collections::BTreeSet;
use std::sync::Mutex;

use pest::error::InputLocation;
use pest::Parser as _;

use super::error::SyntaxError;
use super::parser::{RbenchParser, Rule};
use super::source::SourceFile;
use super::span::Span;

/// Guards pest's global "collect error details" switch while a failed parse is repeated.
static DETAIL: Mutex<()> = Mutex::new(());

/// The words that start a top-level declaration.
const ITEM_KEYWORDS: [&str; 11] = [
    "benchmark",
    "dataset",
    "model",
    "perturbation",
    "metric",
    "evaluate",
    "require",
    "warn",
    "map",
    "framework",
    "import",
];

/// Keywords that appear inside declarations.
const CONTEXT_KEYWORDS: [&str; 7] = ["on", "under", "with", "confidence", "control", "as", "step"];

const RESERVED: [&str; 5] = ["true", "false", "and", "or", "not"];

/// Re-parses `source` (known to fail) with pest's error details on and describes the failure.
pub fn diagnose(source: &SourceFile) -> SyntaxError {
    let text: &str = &source.text;
    let error = {
        let _guard = DETAIL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pest::set_error_detail(true);
        let result = RbenchParser::parse(Rule::file, text);
        pest::set_error_detail(false);
        match result {
            Ok(_) => unreachable!("diagnose is called on text that does not parse"),
            Err(error) => error,
        }
    };
    let mut pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    let mut expected = BTreeSet::new();
    if let Some(attempts) = error.parse_attempts() {
        pos = pos.max(attempts.max_position);
        for stack in attempts.call_stacks() {
            if let Some(rule) = stack.deepest.get_rule() {
                expected.insert(Expected::of_rule(*rule));
            }
        }
        for token in attempts.expected_tokens() {
            expected.insert(Expected::of_token(&token.to_string()));
        }
    }
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant {
        if expected.is_empty() {
            expected.extend(positives.iter().map(|r| Expected::of_rule(*r)));
        }
    }
    simplify(&mut expected);
    describe(source, pos, &expected)
}

/// Something the parser would have accepted, ordered as a reader would list it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Expected {
    ItemKeyword(&'static str),
    Keyword(&'static str),
    Name,
    Value,
    Field,
    Mapping,
    StringLit,
    Operator,
    Punct(String),
    EndOfFile,
    Skip,
}

impl Expected {
    fn of_rule(rule: Rule) -> Expected {
        match rule {
            Rule::kw_benchmark => Expected::ItemKeyword("benchmark"),
            Rule::kw_dataset => Expected::ItemKeyword("dataset"),
            Rule::kw_model => Expected::ItemKeyword("model"),
            Rule::kw_perturbation => Expected::ItemKeyword("perturbation"),
            Rule::kw_metric => Expected::ItemKeyword("metric"),
            Rule::kw_evaluate => Expected::ItemKeyword("evaluate"),
            Rule::kw_require | Rule::gate_kind => Expected::ItemKeyword("require"),
            Rule::kw_warn => Expected::ItemKeyword("warn"),
            Rule::kw_map => Expected::ItemKeyword("map"),
            Rule::kw_framework => Expected::ItemKeyword("framework"),
            Rule::kw_import => Expected::ItemKeyword("import"),
            Rule::kw_on => Expected::Keyword("on"),
            Rule::kw_under => Expected::Keyword("under"),
            Rule::kw_with | Rule::confidence => Expected::Keyword("with confidence"),
            Rule::kw_confidence => Expected::Keyword("confidence"),
            Rule::kw_control | Rule::control => Expected::Keyword("control"),
            Rule::kw_as => Expected::Keyword("as"),
            Rule::kw_step => Expected::Keyword("step"),
            Rule::ident | Rule::path | Rule::name_list => Expected::Name,
            Rule::field => Expected::Field,
            Rule::map_entry => Expected::Mapping,
            Rule::string | Rule::rationale => Expected::StringLit,
            Rule::value
            | Rule::expr
            | Rule::number
            | Rule::percent
            | Rule::fraction
            | Rule::boolean
            | Rule::list
            | Rule::paren
            | Rule::call
            | Rule::arg
            | Rule::neg
            | Rule::not => Expected::Value,
            Rule::or
            | Rule::and
            | Rule::eq
            | Rule::ne
            | Rule::ge
            | Rule::le
            | Rule::gt
            | Rule::lt
            | Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div => Expected::Operator,
            Rule::selector => Expected::Operator,
            Rule::select => Expected::Name,
            Rule::range_op => Expected::Punct("..".into()),
            Rule::block => Expected::Punct("{".into()),
            Rule::EOI => Expected::EndOfFile,
            _ => Expected::Skip,
        }
    }

    fn of_token(token: &str) -> Expected {
        if let Some(k) = ITEM_KEYWORDS.iter().find(|k| **k == token) {
            return Expected::ItemKeyword(k);
        }
        if let Some(k) = CONTEXT_KEYWORDS.iter().find(|k| **k == token) {
            return Expected::Keyword(k);
        }
        match token {
            "{" | "}" | "(" | ")" | "[" | "]" | "=" | ":" | "," | "<-" | ".." => {
                Expected::Punct(token.to_string())
            }
            "-" | "not" | "true" | "false" => Expected::Value,
            "+" | "*" | "/" | "==" | "!=" | ">=" | "<=" | ">" | "<" | "or" | "and" => {
                Expected::Operator
            }
            "\"" => Expected::StringLit,
            _ => Expected::Skip,
        }
    }

    fn describe(&self) -> String {
        match self {
            Expected::ItemKeyword(k) | Expected::Keyword(k) => format!("`{k}`"),
            Expected::Name => "a name".into(),
            Expected::Value => "a value".into(),
            Expected::Field => "a field (`name = value`)".into(),
            Expected::Mapping => "a mapping (`\"ID\" <- gate`)".into(),
            Expected::StringLit => "a string".into(),
            Expected::Operator => "an operator".into(),
            Expected::Punct(p) => format!("`{p}`"),
            Expected::EndOfFile => "the end of the file".into(),
            Expected::Skip => String::new(),
        }
    }
}

/// Drops expectations that a broader one already covers.
fn simplify(expected: &mut BTreeSet<Expected>) {
    expected.remove(&Expected::Skip);
    if expected.contains(&Expected::Value) {
        for covered in [
            Expected::Name,
            Expected::StringLit,
            Expected::Punct("(".into()),
            Expected::Punct("[".into()),
        ] {
            expected.remove(&covered);
        }
    }
    if expected.contains(&Expected::Operator) {
        expected.remove(&Expected::Punct("[".into()));
    }
    if expected.contains(&Expected::Punct("=".into())) {
        expected.remove(&Expected::Field);
    }
}

/// "a, b or c".
fn list(expected: &BTreeSet<Expected>) -> String {
    let mut words: Vec<String> = Vec::new();
    let items: Vec<&Expected> = expected.iter().collect();
    let has_item_keywords = items
        .iter()
        .filter(|e| matches!(e, Expected::ItemKeyword(_)))
        .count()
        > 3;
    if has_item_keywords {
        words.push("a declaration".into());
    }
    for e in items {
        if has_item_keywords && matches!(e, Expected::ItemKeyword(_)) {
            continue;
        }
        words.push(e.describe());
    }
    match words.len() {
        0 => "something else".into(),
        1 => words.remove(0),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

/// The token at `pos`, in words, and its byte length.
fn found_token(text: &str, pos: usize) -> (String, usize) {
    let rest = &text[pos..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".into(), 0);
    };
    if first.is_alphabetic() || first == '_' {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        return (format!("`{}`", &rest[..len]), len);
    }
    if first.is_ascii_digit() {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '%'))
            .unwrap_or(rest.len());
        return (format!("number `{}`", &rest[..len]), len);
    }
    if first == '"' {
        let len = rest[1..].find('"').map_or(rest.len(), |n| n + 2);
        return ("string".into(), len);
    }
    for two in ["<-", "..", ">=", "<=", "==", "!=", "//", "/*"] {
        if rest.starts_with(two) {
            return (format!("`{two}`"), 2);
        }
    }
    (format!("`{first}`"), first.len_utf8())
}

fn describe(source: &SourceFile, pos: usize, expected: &BTreeSet<Expected>) -> SyntaxError {
    let text: &str = &source.text;
    let expects = |e: Expected| expected.contains(&e);
    // A reserved word where a name belongs: pest stops just after it, inside its lookahead.
    let before = text[..pos].trim_end();
    let last_word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |n| n + 1);
    let last_word = &before[last_word_start..];
    if RESERVED.contains(&last_word) && expects(Expected::Name) {
        let span = Span::new(source.id, last_word_start, before.len());
        return SyntaxError::ReservedWord {
            word: last_word.to_string(),
            span: span.into(),
        };
    }
    let pos = pos + (text[pos..].len() - text[pos..].trim_start().len());
    let (found, len) = found_token(text, pos);
    let span = Span::new(source.id, pos, pos + len);
    let word = found.trim_matches('`');

    if len == 0 {
        let end = text.trim_end().len();
        return SyntaxError::UnexpectedEof {
            expected: list(expected),
            span: Span::new(source.id, end, end).into(),
            help: statement_help(text, pos),
        };
    }
    if expects(Expected::ItemKeyword("dataset")) && expects(Expected::ItemKeyword("model")) {
        let help = match closest(word, &ITEM_KEYWORDS) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("a declaration starts with one of {}", keyword_list()),
        };
        return SyntaxError::UnknownItem {
            found: word.to_string(),
            span: span.into(),
            help,
        };
    }
    if found == "`:`" && expects(Expected::Punct("=".into())) {
        return SyntaxError::ColonInsteadOfEquals { span: span.into() };
    }
    if found == "`=`" && expects(Expected::Punct(":".into())) {
        return SyntaxError::EqualsInsteadOfColon { span: span.into() };
    }
    if RESERVED.contains(&word) && expects(Expected::Name) {
        return SyntaxError::ReservedWord {
            word: word.to_string(),
            span: span.into(),
        };
    }
    let starts_value = text[pos..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"' || c == '[');
    let help = if expects(Expected::Punct(",".into())) && starts_value {
        Some("separate the elements of a list with `,`".to_string())
    } else if expects(Expected::Punct("=".into())) && starts_value {
        Some("a field is written `name = value`".to_string())
    } else if found == "`=`" && expects(Expected::Punct("<-".into())) {
        Some("a mapping is written `\"ID\" <- gate_a, gate_b \"rationale\"`".to_string())
    } else if found == "`=`" {
        Some("`=` sets a field or selects a sweep member; compare with `==`".to_string())
    } else {
        statement_help(text, pos)
    };
    SyntaxError::UnexpectedToken {
        found,
        expected: list(expected),
        span: span.into(),
        help,
    }
}

/// How the declaration around `pos` is written, from the keyword that starts its line.
fn statement_help(text: &str, pos: usize) -> Option<String> {
    let keyword = text[..pos]
        .lines()
        .rev()
        .filter_map(|line| line.split_whitespace().next())
        .find(|w| ITEM_KEYWORDS.contains(w))?;
    let shape = match keyword {
        "benchmark" | "dataset" | "model" => format!("{keyword} NAME {{ field = value ... }}"),
        "perturbation" => "perturbation NAME = generator(param: value, ...)".to_string(),
        "metric" => "metric NAME = expression".to_string(),
        "evaluate" => "evaluate [models] on [datasets] under [perturbations]".to_string(),
        "require" | "warn" => format!("{keyword} NAME: condition with confidence 95%"),
        "map" => "map FRAMEWORK { \"ID\" <- gate, ... \"rationale\" }".to_string(),
        "framework" => "framework NAME { control \"ID\" \"text\" ... }".to_string(),
        _ => "import \"path.rbench\" as NAME".to_string(),
    };
    Some(format!("this declaration is written `{shape}`"))
}

fn keyword_list() -> String {
    let quoted: Vec<String> = ITEM_KEYWORDS.iter().map(|k| format!("`{k}`")).collect();
    quoted.join(", ")
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance between two strings, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
