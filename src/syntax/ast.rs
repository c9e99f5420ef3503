//! The typed syntax tree of a `.rbench` file.
//!
//! Every node carries the [`Span`] of the text it came from, so later stages can point
//! diagnostics at the exact bytes. The tree keeps what the author wrote (number literals as text,
//! parentheses, bracketed or bare name lists) so the formatter can print it back faithfully.

use super::span::Span;

/// A whole parsed file: its items in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub span: Span,
}

/// One top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

/// The kinds of top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `benchmark NAME { fields }`: the header (title, version, seed, data roots, ...).
    Benchmark(Block),
    /// `dataset NAME { fields }`.
    Dataset(Block),
    /// `model NAME { fields }`.
    Model(Block),
    /// `perturbation NAME = value`.
    Perturbation(Binding),
    /// `metric NAME = expr`: a user-named metric expression.
    Metric(Binding),
    /// `evaluate MODELS on DATASETS under PERTURBATIONS`.
    Evaluate(Evaluate),
    /// `require NAME: expr` or `warn NAME: expr`, with an optional confidence.
    Gate(Gate),
    /// `map FRAMEWORK { "ID" <- gates "rationale" ... }`.
    Map(Map),
    /// `framework NAME { control "ID" "text" ... }`.
    Framework(Framework),
    /// `import "path" as NAME`.
    Import(Import),
}

impl ItemKind {
    /// The keyword that introduces this kind of item.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Benchmark(_) => "benchmark",
            ItemKind::Dataset(_) => "dataset",
            ItemKind::Model(_) => "model",
            ItemKind::Perturbation(_) => "perturbation",
            ItemKind::Metric(_) => "metric",
            ItemKind::Evaluate(_) => "evaluate",
            ItemKind::Gate(gate) => gate.severity.keyword(),
            ItemKind::Map(_) => "map",
            ItemKind::Framework(_) => "framework",
            ItemKind::Import(_) => "import",
        }
    }
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A possibly qualified name: `blur` or `cc.blur` (a name from an imported namespace).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    /// The dotted form, `cc.blur`.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

/// A named block of fields: `dataset digits { source = ... classes = 10 }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub name: Ident,
    pub fields: Vec<Field>,
}

/// `name = value` inside a block.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `NAME = value` at the top level (perturbations and metrics).
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub name: Ident,
    pub value: Expr,
}

/// `evaluate models on datasets under perturbations`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluate {
    pub models: NameList,
    pub datasets: NameList,
    pub perturbations: Option<NameList>,
}

/// One name or a bracketed list of names: `mlp` or `[mlp, cnn]`.
#[derive(Debug, Clone, PartialEq)]
pub struct NameList {
    pub names: Vec<Path>,
    /// Whether the author wrote brackets (kept so the formatter prints them back).
    pub bracketed: bool,
    pub span: Span,
}

/// How a gate acts when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `require`: a failure fails the run.
    Require,
    /// `warn`: a failure is reported only.
    Warn,
}

impl Severity {
    /// The keyword that writes this severity.
    pub fn keyword(self) -> &'static str {
        match self {
            Severity::Require => "require",
            Severity::Warn => "warn",
        }
    }
}

/// `require NAME: condition with confidence LEVEL`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub severity: Severity,
    pub name: Ident,
    pub condition: Expr,
    pub confidence: Option<Expr>,
}

/// `map FRAMEWORK { entries }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub framework: Ident,
    pub entries: Vec<MapEntry>,
}

/// `"MEASURE 2.7" <- gate_a, gate_b "rationale"`.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub control: StringLit,
    pub gates: Vec<Path>,
    pub rationale: Option<StringLit>,
    pub span: Span,
}

/// `framework NAME { title = "..." control "ID" "text" ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Framework {
    pub name: Ident,
    pub members: Vec<FrameworkMember>,
}

/// A field or a control of a user-declared framework, in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameworkMember {
    Field(Field),
    Control(Control),
}

/// `control "ID" "text"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: StringLit,
    pub text: StringLit,
    pub span: Span,
}

/// `import "path" as NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub path: StringLit,
    pub alias: Ident,
}

/// A string literal: its decoded value and its text as written (escapes included).
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub value: String,
    pub raw: String,
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `42`, `0.05`, `1e-3`, `1_000`: the text as written.
    Number(String),
    /// `90%`: the text before the `%`.
    Percent(String),
    /// `8/255`: an exact fraction written without spaces.
    Fraction {
        numerator: String,
        denominator: String,
    },
    /// `"text"`.
    String(StringLit),
    /// `true` or `false`.
    Bool(bool),
    /// A name: `mlp`, `linf`, `cc.blur`.
    Name(Path),
    /// `[a, b, c]`.
    List(Vec<Expr>),
    /// `start..end` or `start..end step s` (both ends included).
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        step: Option<Box<Expr>>,
    },
    /// `name(positional, named: value)`.
    Call { callee: Path, args: Vec<Arg> },
    /// `base[param = value, ...]`: selects members of a sweep.
    Select {
        base: Box<Expr>,
        selectors: Vec<Selector>,
    },
    /// `-x`, `not x`.
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// `a + b`, `a >= b`, `a and b`, ...
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `(expr)`: kept so the formatter prints the author's grouping.
    Paren(Box<Expr>),
}

/// One argument of a call: positional (`mlp`) or named (`sigma: 0.1`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

/// `param = value` inside a member selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

impl UnaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "not",
        }
    }

    /// Binding strength, on the scale of [`BinaryOp::precedence`]: `not` binds looser than
    /// comparisons (`not a >= b` is `not (a >= b)`), `-` tighter than everything.
    pub fn precedence(self) -> u8 {
        match self {
            UnaryOp::Not => 3,
            UnaryOp::Neg => 8,
        }
    }
}

/// Infix operators, loosest binding first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Ge => ">=",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Lt => "<",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Binding strength: higher binds tighter. All levels associate to the left.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::Ne => 4,
            BinaryOp::Ge | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Lt => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div => 7,
        }
    }
}
