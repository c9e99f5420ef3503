//! Declarations of each file by name, and resolution of (possibly qualified) names.

use std::collections::BTreeMap;
use std::fmt;

use super::{CheckError, Checker};
use crate::suggest::{choices, did_you_mean, plural, quoted_list, with_article};
use crate::syntax::{ast, Span};

/// What a name declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum DeclKind {
    Dataset,
    Model,
    Perturbation,
    Metric,
    Gate,
    Framework,
}

impl fmt::Display for DeclKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeclKind::Dataset => "dataset",
            DeclKind::Model => "model",
            DeclKind::Perturbation => "perturbation",
            DeclKind::Metric => "metric",
            DeclKind::Gate => "gate",
            DeclKind::Framework => "framework",
        })
    }
}

/// One declaration: its kind, the index of its item, and the span of its name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decl {
    pub kind: DeclKind,
    pub item: usize,
    pub span: Span,
}

/// The names one file declares.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub names: BTreeMap<String, Decl>,
    /// The same names by kind, each list in name order, so the candidates of a "did you mean"
    /// are found without walking every name (thousands of gates) for each unknown one.
    by_kind: BTreeMap<DeclKind, Vec<String>>,
}

impl Scope {
    /// A scope of `names`.
    fn new(names: BTreeMap<String, Decl>) -> Scope {
        let mut by_kind: BTreeMap<DeclKind, Vec<String>> = BTreeMap::new();
        for (name, decl) in &names {
            by_kind.entry(decl.kind).or_default().push(name.clone());
        }
        Scope { names, by_kind }
    }

    /// The names of any of `kinds`, in name order.
    pub fn names_of(&self, kinds: &[DeclKind]) -> Vec<&str> {
        let mut names: Vec<&str> = kinds
            .iter()
            .filter_map(|kind| self.by_kind.get(kind))
            .flatten()
            .map(String::as_str)
            .collect();
        if kinds.len() > 1 {
            names.sort_unstable();
        }
        names
    }
}

/// The name a declaration's item introduces, if any.
fn declared(item: &ast::Item) -> Option<(DeclKind, &ast::Ident)> {
    match &item.kind {
        ast::ItemKind::Dataset(b) => Some((DeclKind::Dataset, &b.name)),
        ast::ItemKind::Model(b) => Some((DeclKind::Model, &b.name)),
        ast::ItemKind::Perturbation(b) => Some((DeclKind::Perturbation, &b.name)),
        ast::ItemKind::Metric(b) => Some((DeclKind::Metric, &b.name)),
        ast::ItemKind::Gate(g) => Some((DeclKind::Gate, &g.name)),
        ast::ItemKind::Framework(f) => Some((DeclKind::Framework, &f.name)),
        _ => None,
    }
}

