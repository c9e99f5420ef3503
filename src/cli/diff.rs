//! Unified diffs between a file and its formatted text, for `rbench fmt --check`.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use similar::{ChangeTag, TextDiff};

/// Lines of unchanged context around each change.
const CONTEXT_LINES: usize = 3;

/// A unified diff from `old` to `new` with `--- NAME` / `+++ NAME (formatted)` headers, in ANSI
/// colours when `color` is set. Empty when the texts are equal.
pub fn unified(name: &str, old: &str, new: &str, color: bool) -> String {
    let diff = TextDiff::from_lines(old, new);
    let paint = |style: Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}\n")
        } else {
            format!("{text}\n")
        }
    };
    let header = Style::new().bold();
    let hunk_header = AnsiColor::Cyan.on_default();
    let mut out = String::new();
    for (index, hunk) in diff
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .iter_hunks()
        .enumerate()
    {
        if index == 0 {
            out += &paint(header, &format!("--- {name}"));
            out += &paint(header, &format!("+++ {name} (formatted)"));
        }
        out += &paint(hunk_header, &hunk.header().to_string());
        for change in hunk.iter_changes() {
            let (sign, style) = match change.tag() {
                ChangeTag::Delete => ('-', AnsiColor::Red.on_default()),
                ChangeTag::Insert => ('+', AnsiColor::Green.on_default()),
                ChangeTag::Equal => (' ', Style::new()),
            };
            let line = change.value().strip_suffix('\n').unwrap_or(change.value());
            out += &paint(style, &format!("{sign}{line}"));
            if change.missing_newline() {
                let _ = writeln!(out, "\\ No newline at end of file");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a.rbench", "x\n", "x\n", false), "");
    }

    #[test]
    fn changed_line_shows_as_removed_and_added() {
        let diff = unified(
            "a.rbench",
            "model m {}\nmetric  a = 1\n",
            "model m {}\nmetric a = 1\n",
            false,
        );
        insta::assert_snapshot!(diff, @r"
        --- a.rbench
        +++ a.rbench (formatted)
        @@ -1,2 +1,2 @@
         model m {}
        -metric  a = 1
        +metric a = 1
        ");
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let diff = unified("a.rbench", "model m {}", "model m {}\n", false);
        insta::assert_snapshot!(diff, @r"
        --- a.rbench
        +++ a.rbench (formatted)
        @@ -1 +1 @@
        -model m {}
        \ No newline at end of file
        +model m {}
        ");
    }

    #[test]
    fn colour_wraps_changed_lines_in_ansi_codes() {
        let diff = unified("a.rbench", "a\n", "b\n", true);
        assert!(diff.contains("\u{1b}[31m-a\u{1b}[0m"), "{diff:?}");
        assert!(diff.contains("\u{1b}[32m+b\u{1b}[0m"), "{diff:?}");
    }
}
