//! Markdown tables with escaped cells.

/// A Markdown table of `headers` and `rows`; `|` and line breaks in cells are escaped.
pub fn markdown(headers: &[&str], rows: &[Vec<String>]) -> String {
    let escape = |cell: &str| cell.replace('|', "\\|").replace('\n', " ");
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = line(headers.iter().map(|h| escape(h)).collect());
    out += &line(headers.iter().map(|_| "---".to_string()).collect());
    for row in rows {
        out += &line(row.iter().map(|c| escape(c)).collect());
    }
    out
}
