//! Property: printing any AST the parser could produce and parsing the text back gives the same
//! AST (spans aside), and formatting that text changes nothing.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use rbench::syntax::ast::*;
use rbench::syntax::format::print;
use rbench::syntax::{format, parse, unescape, FileId, SourceFile, Span};

const RESERVED: [&str; 5] = ["true", "false", "and", "or", "not"];

/// Contextual keywords and near-misses of reserved words, which are valid names.
const TRICKY_NAMES: [&str; 22] = [
    "benchmark",
    "dataset",
    "model",
    "perturbation",
    "metric",
    "evaluate",
    "on",
    "under",
    "require",
    "warn",
    "with",
    "confidence",
    "map",
    "framework",
    "control",
    "import",
    "as",
    "step",
    "not_x",
    "trueish",
    "order",
    "andy",
];

fn span() -> Span {
    Span::default()
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,6}"
            .prop_filter("reserved words are not names", |n| !RESERVED.contains(&n.as_str())),
        1 => select(&TRICKY_NAMES[..]).prop_map(String::from),
    ]
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(|name| Ident { name, span: span() })
}

fn path() -> impl Strategy<Value = Path> {
    vec(ident(), 1..=3).prop_map(|segments| Path {
        segments,
        span: span(),
    })
}

fn digits() -> impl Strategy<Value = String> {
    "[0-9][0-9_]{0,4}"
}

fn number() -> impl Strategy<Value = String> {
    (
        digits(),
        option::of(digits()),
        option::of(("[eE]", "[+-]?", digits())),
    )
        .prop_map(|(int, frac, exp)| {
            let mut text = int;
            if let Some(frac) = frac {
                text = format!("{text}.{frac}");
            }
            if let Some((e, sign, exp)) = exp {
                text = format!("{text}{e}{sign}{exp}");
            }
            text
        })
}

fn string_lit() -> impl Strategy<Value = StringLit> {
    let piece = prop_oneof![
        3 => "[a-zA-Z0-9 /*.,é😀→-]{1,4}",
        1 => select(&[r#"\""#, r"\\", r"\n", r"\t", r"\r", r"\0", r"\u{1F600}", r"\u{41}"][..])
            .prop_map(String::from),
    ];
    vec(piece, 0..5).prop_map(|pieces| {
        let body = pieces.concat();
        let value = unescape(&body).unwrap_or_else(|at| panic!("bad escape at {at:?} in {body}"));
        StringLit {
            value,
            raw: format!("\"{body}\""),
            span: span(),
        }
    })
}

fn expr_of(kind: ExprKind) -> Expr {
    Expr { kind, span: span() }
}

fn leaf() -> BoxedStrategy<Expr> {
    prop_oneof![
        number().prop_map(ExprKind::Number),
        (digits(), option::of(digits())).prop_map(|(int, frac)| ExprKind::Percent(match frac {
            Some(frac) => format!("{int}.{frac}"),
            None => int,
        })),
        (digits(), digits()).prop_map(|(numerator, denominator)| ExprKind::Fraction {
            numerator,
            denominator
        }),
        string_lit().prop_map(ExprKind::String),
        any::<bool>().prop_map(ExprKind::Bool),
        path().prop_map(ExprKind::Name),
    ]
    .prop_map(expr_of)
    .boxed()
}

fn range_of(part: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    (part.clone(), part.clone(), option::of(part)).prop_map(|(start, end, step)| {
        expr_of(ExprKind::Range {
            start: Box::new(start),
            end: Box::new(end),
            step: step.map(Box::new),
        })
    })
}

fn unary_op() -> impl Strategy<Value = UnaryOp> {
    select(&[UnaryOp::Neg, UnaryOp::Not][..])
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    use BinaryOp::*;
    select(&[Or, And, Eq, Ne, Ge, Le, Gt, Lt, Add, Sub, Mul, Div][..])
}

/// Any expression tree (ranges only where a value may stand), before precedence is fixed.
fn raw_expr() -> BoxedStrategy<Expr> {
    leaf()
        .prop_recursive(4, 40, 4, |inner| {
            let value = prop_oneof![3 => inner.clone(), 1 => range_of(inner.clone())].boxed();
            prop_oneof![
                vec(value.clone(), 0..4).prop_map(|items| expr_of(ExprKind::List(items))),
                (path(), vec((option::of(ident()), value.clone()), 0..4)).prop_map(
                    |(callee, args)| {
                        let args = args
                            .into_iter()
                            .map(|(name, value)| Arg {
                                name,
                                value,
                                span: span(),
                            })
                            .collect();
                        expr_of(ExprKind::Call { callee, args })
                    }
                ),
                (inner.clone(), vec((ident(), value), 1..3)).prop_map(|(base, selectors)| {
                    let selectors = selectors
                        .into_iter()
                        .map(|(name, value)| Selector {
                            name,
                            value,
                            span: span(),
                        })
                        .collect();
                    expr_of(ExprKind::Select {
                        base: Box::new(base),
                        selectors,
                    })
                }),
                operator(inner),
            ]
        })
        .boxed()
}

/// A prefix, infix or parenthesised expression over `operand`s.
fn operator(operand: BoxedStrategy<Expr>) -> BoxedStrategy<Expr> {
    prop_oneof![
        2 => (unary_op(), operand.clone()).prop_map(|(op, operand)| expr_of(ExprKind::Unary {
            op,
            operand: Box::new(operand)
        })),
        4 => (binary_op(), operand.clone(), operand.clone()).prop_map(|(op, lhs, rhs)| {
            expr_of(ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            })
        }),
        1 => operand.prop_map(|e| expr_of(ExprKind::Paren(Box::new(e)))),
    ]
    .boxed()
}

/// Deep trees of operators only, where precedence mistakes show.
fn operator_tree() -> BoxedStrategy<Expr> {
    leaf()
        .prop_recursive(6, 64, 2, operator)
        .prop_map(fix)
        .boxed()
}

/// An expression the parser could produce.
fn expr() -> BoxedStrategy<Expr> {
    raw_expr().prop_map(fix).boxed()
}

/// A value: an expression or a range.
fn value() -> BoxedStrategy<Expr> {
    prop_oneof![3 => expr(), 1 => range_of(expr())].boxed()
}

fn paren(e: Expr) -> Expr {
    expr_of(ExprKind::Paren(Box::new(e)))
}

/// How tightly an expression binds, on the scale of [`BinaryOp::precedence`].
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::Unary { op, .. } => op.precedence(),
        _ => 9,
    }
}

