//! Printing top-level items and the members of their blocks.

use super::layout::{Break, Layout};
use crate::syntax::ast::{
    Field, File, FrameworkMember, Ident, Item, ItemKind, MapEntry, NameList, Path, StringLit,
};

impl Layout<'_> {
    /// Prints every item of `file`, separated as the canonical layout asks.
    pub(super) fn file(&mut self, file: &File) {
        let mut previous: Option<&Item> = None;
        for item in &file.items {
            if let Some(prev) = previous {
                let together = is_one_line_kind(prev) && is_one_line_kind(item);
                self.set_break(Break::item(!together));
            }
            self.item(item);
            previous = Some(item);
        }
    }

    fn item(&mut self, item: &Item) {
        self.token(item.span.start, item.kind.keyword());
        self.space();
        let close = item.span.end.saturating_sub(1);
        match &item.kind {
            ItemKind::Benchmark(block) | ItemKind::Dataset(block) | ItemKind::Model(block) => {
                self.ident(&block.name);
                self.block(&block.fields, close, Self::field);
            }
            ItemKind::Perturbation(binding) | ItemKind::Metric(binding) => {
                self.ident(&binding.name);
                self.space();
                self.glue("=");
                self.space();
                self.expr(&binding.value);
            }
            ItemKind::Evaluate(evaluate) => {
                self.name_list(&evaluate.models);
                self.space();
                self.glue("on");
                self.space();
                self.name_list(&evaluate.datasets);
                if let Some(perturbations) = &evaluate.perturbations {
                    self.space();
                    self.glue("under");
                    self.space();
                    self.name_list(perturbations);
                }
            }
            ItemKind::Gate(gate) => {
                self.ident(&gate.name);
                self.glue(":");
                self.space();
                self.expr(&gate.condition);
                if let Some(level) = &gate.confidence {
                    self.space();
                    self.glue("with confidence");
                    self.space();
                    self.expr(level);
                }
            }
            ItemKind::Map(map) => {
                self.ident(&map.framework);
                self.block(&map.entries, close, Self::map_entry);
            }
            ItemKind::Framework(framework) => {
                self.ident(&framework.name);
                self.block(&framework.members, close, Self::framework_member);
            }
            ItemKind::Import(import) => {
                self.string(&import.path);
                self.space();
                self.glue("as");
                self.space();
                self.ident(&import.alias);
            }
        }
    }

    fn field(&mut self, field: &Field) {
        self.ident(&field.name);
        self.space();
        self.glue("=");
        self.space();
        self.expr(&field.value);
    }

    fn map_entry(&mut self, entry: &MapEntry) {
        self.string(&entry.control);
        self.space();
        self.glue("<-");
        for (i, gate) in entry.gates.iter().enumerate() {
            if i > 0 {
                self.glue(",");
            }
            self.space();
            self.path(gate);
        }
        if let Some(rationale) = &entry.rationale {
            self.space();
            self.string(rationale);
        }
    }

    fn framework_member(&mut self, member: &FrameworkMember) {
        match member {
            FrameworkMember::Field(field) => self.field(field),
            FrameworkMember::Control(control) => {
                self.token(control.span.start, "control");
                self.space();
                self.string(&control.id);
                self.space();
                self.string(&control.text);
            }
        }
    }

    /// `name` or `[a, b]`, as the author wrote it.
    fn name_list(&mut self, list: &NameList) {
        if list.bracketed {
            self.token(list.span.start, "[");
            self.group(
                &list.names,
                list.span.end.saturating_sub(1),
                "]",
                Self::path,
            );
        } else {
            for path in &list.names {
                self.path(path);
            }
        }
    }

    pub(super) fn ident(&mut self, ident: &Ident) {
        self.token(ident.span.start, &ident.name);
    }

    pub(super) fn path(&mut self, path: &Path) {
        self.token(path.span.start, &path.dotted());
    }

    pub(super) fn string(&mut self, string: &StringLit) {
        self.token(string.span.start, &string.raw);
    }
}

/// Whether items of this kind are usually one line, so that runs of them stay together.
fn is_one_line_kind(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Perturbation(_)
            | ItemKind::Metric(_)
            | ItemKind::Gate(_)
            | ItemKind::Import(_)
            | ItemKind::Evaluate(_)
    )
}