impl Checker<'_> {
    /// Builds the scope of `unit`, diagnosing duplicates and the reserved name `clean`.
    pub(super) fn collect_scope(&mut self, unit: usize) {
        let mut names: BTreeMap<String, Decl> = BTreeMap::new();
        let mut errors = Vec::new();
        let mut aliases: BTreeMap<String, Span> = BTreeMap::new();
        for (index, item) in self.units[unit].ast.items.iter().enumerate() {
            if let ast::ItemKind::Import(import) = &item.kind {
                let alias = &import.alias;
                if let Some(first) = aliases.insert(alias.name.clone(), alias.span) {
                    errors.push(CheckError::DuplicateName {
                        name: alias.name.clone(),
                        span: alias.span.into(),
                        first: first.into(),
                    });
                }
                continue;
            }
            let Some((kind, ident)) = declared(item) else {
                continue;
            };
            if ident.name == "clean" {
                errors.push(CheckError::ReservedName {
                    name: ident.name.clone(),
                    span: ident.span.into(),
                });
                continue;
            }
            let decl = Decl {
                kind,
                item: index,
                span: ident.span,
            };
            match names.get(&ident.name) {
                Some(first) => errors.push(CheckError::DuplicateName {
                    name: ident.name.clone(),
                    span: ident.span.into(),
                    first: first.span.into(),
                }),
                None => {
                    names.insert(ident.name.clone(), decl);
                }
            }
        }
        self.units[unit].scope = Scope::new(names);
        for e in errors {
            self.error(unit, e);
        }
    }

    /// Resolves `path` as written in `unit`: `name` in the unit itself, `ns.name` in an import.
    /// The result is the unit that declares it. Reports unknown names (with the nearest names of
    /// the wanted kind) and wrong kinds.
    pub(super) fn resolve(
        &mut self,
        unit: usize,
        path: &ast::Path,
        wanted: &[DeclKind],
    ) -> Option<usize> {
        let (target, name) = match path.segments.as_slice() {
            [name] => (unit, name),
            [alias, name] => match self.units[unit].imports.get(&alias.name) {
                Some(&target) => (target, name),
                None => {
                    let aliases: Vec<&str> = self.units[unit]
                        .imports
                        .keys()
                        .map(String::as_str)
                        .collect();
                    let help = did_you_mean(&alias.name, &aliases, "import alias");
                    self.error(
                        unit,
                        CheckError::UnknownName {
                            name: alias.name.clone(),
                            expected: "import alias".into(),
                            span: alias.span.into(),
                            help: Some(help),
                        },
                    );
                    return None;
                }
            },
            _ => {
                self.error(
                    unit,
                    CheckError::UnknownName {
                        name: path.dotted(),
                        expected: kinds_text(wanted),
                        span: path.span.into(),
                        help: Some("names are `name` or `alias.name` (one level of import)".into()),
                    },
                );
                return None;
            }
        };
        let found = self.units[target].scope.names.get(&name.name).copied();
        if matches!(found, Some(decl) if wanted.contains(&decl.kind)) {
            return Some(target);
        }
        let wanted_text = kinds_text(wanted);
        // The names of the wanted kinds, as `path` would write them (`cc.fog` in an import).
        let qualifier = match path.segments.as_slice() {
            [alias, _] => format!("{}.", alias.name),
            _ => String::new(),
        };
        let candidates: Vec<String> = self.units[target]
            .scope
            .names_of(wanted)
            .into_iter()
            .map(|n| format!("{qualifier}{n}"))
            .collect();
        let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let error = match found {
            Some(decl) => CheckError::WrongKind {
                name: path.dotted(),
                found: with_article(&decl.kind.to_string()),
                expected: with_article(&wanted_text),
                span: path.span.into(),
                declared: (target == unit).then(|| decl.span.into()),
                help: Some(choices(&candidates, &wanted_text)),
            },
            None if qualifier.is_empty() && self.units[unit].imports.contains_key(&name.name) => {
                let members = self.units[self.units[unit].imports[&name.name]]
                    .scope
                    .names_of(wanted)
                    .into_iter()
                    .map(|n| format!("{}.{n}", name.name))
                    .collect::<Vec<_>>();
                let members: Vec<&str> = members.iter().map(String::as_str).collect();
                CheckError::WrongKind {
                    name: name.name.clone(),
                    found: "an import alias".into(),
                    expected: with_article(&wanted_text),
                    span: path.span.into(),
                    declared: None,
                    help: Some(format!(
                        "name one of the {} it imports: {}",
                        plural(&wanted_text),
                        quoted_list(&members)
                    )),
                }
            }
            None => CheckError::UnknownName {
                name: path.dotted(),
                expected: wanted_text.clone(),
                span: path.span.into(),
                help: Some(did_you_mean(&path.dotted(), &candidates, &wanted_text)),
            },
        };
        self.error(unit, error);
        None
    }
}

/// "model" or "perturbation or metric".
pub(super) fn kinds_text(kinds: &[DeclKind]) -> String {
    let words: Vec<String> = kinds.iter().map(ToString::to_string).collect();
    words.join(" or ")
}
