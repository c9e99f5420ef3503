//! A framework catalog: named controls, looked up by id with typo-tolerant suggestions.

/// One control of a framework (for the AI RMF: a subcategory such as `MEASURE 2.7`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// The canonical id, e.g. `MEASURE 2.7`.
    pub id: String,
    /// The group the control belongs to (the AI RMF function, e.g. `MEASURE`), if any.
    pub group: Option<String>,
    /// The control's statement.
    pub text: String,
    /// Where the statement is printed in the framework's source document, if known.
    pub page: Option<u32>,
}

/// A framework: its name in specs, its title, and its controls in document order.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The name specs use after `map`, e.g. `nist_ai_rmf`.
    pub name: String,
    /// The framework's title, as reports cite it.
    pub title: String,
    pub controls: Vec<Control>,
    /// Turns what an author wrote into a canonical id; user frameworks use exact ids.
    normalize: fn(&str) -> Option<String>,
}

/// The outcome of looking an id up in a catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The id (possibly in a short form) names this control.
    Found(&'a Control),
    /// No such control; the nearest valid ids, best first (possibly none).
    Unknown { suggestions: Vec<&'a str> },
}

impl Catalog {
    /// A catalog with the given controls whose ids must be written exactly as declared.
    pub fn user(name: impl Into<String>, title: impl Into<String>, controls: Vec<Control>) -> Self {
        Catalog::with_normalizer(name, title, controls, |id| Some(id.trim().to_string()))
    }

    pub(crate) fn with_normalizer(
        name: impl Into<String>,
        title: impl Into<String>,
        controls: Vec<Control>,
        normalize: fn(&str) -> Option<String>,
    ) -> Self {
        Catalog {
            name: name.into(),
            title: title.into(),
            controls,
            normalize,
        }
    }

    /// The control named by `id` (in any accepted form), or the nearest valid ids.
    pub fn lookup(&self, id: &str) -> Lookup<'_> {
        if let Some(canonical) = (self.normalize)(id) {
            if let Some(control) = self.controls.iter().find(|c| c.id == canonical) {
                return Lookup::Found(control);
            }
        }
        Lookup::Unknown {
            suggestions: self.nearest(id, 3),
        }
    }

    /// Up to `n` control ids nearest to `id`, best first: by case-insensitive edit distance, then
    /// by how far apart their last numbers are (`MEASURE 2.14` is nearer `2.13` than `2.1`).
    fn nearest(&self, id: &str, n: usize) -> Vec<&str> {
        let wanted = (self.normalize)(id).unwrap_or_else(|| id.trim().to_string());
        let wanted = wanted.to_lowercase();
        let limit = (wanted.chars().count() / 3).max(2);
        let wanted_number = last_number(&wanted);
        let mut scored: Vec<(usize, u64, usize, &str)> = self
            .controls
            .iter()
            .enumerate()
            .map(|(order, c)| {
                let d = strsim::levenshtein(&wanted, &c.id.to_lowercase());
                let gap = match (wanted_number, last_number(&c.id)) {
                    (Some(a), Some(b)) => a.abs_diff(b),
                    _ => u64::MAX,
                };
                (d, gap, order, c.id.as_str())
            })
            .filter(|(d, ..)| *d <= limit)
            .collect();
        scored.sort();
        scored.into_iter().take(n).map(|(.., id)| id).collect()
    }
}

/// The last run of digits in `id`, as a number.
fn last_number(id: &str) -> Option<u64> {
    let end = id.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = id[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    id[start..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(id: &str) -> Control {
        Control {
            id: id.to_string(),
            group: None,
            text: format!("text of {id}"),
            page: None,
        }
    }

    #[test]
    fn user_catalogs_match_ids_exactly_and_suggest_near_ones() {
        let catalog = Catalog::user(
            "internal",
            "Internal controls",
            vec![control("IC-1"), control("IC-2"), control("IC-12")],
        );
        assert_eq!(
            catalog.lookup(" IC-2 "),
            Lookup::Found(&catalog.controls[1])
        );
        assert_eq!(
            catalog.lookup("IC-13"),
            Lookup::Unknown {
                suggestions: vec!["IC-12", "IC-1", "IC-2"]
            }
        );
        assert_eq!(
            catalog.lookup("completely different"),
            Lookup::Unknown {
                suggestions: vec![]
            }
        );
    }
}
