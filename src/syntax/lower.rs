//! Lowering: pest's parse tree into the typed AST, one function per grammar rule.
//!
//! The grammar guarantees the shape of each pair, so the only failures here are limits
//! (expressions nested too deeply) and reserved words.

use std::sync::LazyLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::error::SyntaxError;
use super::parser::Rule;
use super::scan::Comment;
use super::span::{FileId, Span};

/// The deepest expression tree a spec may build (operators and nested brackets together).
pub const MAX_EXPR_DEPTH: usize = 128;

type Result<T> = std::result::Result<T, SyntaxError>;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::prefix(Rule::not))
        .op(Op::infix(Rule::eq, Assoc::Left) | Op::infix(Rule::ne, Assoc::Left))
        .op(Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::lt, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
        .op(Op::postfix(Rule::selector))
});

/// Lowers the pairs of one file (the `file` rule) into a [`File`].
pub struct Lowerer<'a> {
    file: FileId,
    text: &'a str,
    comments: &'a [Comment],
}

impl<'a> Lowerer<'a> {
    /// A lowerer for spans in `file`, whose text and comments are given.
    pub fn new(file: FileId, text: &'a str, comments: &'a [Comment]) -> Self {
        Lowerer {
            file,
            text,
            comments,
        }
    }

    /// The pair's span without the whitespace and comments pest lets a rule end with.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let (start, mut end) = (s.start(), s.end());
        loop {
            let trimmed = start + self.text[start..end].trim_end().len();
            let comment = self
                .comments
                .binary_search_by_key(&trimmed, |c| c.span.end)
                .ok()
                .map(|i| self.comments[i].span.start)
                .filter(|&c_start| c_start >= start);
            match comment {
                Some(c_start) => end = c_start,
                None => {
                    end = trimmed;
                    break;
                }
            }
        }
        Span::new(self.file, start, end)
    }

    /// Lowers the `file` rule.
    pub fn file(&self, pair: Pair<Rule>) -> Result<File> {
        let span = self.span(&pair);
        let items = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::EOI)
            .map(|p| self.item(p))
            .collect::<Result<_>>()?;
        Ok(File { items, span })
    }

    fn item(&self, pair: Pair<Rule>) -> Result<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let keyword = next(&mut inner);
        let kind = match rule {
            Rule::benchmark => ItemKind::Benchmark(self.block(inner)?),
            Rule::dataset => ItemKind::Dataset(self.block(inner)?),
            Rule::model => ItemKind::Model(self.block(inner)?),
            Rule::perturbation => ItemKind::Perturbation(self.binding(inner)?),
            Rule::metric => ItemKind::Metric(self.binding(inner)?),
            Rule::evaluate => ItemKind::Evaluate(self.evaluate(inner)?),
            Rule::gate => ItemKind::Gate(self.gate(&keyword, inner)?),
            Rule::map => ItemKind::Map(self.map(inner)?),
            Rule::framework => ItemKind::Framework(self.framework(inner)?),
            Rule::import => ItemKind::Import(self.import(inner)?),
            other => unreachable!("the grammar allows no item {other:?}"),
        };
        Ok(Item { kind, span })
    }

    fn block(&self, mut inner: Pairs<Rule>) -> Result<Block> {
        let name = self.ident(next(&mut inner));
        let fields = next(&mut inner)
            .into_inner()
            .map(|f| self.field(f))
            .collect::<Result<_>>()?;
        Ok(Block { name, fields })
    }

    fn field(&self, pair: Pair<Rule>) -> Result<Field> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next(&mut inner));
        let value = self.value(next(&mut inner), 0)?;
        Ok(Field { name, value, span })
    }

    fn binding(&self, mut inner: Pairs<Rule>) -> Result<Binding> {
        let name = self.ident(next(&mut inner));
        let value = next(&mut inner);
        let value = match value.as_rule() {
            Rule::value => self.value(value, 0)?,
            _ => self.expr(value, 0)?,
        };
        Ok(Binding { name, value })
    }

    fn evaluate(&self, mut inner: Pairs<Rule>) -> Result<Evaluate> {
        let models = self.name_list(next(&mut inner));
        next(&mut inner); // `on`
        let datasets = self.name_list(next(&mut inner));
        // After `on DATASETS` comes, optionally, `under` and its list.
        let perturbations = inner.next().map(|_under| self.name_list(next(&mut inner)));
        Ok(Evaluate {
            models,
            datasets,
            perturbations,
        })
    }

    fn name_list(&self, pair: Pair<Rule>) -> NameList {
        let span = self.span(&pair);
        let bracketed = pair.as_str().starts_with('[');
        let names = pair.into_inner().map(|p| self.path(p)).collect();
        NameList {
            names,
            bracketed,
            span,
        }
    }

    fn gate(&self, kind: &Pair<Rule>, mut inner: Pairs<Rule>) -> Result<Gate> {
        let severity = match kind.as_str() {
            "warn" => Severity::Warn,
            _ => Severity::Require,
        };
        let name = self.ident(next(&mut inner));
        let condition = self.expr(next(&mut inner), 0)?;
        let confidence = match inner.next() {
            Some(conf) => {
                let level = conf.into_inner().nth(2).unwrap_or_else(|| {
                    unreachable!("the grammar gives `with confidence` an expression")
                });
                Some(self.expr(level, 0)?)
            }
            None => None,
        };
        Ok(Gate {
            severity,
            name,
            condition,
            confidence,
        })
    }

    fn map(&self, mut inner: Pairs<Rule>) -> Result<Map> {
        let framework = self.ident(next(&mut inner));
        let entries = inner.map(|e| self.map_entry(e)).collect::<Result<_>>()?;
        Ok(Map { framework, entries })
    }

    fn map_entry(&self, pair: Pair<Rule>) -> Result<MapEntry> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let control = self.string(next(&mut inner))?;
        let mut gates = Vec::new();
        let mut rationale = None;
        for p in inner {
            match p.as_rule() {
                Rule::path => gates.push(self.path(p)),
                _ => rationale = Some(self.string(next(&mut p.into_inner()))?),
            }
        }
        Ok(MapEntry {
            control,
            gates,
            rationale,
            span,
        })
    }

    fn framework(&self, mut inner: Pairs<Rule>) -> Result<Framework> {
        let name = self.ident(next(&mut inner));
        let members = inner
            .map(|m| match m.as_rule() {
                Rule::control => {
                    let span = self.span(&m);
                    let mut parts = m.into_inner();
                    next(&mut parts); // `control`
                    let id = self.string(next(&mut parts))?;
                    let text = self.string(next(&mut parts))?;
                    Ok(FrameworkMember::Control(Control { id, text, span }))
                }
                _ => Ok(FrameworkMember::Field(self.field(m)?)),
            })
            .collect::<Result<_>>()?;
        Ok(Framework { name, members })
    }

    fn import(&self, mut inner: Pairs<Rule>) -> Result<Import> {
        let path = self.string(next(&mut inner))?;
        next(&mut inner); // `as`
        let alias = self.ident(next(&mut inner));
        Ok(Import { path, alias })
    }

    /// `value`: an expression, or a range of two.
    fn value(&self, pair: Pair<Rule>, depth: usize) -> Result<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let start = self.expr(next(&mut inner), depth + 1)?;
        if inner.next().is_none() {
            return Ok(start);
        }
        let end = self.expr(next(&mut inner), depth + 1)?;
        let step = match inner.next() {
            Some(_step_kw) => Some(Box::new(self.expr(next(&mut inner), depth + 1)?)),
            None => None,
        };
        Ok(Expr {
            kind: ExprKind::Range {
                start: Box::new(start),
                end: Box::new(end),
                step,
            },
            span,
        })
    }

    /// `expr`: folds the flat operator sequence by precedence.
    fn expr(&self, pair: Pair<Rule>, depth: usize) -> Result<Expr> {
        let span = self.span(&pair);
        let inner = pair.into_inner();
        let operators = inner.clone().filter(|p| is_operator(p.as_rule())).count();
        let depth = depth + operators + 1;
        if depth > MAX_EXPR_DEPTH {
            return Err(SyntaxError::TooDeep {
                limit: MAX_EXPR_DEPTH,
                span: span.into(),
            });
        }
        PRATT
            .map_primary(move |p| self.primary(p, depth))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let op_span = self.span(&op);
                let op = match op.as_rule() {
                    Rule::neg => UnaryOp::Neg,
                    _ => UnaryOp::Not,
                };
                Ok(Expr {
                    span: op_span.to(operand.span),
                    kind: ExprKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                })
            })
            .map_postfix(move |base, selector| {
                let base = base?;
                let sel_span = self.span(&selector);
                let selectors = selector
                    .into_inner()
                    .map(|s| self.selector(s, depth))
                    .collect::<Result<_>>()?;
                Ok(Expr {
                    span: base.span.to(sel_span),
                    kind: ExprKind::Select {
                        base: Box::new(base),
                        selectors,
                    },
                })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                Ok(Expr {
                    span: lhs.span.to(rhs.span),
                    kind: ExprKind::Binary {
                        op: binary_op(op.as_rule()),
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                })
            })
            .parse(inner)
    }

    fn selector(&self, pair: Pair<Rule>, depth: usize) -> Result<Selector> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next(&mut inner));
        let value = self.value(next(&mut inner), depth)?;
        Ok(Selector { name, value, span })
    }

    fn primary(&self, pair: Pair<Rule>, depth: usize) -> Result<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => ExprKind::Number(pair.as_str().to_string()),
            Rule::percent => ExprKind::Percent(pair.as_str().trim_end_matches('%').to_string()),
            Rule::fraction => {
                let (numerator, denominator) = pair
                    .as_str()
                    .split_once('/')
                    .unwrap_or_else(|| unreachable!("the grammar puts `/` in a fraction"));
                ExprKind::Fraction {
                    numerator: numerator.to_string(),
                    denominator: denominator.to_string(),
                }
            }
            Rule::string => ExprKind::String(self.string(pair)?),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::path => ExprKind::Name(self.path(pair)),
            Rule::paren => {
                let inner = next(&mut pair.into_inner());
                ExprKind::Paren(Box::new(self.expr(inner, depth)?))
            }
            Rule::list => ExprKind::List(
                pair.into_inner()
                    .map(|v| self.value(v, depth))
                    .collect::<Result<_>>()?,
            ),
            Rule::call => {
                let mut inner = pair.into_inner();
                let callee = self.path(next(&mut inner));
                let args = inner.map(|a| self.arg(a, depth)).collect::<Result<_>>()?;
                ExprKind::Call { callee, args }
            }
            other => unreachable!("the grammar allows no primary {other:?}"),
        };
        Ok(Expr { kind, span })
    }

    fn arg(&self, pair: Pair<Rule>, depth: usize) -> Result<Arg> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first = next(&mut inner);
        let (name, value) = match first.as_rule() {
            Rule::ident => (Some(self.ident(first)), next(&mut inner)),
            _ => (None, first),
        };
        let value = self.value(value, depth)?;
        Ok(Arg { name, value, span })
    }

    fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        let segments = pair.into_inner().map(|p| self.ident(p)).collect();
        Path { segments, span }
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn string(&self, pair: Pair<Rule>) -> Result<StringLit> {
        let span = self.span(&pair);
        let raw = pair.as_str().to_string();
        let inner = &raw[1..raw.len() - 1];
        let value = unescape(inner).map_err(|(at, len)| SyntaxError::InvalidEscape {
            escape: inner[at..at + len].to_string(),
            span: Span::new(self.file, span.start + 1 + at, span.start + 1 + at + len).into(),
        })?;
        Ok(StringLit { value, raw, span })
    }
}