/// Whether `e` ends with a `not` that would take in an operator written after it.
fn ends_with_not(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Unary { op, .. } => *op == UnaryOp::Not,
        ExprKind::Binary { rhs, .. } => ends_with_not(rhs),
        _ => false,
    }
}

/// Adds the parentheses the text needs to parse back to this tree.
fn fix(e: Expr) -> Expr {
    let kind = match e.kind {
        ExprKind::List(items) => ExprKind::List(items.into_iter().map(fix).collect()),
        ExprKind::Range { start, end, step } => ExprKind::Range {
            start: Box::new(fix(*start)),
            end: Box::new(fix(*end)),
            step: step.map(|s| Box::new(fix(*s))),
        },
        ExprKind::Call { callee, args } => ExprKind::Call {
            callee,
            args: args
                .into_iter()
                .map(|a| Arg {
                    value: fix(a.value),
                    ..a
                })
                .collect(),
        },
        ExprKind::Select { base, selectors } => {
            let base = fix(*base);
            let base = match base.kind {
                ExprKind::Unary { .. } | ExprKind::Binary { .. } => paren(base),
                _ => base,
            };
            ExprKind::Select {
                base: Box::new(base),
                selectors: selectors
                    .into_iter()
                    .map(|s| Selector {
                        value: fix(s.value),
                        ..s
                    })
                    .collect(),
            }
        }
        ExprKind::Unary { op, operand } => {
            let operand = fix(*operand);
            let wrap = match op {
                UnaryOp::Neg => precedence(&operand) < UnaryOp::Neg.precedence(),
                UnaryOp::Not => precedence(&operand) < UnaryOp::Not.precedence(),
            };
            ExprKind::Unary {
                op,
                operand: Box::new(if wrap { paren(operand) } else { operand }),
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (lhs, rhs) = (fix(*lhs), fix(*rhs));
            let p = op.precedence();
            let wrap_lhs =
                precedence(&lhs) < p || (p > UnaryOp::Not.precedence() && ends_with_not(&lhs));
            let wrap_rhs = matches!(rhs.kind, ExprKind::Binary { .. }) && precedence(&rhs) <= p;
            ExprKind::Binary {
                op,
                lhs: Box::new(if wrap_lhs { paren(lhs) } else { lhs }),
                rhs: Box::new(if wrap_rhs { paren(rhs) } else { rhs }),
            }
        }
        ExprKind::Paren(inner) => ExprKind::Paren(Box::new(fix(*inner))),
        leaf => leaf,
    };
    expr_of(kind)
}

fn field() -> impl Strategy<Value = Field> {
    (ident(), value()).prop_map(|(name, value)| Field {
        name,
        value,
        span: span(),
    })
}

fn block() -> impl Strategy<Value = Block> {
    (ident(), vec(field(), 0..4)).prop_map(|(name, fields)| Block { name, fields })
}

fn name_list() -> impl Strategy<Value = NameList> {
    prop_oneof![
        path().prop_map(|p| (vec![p], false)),
        vec(path(), 0..4).prop_map(|names| (names, true)),
    ]
    .prop_map(|(names, bracketed)| NameList {
        names,
        bracketed,
        span: span(),
    })
}

fn map_entry() -> impl Strategy<Value = MapEntry> {
    (string_lit(), vec(path(), 1..3), option::of(string_lit())).prop_map(
        |(control, gates, rationale)| MapEntry {
            control,
            gates,
            rationale,
            span: span(),
        },
    )
}

fn framework_member() -> impl Strategy<Value = FrameworkMember> {
    prop_oneof![
        field().prop_map(FrameworkMember::Field),
        (string_lit(), string_lit()).prop_map(|(id, text)| FrameworkMember::Control(Control {
            id,
            text,
            span: span()
        })),
    ]
}

fn item_kind() -> impl Strategy<Value = ItemKind> {
    prop_oneof![
        block().prop_map(ItemKind::Benchmark),
        block().prop_map(ItemKind::Dataset),
        block().prop_map(ItemKind::Model),
        (ident(), value())
            .prop_map(|(name, value)| ItemKind::Perturbation(Binding { name, value })),
        (ident(), expr()).prop_map(|(name, value)| ItemKind::Metric(Binding { name, value })),
        (name_list(), name_list(), option::of(name_list())).prop_map(
            |(models, datasets, perturbations)| ItemKind::Evaluate(Evaluate {
                models,
                datasets,
                perturbations
            })
        ),
        (
            select(&[Severity::Require, Severity::Warn][..]),
            ident(),
            expr(),
            option::of(expr())
        )
            .prop_map(
                |(severity, name, condition, confidence)| ItemKind::Gate(Gate {
                    severity,
                    name,
                    condition,
                    confidence
                })
            ),
        (ident(), vec(map_entry(), 0..3))
            .prop_map(|(framework, entries)| ItemKind::Map(Map { framework, entries })),
        (ident(), vec(framework_member(), 0..4))
            .prop_map(|(name, members)| ItemKind::Framework(Framework { name, members })),
        (string_lit(), ident()).prop_map(|(path, alias)| ItemKind::Import(Import { path, alias })),
    ]
}

fn file() -> impl Strategy<Value = File> {
    vec(item_kind(), 1..6).prop_map(|kinds| File {
        items: kinds
            .into_iter()
            .map(|kind| Item { kind, span: span() })
            .collect(),
        span: span(),
    })
}

/// The Debug form of a tree without its spans.
fn without_spans(file: &File) -> String {
    format!("{file:#?}")
        .lines()
        .filter(|line| !line.trim_start().starts_with("span: "))
        .collect::<Vec<_>>()
        .join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn printed_trees_parse_back_to_themselves(file in file()) {
        let text = print(&file, &[], "");
        let source = SourceFile::new(FileId(0), "generated.rbench", text.as_str());
        let parsed = parse(&source);
        prop_assert!(parsed.is_ok(), "does not parse: {:?}\n{}", parsed.err(), text);
        let parsed = parsed.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(without_spans(&parsed), without_spans(&file), "\n{}", text);
        let formatted = format(&source);
        prop_assert!(formatted.is_ok());
        prop_assert_eq!(formatted.unwrap_or_default(), text);
    }
}

fn metrics(values: Vec<Expr>) -> File {
    let items = values
        .into_iter()
        .enumerate()
        .map(|(i, value)| Item {
            kind: ItemKind::Metric(Binding {
                name: Ident {
                    name: format!("m{i}"),
                    span: span(),
                },
                value,
            }),
            span: span(),
        })
        .collect();
    File {
        items,
        span: span(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn operator_trees_parse_back_to_themselves(values in vec(operator_tree(), 1..4)) {
        let file = metrics(values);
        let text = print(&file, &[], "");
        let parsed = parse(&SourceFile::new(FileId(0), "generated.rbench", text.as_str()));
        prop_assert!(parsed.is_ok(), "does not parse: {:?}\n{}", parsed.err(), text);
        let parsed = parsed.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(without_spans(&parsed), without_spans(&file), "\n{}", text);
    }
}

#[test]
fn precedence_fixes_match_the_parser() {
    // `not` takes in the comparison after it, so a `not` on the left of `==` needs parentheses.
    let not_a = expr_of(ExprKind::Unary {
        op: UnaryOp::Not,
        operand: Box::new(expr_of(ExprKind::Bool(true))),
    });
    let eq = fix(expr_of(ExprKind::Binary {
        op: BinaryOp::Eq,
        lhs: Box::new(not_a),
        rhs: Box::new(expr_of(ExprKind::Bool(false))),
    }));
    assert_eq!(
        print(&metrics(vec![eq]), &[], ""),
        "metric m0 = (not true) == false\n"
    );
}
