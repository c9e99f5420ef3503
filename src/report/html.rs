//! The HTML report: one self-contained page (inline CSS and SVG, no scripts, no links to fetch)
//! with the content of the Markdown report and the plots of [`super::plots`].

use std::fmt::Write;

use super::coverage::Coverage;
use super::markdown::{
    branch_rows, control_rows, gate_rows, group_rows, heading, metric_rows, provenance_rows,
    BRANCH_HEADERS, CONTROL_HEADERS, GATE_HEADERS, GROUP_HEADERS, METRIC_HEADERS,
};
use super::plots::plots;
use super::warnings;
use crate::results::RunResults;

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}\
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3}\
.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}.warning{color:#9a6700}\
.verdict{font-size:1.3rem}\
figure{margin:1rem 0}figcaption{font-size:.9rem;color:#555}";

/// The HTML report of `results`; `evidence` names the results file.
pub fn render(results: &RunResults, evidence: &str) -> String {
    let title = escape(&heading(results));
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    let (class, verdict) = match results.passed() {
        true => ("pass", "PASSED"),
        false => ("fail", "FAILED"),
    };
    let passed = results.gates.iter().filter(|g| g.passed).count();
    let _ = writeln!(
        out,
        "<p class=\"verdict\"><span class=\"{class}\">{verdict}</span>: {passed} of {} gates \
         passed.</p>",
        results.gates.len()
    );
    out += "<h2>Gates</h2>\n";
    out += &table(&GATE_HEADERS, &gate_rows(results), Some(2));
    out += "<h2>Plots</h2>\n";
    for plot in plots(results) {
        let body = match plot.svg {
            Ok(svg) => svg,
            Err(problem) => format!("<p>The plot could not be drawn: {}</p>", escape(&problem)),
        };
        let _ = writeln!(
            out,
            "<figure>\n{body}\n<figcaption>{}</figcaption>\n</figure>",
            escape(&plot.title)
        );
    }
    out += "<h2>Accuracy per model and perturbation</h2>\n";
    out += &table(&BRANCH_HEADERS, &branch_rows(results), None);
    out += "<h2>Gate metrics</h2>\n";
    out += &table(&METRIC_HEADERS, &metric_rows(results), None);
    for framework in Coverage::of(results).frameworks {
        let _ = writeln!(out, "<h2>Coverage of {}</h2>", escape(&framework.title));
        out += &table(&GROUP_HEADERS, &group_rows(&framework.groups), None);
        out += &table(&CONTROL_HEADERS, &control_rows(&framework.controls), None);
    }
    out += "<h2>Warnings</h2>\n";
    let warnings = warnings(results);
    if warnings.is_empty() {
        out += "<p>None.</p>\n";
    } else {
        out += "<ul>\n";
        for warning in warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(&warning));
        }
        out += "</ul>\n";
    }
    out += "<h2>Provenance</h2>\n";
    out += &table(
        &["field", "value"],
        &provenance_rows(results, evidence),
        None,
    );
    out += "</body>\n</html>\n";
    out
}

/// An HTML table; the cells of column `verdict`, if any, get the class of their verdict.
fn table(headers: &[&str], rows: &[Vec<String>], verdict: Option<usize>) -> String {
    let mut out = String::from("<table>\n<tr>");
    for header in headers {
        let _ = write!(out, "<th>{}</th>", escape(header));
    }
    out += "</tr>\n";
    for row in rows {
        out += "<tr>";
        for (column, cell) in row.iter().enumerate() {
            match verdict == Some(column) {
                true => {
                    let class = cell.to_lowercase();
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", escape(cell));
                }
                false => {
                    let _ = write!(out, "<td>{}</td>", escape(cell));
                }
            }
        }
        out += "</tr>\n";
    }
    out += "</table>\n";
    out
}

/// `text` with `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
