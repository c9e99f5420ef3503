//! Perturbation declarations: the generator call, its parameters, and the sweep's members.

use std::sync::Arc;

use super::scope::DeclKind;
use super::spec::{Axis, Member, Params, Perturbation, PerturbationId, Target};
use super::{CheckError, Checker, Cycle, Value};
use crate::schema::{Family, Kind, Param, Type};
use crate::suggest::{quoted_list, with_article};
use crate::syntax::{ast, Span};

use super::sweeps::{MAX_SPEC_MEMBERS, MAX_SWEEP_MEMBERS};

impl Checker<'_> {
    /// Checks every perturbation `unit` declares (those not already checked through a reference).
    pub(super) fn all_perturbations(&mut self, unit: usize) {
        let names: Vec<String> = self.units[unit]
            .scope
            .names
            .iter()
            .filter(|(_, d)| d.kind == DeclKind::Perturbation)
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            self.perturbation(unit, &name, None);
        }
    }

    /// Resolves a perturbation name written in `unit` to its id, checking it on first use.
    pub(super) fn perturbation_ref(
        &mut self,
        unit: usize,
        path: &ast::Path,
    ) -> Option<PerturbationId> {
        let declaring = self.resolve(unit, path, &[DeclKind::Perturbation])?;
        let name = path.segments.last()?.name.clone();
        self.perturbation(declaring, &name, Some(path.span))
    }

    /// The id of perturbation `name` of `unit`, checking it the first time; `reference` is where
    /// it is named, if it is named (a cycle is reported there).
    fn perturbation(
        &mut self,
        unit: usize,
        name: &str,
        reference: Option<Span>,
    ) -> Option<PerturbationId> {
        let cycle = Cycle {
            kind: "perturbation",
            help:
                "`worst_of` combines other attacks: it cannot contain the perturbation it defines",
        };
        self.on_demand(
            |c| &mut c.perturbation_ids,
            (unit, name),
            reference,
            cycle,
            |c| {
                let checked = c.check_perturbation(unit, name)?;
                c.perturbations.push(checked);
                Some(c.perturbations.len() - 1)
            },
        )
    }

    fn check_perturbation(&mut self, unit: usize, name: &str) -> Option<Perturbation> {
        let decl = self.units[unit].scope.names[name];
        let parsed = Arc::clone(&self.units[unit].ast);
        let item = &parsed.items[decl.item];
        let ast::ItemKind::Perturbation(binding) = &item.kind else {
            return None;
        };
        let expr = &binding.value;
        let ast::ExprKind::Call { callee, args } = &expr.kind else {
            self.error(
                unit,
                CheckError::ExpectedCall {
                    kind: "perturbation".into(),
                    span: expr.span.into(),
                    help: "a perturbation is a call such as `gaussian_noise(sigma: 0.1)`".into(),
                },
            );
            return None;
        };
        let schema = self.builtin(
            unit,
            callee,
            |k| matches!(k, Kind::Perturbation(_)),
            "perturbation",
        )?;
        let matched = self.match_args(unit, schema, args, expr.span)?;
        let mut fixed = Params::new();
        let mut axes: Vec<(Axis, Vec<String>)> = Vec::new();
        let mut parts = Vec::new();
        let mut ok = true;
        for (param, value) in matched {
            if param.sweepable {
                let Some(values) = self.sweep(unit, param, value) else {
                    ok = false;
                    continue;
                };
                let swept = matches!(
                    value.kind,
                    ast::ExprKind::List(_) | ast::ExprKind::Range { .. }
                );
                if swept {
                    let (values, labels): (Vec<Value>, Vec<String>) = values.into_iter().unzip();
                    axes.push((
                        Axis {
                            param: param.name.to_string(),
                            values,
                        },
                        labels,
                    ));
                } else if let Some((v, _)) = values.into_iter().next() {
                    fixed.insert(param.name.to_string(), v);
                }
                continue;
            }
            match self.value(unit, param, value) {
                Some(v) => {
                    if schema.kind == Kind::Perturbation(Family::Ensemble) {
                        ok &= self.ensemble_parts(unit, &v, value, &mut parts);
                    }
                    fixed.insert(param.name.to_string(), v);
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        self.fill_defaults(schema, &mut fixed);
        let count = axes
            .iter()
            .try_fold(1usize, |n, (a, _)| n.checked_mul(a.values.len()));
        if count.is_none_or(|c| c > MAX_SWEEP_MEMBERS) {
            self.error(
                unit,
                CheckError::SweepTooLarge {
                    count: count.unwrap_or(usize::MAX),
                    limit: MAX_SWEEP_MEMBERS,
                    span: expr.span.into(),
                },
            );
            return None;
        }
        let declared = self.members_declared + count.unwrap_or(0);
        if declared > MAX_SPEC_MEMBERS {
            self.error(
                unit,
                CheckError::SpecTooLarge {
                    what: "perturbation members".into(),
                    limit: MAX_SPEC_MEMBERS,
                    span: expr.span.into(),
                    label: format!("this sweep brings the members to {declared}"),
                    help: "sweep fewer values: a member is one perturbed copy of a dataset per \
                           model it is evaluated on"
                        .into(),
                },
            );
            return None;
        }
        self.members_declared = declared;
        let full_name = format!("{}{}", self.units[unit].prefix, name);
        let members = members(&full_name, &fixed, &axes, &parts);
        Some(Perturbation {
            name: full_name,
            schema,
            axes: axes.into_iter().map(|(a, _)| a).collect(),
            members,
            span: item.span,
        })
    }

    /// Checks that each part of an ensemble (`value`, written as `list`) is an attack and
    /// collects the parts.
    fn ensemble_parts(
        &mut self,
        unit: usize,
        value: &Value,
        list: &ast::Expr,
        parts: &mut Vec<Target>,
    ) -> bool {
        let (Value::List(items), ast::ExprKind::List(elements)) = (value, &list.kind) else {
            return false;
        };
        let mut ok = true;
        for (item, element) in items.iter().zip(elements) {
            let span = element.span;
            match item {
                Value::Perturbation(target @ Target::Members { perturbation, .. }) => {
                    let p = &self.perturbations[*perturbation];
                    if p.schema.kind.is_attack() {
                        parts.push(target.clone());
                    } else {
                        let name = p.name.clone();
                        let kind = p.schema.kind.to_string();
                        self.error(
                            unit,
                            CheckError::WrongKind {
                                name,
                                found: with_article(&kind),
                                expected: "an attack".into(),
                                span: span.into(),
                                declared: None,
                                help: Some(
                                    "`worst_of` combines attacks (gradient or black-box)".into(),
                                ),
                            },
                        );
                        ok = false;
                    }
                }
                _ => {
                    self.error(
                        unit,
                        CheckError::WrongKind {
                            name: "clean".into(),
                            found: "the unperturbed data".into(),
                            expected: "an attack".into(),
                            span: span.into(),
                            declared: None,
                            help: Some("`worst_of` combines attacks".into()),
                        },
                    );
                    ok = false;
                }
            }
        }
        ok
    }

    /// The members of perturbation `id` that match every `param = value` selector.
    pub(super) fn select(
        &mut self,
        unit: usize,
        id: PerturbationId,
        selectors: &[ast::Selector],
    ) -> Option<Vec<usize>> {
        let mut chosen: Vec<usize> = (0..self.perturbations[id].members.len()).collect();
        for selector in selectors {
            let p = &self.perturbations[id];
            let name = p.name.clone();
            let axis = p.axes.iter().position(|a| a.param == selector.name.name);
            let Some(axis) = axis else {
                let axes: Vec<&str> = p.axes.iter().map(|a| a.param.as_str()).collect();
                let help = if axes.is_empty() {
                    format!("`{name}` sweeps nothing, so it has one member: use it without `[...]`")
                } else {
                    format!("`{name}` sweeps {}", quoted_list(&axes))
                };
                self.error(
                    unit,
                    CheckError::NotSwept {
                        perturbation: name,
                        param: selector.name.name.clone(),
                        span: selector.name.span.into(),
                        help,
                    },
                );
                return None;
            };
            let param = p.schema.param(&selector.name.name)?;
            let wanted = self.wanted(unit, param, &selector.value)?;
            let p = &self.perturbations[id];
            chosen.retain(|&m| {
                p.members[m]
                    .params
                    .get(&selector.name.name)
                    .is_some_and(|v| wanted.matches(v))
            });
            if chosen.is_empty() {
                let values: Vec<String> =
                    p.axes[axis].values.iter().map(|v| v.to_string()).collect();
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                let selection = format!("`{}`", self.span_text(selector.span));
                self.error(
                    unit,
                    CheckError::UnknownMember {
                        perturbation: name,
                        selection,
                        span: selector.span.into(),
                        help: format!(
                            "`{}` takes the values {}",
                            selector.name.name,
                            quoted_list(&values)
                        ),
                    },
                );
                return None;
            }
        }
        Some(chosen)
    }

    /// What a selector's value asks for: one value, the values of a range with a step, or all
    /// values between the ends of a range without one.
    fn wanted(&mut self, unit: usize, param: &Param, expr: &ast::Expr) -> Option<Wanted> {
        let ast::ExprKind::Range { start, end, step } = &expr.kind else {
            return Some(Wanted::Value(self.typed(unit, &param.ty, expr)?));
        };
        if let Some(step) = step {
            let values = self.range(unit, param, start, end, Some(step), expr.span)?;
            return Some(Wanted::AnyOf(values));
        }
        let low = self.number(unit, start);
        let high = self.number(unit, end);
        let (low, high) = (low?.as_f64()?, high?.as_f64()?);
        if high < low || !matches!(param.ty, Type::Int | Type::Float) {
            let reason = if high < low {
                "the range is empty: its end is below its start".to_string()
            } else {
                format!("`{}` is not a number, so it has no range", param.name)
            };
            self.error(
                unit,
                CheckError::InvalidRange {
                    reason,
                    what: "this range".into(),
                    span: expr.span.into(),
                    help: format!("select `{}` with one value", param.name),
                },
            );
            return None;
        }
        Some(Wanted::Between(low, high))
    }
}

/// The values of a swept parameter that a selector keeps.
enum Wanted {
    Value(Value),
    AnyOf(Vec<Value>),
    /// Every value in `[low, high]`.
    Between(f64, f64),
}

impl Wanted {
    fn matches(&self, value: &Value) -> bool {
        match self {
            Wanted::Value(wanted) => value.same_member(wanted),
            Wanted::AnyOf(values) => values.iter().any(|v| value.same_member(v)),
            Wanted::Between(low, high) => value.as_f64().is_some_and(|x| {
                let slack = 1e-12 * low.abs().max(high.abs());
                x >= low - slack && x <= high + slack
            }),
        }
    }
}

/// The cartesian product of the axes (the last axis varies fastest), one member each.
fn members(
    name: &str,
    fixed: &Params,
    axes: &[(Axis, Vec<String>)],
    parts: &[Target],
) -> Vec<Member> {
    let mut members = vec![(fixed.clone(), Vec::<String>::new())];
    for (axis, labels) in axes {
        let mut next = Vec::with_capacity(members.len() * axis.values.len());
        for (params, label) in &members {
            for (value, text) in axis.values.iter().zip(labels) {
                let mut params = params.clone();
                params.insert(axis.param.clone(), value.clone());
                let mut label = label.clone();
                label.push(format!("{} = {}", axis.param, text));
                next.push((params, label));
            }
        }
        members = next;
    }
    members
        .into_iter()
        .map(|(params, label)| Member {
            params,
            parts: parts.to_vec(),
            label: if label.is_empty() {
                name.to_string()
            } else {
                format!("{name}[{}]", label.join(", "))
            },
        })
        .collect()
}
