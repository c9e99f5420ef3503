//! Strengths of noise: an explicit value, or a severity 1–5 looked up in the published tables of
//! CIFAR-10-C and ImageNet-C.
//!
//! The tables are copied from hendrycks/robustness: `ImageNet-C/create_c/make_cifar_c.py` (CIFAR-10-C)
//! and `ImageNet-C/imagenet_c/imagenet_c/corruptions.py` (ImageNet-C), functions `gaussian_noise`,
//! `shot_noise`, `impulse_noise` and `speckle_noise`, where `c = [...][severity - 1]`.

use crate::perturb::severity::{Severities, Table};
use crate::perturb::PerturbError;

/// How strong a noise is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strength {
    /// The noise's own parameter (σ, half-width, photon count, amount), in units of the range's
    /// width where it is a distance.
    Value(f64),
    /// A severity 1–5 and the table it indexes.
    Severity(u8, Table),
}

/// One noise parameter at severities 1–5 in both tables.
pub(crate) type SeverityTable = Severities<f64>;

/// Gaussian noise σ (`gaussian_noise`).
pub(crate) const GAUSSIAN_SIGMA: SeverityTable = SeverityTable {
    cifar: [0.04, 0.06, 0.08, 0.09, 0.10],
    imagenet: [0.08, 0.12, 0.18, 0.26, 0.38],
};

/// Shot noise photon count c (`shot_noise`): smaller is noisier.
pub(crate) const SHOT_PHOTONS: SeverityTable = SeverityTable {
    cifar: [500.0, 250.0, 100.0, 75.0, 50.0],
    imagenet: [60.0, 25.0, 12.0, 5.0, 3.0],
};

/// Impulse noise amount (`impulse_noise`, skimage's `random_noise(mode='s&p', amount=c)`).
pub(crate) const IMPULSE_AMOUNT: SeverityTable = SeverityTable {
    cifar: [0.01, 0.02, 0.03, 0.05, 0.07],
    imagenet: [0.03, 0.06, 0.09, 0.17, 0.27],
};

/// Speckle noise σ (`speckle_noise`).
pub(crate) const SPECKLE_SIGMA: SeverityTable = SeverityTable {
    cifar: [0.06, 0.1, 0.12, 0.16, 0.2],
    imagenet: [0.15, 0.2, 0.35, 0.45, 0.6],
};

/// The domain of a noise's parameter, for checking explicit values.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Domain {
    /// `v ≥ 0`.
    NonNegative,
    /// `v > 0`.
    Positive,
    /// `0 ≤ v ≤ 1`.
    Fraction,
}

/// A checked strength: a finite value in `domain`, or a severity 1–5 of a noise with a table.
pub(crate) fn checked(
    perturbation: &'static str,
    strength: Strength,
    domain: Domain,
    table: Option<&SeverityTable>,
) -> Result<Strength, PerturbError> {
    let problem = match strength {
        Strength::Value(v) => {
            let ok = v.is_finite()
                && match domain {
                    Domain::NonNegative => v >= 0.0,
                    Domain::Positive => v > 0.0,
                    Domain::Fraction => (0.0..=1.0).contains(&v),
                };
            let expected = match domain {
                Domain::NonNegative => "a finite value ≥ 0",
                Domain::Positive => "a finite value > 0",
                Domain::Fraction => "a value in [0, 1]",
            };
            (!ok).then(|| format!("the strength must be {expected}, not {v}"))
        }
        Strength::Severity(s, _) if table.is_none() => Some(format!(
            "severity {s} has no meaning: this noise has no severity table"
        )),
        Strength::Severity(s, _) => (!(1..=5).contains(&s))
            .then(|| format!("the severity must be between 1 and 5, not {s}")),
    };
    match problem {
        Some(problem) => Err(PerturbError::Parameter {
            perturbation,
            problem,
        }),
        None => Ok(strength),
    }
}

/// The parameter a checked strength stands for on samples of `sample_shape`.
pub(crate) fn level(strength: Strength, table: &SeverityTable, sample_shape: &[usize]) -> f64 {
    match strength {
        Strength::Value(v) => v,
        Strength::Severity(s, which) => *table.at(s, which, sample_shape),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_index_the_tables() {
        let s3 = Strength::Severity(3, Table::Auto);
        assert_eq!(level(s3, &GAUSSIAN_SIGMA, &[3, 32, 32]), 0.08);
        assert_eq!(level(s3, &GAUSSIAN_SIGMA, &[3, 224, 224]), 0.18);
        assert_eq!(level(Strength::Value(0.5), &GAUSSIAN_SIGMA, &[1]), 0.5);
    }

    #[test]
    fn strengths_are_checked() {
        let t = Some(&GAUSSIAN_SIGMA);
        let ok = |s, d, t| checked("n", s, d, t).is_ok();
        assert!(ok(Strength::Value(0.0), Domain::NonNegative, t));
        assert!(!ok(Strength::Value(-0.1), Domain::NonNegative, t));
        assert!(!ok(Strength::Value(f64::NAN), Domain::NonNegative, t));
        assert!(!ok(Strength::Value(0.0), Domain::Positive, t));
        assert!(!ok(Strength::Value(1.5), Domain::Fraction, t));
        assert!(ok(Strength::Severity(5, Table::Auto), Domain::Fraction, t));
        assert!(!ok(Strength::Severity(0, Table::Auto), Domain::Fraction, t));
        assert!(!ok(
            Strength::Severity(6, Table::Cifar),
            Domain::Fraction,
            t
        ));
        assert!(!ok(
            Strength::Severity(1, Table::Cifar),
            Domain::Fraction,
            None
        ));
    }
}
