//! One test per non-trivial grammar rule: what each accepts, what it refuses, and how much of the
//! input it consumes. Precedence and associativity are checked on the lowered AST.

use pest::Parser;
use rbench::syntax::ast::{ExprKind, ItemKind};
use rbench::syntax::parser::{RbenchParser, Rule};
use rbench::syntax::{parse, FileId, SourceFile};

/// The text `rule` matches at the start of `input`, or `None` when it does not match.
fn matched(rule: Rule, input: &str) -> Option<String> {
    RbenchParser::parse(rule, input)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .map(|pair| pair.as_str().to_string())
}

/// Asserts that `rule` matches the whole of each input.
#[track_caller]
fn accepts_all(rule: Rule, inputs: &[&str]) {
    for input in inputs {
        assert_eq!(
            matched(rule, input).as_deref(),
            Some(*input),
            "{rule:?} should match all of {input:?}"
        );
    }
}

/// Asserts that `rule` does not match at the start of any input.
#[track_caller]
fn rejects_all(rule: Rule, inputs: &[&str]) {
    for input in inputs {
        assert_eq!(
            matched(rule, input),
            None,
            "{rule:?} should refuse {input:?}"
        );
    }
}

/// Asserts that `rule` matches only `prefix` of `input`. Pest lets a rule end with the whitespace
/// it skipped before an optional part that then did not match, so that whitespace is ignored.
#[track_caller]
fn stops_after(rule: Rule, input: &str, prefix: &str) {
    assert_eq!(
        matched(rule, input).as_deref().map(str::trim_end),
        Some(prefix),
        "{rule:?} on {input:?}"
    );
}

#[test]
fn number_keeps_digits_decimals_exponents_and_underscores() {
    accepts_all(
        Rule::number,
        &[
            "42",
            "0.05",
            "1e-3",
            "2.5E+4",
            "1_000",
            "1_000.000_1",
            "7e10",
        ],
    );
    rejects_all(Rule::number, &[".5", "_1", "-1", "e3"]);
    stops_after(Rule::number, "1.", "1");
    stops_after(Rule::number, "1e", "1");
    stops_after(Rule::number, "1..5", "1");
    stops_after(Rule::number, "1 000", "1");
}

#[test]
fn percent_is_one_token_without_spaces() {
    accepts_all(Rule::percent, &["90%", "99.5%", "1_00%"]);
    rejects_all(Rule::percent, &["90 %", "%", ".5%", "90"]);
}

#[test]
fn fraction_is_one_token_without_spaces() {
    accepts_all(Rule::fraction, &["8/255", "1/4", "1_0/3"]);
    rejects_all(
        Rule::fraction,
        &["8 / 255", "8/ 255", "/4", "8/", "8/2.5", "8/2e3", "8/2E-3"],
    );
    stops_after(Rule::fraction, "1/4..1/2", "1/4");
    stops_after(Rule::fraction, "1/4.x", "1/4");
}

