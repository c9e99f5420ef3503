//! Reference text for everything a spec can name: built-ins, blocks, the NIST AI RMF catalog and
//! diagnostic codes. `rbench explain NAME` prints one entry; `docs/builtins.md` is all the built-in
//! entries, and diagnostic codes print their section of `docs/diagnostics.md`, so the command and
//! the documentation cannot say different things.

use std::fmt::Write as _;

use crate::check::{BENCHMARK_FIELDS, DATASET_FIELDS, FRAMEWORK_FIELDS, MODEL_FIELDS};
use crate::registry;
use crate::risk::{Catalog, AI_RMF_NAME};
use crate::schema::{Default, Family, Kind, Param, Schema};

/// The diagnostics reference; `explain` prints its sections for diagnostic codes.
const DIAGNOSTICS: &str = include_str!("../docs/diagnostics.md");

/// A block keyword, what the block declares, and the schema of its fields.
struct Block {
    name: &'static str,
    summary: &'static str,
    fields: &'static [Param],
}

static BLOCKS: [Block; 4] = [
    Block {
        name: "benchmark",
        summary:
            "`benchmark NAME { ... }` is the header of a spec: its name, how reports title it, and \
             the seed of every random draw. A spec has exactly one; a suite written for `import` \
             has none.",
        fields: BENCHMARK_FIELDS,
    },
    Block {
        name: "dataset",
        summary: "`dataset NAME { ... }` declares evaluation data: where its samples and labels \
                  come from, how many classes it has, and which part of it to use.",
        fields: DATASET_FIELDS,
    },
    Block {
        name: "model",
        summary: "`model NAME { ... }` declares a model under evaluation: an `onnx` file, or \
                  `safetensors` weights with the `arch` that reads them.",
        fields: MODEL_FIELDS,
    },
    Block {
        name: "framework",
        summary:
            "`framework NAME { ... }` declares a risk framework for `map NAME { ... }`. Besides \
             these fields, its block holds one or more `control \"ID\" \"statement\"` lines.",
        fields: FRAMEWORK_FIELDS,
    },
];

/// The reference of `name`: a built-in, a block keyword (`dataset`), `nist_ai_rmf`, or a
/// diagnostic code, in full (`rbench::check::unknown-name`) or by its last part when that is
/// unambiguous (`unknown-name`). `None` when nothing is called so.
pub fn explain(name: &str) -> Option<String> {
    if let Some(schema) = registry::find(name) {
        return Some(builtin_section(schema));
    }
    if let Some(block) = BLOCKS.iter().find(|b| b.name == name) {
        return Some(block_section(block));
    }
    if name == AI_RMF_NAME {
        return Some(ai_rmf_section(Catalog::ai_rmf()));
    }
    match codes_matching(name).as_slice() {
        [code] => diagnostic_section(code),
        _ => None,
    }
}

/// Everything [`explain`] knows, in the order of the reference: built-ins, blocks, frameworks,
/// diagnostic codes.
pub fn names() -> Vec<String> {
    registry::builtins()
        .map(|s| s.name)
        .chain(BLOCKS.iter().map(|b| b.name))
        .chain([AI_RMF_NAME])
        .chain(diagnostic_codes())
        .map(str::to_string)
        .collect()
}

