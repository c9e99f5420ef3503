//! Arguments and values: matching a call's arguments to a schema, typing and folding values,
//! checking ranges, and expanding sweeps.

use super::scope::DeclKind;
use super::spec::{Call, Target};
use super::suggest::{closest, did_you_mean, quoted_list};
use super::{CheckError, Checker, Value};
use crate::registry;
use crate::schema::{Default, Kind, Param, Schema, Type};
use crate::syntax::{self, ast, FileId, SourceFile, Span};

/// The most members one perturbation's sweep may expand to.
pub const MAX_SWEEP_MEMBERS: usize = 10_000;

/// Arguments matched to parameters: each given parameter with its expression.
pub(super) type Matched<'a> = Vec<(&'static Param, &'a ast::Expr)>;

impl Checker<'_> {
    /// Matches a call's arguments to `schema`'s parameters: positional ones in order, then named.
    /// Unknown, duplicate, missing and mutually exclusive parameters are reported.
    pub(super) fn match_args<'a>(
        &mut self,
        unit: usize,
        schema: &'static Schema,
        args: &'a [ast::Arg],
        call_span: Span,
    ) -> Option<Matched<'a>> {
        let mut matched: Vec<(&'static Param, &'a ast::Expr, Span)> = Vec::new();
        let mut positional = schema.params.iter().filter(|p| p.positional);
        let mut ok = true;
        let names: Vec<&str> = schema.params.iter().map(|p| p.name).collect();
        // Parameters an unknown argument is a likely typo of: not reported missing again.
        let mut misspelt: Vec<&str> = Vec::new();
        for arg in args {
            let param = match &arg.name {
                None => match positional.next() {
                    Some(p) => p,
                    None => {
                        let named: Vec<&str> = schema
                            .params
                            .iter()
                            .filter(|p| !p.positional)
                            .map(|p| p.name)
                            .collect();
                        self.error(
                            unit,
                            CheckError::UnexpectedArgument {
                                builtin: schema.name.to_string(),
                                span: arg.span.into(),
                                help: format!(
                                    "name this argument: `{}` takes {}",
                                    schema.name,
                                    if named.is_empty() {
                                        "no more arguments".to_string()
                                    } else {
                                        quoted_list(&named)
                                    }
                                ),
                            },
                        );
                        ok = false;
                        continue;
                    }
                },
                Some(name) => match schema.param(&name.name) {
                    Some(p) => p,
                    None => {
                        misspelt.extend(closest(&name.name, names.iter().copied()));
                        self.error(
                            unit,
                            CheckError::UnknownParameter {
                                name: name.name.clone(),
                                builtin: schema.name.to_string(),
                                span: name.span.into(),
                                help: did_you_mean(&name.name, &names, "parameter"),
                            },
                        );
                        ok = false;
                        continue;
                    }
                },
            };
            if let Some((_, _, first)) = matched.iter().find(|(p, _, _)| p.name == param.name) {
                let first = *first;
                self.error(
                    unit,
                    CheckError::DuplicateParameter {
                        name: param.name.to_string(),
                        span: arg.span.into(),
                        first: first.into(),
                    },
                );
                ok = false;
                continue;
            }
            matched.push((param, &arg.value, arg.span));
        }
        let given = |name: &str| matched.iter().any(|(p, _, _)| p.name == name);
        // A group of one (`severity` of a corruption) is a required parameter.
        let groups = || schema.exclusive.iter().filter(|g| g.len() > 1);
        for param in schema.params {
            let in_group = groups().any(|g| g.contains(&param.name));
            let required = param.default == Default::Required
                || schema.exclusive.iter().any(|g| g == &[param.name]);
            if required && !in_group && !given(param.name) && !misspelt.contains(&param.name) {
                self.error(
                    unit,
                    CheckError::MissingParameter {
                        name: param.name.to_string(),
                        builtin: schema.name.to_string(),
                        span: call_span.into(),
                        help: format!("add `{}: ...`: {}", param.name, param.doc),
                    },
                );
                ok = false;
            }
        }
        for group in groups() {
            let present: Vec<&str> = group.iter().copied().filter(|n| given(n)).collect();
            let typo = present.is_empty() && group.iter().any(|n| misspelt.contains(n));
            if present.len() != 1 && !typo {
                let given_text = if present.is_empty() {
                    "none of them is given".to_string()
                } else {
                    format!("{} are given", quoted_list(&present))
                };
                self.error(
                    unit,
                    CheckError::ExclusiveParameters {
                        builtin: schema.name.to_string(),
                        names: quoted_list(group),
                        span: call_span.into(),
                        given: given_text,
                        help: format!("give exactly one of {}", quoted_list(group)),
                    },
                );
                ok = false;
            }
        }
        ok.then(|| matched.into_iter().map(|(p, e, _)| (p, e)).collect())
    }

    /// Checks a call of a built-in of `kind` (a dataset's source, a model's architecture): every
    /// parameter takes one value; defaults are filled in.
    pub(super) fn call(&mut self, unit: usize, expr: &ast::Expr, kind: Kind) -> Option<Call> {
        let ast::ExprKind::Call { callee, args } = &expr.kind else {
            let help = format!(
                "call one of the {kind}s: {}",
                quoted_list(&builtin_names(kind))
            );
            self.error(
                unit,
                CheckError::ExpectedCall {
                    kind: kind.to_string(),
                    span: expr.span.into(),
                    help,
                },
            );
            return None;
        };
        let schema = self.builtin(unit, callee, |k| k == kind, &kind.to_string())?;
        let matched = self.match_args(unit, schema, args, expr.span)?;
        let mut params = super::Params::new();
        let mut ok = true;
        for (param, value) in matched {
            match self.value(unit, param, value) {
                Some(v) => {
                    params.insert(param.name.to_string(), v);
                }
                None => ok = false,
            }
        }
        self.fill_defaults(schema, &mut params);
        ok.then_some(Call {
            schema,
            params,
            span: expr.span,
        })
    }

    /// Adds the defaults of parameters that were not given.
    pub(super) fn fill_defaults(&mut self, schema: &'static Schema, params: &mut super::Params) {
        for param in schema.params {
            if !params.contains_key(param.name) {
                if let Some(v) = self.default_value(param) {
                    params.insert(param.name.to_string(), v);
                }
            }
        }
    }

    /// Looks a built-in up by the name a call uses, among those `accept`ed.
    pub(super) fn builtin(
        &mut self,
        unit: usize,
        callee: &ast::Path,
        accept: impl Fn(Kind) -> bool,
        what: &str,
    ) -> Option<&'static Schema> {
        let name = callee.dotted();
        match registry::find(&name) {
            Some(schema) if accept(schema.kind) => Some(schema),
            found => {
                let candidates: Vec<&str> = registry::builtins()
                    .filter(|s| accept(s.kind))
                    .map(|s| s.name)
                    .collect();
                let help = match found {
                    Some(other) => format!(
                        "`{name}` is a {}; the {what}s are {}",
                        other.kind,
                        quoted_list(&candidates)
                    ),
                    None => did_you_mean(&name, &candidates, what),
                };
                self.error(
                    unit,
                    CheckError::UnknownBuiltin {
                        name,
                        kind: what.to_string(),
                        span: callee.span.into(),
                        help,
                    },
                );
                None
            }
        }
    }

    /// One value for `param` (sweeps are not allowed here), typed and range-checked.
    pub(super) fn value(&mut self, unit: usize, param: &Param, expr: &ast::Expr) -> Option<Value> {
        if param.sweepable && is_sweep(expr) {
            self.error(
                unit,
                CheckError::NotSweepable {
                    param: param.name.to_string(),
                    span: expr.span.into(),
                    help: "sweeps belong in `perturbation` declarations".to_string(),
                },
            );
            return None;
        }
        if !param.sweepable
            && is_sweep(expr)
            && !matches!(param.ty, Type::List(_) | Type::Perturbation)
        {
            self.error(
                unit,
                CheckError::NotSweepable {
                    param: param.name.to_string(),
                    span: expr.span.into(),
                    help: format!(
                        "`{}` takes a single value: {}",
                        param.name,
                        article(&param.ty)
                    ),
                },
            );
            return None;
        }
        let value = self.typed(unit, &param.ty, expr)?;
        self.check_bounds(unit, param, &value, expr.span)?;
        Some(value)
    }

    /// The values a sweepable parameter takes, each with its label as written: one value, a
    /// list, or a range.
    pub(super) fn sweep(
        &mut self,
        unit: usize,
        param: &Param,
        expr: &ast::Expr,
    ) -> Option<Vec<(Value, String)>> {
        let items: Vec<(Value, String, Span)> = match &expr.kind {
            ast::ExprKind::List(elements) => {
                if elements.is_empty() {
                    self.error(
                        unit,
                        CheckError::InvalidRange {
                            reason: "an empty list sweeps nothing".into(),
                            what: "this list has no value".into(),
                            span: expr.span.into(),
                            help: format!("give `{}` at least one value", param.name),
                        },
                    );
                    return None;
                }
                let mut out = Vec::new();
                for element in elements {
                    if let ast::ExprKind::Range { start, end, step } = &element.kind {
                        let values =
                            self.range(unit, param, start, end, step.as_deref(), element.span)?;
                        out.extend(values.into_iter().map(|v| {
                            let label = v.to_string();
                            (v, label, element.span)
                        }));
                        continue;
                    }
                    if is_sweep(element) {
                        self.error(
                            unit,
                            CheckError::NotSweepable {
                                param: param.name.to_string(),
                                span: element.span.into(),
                                help: "a sweep is one flat list of values and ranges".into(),
                            },
                        );
                        return None;
                    }
                    let value = self.typed(unit, &param.ty, element)?;
                    out.push((
                        value,
                        self.span_text(element.span).to_string(),
                        element.span,
                    ));
                }
                out
            }
            ast::ExprKind::Range { start, end, step } => {
                let values = self.range(unit, param, start, end, step.as_deref(), expr.span)?;
                values
                    .into_iter()
                    .map(|v| {
                        let label = v.to_string();
                        (v, label, expr.span)
                    })
                    .collect()
            }
            _ => {
                let value = self.typed(unit, &param.ty, expr)?;
                vec![(value, self.span_text(expr.span).to_string(), expr.span)]
            }
        };
        let mut ok = true;
        for (value, _, span) in &items {
            ok &= self.check_bounds(unit, param, value, *span).is_some();
        }
        ok.then(|| items.into_iter().map(|(v, l, _)| (v, l)).collect())
    }

    /// Expands `start..end step s` (both ends included) for an integer or real parameter.
    pub(super) fn range(
        &mut self,
        unit: usize,
        param: &Param,
        start: &ast::Expr,
        end: &ast::Expr,
        step: Option<&ast::Expr>,
        span: Span,
    ) -> Option<Vec<Value>> {
        let integer = matches!(param.ty, Type::Int);
        if !integer && !matches!(param.ty, Type::Float) {
            self.error(
                unit,
                CheckError::InvalidRange {
                    reason: format!("`{}` is not a number, so it has no range", param.name),
                    what: "this range".into(),
                    span: span.into(),
                    help: format!("sweep `{}` with a list of values", param.name),
                },
            );
            return None;
        }
        let a = self.number(unit, start)?;
        let b = self.number(unit, end)?;
        let s = match step {
            Some(step) => Some(self.number(unit, step)?),
            None => None,
        };
        let all_int = matches!((&a, &b), (Value::Int(_), Value::Int(_)))
            && s.as_ref().map_or(true, |s| matches!(s, Value::Int(_)));
        if integer && !all_int {
            self.error(
                unit,
                CheckError::InvalidRange {
                    reason: "an integer range needs integer ends and step".into(),
                    what: "this range".into(),
                    span: span.into(),
                    help: format!("`{}` takes whole numbers, as in `1..5`", param.name),
                },
            );
            return None;
        }
        let step_value = match &s {
            Some(s) => s.as_f64().unwrap_or(1.0),
            None if integer => 1.0,
            None => {
                let range = self.span_text(span).to_string();
                self.error(
                    unit,
                    CheckError::InvalidRange {
                        reason: "a range of real numbers needs a step".into(),
                        what: "this range".into(),
                        span: span.into(),
                        help: format!(
                            "`{}` takes real numbers: give the step between them, as in `{range} step 0.1`, or list the values",
                            param.name
                        ),
                    },
                );
                return None;
            }
        };
        let (lo, hi) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
        if step_value <= 0.0 || hi < lo {
            let (reason, help) = if step_value <= 0.0 {
                (
                    "the step of a range must be positive",
                    "the step is the distance between two values, as in `0..1 step 0.25`"
                        .to_string(),
                )
            } else {
                (
                    "the range is empty: its end is below its start",
                    format!(
                        "write the smaller end first: `{}..{}`",
                        self.span_text(end.span),
                        self.span_text(start.span)
                    ),
                )
            };
            self.error(
                unit,
                CheckError::InvalidRange {
                    reason: reason.into(),
                    what: "this range".into(),
                    span: span.into(),
                    help,
                },
            );
            return None;
        }
        let count = ((hi - lo) / step_value + 1e-9).floor() + 1.0;
        if count > MAX_SWEEP_MEMBERS as f64 {
            self.error(
                unit,
                CheckError::SweepTooLarge {
                    count: count.min(usize::MAX as f64) as usize,
                    limit: MAX_SWEEP_MEMBERS,
                    span: span.into(),
                },
            );
            return None;
        }
        let count = count as usize;
        Some(
            (0..count)
                .map(|k| match (integer, &a) {
                    (true, Value::Int(first)) => Value::Int(first + (k as i64) * step_value as i64),
                    _ => Value::Float(round_decimal(lo + k as f64 * step_value)),
                })
                .collect(),
        )
    }

    /// Reports a value outside the parameter's bounds (each element, for lists).
    fn check_bounds(
        &mut self,
        unit: usize,
        param: &Param,
        value: &Value,
        span: Span,
    ) -> Option<()> {
        let Some(bounds) = param.bounds else {
            return Some(());
        };
        let scalars: Vec<&Value> = match value {
            Value::List(items) => items.iter().collect(),
            other => vec![other],
        };
        let written = self.span_text(span).to_string();
        let as_written = !matches!(value, Value::List(_)) && !written.contains("..");
        for v in scalars {
            if let Some(x) = v.as_f64() {
                if !bounds.contains(x) {
                    let shown = if as_written {
                        written.clone()
                    } else {
                        v.to_string()
                    };
                    let help = param
                        .unit
                        .map(|u| format!("`{}` is measured in {u}: {}", param.name, param.doc));
                    self.error(
                        unit,
                        CheckError::OutOfRange {
                            param: param.name.to_string(),
                            value: shown,
                            bounds: bounds.to_string(),
                            span: span.into(),
                            help: help.or_else(|| Some(format!("`{}`: {}", param.name, param.doc))),
                        },
                    );
                    return None;
                }
            }
        }
        Some(())
    }

    /// The default of `param` as a value (schemas write defaults as rbench literals).
    pub(super) fn default_value(&mut self, param: &Param) -> Option<Value> {
        let Default::Value(literal) = param.default else {
            return None;
        };
        let text = format!("perturbation default = {literal}");
        let source = SourceFile::new(FileId(u32::MAX), "<default>", text);
        let file = syntax::parse(&source).ok()?;
        let ast::ItemKind::Perturbation(binding) = &file.items.first()?.kind else {
            return None;
        };
        let errors_before = self.errors.len();
        let value = self.typed(0, &param.ty, &binding.value);
        self.errors.truncate(errors_before);
        value
    }

    /// Folds a constant numeric expression: literals, `-`, `+ - * /` and parentheses.
    pub(super) fn number(&mut self, unit: usize, expr: &ast::Expr) -> Option<Value> {
        use ast::ExprKind as E;
        match &expr.kind {
            E::Number(text) => self.number_literal(unit, text, expr.span),
            E::Percent(text) => {
                let v = self.number_literal(unit, text, expr.span)?;
                Some(Value::Float(v.as_f64()? / 100.0))
            }
            E::Fraction {
                numerator,
                denominator,
            } => {
                let n = self.number_literal(unit, numerator, expr.span)?.as_f64()?;
                let d = self
                    .number_literal(unit, denominator, expr.span)?
                    .as_f64()?;
                if d == 0.0 {
                    self.error(
                        unit,
                        CheckError::DivisionByZero {
                            span: expr.span.into(),
                        },
                    );
                    return None;
                }
                Some(Value::Float(n / d))
            }
            E::Paren(inner) => self.number(unit, inner),
            E::Unary {
                op: ast::UnaryOp::Neg,
                operand,
            } => match self.number(unit, operand)? {
                Value::Int(i) => Some(Value::Int(-i)),
                v => Some(Value::Float(-v.as_f64()?)),
            },
            E::Binary { op, lhs, rhs }
                if matches!(
                    op,
                    ast::BinaryOp::Add
                        | ast::BinaryOp::Sub
                        | ast::BinaryOp::Mul
                        | ast::BinaryOp::Div
                ) =>
            {
                let (a, b) = (self.number(unit, lhs), self.number(unit, rhs));
                let (a, b) = (a?, b?);
                self.arithmetic(unit, *op, &a, &b, rhs.span)
            }
            _ => {
                self.type_mismatch(unit, "a number", expr);
                None
            }
        }
    }

    fn arithmetic(
        &mut self,
        unit: usize,
        op: ast::BinaryOp,
        a: &Value,
        b: &Value,
        rhs_span: Span,
    ) -> Option<Value> {
        use ast::BinaryOp as B;
        if let (Value::Int(x), Value::Int(y), B::Add | B::Sub | B::Mul) = (a, b, op) {
            let exact = match op {
                B::Add => x.checked_add(*y),
                B::Sub => x.checked_sub(*y),
                _ => x.checked_mul(*y),
            };
            if let Some(v) = exact {
                return Some(Value::Int(v));
            }
        }
        let (x, y) = (a.as_f64()?, b.as_f64()?);
        let v = match op {
            B::Add => x + y,
            B::Sub => x - y,
            B::Mul => x * y,
            _ => {
                if y == 0.0 {
                    self.error(
                        unit,
                        CheckError::DivisionByZero {
                            span: rhs_span.into(),
                        },
                    );
                    return None;
                }
                x / y
            }
        };
        Some(Value::Float(v))
    }

    fn number_literal(&mut self, unit: usize, text: &str, span: Span) -> Option<Value> {
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        let is_int = clean.bytes().all(|b| b.is_ascii_digit());
        if is_int {
            if let Ok(i) = clean.parse::<i64>() {
                return Some(Value::Int(i));
            }
            self.error(
                unit,
                CheckError::NumberTooLarge {
                    text: text.to_string(),
                    span: span.into(),
                    help: format!("integers are at most {}", i64::MAX),
                },
            );
            return None;
        }
        match clean.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(Value::Float(v)),
            _ => {
                self.error(
                    unit,
                    CheckError::NumberTooLarge {
                        text: text.to_string(),
                        span: span.into(),
                        help: "real numbers are at most about 1.8e308".into(),
                    },
                );
                None
            }
        }
    }

    /// Types `expr` as `ty`: folds numbers, resolves names, decodes strings and paths.
    pub(super) fn typed(&mut self, unit: usize, ty: &Type, expr: &ast::Expr) -> Option<Value> {
        use ast::ExprKind as E;
        match (ty, &expr.kind) {
            (Type::Int, _) if !is_numeric(expr) => {
                self.type_mismatch(unit, "an integer", expr);
                None
            }
            (Type::Int, _) => match self.number(unit, expr)? {
                Value::Int(i) => Some(Value::Int(i)),
                _ => {
                    let found = format!("the real number `{}`", self.span_text(expr.span));
                    self.error(
                        unit,
                        CheckError::TypeMismatch {
                            expected: "an integer".into(),
                            found,
                            span: expr.span.into(),
                            help: None,
                        },
                    );
                    None
                }
            },
            (Type::Float, _) => Some(Value::Float(self.number(unit, expr)?.as_f64()?)),
            (Type::Bool, E::Bool(b)) => Some(Value::Bool(*b)),
            (Type::Str, E::String(s)) => Some(Value::Str(s.value.clone())),
            (Type::Path, E::String(s)) => Some(Value::Path(self.units[unit].dir().join(&s.value))),
            (Type::Enum(words), E::Name(path)) if path.segments.len() == 1 => {
                let word = &path.segments[0].name;
                if words.contains(&word.as_str()) {
                    return Some(Value::Word(word.clone()));
                }
                let help = did_you_mean(word, words, "choice");
                self.error(
                    unit,
                    CheckError::TypeMismatch {
                        expected: ty.to_string(),
                        found: format!("`{word}`"),
                        span: expr.span.into(),
                        help: Some(help),
                    },
                );
                None
            }
            (Type::Target, E::Name(path)) if path.segments.len() == 1 => {
                self.typed(unit, &Type::Enum(&["least_likely", "random"]), expr)
            }
            (Type::Target, _) => match self.number(unit, expr)? {
                Value::Int(i) if i >= 0 => Some(Value::Int(i)),
                _ => {
                    self.type_mismatch(unit, "a class index", expr);
                    None
                }
            },
            (Type::List(inner), E::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.typed(unit, inner, item) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::List(out))
            }
            (Type::Model, E::Name(path)) => {
                let id = self.model_ref(unit, path)?;
                Some(Value::Model(id))
            }
            (Type::Dataset, E::Name(path)) => {
                let id = self.dataset_ref(unit, path)?;
                Some(Value::Dataset(id))
            }
            (Type::Perturbation, E::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.target(unit, item) {
                        Some(t) => out.push(Value::Perturbation(t)),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::List(out))
            }
            (Type::Perturbation, _) => Some(Value::Perturbation(self.target(unit, expr)?)),
            (Type::Call(kind), _) => {
                let call = self.call(unit, expr, *kind)?;
                Some(Value::Str(call.schema.name.to_string()))
            }
            _ => {
                self.type_mismatch(unit, &article(ty), expr);
                None
            }
        }
    }

    /// A perturbation reference: `clean`, `noise`, `cc.blur`, or `noise[sigma = 0.1]`.
    pub(super) fn target(&mut self, unit: usize, expr: &ast::Expr) -> Option<Target> {
        match &expr.kind {
            ast::ExprKind::Name(path) if path.dotted() == "clean" => Some(Target::Clean),
            ast::ExprKind::Name(path) => {
                let id = self.perturbation_ref(unit, path)?;
                let members = (0..self.perturbations[id].members.len()).collect();
                Some(Target::Members {
                    perturbation: id,
                    members,
                })
            }
            ast::ExprKind::Select { base, selectors } => {
                let ast::ExprKind::Name(path) = &base.kind else {
                    self.type_mismatch(unit, "a perturbation", base);
                    return None;
                };
                let id = self.perturbation_ref(unit, path)?;
                let members = self.select(unit, id, selectors)?;
                Some(Target::Members {
                    perturbation: id,
                    members,
                })
            }
            _ => {
                self.type_mismatch(unit, "a perturbation or `clean`", expr);
                None
            }
        }
    }

    /// Reports `expr` as the wrong kind of value.
    pub(super) fn type_mismatch(&mut self, unit: usize, expected: &str, expr: &ast::Expr) {
        let found = describe(expr);
        let help = match &expr.kind {
            ast::ExprKind::Range { .. } => {
                Some("ranges sweep a parameter of a perturbation".to_string())
            }
            ast::ExprKind::String(_)
                if expected.contains("number") || expected.contains("integer") =>
            {
                Some("write numbers without quotes".to_string())
            }
            ast::ExprKind::String(_) if expected.contains("boolean") => {
                Some("write `true` or `false`, without quotes".to_string())
            }
            ast::ExprKind::String(_) if expected.starts_with("one of") => {
                Some("write the word without quotes".to_string())
            }
            _ => None,
        };
        self.error(
            unit,
            CheckError::TypeMismatch {
                expected: expected.to_string(),
                found,
                span: expr.span.into(),
                help,
            },
        );
    }

    /// Resolves a model name to its id.
    pub(super) fn model_ref(&mut self, unit: usize, path: &ast::Path) -> Option<usize> {
        let declaring = self.resolve(unit, path, &[DeclKind::Model])?;
        let key = (declaring, path.segments.last()?.name.clone());
        self.model_ids.get(&key).copied().flatten()
    }

    /// Resolves a dataset name to its id.
    pub(super) fn dataset_ref(&mut self, unit: usize, path: &ast::Path) -> Option<usize> {
        let declaring = self.resolve(unit, path, &[DeclKind::Dataset])?;
        let key = (declaring, path.segments.last()?.name.clone());
        self.dataset_ids.get(&key).copied().flatten()
    }
}

