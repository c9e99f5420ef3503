//! "Did you mean ...?" suggestions by edit distance (with transpositions) and name parts.

/// The candidate nearest to `word`, if near enough to be a typo; failing that, the one candidate
/// that `word` abbreviates to its first or last `_`-separated parts (`jpeg` → `jpeg_compression`).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let near = candidates
        .iter()
        .map(|&c| (strsim::osa_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c);
    near.or_else(|| {
        let (prefix, suffix) = (format!("{word}_"), format!("_{word}"));
        let mut parts = candidates
            .iter()
            .filter(|c| c.starts_with(&prefix) || c.ends_with(&suffix));
        match (parts.next(), parts.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    })
}

/// `did you mean `x`?` when a candidate is near, else a list of what is allowed.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str], what: &str) -> String {
    match closest(word, candidates.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => choices(candidates, what),
    }
}

/// "the models are `a` and `b`", "the only model is `a`", "there are no models".
pub(crate) fn choices(candidates: &[&str], what: &str) -> String {
    match candidates {
        [] => format!("there are no {} to choose from", plural(what)),
        [only] => format!("the only {what} is `{only}`"),
        _ => format!("the {} are {}", plural(what), quoted_list(candidates)),
    }
}

/// `model` → `models`, `alias` → `aliases`, `model or dataset` → `models or datasets`.
pub(crate) fn plural(what: &str) -> String {
    let words: Vec<String> = what
        .split(" or ")
        .map(|w| match w.ends_with('s') {
            true => format!("{w}es"),
            false => format!("{w}s"),
        })
        .collect();
    words.join(" or ")
}

/// `a model`, `an attack`.
pub(crate) fn with_article(what: &str) -> String {
    let vowel = what.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {what}", if vowel { "an" } else { "a" })
}

/// "`a`, `b` and `c`", shortened after 12 entries.
pub(crate) fn quoted_list(items: &[&str]) -> String {
    let shown: Vec<String> = items.iter().take(12).map(|i| format!("`{i}`")).collect();
    let more = items.len().saturating_sub(12);
    let mut text = match shown.len() {
        0 => "none".to_string(),
        1 => shown[0].clone(),
        n => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
    };
    if more > 0 {
        text.push_str(&format!(" (and {more} more)"));
    }
    text
}