/// What `name` may have meant when [`explain`] knows nothing by that name: the codes it is the
/// last part of when it is ambiguous, else the nearest names (by edit distance), best first.
pub fn suggestions(name: &str) -> Vec<String> {
    let matching = codes_matching(name);
    if matching.len() > 1 {
        return matching.into_iter().map(str::to_string).collect();
    }
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, String)> = names()
        .into_iter()
        .map(|candidate| {
            let short = candidate.rsplit("::").next().unwrap_or(&candidate);
            let distance =
                strsim::levenshtein(name, &candidate).min(strsim::levenshtein(name, short));
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// The generated reference of every built-in, block and framework (`docs/builtins.md`).
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Built-ins\n\n\
         Every data source, model architecture, perturbation and metric a spec can call, the \
         fields of each block, and the built-in risk framework. `rbench explain NAME` prints any \
         entry of this page.\n\n\
         This page is generated from the schemas in the source: do not edit it by hand; \
         regenerate it with `RBENCH_BLESS=1 cargo test --test reference_docs`.\n",
    );
    let mut kinds: Vec<Kind> = Vec::new();
    for schema in registry::builtins() {
        if !kinds.contains(&schema.kind) {
            kinds.push(schema.kind);
        }
    }
    for kind in kinds {
        let _ = write!(out, "\n## {}\n", group_title(kind));
        for schema in registry::builtins().filter(|s| s.kind == kind) {
            out.push('\n');
            out.push_str(&builtin_section(schema));
        }
    }
    out.push_str("\n## Blocks\n");
    for block in &BLOCKS {
        out.push('\n');
        out.push_str(&block_section(block));
    }
    out.push_str("\n## Frameworks\n\n");
    out.push_str(&ai_rmf_section(Catalog::ai_rmf()));
    out
}

/// The heading of the reference's group of built-ins of one kind.
fn group_title(kind: Kind) -> &'static str {
    match kind {
        Kind::Source => "Data sources",
        Kind::Architecture => "Model architectures",
        Kind::Perturbation(Family::Noise) => "Perturbations: noise",
        Kind::Perturbation(Family::Corruption) => "Perturbations: corruptions",
        Kind::Perturbation(Family::Geometric) => "Perturbations: geometric",
        Kind::Perturbation(Family::Tabular) => "Perturbations: tabular",
        Kind::Perturbation(Family::GradientAttack) => "Perturbations: white-box attacks",
        Kind::Perturbation(Family::BlackBoxAttack) => "Perturbations: black-box attacks",
        Kind::Perturbation(Family::Ensemble) => "Perturbations: ensembles",
        Kind::Metric => "Metrics",
    }
}

/// Where a spec calls the built-in.
fn usage(schema: &Schema) -> String {
    let name = schema.name;
    match schema.kind {
        Kind::Source => format!("called in a dataset's field `source = {name}(...)`"),
        Kind::Architecture => {
            format!("called in a model's field `arch = {name}(...)`, for `safetensors` weights")
        }
        Kind::Perturbation(family) => {
            let mut text = format!("declared as `perturbation NAME = {name}(...)`");
            if family.needs_model() {
                text.push_str("; it needs the model under evaluation");
            }
            text
        }
        Kind::Metric => {
            let mut args: Vec<&str> = schema
                .params
                .iter()
                .filter(|p| p.positional)
                .map(|p| p.name)
                .collect();
            if schema.params.iter().any(|p| !p.positional) {
                args.push("...");
            }
            format!(
                "called in gates and `metric` declarations, as `{name}({})`",
                args.join(", ")
            )
        }
    }
}

