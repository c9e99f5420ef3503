//! Arguments and values: matching a call's arguments to a schema, typing and folding values,
//! checking ranges, and expanding sweeps.

use super::numbers::is_numeric;
use super::scope::DeclKind;
use super::spec::{Call, Target};
use super::{CheckError, Checker, Value};
use crate::registry;
use crate::schema::{Default, Kind, Param, Schema, Type};
use crate::suggest::{closest, did_you_mean, quoted_list};
use crate::syntax::{self, ast, FileId, SourceFile, Span};

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
        let params = self.single_values(unit, schema, matched)?;
        Some(Call {
            schema,
            params,
            span: expr.span,
        })
    }

    /// One value for each matched argument (no sweeps), with the defaults of the parameters
    /// not given; `None` when any value is wrong (every one is reported).
    pub(super) fn single_values(
        &mut self,
        unit: usize,
        schema: &'static Schema,
        matched: Matched<'_>,
    ) -> Option<super::Params> {
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
        ok.then_some(params)
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

    /// Reports a value outside the parameter's bounds (each element, for lists).
    pub(super) fn check_bounds(
        &mut self,
        unit: usize,
        param: &Param,
        value: &Value,
        span: Span,
    ) -> Option<()> {
        let Some(bounds) = param.checked_bounds() else {
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

/// Whether `expr` is written as a sweep (a list or a range).
pub(super) fn is_sweep(expr: &ast::Expr) -> bool {
    matches!(
        expr.kind,
        ast::ExprKind::List(_) | ast::ExprKind::Range { .. }
    )
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
