//! The NIST AI RMF 1.0 core (NIST AI 100-1, January 2023), embedded as data.
//!
//! `data/ai-rmf-core.json` holds the 72 subcategories verbatim with page numbers; its provenance
//! and license (U.S. public domain) are in `data/ATTRIBUTION.md` beside it.

use std::sync::LazyLock;

use serde::Deserialize;

use super::catalog::{Catalog, Control};

/// The name specs use for the built-in catalog: `map nist_ai_rmf { ... }`.
pub const AI_RMF_NAME: &str = "nist_ai_rmf";

const CORE_JSON: &str = include_str!("data/ai-rmf-core.json");

/// The four functions: canonical name and the two-letter code of NIST AI 600-1.
const FUNCTIONS: [(&str, &str); 4] = [
    ("GOVERN", "GV"),
    ("MAP", "MP"),
    ("MEASURE", "MS"),
    ("MANAGE", "MG"),
];

#[derive(Deserialize)]
struct Core {
    subcategories: Vec<Subcategory>,
}

#[derive(Deserialize)]
struct Subcategory {
    id: String,
    function: String,
    text: String,
    page: u32,
}

static AI_RMF: LazyLock<Catalog> = LazyLock::new(|| {
    let core: Core = serde_json::from_str(CORE_JSON)
        .unwrap_or_else(|e| unreachable!("the embedded AI RMF core is valid JSON: {e}"));
    let controls = core
        .subcategories
        .into_iter()
        .map(|s| Control {
            id: s.id,
            group: Some(s.function),
            text: s.text,
            page: Some(s.page),
        })
        .collect();
    Catalog::with_normalizer(
        AI_RMF_NAME,
        "NIST AI RMF 1.0 (AI 100-1)",
        controls,
        normalize_id,
    )
});

impl Catalog {
    /// The built-in NIST AI RMF 1.0 catalog: its 72 subcategories.
    pub fn ai_rmf() -> &'static Catalog {
        &AI_RMF
    }
}

/// Canonical form of an AI RMF subcategory id: `MEASURE 2.7` from `MEASURE 2.7`, `measure 2.7`,
/// `MS-2.7`, `ms.2.7`, `MS 2.7` or `Measure-2.7`; `None` when it is not of that shape.
pub fn normalize_id(input: &str) -> Option<String> {
    let input = input.trim();
    let split = input.find(|c: char| !c.is_ascii_alphabetic())?;
    let (word, rest) = input.split_at(split);
    let function = FUNCTIONS
        .iter()
        .find(|(name, code)| word.eq_ignore_ascii_case(name) || word.eq_ignore_ascii_case(code))
        .map(|(name, _)| *name)?;
    let number = rest.trim_start_matches([' ', '-', '.', '_']);
    let (category, sub) = number.split_once('.')?;
    let valid = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !(valid(category) && valid(sub)) {
        return None;
    }
    let category: u32 = category.parse().ok()?;
    let sub: u32 = sub.parse().ok()?;
    Some(format!("{function} {category}.{sub}"))
}

/// The OSCAL control id of an AI RMF subcategory, `ai-rmf-ms-2.7` for `MEASURE 2.7` (the form the
/// public CC0 community catalog uses; NIST publishes no OSCAL catalog for the AI RMF).
pub fn oscal_control_id(canonical_id: &str) -> Option<String> {
    let (function, number) = canonical_id.split_once(' ')?;
    let (_, code) = FUNCTIONS.iter().find(|(name, _)| *name == function)?;
    Some(format!("ai-rmf-{}-{number}", code.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::Lookup;

    #[test]
    fn embeds_all_72_subcategories_in_document_order() {
        let catalog = Catalog::ai_rmf();
        assert_eq!(catalog.controls.len(), 72);
        let count = |f: &str| {
            catalog
                .controls
                .iter()
                .filter(|c| c.group.as_deref() == Some(f))
                .count()
        };
        assert_eq!(
            [
                count("GOVERN"),
                count("MAP"),
                count("MEASURE"),
                count("MANAGE")
            ],
            [19, 18, 22, 13]
        );
        assert_eq!(catalog.controls[0].id, "GOVERN 1.1");
        assert_eq!(catalog.controls[71].id, "MANAGE 4.3");
    }

    #[test]
    fn accepts_canonical_and_short_forms() {
        for form in [
            "MEASURE 2.7",
            "measure 2.7",
            "MS-2.7",
            "ms.2.7",
            "MS 2.7",
            "Measure-2.7",
        ] {
            assert_eq!(normalize_id(form).as_deref(), Some("MEASURE 2.7"), "{form}");
            match Catalog::ai_rmf().lookup(form) {
                Lookup::Found(control) => {
                    assert_eq!(control.id, "MEASURE 2.7");
                    assert!(control
                        .text
                        .to_lowercase()
                        .contains("security and resilience"));
                }
                other => panic!("{form}: {other:?}"),
            }
        }
        assert_eq!(normalize_id("gv 1.1").as_deref(), Some("GOVERN 1.1"));
        assert_eq!(normalize_id("MG-4.3").as_deref(), Some("MANAGE 4.3"));
    }

    #[test]
    fn rejects_what_is_not_a_subcategory_and_suggests_near_ids() {
        for bad in ["MEASURE 2", "MEASURE", "MEASURE 2.x", "MX 2.7", "2.7", ""] {
            assert_eq!(normalize_id(bad), None, "{bad}");
        }
        match Catalog::ai_rmf().lookup("MEASURE 2.14") {
            Lookup::Unknown { suggestions } => {
                assert!(suggestions.contains(&"MEASURE 2.13"), "{suggestions:?}")
            }
            other => panic!("{other:?}"),
        }
        match Catalog::ai_rmf().lookup("MESURE 2.7") {
            Lookup::Unknown { suggestions } => assert_eq!(suggestions[0], "MEASURE 2.7"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oscal_ids_use_the_two_letter_codes() {
        assert_eq!(
            oscal_control_id("MEASURE 2.7").as_deref(),
            Some("ai-rmf-ms-2.7")
        );
        assert_eq!(
            oscal_control_id("GOVERN 1.1").as_deref(),
            Some("ai-rmf-gv-1.1")
        );
        assert_eq!(oscal_control_id("nonsense"), None);
    }
}
