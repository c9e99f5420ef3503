//! The features a perturbation may not change (`immutable`), by position or by name: attacks and
//! tabular perturbations resolve them alike.

use crate::perturb::{Context, PerturbError};

/// A feature a perturbation leaves unchanged: a position in the flattened sample, or the name of
/// a column of the data (a CSV table's header), resolved when the perturbation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feature {
    /// The value at this index of a flattened sample.
    Position(usize),
    /// The value of the column with this name.
    Name(String),
}

impl From<usize> for Feature {
    fn from(position: usize) -> Self {
        Feature::Position(position)
    }
}

impl From<&str> for Feature {
    fn from(name: &str) -> Self {
        Feature::Name(name.to_string())
    }
}

/// Which of a sample's `size` values the perturbation `name` may change: all but the `immutable` ones.
/// Names are looked up in `ctx.feature_names`; an unknown name, a position past the sample, or a
/// name on data without feature names is an error.
pub(crate) fn mutable_mask(
    name: &'static str,
    immutable: &[Feature],
    size: usize,
    ctx: &Context<'_>,
) -> Result<Vec<bool>, PerturbError> {
    let parameter = |problem: String| PerturbError::Parameter {
        perturbation: name,
        problem,
    };
    let mut mutable = vec![true; size];
    for feature in immutable {
        let position = match feature {
            Feature::Position(position) => *position,
            Feature::Name(feature) => {
                let names = ctx.feature_names.ok_or_else(|| {
                    parameter(format!(
                        "the immutable feature `{feature}` is a column name, and the data has no \
                         named features (only CSV tables name them)"
                    ))
                })?;
                names.iter().position(|n| n == feature).ok_or_else(|| {
                    parameter(format!(
                        "the immutable feature `{feature}` is not a feature of the data, whose \
                         features are {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?
            }
        };
        *mutable.get_mut(position).ok_or_else(|| {
            parameter(format!(
                "immutable feature {position} is outside samples of {size} values"
            ))
        })? = false;
    }
    Ok(mutable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(names: Option<&[String]>) -> Context<'_> {
        Context {
            range: (0.0, 1.0),
            seed: [0; 32],
            model: None,
            feature_names: names,
        }
    }

    #[test]
    fn names_and_positions_resolve() {
        let names = ["a".to_string(), "b".to_string(), "c".to_string()];
        let mask = mutable_mask("pgd", &["c".into(), 0.into()], 3, &ctx(Some(&names)));
        assert_eq!(mask.expect("known"), [false, true, false]);
        let unknown = mutable_mask("pgd", &["d".into()], 3, &ctx(Some(&names)));
        let message = unknown.expect_err("unknown").to_string();
        assert!(message.contains("`d` is not a feature"), "{message}");
        assert!(mutable_mask("pgd", &["a".into()], 3, &ctx(None)).is_err());
        assert!(mutable_mask("pgd", &[3.into()], 3, &ctx(None)).is_err());
    }
}
