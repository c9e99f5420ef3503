//! Exactly mergeable sums of real values: each value is rounded once to a multiple of 2⁻⁴⁰ and
//! summed as an integer, so a sum is the same whatever the batch split and merge order.
//!
//! Resolution: a value is off by at most 2⁻⁴¹ ≈ 4.5e-13, so a mean is too. Range: |x| < 2²⁴, so
//! x² · 2⁴⁰ < 2⁸⁸ and an i128 sum of squares stays exact for up to 2³⁹ values.

use super::MetricError;

/// Fractional bits of the fixed-point representation.
const FRACTION_BITS: i32 = 40;
/// Values must be smaller than this in magnitude.
const LIMIT: f64 = (1u64 << 24) as f64;

/// `x` as an integer multiple of 2⁻⁴⁰, rounded to nearest.
pub(crate) fn to_fixed(x: f64) -> i128 {
    (x * 2f64.powi(FRACTION_BITS)).round() as i128
}

/// The whole number `n` in fixed point.
pub(crate) fn whole(n: u64) -> i128 {
    i128::from(n) << FRACTION_BITS
}

/// A fixed-point sum back as a real number.
pub(crate) fn from_fixed(sum: i128) -> f64 {
    sum as f64 * 2f64.powi(-FRACTION_BITS)
}

/// The count, sum and sum of squares of values: a mean and its standard error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Moments {
    count: u64,
    sum: i128,
    squares: i128,
}

impl Moments {
    /// Adds the value of the sample at `index`.
    pub(crate) fn push(&mut self, value: f64, index: u64) -> Result<(), MetricError> {
        if value.is_nan() || value.abs() >= LIMIT {
            return Err(MetricError::TooLarge { index, value });
        }
        self.count += 1;
        self.sum += to_fixed(value);
        self.squares += to_fixed(value * value);
        Ok(())
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        self.count += other.count;
        self.sum += other.sum;
        self.squares += other.squares;
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The mean, and its standard error s/√n with the sample variance s² (n − 1 in the
    /// denominator); NaN for no value, and a standard error of 0 for one.
    pub(crate) fn mean_and_std_error(&self) -> (f64, f64) {
        let n = self.count as f64;
        let mean = from_fixed(self.sum) / n;
        if self.count < 2 {
            return (mean, 0.0);
        }
        let variance = ((from_fixed(self.squares) - n * mean * mean) / (n - 1.0)).max(0.0);
        (mean, (variance / n).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_to_the_nearest_step() {
        assert_eq!(to_fixed(1.0), 1i128 << 40);
        assert_eq!(to_fixed(-0.5), -(1i128 << 39));
        assert_eq!(from_fixed(to_fixed(0.25)), 0.25);
        assert!((from_fixed(to_fixed(0.1)) - 0.1).abs() <= 2f64.powi(-41));
    }

    #[test]
    fn moments_give_mean_and_standard_error() {
        let mut moments = Moments::default();
        for (i, x) in [1.0, 2.0, 3.0, 4.0].into_iter().enumerate() {
            moments.push(x, i as u64).expect("in range");
        }
        let (mean, se) = moments.mean_and_std_error();
        assert_eq!(mean, 2.5);
        // s² = 5/3, se = √(5/12)
        assert!((se - (5.0f64 / 12.0).sqrt()).abs() < 1e-12);
        assert!(moments.push(f64::NAN, 9).is_err());
        assert!(moments.push(2e7, 9).is_err());
    }
}
