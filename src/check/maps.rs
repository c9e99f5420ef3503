//! Risk-framework mappings: `map FRAMEWORK { "ID" <- gates "rationale" }`, checked against the
//! built-in NIST AI RMF catalog or a framework the spec declares.

use std::collections::HashMap;
use std::sync::Arc;

use super::fields::FRAMEWORK_FIELDS;
use super::scope::DeclKind;
use super::spec::{FrameworkUse, Gate, GateId, Mapping};
use super::{CheckError, Checker};
use crate::risk::{Catalog, Control, Lookup, AI_RMF_NAME};
use crate::suggest::{closest, quoted_list};
use crate::syntax::ast;

impl Checker<'_> {
    /// Checks every framework and `map` of the root; mappings of one framework are merged.
    pub(super) fn maps(&mut self, gates: &[(String, Option<Gate>)]) -> Vec<FrameworkUse> {
        let mut catalogs: HashMap<String, Option<Catalog>> = HashMap::new();
        let parsed = Arc::clone(&self.units[0].ast);
        let items = &parsed.items;
        for item in items {
            if let ast::ItemKind::Framework(framework) = &item.kind {
                let catalog = self.framework(framework, item.span);
                catalogs.insert(framework.name.name.clone(), catalog);
            }
        }
        let mut uses: Vec<FrameworkUse> = Vec::new();
        for item in items {
            let ast::ItemKind::Map(map) = &item.kind else {
                continue;
            };
            let name = &map.framework.name;
            let catalog = if name == AI_RMF_NAME {
                Some(Catalog::ai_rmf().clone())
            } else if let Some(found) = catalogs.get(name) {
                found.clone()
            } else {
                let mut known: Vec<&str> = vec![AI_RMF_NAME];
                known.extend(catalogs.keys().map(String::as_str));
                let help = match closest(name, known.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "the frameworks are {}; declare your own with `framework {name} {{ control \"ID\" \"text\" }}`",
                        quoted_list(&known)
                    ),
                };
                self.error(
                    0,
                    CheckError::UnknownFramework {
                        name: name.clone(),
                        span: map.framework.span.into(),
                        help,
                    },
                );
                None
            };
            let Some(catalog) = catalog else {
                continue;
            };
            let mappings: Vec<Mapping> = map
                .entries
                .iter()
                .filter_map(|entry| self.mapping(&catalog, entry, gates))
                .collect();
            match uses.iter_mut().find(|u| u.catalog.name == catalog.name) {
                Some(existing) => existing.mappings.extend(mappings),
                None => uses.push(FrameworkUse { catalog, mappings }),
            }
        }
        uses
    }

    fn mapping(
        &mut self,
        catalog: &Catalog,
        entry: &ast::MapEntry,
        gates: &[(String, Option<Gate>)],
    ) -> Option<Mapping> {
        let control = match catalog.lookup(&entry.control.value) {
            Lookup::Found(control) => Some(control.id.clone()),
            Lookup::Unknown { suggestions } => {
                let help = match suggestions.first() {
                    Some(best) => format!("did you mean `{best}`?"),
                    None if catalog.name == AI_RMF_NAME => "AI RMF ids name a subcategory, as `MEASURE 2.7` (or `MS-2.7`); see `rbench explain nist_ai_rmf`".to_string(),
                    None => {
                        let ids: Vec<&str> = catalog.controls.iter().map(|c| c.id.as_str()).collect();
                        format!("`{}` declares {}", catalog.name, quoted_list(&ids))
                    }
                };
                self.error(
                    0,
                    CheckError::UnknownControl {
                        id: entry.control.value.clone(),
                        framework: catalog.name.clone(),
                        span: entry.control.span.into(),
                        help,
                    },
                );
                None
            }
        };
        let mut ids: Vec<GateId> = Vec::new();
        let mut ok = true;
        for path in &entry.gates {
            match self.resolve(0, path, &[DeclKind::Gate]) {
                Some(_) => {
                    let name = path.dotted();
                    if let Some(id) = gates.iter().position(|(n, _)| *n == name) {
                        ids.push(id);
                    }
                }
                None => ok = false,
            }
        }
        (ok && ids.len() == entry.gates.len()).then_some(Mapping {
            control: control?,
            gates: ids,
            rationale: entry.rationale.as_ref().map(|r| r.value.clone()),
            span: entry.span,
        })
    }

    /// Builds the catalog of a declared framework: its fields and controls.
    fn framework(
        &mut self,
        framework: &ast::Framework,
        span: crate::syntax::Span,
    ) -> Option<Catalog> {
        let fields = framework.members.iter().filter_map(|m| match m {
            ast::FrameworkMember::Field(f) => Some(f),
            ast::FrameworkMember::Control(_) => None,
        });
        let what = format!("framework `{}`", framework.name.name);
        let given = self.match_fields(0, &what, fields, FRAMEWORK_FIELDS, span);
        let title = match self.field_value(0, FRAMEWORK_FIELDS, &given, "title") {
            Some(super::Value::Str(t)) => t,
            _ => framework.name.name.clone(),
        };
        let mut controls: Vec<(Control, crate::syntax::Span)> = Vec::new();
        for member in &framework.members {
            let ast::FrameworkMember::Control(control) = member else {
                continue;
            };
            let id = control.id.value.trim().to_string();
            if let Some((_, first)) = controls.iter().find(|(c, _)| c.id == id) {
                let first = *first;
                self.error(
                    0,
                    CheckError::DuplicateControl {
                        id,
                        span: control.id.span.into(),
                        first: first.into(),
                    },
                );
                continue;
            }
            controls.push((
                Control {
                    id,
                    group: None,
                    text: control.text.value.clone(),
                    page: None,
                },
                control.id.span,
            ));
        }
        if controls.is_empty() {
            self.error(
                0,
                CheckError::EmptyFramework {
                    name: framework.name.name.clone(),
                    span: framework.name.span.into(),
                },
            );
            return None;
        }
        Some(Catalog::user(
            framework.name.name.clone(),
            title,
            controls.into_iter().map(|(c, _)| c).collect(),
        ))
    }
}