/// The entry of one built-in.
fn builtin_section(schema: &Schema) -> String {
    let mut out = format!(
        "### {}\n\n{}.\n\nKind: {}, {}.",
        schema.name,
        capitalized(schema.summary),
        schema.kind,
        usage(schema)
    );
    if schema.params.iter().any(|p| p.sweepable) {
        out.push_str(" A sweepable parameter also takes a list or a range: one member per value.");
    }
    out.push_str("\n\n");
    if schema.params.is_empty() {
        out.push_str("It takes no parameters.\n");
    } else {
        out.push_str(&param_table(schema.params, schema.exclusive));
    }
    if let Some(reference) = schema.reference {
        let _ = write!(out, "\nReference: {reference}.\n");
    }
    out
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The entry of one block keyword.
fn block_section(block: &Block) -> String {
    format!(
        "### {}\n\n{}\n\n{}",
        block.name,
        block.summary,
        param_table(block.fields, &[])
    )
}

/// The entry of the built-in NIST AI RMF catalog: its subcategories, function by function.
fn ai_rmf_section(catalog: &Catalog) -> String {
    let mut out = format!(
        "### {name}\n\n{title}, built in: its {count} subcategories, grouped by function. Map \
         gates to them with `map {name} {{ \"MEASURE 2.7\" <- gate_name \"rationale\" }}`; an id \
         may also be written in short form, as `MS-2.7` or `measure 2.7`.\n",
        name = catalog.name,
        title = catalog.title,
        count = catalog.controls.len(),
    );
    let mut functions: Vec<&str> = Vec::new();
    for control in &catalog.controls {
        let function = control.group.as_deref().unwrap_or_default();
        if !functions.contains(&function) {
            functions.push(function);
        }
    }
    for function in functions {
        let subcategories: Vec<_> = catalog
            .controls
            .iter()
            .filter(|c| c.group.as_deref().unwrap_or_default() == function)
            .collect();
        let _ = writeln!(
            out,
            "\n#### {function} ({} subcategories)\n",
            subcategories.len()
        );
        for subcategory in subcategories {
            let _ = writeln!(out, "- `{}`: {}", subcategory.id, subcategory.text);
        }
    }
    out
}

/// A Markdown table of parameters; the unit and flags columns appear only when some parameter
/// has a unit or a flag.
fn param_table(params: &[Param], exclusive: &[&[&str]]) -> String {
    let with_unit = params.iter().any(|p| p.unit.is_some());
    let with_flags = params.iter().any(|p| p.positional || p.sweepable);
    let with_range = params.iter().any(|p| p.bounds.is_some());
    let mut header = vec!["name", "type", "default"];
    if with_range {
        header.push("range");
    }
    if with_unit {
        header.push("unit");
    }
    if with_flags {
        header.push("flags");
    }
    header.push("description");
    let mut out = row(header.iter().map(|h| h.to_string()));
    out.push_str(&row(header.iter().map(|_| "---".to_string())));
    for param in params {
        let mut cells = vec![
            format!("`{}`", param.name),
            param.ty.to_string(),
            default_text(param, exclusive),
        ];
        if with_range {
            cells.push(param.bounds.map(|b| b.to_string()).unwrap_or_default());
        }
        if with_unit {
            cells.push(param.unit.unwrap_or_default().to_string());
        }
        if with_flags {
            let flags: Vec<&str> = [
                (param.positional, "positional"),
                (param.sweepable, "sweepable"),
            ]
            .into_iter()
            .filter_map(|(set, flag)| set.then_some(flag))
            .collect();
            cells.push(flags.join(", "));
        }
        cells.push(param.doc.to_string());
        out.push_str(&row(cells));
    }
    out
}

/// `required`, `optional` (no default), the default literal, or the exclusive group it is in.
fn default_text(param: &Param, exclusive: &[&[&str]]) -> String {
    if let Some(group) = exclusive.iter().find(|g| g.contains(&param.name)) {
        if group.len() == 1 {
            return "required".to_string();
        }
        let names: Vec<String> = group.iter().map(|n| format!("`{n}`")).collect();
        return format!("required: exactly one of {}", names.join(", "));
    }
    match param.default {
        Default::Required => "required".to_string(),
        Default::Optional => "optional".to_string(),
        Default::Value(literal) => format!("`{literal}`"),
    }
}

/// One table row; `|` inside a cell is escaped.
fn row(cells: impl IntoIterator<Item = String>) -> String {
    let cells: Vec<String> = cells.into_iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// The diagnostic codes documented in `docs/diagnostics.md`, in its order.
pub fn diagnostic_codes() -> impl Iterator<Item = &'static str> {
    headings().filter_map(|(_, title)| title.starts_with("rbench::").then_some(title))
}

/// The codes `name` names: itself, or every code whose last parts it is (`unknown-name`,
/// `check::unknown-name`).
fn codes_matching(name: &str) -> Vec<&'static str> {
    diagnostic_codes()
        .filter(|code| {
            *code == name
                || code
                    .strip_suffix(name)
                    .is_some_and(|head| !name.is_empty() && head.ends_with("::"))
        })
        .collect()
}

/// The `### ` headings of the diagnostics reference outside code blocks: line index and title.
fn headings() -> impl Iterator<Item = (usize, &'static str)> {
    let mut in_code = false;
    DIAGNOSTICS
        .lines()
        .enumerate()
        .filter_map(move |(index, line)| {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            let title = line.strip_prefix("### ").filter(|_| !in_code)?;
            Some((index, title.trim()))
        })
}

