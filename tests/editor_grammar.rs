//! The TextMate grammar of `editors/vscode` against our own parser. Every spec the project ships
//! or tests is tokenized by the engine VS Code uses (`editors/tests/tokenize.mjs`, when
//! `RBENCH_TEXTMATE` names the folder holding its npm packages), and every comment, string,
//! number, keyword and declared name that `rbench::syntax` finds must carry the matching scope,
//! while no name the parser reads as a plain identifier may look like a keyword.

mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;

use pest::iterators::Pair;
use pest::Parser;
use rbench::risk::{Catalog, Lookup, AI_RMF_NAME};
use rbench::syntax::parser::{RbenchParser, Rule};
use rbench::syntax::{parse_with_comments, FileId, SourceFile};
use serde_json::Value;

const GRAMMAR: &str = "editors/vscode/syntaxes/rbench.tmLanguage.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(relative: &str) -> Value {
    let text = std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not JSON: {e}"))
}

/// What a stretch of source is, as the scope an editor should give it.
#[derive(Debug, Clone, Copy)]
enum Class {
    Comment,
    String,
    Escape,
    Number,
    Boolean,
    Keyword,
    Operator,
    DeclaredName,
    Function,
    Parameter,
    AiRmfSubcategory,
}

impl Class {
    /// The scope prefix of this class (TextMate's naming conventions); keywords have their own test.
    fn accepts(self, scope: &str) -> bool {
        let prefix = match self {
            Class::Comment => "comment.",
            Class::String => "string.quoted.double.",
            Class::Escape => "constant.character.escape.",
            Class::Number => "constant.numeric.",
            Class::Boolean => "constant.language.boolean.",
            Class::Keyword => return is_keyword_scope(scope),
            Class::Operator => "keyword.operator.",
            Class::DeclaredName => "entity.name.",
            Class::Function => "support.function.",
            Class::Parameter => "variable.parameter.",
            Class::AiRmfSubcategory => "support.constant.nist-ai-rmf.",
        };
        scope.starts_with(prefix)
    }
}

/// Whether `scope` marks a keyword of the language (operators such as `and` are not keywords).
fn is_keyword_scope(scope: &str) -> bool {
    (scope.starts_with("keyword.") && !scope.starts_with("keyword.operator."))
        || scope.starts_with("storage.")
}

/// What the tokens over a span must show.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Is(Class),
    /// A plain identifier: whatever its scope, not a keyword's.
    NotKeyword,
}

/// What the parser says about one file: byte ranges and what each must look like.
fn expectations(source: &SourceFile) -> Vec<(Range<usize>, Expect)> {
    let parsed = parse_with_comments(source).expect("only files that parse are compared");
    let mut found: Vec<(Range<usize>, Expect)> = parsed
        .comments
        .iter()
        .map(|comment| {
            (
                comment.span.start..comment.span.end,
                Expect::Is(Class::Comment),
            )
        })
        .collect();
    let pairs = RbenchParser::parse(Rule::file, &source.text[..]).expect("the file parsed above");
    for pair in pairs {
        walk(pair, &mut found);
    }
    found
}

/// Adds what `pair` and everything under it must look like.
fn walk(pair: Pair<'_, Rule>, found: &mut Vec<(Range<usize>, Expect)>) {
    let range = pair_range(&pair);
    let named = |rule: Rule| pair.clone().into_inner().find(|p| p.as_rule() == rule);
    let rule = pair.as_rule();
    let mut expect = |range: Range<usize>, class: Class| found.push((range, Expect::Is(class)));
    match rule {
        Rule::string => {
            expect(range.clone(), Class::String);
            for escape in escapes(pair.as_str()) {
                expect(
                    range.start + escape.start..range.start + escape.end,
                    Class::Escape,
                );
            }
        }
        Rule::number | Rule::percent | Rule::fraction => expect(range, Class::Number),
        Rule::boolean => expect(range, Class::Boolean),
        Rule::neg
        | Rule::not
        | Rule::or
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
        | Rule::div
        | Rule::range_op => expect(range, Class::Operator),
        Rule::ident => found.push((range, Expect::NotKeyword)),
        Rule::benchmark
        | Rule::dataset
        | Rule::model
        | Rule::perturbation
        | Rule::metric
        | Rule::map
        | Rule::framework
        | Rule::gate
        | Rule::import => {
            let name = named(Rule::ident).expect("every declaration has a name");
            expect(pair_range(&name), Class::DeclaredName);
            if rule == Rule::map && name.as_str() == AI_RMF_NAME {
                for id in ai_rmf_subcategories(&pair) {
                    expect(id, Class::AiRmfSubcategory);
                }
            }
        }
        Rule::field | Rule::select | Rule::arg => {
            if let Some(name) = named(Rule::ident) {
                expect(pair_range(&name), Class::Parameter);
            }
        }
        Rule::call => {
            let path = named(Rule::path).expect("a call starts with its path");
            let function = path.into_inner().last().expect("a path has a name");
            expect(pair_range(&function), Class::Function);
        }
        _ if format!("{rule:?}").starts_with("kw_") => expect(range, Class::Keyword),
        _ => {}
    }
    for inner in pair.into_inner() {
        walk(inner, found);
    }
}

