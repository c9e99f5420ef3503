//! "Did you mean ...?" suggestions by edit distance.

/// The candidate nearest to `word`, if near enough to be a typo.
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// `did you mean `x`?` when a candidate is near, else a list of what is allowed.
pub(super) fn did_you_mean(word: &str, candidates: &[&str], what: &str) -> String {
    match closest(word, candidates.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None if candidates.is_empty() => format!("there are no {what}s to choose from"),
        None => format!("the {what}s are {}", quoted_list(candidates)),
    }
}

/// "`a`, `b` and `c`", shortened after 12 entries.
pub(super) fn quoted_list(items: &[&str]) -> String {
    let shown: Vec<String> = items.iter().take(12).map(|i| format!("`{i}`")).collect();
    let more = items.len().saturating_sub(12);
    let mut text = match shown.len() {
        0 => String::new(),
        1 => shown[0].clone(),
        n => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
    };
    if more > 0 {
        text.push_str(&format!(" (and {more} more)"));
    }
    text
}
