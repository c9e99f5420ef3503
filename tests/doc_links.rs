//! The documentation holds together: every page of `docs/` is reachable from its index
//! (`docs/README.md`), and every relative link of every Markdown file in the repository leads to a
//! file that exists and, when it names a `#section`, to a heading of that page (GitHub's anchors).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Folders that hold build outputs, dependencies or run outputs, not documentation.
const SKIPPED: [&str; 5] = [
    "target",
    "node_modules",
    ".git",
    ".rbench",
    "rbench-results",
];

/// Every Markdown file under `dir`, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !SKIPPED.contains(&name) {
                found.extend(markdown_files(&path));
            }
        } else if name.ends_with(".md") {
            found.push(path);
        }
    }
    found
}

/// The lines of `markdown` outside fenced code blocks, with their numbers.
fn prose(markdown: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (index, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push((index + 1, line));
        }
    }
    lines
}

/// `line` without its inline code spans.
fn without_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join("")
}

/// The targets of the inline links `[text](target)` of `markdown`, with their line numbers.
fn links(markdown: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in prose(markdown) {
        let line = without_code(line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push((number, after[..end].trim().to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// GitHub's anchor of a heading: lower case, punctuation dropped (letters, digits, `-` and `_`
/// kept), spaces turned into hyphens.
fn slug(heading: &str) -> String {
    without_code(heading)
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The anchors of a page's headings; a repeated heading gets `-1`, `-2`, ... as on GitHub.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (_, line) in prose(markdown) {
        let Some(title) = line.strip_prefix('#') else {
            continue;
        };
        let title = title.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        // Headings keep their backticked words: `### `fgsm`` is `#fgsm`.
        let base = slug(&title.replace('`', ""));
        let mut anchor = base.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_relative_link_leads_somewhere() {
    let root = root();
    let files = markdown_files(&root);
    assert!(files.len() >= 15, "found only {files:?}");
    let mut broken = Vec::new();
    for file in &files {
        let text = read(file);
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let resolved = match path {
                "" => file.clone(),
                path => file.parent().expect("a folder").join(path),
            };
            if !resolved.exists() {
                broken.push(format!("{name}:{line}: `{target}`: no such file"));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if resolved.extension().is_some_and(|e| e == "md")
                && !anchors(&read(&resolved)).contains(anchor)
            {
                broken.push(format!("{name}:{line}: `{target}`: no such section"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_page_of_the_docs_is_in_the_index() {
    let docs = root().join("docs");
    let index = read(&docs.join("README.md"));
    let linked: BTreeSet<String> = links(&index)
        .into_iter()
        .map(|(_, target)| target.split('#').next().unwrap_or("").to_string())
        .collect();
    let missing: Vec<String> = markdown_files(&docs)
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
        .filter(|name| name != "README.md" && !linked.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/README.md does not link {missing:?}"
    );
}

#[test]
fn links_and_anchors_are_read_as_github_does() {
    let page = "# Title\n\
                See [the CLI](cli.md#rbench-run) and [`fgsm`](#fgsm).\n\
                ```text\n[not a link](nowhere.md)\n```\n\
                ## `fgsm`\n## Sanity flags (L∞, L2)\n## Sanity flags (L∞, L2)\n";
    let found: Vec<String> = links(page).into_iter().map(|(_, t)| t).collect();
    assert_eq!(found, ["cli.md#rbench-run", "#fgsm"]);
    let anchors = anchors(page);
    let expected = ["title", "fgsm", "sanity-flags-l-l2", "sanity-flags-l-l2-1"];
    assert_eq!(anchors, expected.iter().map(|s| s.to_string()).collect());
}
