//! Gate verdicts, the comparisons that decided them, and the framework controls they evidence.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A gate's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateResult {
    pub name: String,
    /// `require` or `warn`.
    #[schemars(with = "String")]
    pub severity: Severity,
    pub passed: bool,
    /// The left side of the gate's first comparison.
    pub value: Option<f64>,
    /// Its one-sided bound, compared instead of the value under a confidence.
    pub bound: Option<f64>,
    pub confidence: Option<f64>,
    pub comparisons: Vec<Comparison>,
}

/// What a failed gate means: a failed `require` fails the run, a failed `warn` is reported only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Require,
    Warn,
}

impl Severity {
    /// The keyword the gate is written with: `require` or `warn`.
    pub fn keyword(self) -> &'static str {
        match self {
            Severity::Require => "require",
            Severity::Warn => "warn",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// One comparison `lhs CMP rhs` of a gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    /// The operator: `>=`, `<`, ...
    #[schemars(with = "String")]
    pub op: Operator,
    /// The left side's point value; `null` when a metric in it is undefined (and the comparison
    /// fails).
    #[serde(with = "super::undefined")]
    #[schemars(with = "Option<f64>")]
    pub value: f64,
    /// The left side's one-sided bound compared instead of its value, under a confidence.
    pub bound: Option<f64>,
    /// The right side's value.
    pub threshold: f64,
    pub passed: bool,
}

/// A comparison operator, written as in a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Operator {
    /// The operator as a spec writes it: `>=`, `<`, ...
    pub fn symbol(self) -> &'static str {
        match self {
            Operator::Ge => ">=",
            Operator::Gt => ">",
            Operator::Le => "<=",
            Operator::Lt => "<",
            Operator::Eq => "==",
            Operator::Ne => "!=",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A framework a spec maps gates to, and its controls in document order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkResult {
    /// The name specs use after `map` (`nist_ai_rmf`).
    pub name: String,
    pub title: String,
    pub controls: Vec<ControlInfo>,
}

/// One control of a framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlInfo {
    /// The canonical id (`MEASURE 2.7`).
    pub id: String,
    /// The group it belongs to (the AI RMF function), if any.
    pub group: Option<String>,
    /// The control's statement.
    pub text: String,
}

/// A framework control and whether the gates that evidence it passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MappingResult {
    pub framework: String,
    pub control: String,
    pub gates: Vec<String>,
    pub satisfied: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_and_operators_travel_as_the_words_of_a_spec() {
        let text = serde_json::to_string(&(Severity::Warn, Operator::Ge, Operator::Ne))
            .expect("serialises");
        assert_eq!(text, r#"["warn",">=","!="]"#);
        let back: (Severity, Operator) =
            serde_json::from_str(r#"["require","<"]"#).expect("parses");
        assert_eq!(back, (Severity::Require, Operator::Lt));
    }
}
