//! Turns a failed parse into one diagnostic: what was found, what was expected in words a spec
//! author uses, and a fix where the mistake is a common one.

use std::collections::BTreeSet;
use std::sync::Mutex;

use pest::error::InputLocation;
use pest::Parser as _;

mod hints;

use super::error::SyntaxError;
use super::parser::{RbenchParser, Rule};
use super::source::SourceFile;

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

/// Words after which a value or name must follow.
const TAKES_VALUE: [&str; 7] = ["=", ":", "confidence", "step", "on", "under", "as"];

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
    hints::describe(source, pos, &expected)
}

/// Something the parser would have accepted, ordered as a reader would list it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Expected {
    /// Any declaration, standing for all the item keywords.
    Declaration,
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
            Expected::Declaration => "a declaration".into(),
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

/// Edit distance between two strings, counted in characters: insertions, deletions,
/// substitutions and swaps of two neighbours (`udner` is one edit from `under`).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between the first i characters of `a` and the first j of `b`.
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = rows[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(rows[i - 1][j] + 1).min(rows[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_swap_of_neighbours_as_one_edit() {
        assert_eq!(edit_distance("udner", "under"), 1);
        assert_eq!(edit_distance("datset", "dataset"), 1);
        assert_eq!(edit_distance("confidance", "confidence"), 1);
        assert_eq!(edit_distance("", "on"), 2);
        assert_eq!(edit_distance("over", "under"), 3);
        assert_eq!(closest("requre", &ITEM_KEYWORDS), Some("require"));
        assert_eq!(closest("blur", &ITEM_KEYWORDS), None);
    }
}