/// The section of the diagnostics reference headed `### code`, up to the next heading.
fn diagnostic_section(code: &str) -> Option<String> {
    let lines: Vec<&str> = DIAGNOSTICS.lines().collect();
    let start = headings().find(|(_, title)| *title == code)?.0;
    let mut in_code = false;
    let end = (start + 1..lines.len())
        .find(|&i| {
            let line = lines[i];
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            !in_code && line.starts_with('#')
        })
        .unwrap_or(lines.len());
    let mut section = lines[start..end].join("\n");
    section.truncate(section.trim_end().len());
    section.push('\n');
    Some(section)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_name_is_explained_and_named_once() {
        let names = names();
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "a name means two things");
        for name in &names {
            assert!(explain(name).is_some(), "`{name}` has no explanation");
        }
        assert!(names.iter().any(|n| n == "rbench::syntax::semicolon"));
        assert!(names.iter().any(|n| n == "nist_ai_rmf"));
    }

    #[test]
    fn codes_may_be_shortened_to_their_last_parts() {
        let full = explain("rbench::check::unknown-name");
        assert!(full.is_some());
        assert_eq!(explain("unknown-name"), full);
        assert_eq!(explain("check::unknown-name"), full);
        for not_a_code in ["name", "-name", "", "rbench::check::no-such-code"] {
            assert_eq!(explain(not_a_code), None, "{not_a_code}");
        }
    }

    #[test]
    fn a_diagnostic_section_ends_before_the_next_heading() {
        let section = explain("rbench::syntax::hash-comment").expect("a documented code");
        assert!(section.starts_with("### rbench::syntax::hash-comment\n"));
        // The example's `# ...` line is inside a code block, not a heading.
        assert!(section.contains("# Digits benchmark"));
        assert!(section.contains("How to fix"));
        assert!(!section.contains("rbench::syntax::semicolon"));
        assert!(section.ends_with(".\n"));
    }

    #[test]
    fn unknown_names_get_the_nearest_suggestions() {
        assert_eq!(explain("gausian_noise"), None);
        assert_eq!(suggestions("gausian_noise")[0], "gaussian_noise");
        assert_eq!(suggestions("unknown-nme")[0], "rbench::check::unknown-name");
        assert_eq!(suggestions("datset")[0], "dataset");
        assert!(suggestions("completely unrelated words").is_empty());
    }

    #[test]
    fn the_ai_rmf_entry_lists_every_subcategory_by_function() {
        let text = explain(AI_RMF_NAME).expect("the built-in catalog");
        let items = text.lines().filter(|l| l.starts_with("- `")).count();
        assert_eq!(items, 72);
        for heading in [
            "#### GOVERN (19 subcategories)",
            "#### MAP (18 subcategories)",
            "#### MEASURE (22 subcategories)",
            "#### MANAGE (13 subcategories)",
        ] {
            assert!(text.contains(heading), "{heading}");
        }
        assert!(text.contains("- `MEASURE 2.7`: "));
    }

    #[test]
    fn builtin_entries_come_from_their_schemas() {
        let text = explain("pgd").expect("a built-in");
        assert!(text.starts_with("### pgd\n"));
        assert!(text.contains("| `eps` | number | required | [0, ∞) | sweepable |"));
        assert!(text.contains("needs the model under evaluation"));
        assert!(text.contains("Reference: Madry"));
        let sample = explain("sample").expect("a built-in");
        assert!(sample.contains("one of `digits`, `breast_cancer`"));
        assert!(explain("accuracy")
            .expect("a metric")
            .contains("`accuracy(model, under, ...)`"));
    }

    #[test]
    fn the_reference_holds_every_entry_once() {
        let reference = reference_markdown();
        for schema in registry::builtins() {
            let heading = format!("\n### {}\n", schema.name);
            assert_eq!(reference.matches(&heading).count(), 1, "{}", schema.name);
        }
        for block in &BLOCKS {
            assert!(reference.contains(&block_section(block)));
        }
        assert!(reference.contains("\n## Perturbations: white-box attacks\n"));
    }
}