/// Decodes the escapes of a string's body; on a bad escape, its byte offset and length.
pub fn unescape(body: &str) -> std::result::Result<String, (usize, usize)> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next() {
            Some((_, '"')) => '"',
            Some((_, '\\')) => '\\',
            Some((_, 'n')) => '\n',
            Some((_, 't')) => '\t',
            Some((_, 'r')) => '\r',
            Some((_, '0')) => '\0',
            Some((_, 'u')) => {
                let rest = &body[at + 2..];
                let hex = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .map(|(hex, _)| hex)
                    .ok_or((at, 2))?;
                let c = u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or((at, hex.len() + 4))?;
                for _ in 0..hex.len() + 2 {
                    chars.next();
                }
                c
            }
            Some((_, other)) => return Err((at, 1 + other.len_utf8())),
            None => return Err((at, 1)),
        };
        out.push(decoded);
    }
    Ok(out)
}

fn next<'i>(pairs: &mut Pairs<'i, Rule>) -> Pair<'i, Rule> {
    pairs
        .next()
        .unwrap_or_else(|| unreachable!("the grammar guarantees this child"))
}

fn is_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::neg
            | Rule::not
            | Rule::selector
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
    )
}

fn binary_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::or => BinaryOp::Or,
        Rule::and => BinaryOp::And,
        Rule::eq => BinaryOp::Eq,
        Rule::ne => BinaryOp::Ne,
        Rule::ge => BinaryOp::Ge,
        Rule::le => BinaryOp::Le,
        Rule::gt => BinaryOp::Gt,
        Rule::lt => BinaryOp::Lt,
        Rule::add => BinaryOp::Add,
        Rule::sub => BinaryOp::Sub,
        Rule::mul => BinaryOp::Mul,
        Rule::div => BinaryOp::Div,
        other => unreachable!("the grammar allows no infix operator {other:?}"),
    }
}
