//! Helpers shared by the integration tests: rendering diagnostics as a colourless terminal shows
//! them, and comparing syntax trees without their spans; the submodules write data files and
//! ONNX models, and hold small networks and gradient checks.

// Each test crate includes this module and uses only some of its helpers.
#![allow(dead_code)]

pub mod files;
pub mod gradient;
pub mod networks;
pub mod onnx;
pub mod runs;

use std::path::{Path, PathBuf};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use rbench::syntax::{parse, scan, FileId, SourceFile};

/// A diagnostic (with its related ones and source excerpts) as a terminal without colour shows
/// it, `width` columns wide.
pub fn render(diagnostic: &dyn Diagnostic, width: usize) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(width)
        .render_report(&mut out, diagnostic)
        .expect("rendering into a String cannot fail");
    out
}

/// The AST of a source that parses, without spans, for comparing trees that differ only in
/// layout.
pub fn ast_without_spans(source: &SourceFile) -> String {
    let file = parse(source).unwrap_or_else(|e| panic!("{e:?}"));
    format!("{file:#?}")
        .lines()
        .filter(|line| !line.trim_start().starts_with("span: "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The comments of `text` as the formatter prints them, in order.
pub fn comment_texts(text: &str) -> Vec<String> {
    scan::scan(FileId(0), text)
        .comments
        .iter()
        .map(|c| match c.is_line() {
            true => c.text.trim_end().to_string(),
            false => c.text.replace("\r\n", "\n"),
        })
        .collect()
}

/// Every `.rbench` file under `dir`, recursively, in a stable order.
pub fn rbench_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            found.extend(rbench_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rbench") {
            found.push(path);
        }
    }
    found.sort();
    found
}
