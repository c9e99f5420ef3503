//! JUnit XML: one test case per gate, so CI test reporters (GitLab, Jenkins, GitHub actions that
//! read JUnit) show gates natively.
//!
//! A failed `require` gate is a `<failure>` whose message gives the measured value and the bound.
//! A failed `warn` gate is `<skipped>` with the same message: visible in every reporter, yet not
//! failing the build, as `rbench run` does not fail on it. Each test case's `<system-out>` lists
//! its comparisons and metric estimates.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::markdown::comparisons;
use super::{interval, number};
use crate::results::{GateResult, RunResults, Severity};

/// The JUnit XML of `results`.
pub fn render(results: &RunResults) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut writer, results).unwrap_or_else(|e| unreachable!("writing to memory: {e}"));
    let mut text = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    text.push('\n');
    text
}

fn write(writer: &mut Writer<Vec<u8>>, results: &RunResults) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests = results.gates.len().to_string();
    let failures = results
        .gates
        .iter()
        .filter(|g| !g.passed && g.severity != Severity::Warn)
        .count()
        .to_string();
    let skipped = results
        .gates
        .iter()
        .filter(|g| !g.passed && g.severity == Severity::Warn)
        .count()
        .to_string();
    let time = format!("{:.3}", results.timings.total_seconds);
    // The suite and the single suite in it carry the same counts.
    let counts = [
        ("name", results.benchmark.as_str()),
        ("tests", &tests),
        ("failures", &failures),
        ("errors", "0"),
        ("skipped", &skipped),
        ("time", &time),
    ];
    writer
        .create_element("testsuites")
        .with_attributes(counts)
        .write_inner_content(|writer| {
            writer
                .create_element("testsuite")
                .with_attributes(
                    counts
                        .into_iter()
                        .chain([("timestamp", &*results.started_at)]),
                )
                .write_inner_content(|writer| {
                    properties(writer, results)?;
                    for gate in &results.gates {
                        testcase(writer, results, gate)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

fn properties(writer: &mut Writer<Vec<u8>>, results: &RunResults) -> io::Result<()> {
    let commit = results
        .repository
        .as_ref()
        .map_or_else(|| "none".to_string(), |r| r.commit.clone());
    let seed = results.seed.to_string();
    let entries = [
        ("spec", results.spec.as_str()),
        ("spec_blake3", &results.spec_hash),
        ("seed", &seed),
        ("tool_version", &results.tool_version),
        ("git_commit", &commit),
    ];
    writer
        .create_element("properties")
        .write_inner_content(|writer| {
            for (name, value) in entries {
                writer
                    .create_element("property")
                    .with_attributes([("name", name), ("value", value)])
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(())
}

fn testcase(
    writer: &mut Writer<Vec<u8>>,
    results: &RunResults,
    gate: &GateResult,
) -> io::Result<()> {
    let classname = format!("{}.{}", results.benchmark, gate.severity);
    writer
        .create_element("testcase")
        .with_attributes([
            ("classname", classname.as_str()),
            ("name", &gate.name),
            ("time", "0"),
        ])
        .write_inner_content(|writer| {
            if !gate.passed {
                let message = failure_message(gate);
                let element = if gate.severity == Severity::Warn {
                    "skipped"
                } else {
                    "failure"
                };
                let mut start = writer
                    .create_element(element)
                    .with_attribute(("message", message.as_str()));
                if element == "failure" {
                    start = start.with_attribute(("type", "gate"));
                }
                start.write_empty()?;
            }
            writer
                .create_element("system-out")
                .write_text_content(BytesText::new(&details(results, gate)))?;
            Ok(())
        })?;
    Ok(())
}

/// `value 0.8123 (one-sided 95% bound 0.7901) failed: 0.7901 >= 0.9000 ✗`.
fn failure_message(gate: &GateResult) -> String {
    let value = gate.value.map_or_else(|| "no value".to_string(), number);
    let bound = match (gate.bound, gate.confidence) {
        (Some(bound), Some(level)) => {
            format!(" (one-sided {}% bound {})", level * 100.0, number(bound))
        }
        _ => String::new(),
    };
    format!(
        "{} gate failed: value {value}{bound}; {}",
        gate.severity,
        comparisons(gate)
    )
}

/// The comparisons of a gate and the estimates of its metric calls, one per line.
fn details(results: &RunResults, gate: &GateResult) -> String {
    let mut lines = vec![format!("comparisons: {}", comparisons(gate))];
    for metric in results.metrics.iter().filter(|m| m.gate == gate.name) {
        let interval = match metric.interval {
            Some(_) => format!(" {}", interval(metric.interval)),
            None => String::new(),
        };
        lines.push(format!(
            "{} = {}{interval} ({} samples)",
            metric.label,
            number(metric.value),
            metric.samples
        ));
    }
    lines.join("\n")
}