/// The control ids of a `map nist_ai_rmf` that the built-in catalog knows, without their quotes.
fn ai_rmf_subcategories(map: &Pair<'_, Rule>) -> Vec<Range<usize>> {
    map.clone()
        .into_inner()
        .filter(|entry| entry.as_rule() == Rule::map_entry)
        .filter_map(|entry| {
            let id = entry.into_inner().next()?.into_inner().next()?;
            let known = matches!(Catalog::ai_rmf().lookup(id.as_str()), Lookup::Found(_));
            known.then(|| pair_range(&id))
        })
        .collect()
}

fn pair_range(pair: &Pair<'_, Rule>) -> Range<usize> {
    pair.as_span().start()..pair.as_span().end()
}

/// The escapes of a string literal (quotes included) that parsed: byte ranges in it.
fn escapes(literal: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = literal[at..].find('\\') {
        let start = at + offset;
        let end = if literal[start + 1..].starts_with("u{") {
            start
                + literal[start..]
                    .find('}')
                    .expect("a parsed \\u{…} escape is closed")
                + 1
        } else {
            start + 2
        };
        found.push(start..end);
        at = end;
    }
    found
}

/// The scopes of the token over each byte of a file, from the tokenizer's output for it.
fn scopes_by_byte(text: &str, tokenized: &Value) -> Vec<Option<Vec<String>>> {
    let mut scopes = vec![None; text.len()];
    let number = |value: &Value, key: &str| {
        value[key]
            .as_u64()
            .unwrap_or_else(|| panic!("tokenizer output lacks {key}")) as usize
    };
    for line in tokenized["lines"].as_array().expect("lines") {
        let offset = number(line, "offset");
        for token in line["tokens"].as_array().expect("tokens") {
            let names: Vec<String> = token["scopes"]
                .as_array()
                .expect("scopes")
                .iter()
                .map(|scope| scope.as_str().expect("a scope name").to_string())
                .collect();
            for slot in &mut scopes[offset + number(token, "start")..offset + number(token, "end")]
            {
                *slot = Some(names.clone());
            }
        }
    }
    scopes
}

/// Where the tokens over `range` do not show what `expect` asks, as one line of a report.
fn mismatch(
    source: &SourceFile,
    scopes: &[Option<Vec<String>>],
    range: Range<usize>,
    expect: Expect,
) -> Option<String> {
    let text = &source.text;
    let wrong = range.clone().find(|&at| {
        if matches!(text.as_bytes()[at], b'\n' | b'\r') {
            return false;
        }
        let token = scopes[at].as_deref().unwrap_or_default();
        match expect {
            Expect::Is(class) => !token.iter().any(|scope| class.accepts(scope)),
            Expect::NotKeyword => token.iter().any(|scope| is_keyword_scope(scope)),
        }
    })?;
    let before = &text[..wrong];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |at| at + 1)..]
        .chars()
        .count()
        + 1;
    let wanted = match expect {
        Expect::Is(class) => format!("{class:?}"),
        Expect::NotKeyword => "a name, not a keyword".to_string(),
    };
    Some(format!(
        "{}:{line}:{column}: `{}` should be {wanted}; the editor sees {:?}",
        source.name,
        &text[range],
        scopes[wrong].as_deref().unwrap_or_default()
    ))
}

/// Every spec the project ships or tests that parses, and the editor grammar's own fixtures (which
/// must parse), each named by its path in the repository.
fn parsing_specs() -> Vec<(PathBuf, SourceFile)> {
    let folders = [
        ("tests/fixtures/syntax/valid", false),
        ("tests/fixtures/check", false),
        ("specs", false),
        ("examples", false),
        ("editors/tests/fixtures", true),
    ];
    folders
        .iter()
        .flat_map(|&(folder, must_parse)| {
            support::rbench_files(&root().join(folder))
                .into_iter()
                .map(move |path| (path, must_parse))
        })
        .filter_map(|(path, must_parse)| {
            let bytes = std::fs::read(&path).expect("a readable spec");
            let name = path
                .strip_prefix(root())
                .unwrap_or(&path)
                .display()
                .to_string();
            let parsed = SourceFile::from_bytes(FileId(0), name, bytes)
                .and_then(|source| parse_with_comments(&source).map(|_| source));
            match parsed {
                Ok(source) => Some((path, source)),
                Err(errors) if must_parse => panic!("{errors:?}"),
                Err(_) => None,
            }
        })
        .collect()
}

