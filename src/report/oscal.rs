//! OSCAL assessment results (JSON, OSCAL 1.2.1): the run as evidence for the controls its gates
//! are mapped to.
//!
//! - `reviewed-controls` lists every mapped control. AI RMF subcategories get the ids of the
//!   public community catalog, `ai-rmf-ms-2.7` for `MEASURE 2.7` ([`oscal_control_id`]); controls
//!   of user frameworks get `FRAMEWORK-ID` lowercased, other characters than letters, digits,
//!   `.`, `-` and `_` replaced by `-`.
//! - One observation per gate, method `TEST`, whose relevant evidence is the results file.
//! - One finding per mapped control, targeting the control's statement (`ai-rmf-ms-2.7_smt`, the
//!   NIST catalogs' convention) with state `satisfied` when every gate mapped to it passed, else
//!   `not-satisfied`.
//!
//! UUIDs are version 5, derived from the blake3 of the results, so the same results always give
//! the same document.

use serde_json::{json, Value};
use uuid::Uuid;

use super::markdown::comparisons;
use super::number;
use crate::results::{self, GateResult, MappingResult, RunResults};
use crate::risk::{oscal_control_id, AI_RMF_NAME};

/// The OSCAL version the document follows.
pub const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of rbench's OSCAL properties.
pub const NAMESPACE: &str = "urn:rbench:oscal";

/// The OSCAL assessment results of `results`; `evidence` is the link to the results file.
pub fn render(results: &RunResults, evidence: &str) -> String {
    let hash = blake3::hash(results::to_json(results).as_bytes());
    let document = Uuid::new_v5(&Uuid::NAMESPACE_OID, hash.to_hex().as_bytes());
    let uuid = |what: &str| Uuid::new_v5(&document, what.as_bytes()).to_string();
    let observations: Vec<Value> = results
        .gates
        .iter()
        .map(|gate| {
            observation(
                results,
                gate,
                evidence,
                uuid(&format!("gate:{}", gate.name)),
            )
        })
        .collect();
    let findings: Vec<Value> = results
        .mappings
        .iter()
        .map(|mapping| {
            let control = control_id(&mapping.framework, &mapping.control);
            finding(
                results,
                mapping,
                &control,
                uuid(&format!("finding:{control}")),
                &uuid,
            )
        })
        .collect();
    let mut controls: Vec<String> = Vec::new();
    for mapping in &results.mappings {
        let control = control_id(&mapping.framework, &mapping.control);
        if !controls.contains(&control) {
            controls.push(control);
        }
    }
    let selection = match controls.is_empty() {
        true => json!({ "description": "The spec maps no gate to a control." }),
        false => json!({
            "include-controls": controls
                .iter()
                .map(|c| json!({ "control-id": c }))
                .collect::<Vec<_>>()
        }),
    };
    let mut result = json!({
        "uuid": uuid("result"),
        "title": format!("rbench run of {}", results.benchmark),
        "description": format!(
            "The gates of benchmark `{}` ({}), run by rbench {} with seed {}.",
            results.benchmark, results.spec, results.tool_version, results.seed
        ),
        "start": results.started_at,
        "end": results.finished_at,
        "props": [prop("verdict", if results.passed() { "passed" } else { "failed" })],
        "reviewed-controls": { "control-selections": [selection] },
        "observations": observations,
    });
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    let document = json!({
        "assessment-results": {
            "uuid": document.to_string(),
            "metadata": {
                "title": format!("Assessment results of benchmark {}", results.benchmark),
                "last-modified": results.finished_at,
                "version": results.spec_hash[..12.min(results.spec_hash.len())],
                "oscal-version": OSCAL_VERSION,
                "props": [
                    prop("tool", &format!("rbench {}", results.tool_version)),
                    prop("spec-blake3", &results.spec_hash),
                ],
            },
            "import-ap": {
                "href": results.spec,
                "remarks": "rbench has no separate assessment plan: the spec declares the tests \
                            (gates) and the controls they evidence.",
            },
            "results": [result],
        }
    });
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| unreachable!("a JSON value always serialises: {e}"));
    text.push('\n');
    text
}

/// The OSCAL control id of `control` of `framework`.
pub fn control_id(framework: &str, control: &str) -> String {
    if framework == AI_RMF_NAME {
        if let Some(id) = oscal_control_id(control) {
            return id;
        }
    }
    format!("{framework}-{control}")
        .to_lowercase()
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                true => c,
                false => '-',
            },
        )
        .collect()
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NAMESPACE, "value": value })
}

fn observation(results: &RunResults, gate: &GateResult, evidence: &str, uuid: String) -> Value {
    let mut props = vec![
        prop("gate-severity", gate.severity.keyword()),
        prop("gate-result", if gate.passed { "pass" } else { "fail" }),
    ];
    if let Some(value) = gate.value {
        props.push(prop("measured-value", &number(value)));
    }
    if let Some(bound) = gate.bound {
        props.push(prop("confidence-bound", &number(bound)));
    }
    if let Some(level) = gate.confidence {
        props.push(prop("confidence-level", &level.to_string()));
    }
    json!({
        "uuid": uuid,
        "title": format!("Gate {}", gate.name),
        "description": format!(
            "{} gate `{}` of benchmark `{}` {}: {}.",
            gate.severity,
            gate.name,
            results.benchmark,
            if gate.passed { "passed" } else { "failed" },
            comparisons(gate)
        ),
        "props": props,
        "methods": ["TEST"],
        "relevant-evidence": [{
            "href": evidence,
            "description": format!("rbench results, gate `{}` and its metric estimates", gate.name),
        }],
        "collected": results.finished_at,
    })
}

fn finding(
    results: &RunResults,
    mapping: &MappingResult,
    control: &str,
    uuid: String,
    uuid_of: &dyn Fn(&str) -> String,
) -> Value {
    let statement = results
        .frameworks
        .iter()
        .find(|f| f.name == mapping.framework)
        .and_then(|f| f.controls.iter().find(|c| c.id == mapping.control))
        .map_or_else(String::new, |c| format!(" ({})", c.text));
    json!({
        "uuid": uuid,
        "title": format!("{} {}", mapping.framework, mapping.control),
        "description": format!(
            "{}{statement} is evidenced by gate(s) {}.",
            mapping.control,
            mapping.gates.join(", ")
        ),
        "target": {
            "type": "statement-id",
            "target-id": format!("{control}_smt"),
            "status": {
                "state": if mapping.satisfied { "satisfied" } else { "not-satisfied" }
            },
        },
        "related-observations": mapping
            .gates
            .iter()
            .map(|g| json!({ "observation-uuid": uuid_of(&format!("gate:{g}")) }))
            .collect::<Vec<_>>(),
    })
}