/// Whether `expr` is written as a number or arithmetic on numbers (so folding it is the check).
fn is_numeric(expr: &ast::Expr) -> bool {
    use ast::ExprKind as E;
    matches!(
        expr.kind,
        E::Number(_)
            | E::Percent(_)
            | E::Fraction { .. }
            | E::Paren(_)
            | E::Unary { .. }
            | E::Binary { .. }
    )
}

/// Whether `expr` is written as a sweep (a list or a range).
fn is_sweep(expr: &ast::Expr) -> bool {
    matches!(
        expr.kind,
        ast::ExprKind::List(_) | ast::ExprKind::Range { .. }
    )
}

/// Rounds away the binary noise of `lo + k·step` (0.30000000000000004 → 0.3).
fn round_decimal(x: f64) -> f64 {
    let rounded: f64 = format!("{x:.12}").parse().unwrap_or(x);
    rounded
}

/// "a number", "a string", ... for a type.
fn article(ty: &Type) -> String {
    match ty {
        Type::Int => "an integer".into(),
        Type::Enum(_) | Type::Target | Type::Call(_) => ty.to_string(),
        Type::List(_) => format!("a {ty} (`[a, b]`)"),
        other => format!("a {other}"),
    }
}

/// What an expression is, in words: "a string", "a list", "`mlp`".
pub(super) fn describe(expr: &ast::Expr) -> String {
    use ast::ExprKind as E;
    match &expr.kind {
        E::Number(_) | E::Percent(_) | E::Fraction { .. } => "a number".into(),
        E::String(_) => "a string".into(),
        E::Bool(_) => "a boolean".into(),
        E::Name(path) => format!("`{}`", path.dotted()),
        E::List(_) => "a list".into(),
        E::Range { .. } => "a range".into(),
        E::Call { callee, .. } => format!("a call of `{}`", callee.dotted()),
        E::Select { .. } => "a member selection".into(),
        E::Unary { .. } | E::Binary { .. } | E::Paren(_) => "an expression".into(),
    }
}

/// The names of the built-ins of one kind.
fn builtin_names(kind: Kind) -> Vec<&'static str> {
    registry::builtins()
        .filter(|s| s.kind == kind)
        .map(|s| s.name)
        .collect()
}