#[test]
fn string_accepts_escapes_and_refuses_raw_newlines() {
    accepts_all(
        Rule::string,
        &[
            r#""""#,
            r#""plain text""#,
            r#""quote \" backslash \\ n \n t \t r \r nul \0""#,
            r#""\u{1F600} \u{e9} \u{10FFFF}""#,
            r#""précision — 精度""#,
            r#""// not a comment /* either""#,
        ],
    );
    rejects_all(
        Rule::string,
        &[
            r#""\q""#,
            r#""\u{}""#,
            r#""\u{1234567}""#,
            r#""\u1F600""#,
            "\"line\nbreak\"",
            "\"carriage\rreturn\"",
            r#""unclosed"#,
            "'single'",
        ],
    );
    let inner = RbenchParser::parse(Rule::string, r#""a\"b""#)
        .expect("a string with an escaped quote")
        .next()
        .and_then(|pair| pair.into_inner().next())
        .map(|pair| (pair.as_rule(), pair.as_str().to_string()));
    assert_eq!(inner, Some((Rule::string_inner, r#"a\"b"#.to_string())));
}

#[test]
fn path_is_dotted_names_without_spaces() {
    accepts_all(Rule::path, &["a", "cc.blur", "a.b.c", "_private.x_1"]);
    rejects_all(Rule::path, &["1a", ".a", "true"]);
    stops_after(Rule::path, "a.", "a");
    stops_after(Rule::path, "cc . blur", "cc");
    stops_after(Rule::path, "a.true", "a");
}

#[test]
fn ident_refuses_reserved_words_but_not_their_prefixes_or_keywords() {
    accepts_all(
        Rule::ident,
        &[
            "x",
            "_x",
            "not_robust",
            "truex",
            "and2",
            "order",
            "model",
            "on",
            "step",
            "confidence",
        ],
    );
    rejects_all(
        Rule::ident,
        &["true", "false", "and", "or", "not", "2x", "σ", "-x"],
    );
    stops_after(Rule::ident, "digits-cnn", "digits");
}

#[test]
fn boolean_needs_a_word_boundary() {
    accepts_all(Rule::boolean, &["true", "false"]);
    rejects_all(Rule::boolean, &["trueish", "False", "false_positive"]);
}

#[test]
fn list_takes_values_with_an_optional_trailing_comma() {
    accepts_all(
        Rule::list,
        &[
            "[]",
            "[ ]",
            "[1]",
            "[1, 2,]",
            "[[0, 1], [2]]",
            "[0..1 step 0.25, 2]",
            "[\n  a, // comment\n  b,\n]",
        ],
    );
    rejects_all(Rule::list, &["[1 2]", "[,]", "[1,,2]", "[1", "(1, 2)"]);
}

#[test]
fn value_is_an_expression_or_a_range_with_an_optional_step() {
    accepts_all(
        Rule::value,
        &[
            "1..5",
            "1 .. 5",
            "0..1 step 0.25",
            "-30..30 step 15",
            "a + 1..b * 2",
            "noise",
        ],
    );
    stops_after(Rule::value, "1..5 step", "1..5");
    stops_after(Rule::value, "1..5 stepper 2", "1..5");
    stops_after(Rule::value, "0..1 step 1..2", "0..1 step 1");
}

#[test]
fn call_takes_positional_and_named_arguments() {
    accepts_all(
        Rule::call,
        &[
            "f()",
            "f(a)",
            "f(a, b: 1)",
            "cc.f(x,)",
            "f(g(h(1)), n: [1, 2], r: 1..5)",
            "f (a)",
            "f(\n  a,\n  b: 2,\n)",
        ],
    );
    rejects_all(
        Rule::call,
        &["f(a = 1)", "f(,)", "f(a b)", "f(: 1)", "1(a)"],
    );
}

#[test]
fn selector_names_each_parameter_with_equals() {
    accepts_all(
        Rule::selector,
        &[
            "[sigma = 0.1]",
            "[sigma = 0.1, seed = 1,]",
            "[severity = 2..3]",
        ],
    );
    rejects_all(
        Rule::selector,
        &["[0.1]", "[sigma: 0.1]", "[]", "[sigma == 0.1]"],
    );
    accepts_all(
        Rule::expr,
        &["noise[sigma = 0.1]", "noise[sigma = 0.1][seed = 1]"],
    );
}

#[test]
fn expr_operators_need_their_word_boundaries() {
    accepts_all(
        Rule::expr,
        &["a and b", "not a", "a or b", "- -1", "(a)", "a<b", "a <= b"],
    );
    stops_after(Rule::expr, "a andb", "a");
    stops_after(Rule::expr, "a<-b", "a");
    stops_after(Rule::expr, "notx", "notx");
    rejects_all(Rule::expr, &["+1", "* a", ""]);
}

/// The lowered expression of `metric m = <expr>`, written as an s-expression.
fn shape(expr: &str) -> String {
    let source = SourceFile::new(FileId(0), "expr.rbench", format!("metric m = {expr}\n"));
    let file = parse(&source).unwrap_or_else(|e| panic!("{expr:?} does not parse: {e:?}"));
    match &file.items[0].kind {
        ItemKind::Metric(binding) => sexpr(&binding.value.kind),
        other => panic!("not a metric: {other:?}"),
    }
}

fn sexpr(kind: &ExprKind) -> String {
    match kind {
        ExprKind::Number(n) => n.clone(),
        ExprKind::Percent(p) => format!("{p}%"),
        ExprKind::Fraction {
            numerator,
            denominator,
        } => format!("{numerator}/{denominator}"),
        ExprKind::String(s) => s.raw.clone(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Name(path) => path.dotted(),
        ExprKind::List(items) => {
            let items: Vec<String> = items.iter().map(|e| sexpr(&e.kind)).collect();
            format!("[{}]", items.join(" "))
        }
        ExprKind::Range { start, end, step } => match step {
            Some(step) => format!(
                "(range {} {} {})",
                sexpr(&start.kind),
                sexpr(&end.kind),
                sexpr(&step.kind)
            ),
            None => format!("(range {} {})", sexpr(&start.kind), sexpr(&end.kind)),
        },
        ExprKind::Call { callee, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match &a.name {
                    Some(name) => format!("{}:{}", name.name, sexpr(&a.value.kind)),
                    None => sexpr(&a.value.kind),
                })
                .collect();
            format!("(call {} {})", callee.dotted(), args.join(" "))
        }
        ExprKind::Select { base, selectors } => {
            let sels: Vec<String> = selectors
                .iter()
                .map(|s| format!("{}={}", s.name.name, sexpr(&s.value.kind)))
                .collect();
            format!("(select {} {})", sexpr(&base.kind), sels.join(" "))
        }
        ExprKind::Unary { op, operand } => {
            let op = match op {
                rbench::syntax::ast::UnaryOp::Neg => "neg",
                rbench::syntax::ast::UnaryOp::Not => "not",
            };
            format!("({op} {})", sexpr(&operand.kind))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!(
                "({} {} {})",
                op.symbol(),
                sexpr(&lhs.kind),
                sexpr(&rhs.kind)
            )
        }
        ExprKind::Paren(inner) => format!("(paren {})", sexpr(&inner.kind)),
    }
}

#[test]
fn expr_precedence_and_associativity() {
    let cases = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("10 - 3 - 2", "(- (- 10 3) 2)"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("8/255", "8/255"),
        ("8 / 255", "(/ 8 255)"),
        ("8/2.5", "(/ 8 2.5)"),
        ("1/2e3", "(/ 1 2e3)"),
        ("[1/4..1/2]", "[(range 1/4 1/2)]"),
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("a or b or c", "(or (or a b) c)"),
        ("not a >= b", "(not (>= a b))"),
        ("not a and b", "(and (not a) b)"),
        ("not not a", "(not (not a))"),
        ("a == b != c", "(!= (== a b) c)"),
        ("a >= b == c < d", "(== (>= a b) (< c d))"),
        ("a + 1 >= b * 2", "(>= (+ a 1) (* b 2))"),
        (
            "a + 1 >= b * 2 and c != d or e == f",
            "(or (and (>= (+ a 1) (* b 2)) (!= c d)) (== e f))",
        ),
        ("-a * b", "(* (neg a) b)"),
        ("- -1", "(neg (neg 1))"),
        ("a - -b", "(- a (neg b))"),
        ("a < -b", "(< a (neg b))"),
        ("-noise[sigma = 0.1]", "(neg (select noise sigma=0.1))"),
        (
            "noise[sigma = 0.1][seed = 1]",
            "(select (select noise sigma=0.1) seed=1)",
        ),
        ("(1 + 2) * 3", "(* (paren (+ 1 2)) 3)"),
        (
            "0.9 * accuracy(mlp, clean)",
            "(* 0.9 (call accuracy mlp clean))",
        ),
        (
            "f(a, n: g(1), r: 1..5 step 2)",
            "(call f a n:(call g 1) r:(range 1 5 2))",
        ),
        ("[1, 2..3]", "[1 (range 2 3)]"),
        ("95% <= x", "(<= 95% x)"),
        ("true or false", "(or true false)"),
    ];
    for (input, expected) in cases {
        assert_eq!(shape(input), expected, "{input}");
    }
}

#[test]
fn name_list_is_one_path_or_a_bracketed_list() {
    accepts_all(
        Rule::name_list,
        &[
            "mlp",
            "cc.blur",
            "[]",
            "[mlp]",
            "[mlp, cnn,]",
            "[ cc.noise , b ]",
        ],
    );
    stops_after(Rule::name_list, "mlp, cnn", "mlp");
    rejects_all(Rule::name_list, &["[mlp cnn]", "(mlp)", "\"mlp\"", "[1]"]);
}

#[test]
fn gate_has_a_kind_a_name_a_colon_and_an_optional_confidence() {
    accepts_all(
        Rule::gate,
        &[
            "require g: a >= 1",
            "warn g: x",
            "require g: accuracy(mlp, clean) >= 95% with confidence 95%",
            "require\n  g:\n    a\n  with confidence 0.99",
            "require g : a",
        ],
    );
    rejects_all(
        Rule::gate,
        &[
            "require g a",
            "require g = a",
            "require: a",
            "requires g: a",
            "require true: a",
        ],
    );
    stops_after(Rule::gate, "require g: a confidence 95%", "require g: a");
    stops_after(Rule::gate, "require g: a with 95%", "require g: a");
}

#[test]
fn confidence_needs_both_keywords() {
    accepts_all(
        Rule::confidence,
        &[
            "with confidence 95%",
            "with  confidence\n0.95",
            "with confidence x * 2",
        ],
    );
    rejects_all(
        Rule::confidence,
        &[
            "confidence 95%",
            "with 95%",
            "withconfidence 95%",
            "with confidences 95%",
        ],
    );
}

#[test]
fn map_entry_takes_gates_and_a_rationale_not_followed_by_an_arrow() {
    accepts_all(
        Rule::map_entry,
        &[
            "\"A\" <- g",
            "\"A\" <- g, h",
            "\"A\" <- cc.g \"why\"",
            "\"A\"<-g,h\"why\"",
        ],
    );
    // The next entry's control ID is not taken as this entry's rationale.
    stops_after(Rule::map_entry, "\"A\" <- g\n\"B\" <- h", "\"A\" <- g");
    stops_after(
        Rule::map_entry,
        "\"A\" <- g \"why\"\n\"B\" <- h",
        "\"A\" <- g \"why\"",
    );
    rejects_all(
        Rule::map_entry,
        &[
            "\"A\" = g",
            "\"A\": g",
            "A <- g",
            "\"A\" <- \"why\"",
            "\"A\" <-",
        ],
    );
    accepts_all(Rule::rationale, &["\"why\""]);
    rejects_all(Rule::rationale, &["\"B\" <- h", "\"B\"<-h"]);
}

#[test]
fn map_entries_after_a_rationale_lower_to_separate_entries() {
    let text = "map f {\n  \"A\" <- g \"why\"\n  \"B\" <- h\n  \"C\" <- i, j \"because\"\n}\n";
    let file = parse(&SourceFile::new(FileId(0), "map.rbench", text)).expect("a valid map");
    let ItemKind::Map(map) = &file.items[0].kind else {
        panic!("not a map: {:?}", file.items[0].kind);
    };
    let entries: Vec<(String, Vec<String>, Option<String>)> = map
        .entries
        .iter()
        .map(|e| {
            (
                e.control.value.clone(),
                e.gates.iter().map(|g| g.dotted()).collect(),
                e.rationale.as_ref().map(|r| r.value.clone()),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("A".into(), vec!["g".into()], Some("why".into())),
            ("B".into(), vec!["h".into()], None),
            (
                "C".into(),
                vec!["i".into(), "j".into()],
                Some("because".into())
            ),
        ]
    );
}

#[test]
fn map_holds_only_entries() {
    accepts_all(
        Rule::map,
        &["map f {}", "map f {\n  \"A\" <- g \"why\"\n  \"B\" <- h\n}"],
    );
    rejects_all(
        Rule::map,
        &["map f { a = 1 }", "map { \"A\" <- g }", "map f \"A\" <- g"],
    );
}

#[test]
fn framework_mixes_fields_and_controls() {
    accepts_all(
        Rule::framework,
        &[
            "framework f {}",
            "framework f { title = \"t\" control \"A\" \"text\" version = 2 control \"B\" \"more\" }",
        ],
    );
    rejects_all(
        Rule::framework,
        &[
            "framework f { control \"A\" }",
            "framework f { \"A\" <- g }",
            "framework { }",
        ],
    );
    accepts_all(
        Rule::control,
        &["control \"A\" \"text\"", "control\n\"A\"\n\"text\""],
    );
    rejects_all(
        Rule::control,
        &[
            "control A \"text\"",
            "control \"A\" text",
            "controls \"A\" \"t\"",
        ],
    );
    stops_after(
        Rule::control,
        "control \"A\" \"t\" \"u\"",
        "control \"A\" \"t\"",
    );
}

#[test]
fn import_is_a_string_path_as_a_name() {
    accepts_all(
        Rule::import,
        &[
            "import \"p.rbench\" as cc",
            "import\n\"../a/b.rbench\"\nas _x",
        ],
    );
    rejects_all(
        Rule::import,
        &[
            "import \"p\" cc",
            "import p as cc",
            "import \"p\" as true",
            "import \"p\" as \"cc\"",
            "import \"p\" ascc",
        ],
    );
}

#[test]
fn evaluate_needs_on_and_takes_an_optional_under() {
    accepts_all(
        Rule::evaluate,
        &[
            "evaluate m on d",
            "evaluate [m, n] on [d] under [p, cc.q]",
            "evaluate m on d under p",
        ],
    );
    rejects_all(
        Rule::evaluate,
        &[
            "evaluate m d",
            "evaluate m, n on d",
            "evaluate (m) on d",
            "evaluate m ond",
        ],
    );
    stops_after(Rule::evaluate, "evaluate m on d udner p", "evaluate m on d");
}

#[test]
fn block_holds_fields_without_separators() {
    accepts_all(
        Rule::block,
        &[
            "{}",
            "{ a = 1 b = 2 }",
            "{\n  a = 1\n  b = [1, 2]\n}",
            "{ a = 1..5 step 1 }",
        ],
    );
    rejects_all(
        Rule::block,
        &["{ a = 1, b = 2 }", "{ a = 1; }", "{ a }", "{ \"a\" = 1 }"],
    );
    accepts_all(
        Rule::field,
        &["a = 1", "a = 1..5", "source = npz(\"x\", x: \"x\")"],
    );
    rejects_all(Rule::field, &["a: 1", "a == 1", "a =", "true = 1"]);
}

#[test]
fn perturbation_takes_a_value_and_metric_an_expression() {
    accepts_all(
        Rule::perturbation,
        &[
            "perturbation p = f(s: [1, 2])",
            "perturbation p = 0..1 step 0.25",
        ],
    );
    rejects_all(
        Rule::perturbation,
        &["perturbation p { s = 1 }", "perturbation p: f()"],
    );
    accepts_all(Rule::metric, &["metric m = a + b"]);
    stops_after(Rule::metric, "metric m = 1..5", "metric m = 1");
}

#[test]
fn comments_nest_and_stand_between_any_tokens() {
    accepts_all(
        Rule::file,
        &[
            "/* a /* nested */ still comment */ model m {}",
            "model /* x */ m // y\n{ a /* z */ = // w\n 1 }",
            "model m {} // at the end without a newline",
            "// only a comment line\nmodel m {}\n",
            "perturbation p = f(/* no args */)",
        ],
    );
    rejects_all(
        Rule::file,
        &[
            "/* a /* nested */ model m {}",
            "model m {} /* open",
            "# hash\nmodel m {}",
        ],
    );
}

#[test]
fn file_consumes_all_input_and_keywords_need_boundaries() {
    accepts_all(
        Rule::file,
        &[
            "",
            "model m {}",
            "\n\nmodel m {}\n\nmetric x = 1\n",
            "model model {}",
        ],
    );
    rejects_all(
        Rule::file,
        &[
            "modelx m {}",
            "model m {} }",
            "model m {} extra",
            "metric x = 1 2",
        ],
    );
}