/// Runs the TextMate engine over `files`; the npm packages live under `modules`.
fn tokenize(modules: &std::ffi::OsStr, files: &[&Path]) -> Vec<Value> {
    let output = Command::new("node")
        .arg(root().join("editors/tests/tokenize.mjs"))
        .arg(root().join(GRAMMAR))
        .args(files)
        .env("RBENCH_TEXTMATE", modules)
        .output()
        .expect("run node (RBENCH_TEXTMATE is set, so node must be installed)");
    assert!(
        output.status.success(),
        "the tokenizer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Value = serde_json::from_slice(&output.stdout).expect("the tokenizer prints JSON");
    parsed.as_array().expect("one entry per file").clone()
}

/// The tokens of the TextMate grammar agree with the parser on every spec, all mismatches at once.
#[test]
fn textmate_scopes_agree_with_the_parser() {
    let Some(modules) = std::env::var_os("RBENCH_TEXTMATE") else {
        eprintln!(
            "RBENCH_TEXTMATE is not set: the editor grammar is not tokenized (set it to a folder \
             where `npm ci` installed editors/tests/package-lock.json)"
        );
        return;
    };
    let specs = parsing_specs();
    assert!(specs.len() > 50, "only {} specs found", specs.len());
    let paths: Vec<&Path> = specs.iter().map(|(path, _)| path.as_path()).collect();
    let tokenized = tokenize(&modules, &paths);
    assert_eq!(tokenized.len(), specs.len());
    let mut report = String::new();
    let mut checked = 0;
    for ((_, source), tokens) in specs.iter().zip(&tokenized) {
        let scopes = scopes_by_byte(&source.text, tokens);
        for (range, expect) in expectations(source) {
            checked += 1;
            if let Some(line) = mismatch(source, &scopes, range, expect) {
                writeln!(report, "{line}").expect("write to a string");
            }
        }
    }
    assert!(
        report.is_empty(),
        "the editor grammar disagrees with the parser:\n{report}"
    );
    eprintln!("{checked} spans of {} specs agree", specs.len());
}

/// The keywords of `grammar/rbench.pest` (its `kw_*` rules), each checked to be named after its word.
fn pest_keywords() -> BTreeSet<String> {
    let grammar = std::fs::read_to_string(root().join("grammar/rbench.pest")).expect("the grammar");
    grammar
        .lines()
        .filter(|line| line.starts_with("kw_"))
        .map(|line| {
            let rule = line.split_whitespace().next().expect("a rule name");
            let word = line.split('"').nth(1).expect("a keyword literal");
            assert_eq!(
                rule,
                format!("kw_{word}"),
                "keyword rules are named after their word"
            );
            word.to_string()
        })
        .collect()
}

/// Every scope name used in a TextMate grammar (rule names and capture names).
fn scope_names(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                match (key.as_str(), inner) {
                    ("name", Value::String(name)) => found.push(name.clone()),
                    _ => scope_names(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| scope_names(item, found)),
        _ => {}
    }
}

/// The editor grammar knows exactly the keywords of the pest grammar: every keyword scope is
/// named `<kind>.<word>.rbench`, and the words are the `kw_*` literals.
#[test]
fn editor_keywords_are_the_grammar_keywords() {
    let mut names = Vec::new();
    scope_names(&read_json(GRAMMAR)["repository"], &mut names);
    let keywords: BTreeSet<String> = names
        .iter()
        .filter(|name| is_keyword_scope(name))
        .map(|name| {
            let parts: Vec<&str> = name.split('.').collect();
            assert!(
                parts.len() == 4 && parts[3] == "rbench",
                "keyword scope `{name}` is not `<kind>.<word>.rbench`"
            );
            parts[2].to_string()
        })
        .collect();
    let grammar = pest_keywords();
    let missing: Vec<_> = grammar.difference(&keywords).collect();
    let unknown: Vec<_> = keywords.difference(&grammar).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "keywords of grammar/rbench.pest missing from {GRAMMAR}: {missing:?}; keywords there \
         that the pest grammar lacks: {unknown:?}"
    );
}

/// The VS Code extension names the language, its files, its grammar and its configuration, and
/// the files it names exist and are JSON.
#[test]
fn vscode_extension_is_complete() {
    let manifest = read_json("editors/vscode/package.json");
    let contributes = &manifest["contributes"];
    let language = &contributes["languages"][0];
    assert_eq!(language["id"], "rbench");
    assert_eq!(language["extensions"][0], ".rbench");
    let configuration = language["configuration"].as_str().expect("a configuration");
    let configuration = read_json(&format!("editors/vscode/{configuration}"));
    assert_eq!(configuration["comments"]["lineComment"], "//");
    let grammar = &contributes["grammars"][0];
    assert_eq!(grammar["language"], "rbench");
    assert_eq!(grammar["scopeName"], "source.rbench");
    let path = grammar["path"].as_str().expect("a grammar path");
    assert_eq!(
        root().join("editors/vscode").join(path).canonicalize().ok(),
        root().join(GRAMMAR).canonicalize().ok()
    );
    assert_eq!(read_json(GRAMMAR)["scopeName"], "source.rbench");
}
