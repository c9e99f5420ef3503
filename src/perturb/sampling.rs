//! Random variates drawn from a sample's ChaCha stream: uniforms, normals, Poisson counts and
//! bounded integers. They are written out here, not taken from `rand_distr`, so that a seed gives
//! the same values whatever the versions of the dependencies (distribution crates change their
//! algorithms between releases), and so `rand` itself is not needed.

use rand_chacha::rand_core::Rng;
use rand_chacha::ChaCha8Rng;

/// The draws of one sample, in order.
pub(crate) struct Sampler {
    rng: ChaCha8Rng,
    /// Box–Muller makes normals in pairs; the second waits here for the next call.
    spare_normal: Option<f64>,
}

impl Sampler {
    /// Draws from `rng` (a sample's stream, from `sample_rng`).
    pub(crate) fn new(rng: ChaCha8Rng) -> Sampler {
        Sampler {
            rng,
            spare_normal: None,
        }
    }

    /// A uniform draw from [0, 1): the top 53 bits of a 64-bit word, times 2⁻⁵³.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal draw, by the Box–Muller transform (Box & Muller, Ann. Math. Statist. 29,
    /// 1958): with u₁ ∈ (0, 1] and u₂ ∈ [0, 1), r = √(−2 ln u₁) and the pair r·cos 2πu₂,
    /// r·sin 2πu₂ are independent N(0, 1). Always finite (|z| ≤ 38.6).
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let (sin, cos) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare_normal = Some(r * sin);
        r * cos
    }

    /// A Poisson(λ) count, as f64; 0 for λ ≤ 0 (or NaN). Below λ = 10, the multiplication method
    /// (Knuth, TAOCP vol. 2, 3.4.1): count uniforms until their product falls to e^−λ or below.
    /// From λ = 10, Hörmann's transformed rejection with squeeze, PTRS (W. Hörmann, *The
    /// transformed rejection method for generating Poisson random variables*, Insurance:
    /// Mathematics and Economics 12, 1993), exact for any λ, with about 1.1 pairs of uniforms a
    /// draw. numpy's `Generator.poisson` uses the same two methods and threshold.
    pub(crate) fn poisson(&mut self, lambda: f64) -> f64 {
        if lambda.is_nan() || lambda <= 0.0 {
            0.0
        } else if lambda < 10.0 {
            self.poisson_multiplication(lambda)
        } else {
            self.poisson_ptrs(lambda)
        }
    }

    fn poisson_multiplication(&mut self, lambda: f64) -> f64 {
        let limit = (-lambda).exp();
        let mut count = 0.0;
        let mut product = self.uniform();
        while product > limit {
            count += 1.0;
            product *= self.uniform();
        }
        count
    }

    fn poisson_ptrs(&mut self, lambda: f64) -> f64 {
        let log_lambda = lambda.ln();
        let b = 0.931 + 2.53 * lambda.sqrt();
        let a = -0.059 + 0.02483 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        let v_r = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
            // The squeeze: most draws are accepted without a logarithm.
            if us >= 0.07 && v <= v_r {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            let log_hat = (v * inv_alpha / (a / (us * us) + b)).ln();
            if log_hat <= -lambda + k * log_lambda - ln_gamma(k + 1.0) {
                return k;
            }
        }
    }

    /// A uniform draw from `0..n` (`n > 0`), by Lemire's multiply-and-reject method: unbiased.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.rng.next_u64()) * u128::from(n);
            if product as u64 >= threshold {
                return (product >> 64) as u64;
            }
        }
    }
}

/// ln Γ(x) for x ≥ 1: Stirling's series with ten terms from x ≥ 7 (error below 1e-15), shifted
/// down by ln Γ(x) = ln Γ(x + m) − Σ ln(x + i) below.
fn ln_gamma(x: f64) -> f64 {
    /// B₂ₖ / (2k(2k − 1)) for k = 1..10, the coefficients of Stirling's series.
    const STIRLING: [f64; 10] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360360.0,
        1.0 / 156.0,
        -3617.0 / 122400.0,
        43867.0 / 244188.0,
        -174611.0 / 125400.0,
    ];
    let mut shifted = x;
    let mut correction = 0.0;
    while shifted < 7.0 {
        correction += shifted.ln();
        shifted += 1.0;
    }
    let inv_square = 1.0 / (shifted * shifted);
    let series = STIRLING
        .iter()
        .rev()
        .fold(0.0, |acc, &c| acc * inv_square + c);
    series / shifted + 0.5 * std::f64::consts::TAU.ln() + (shifted - 0.5) * shifted.ln()
        - shifted
        - correction
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    fn sampler(seed: u8) -> Sampler {
        Sampler::new(ChaCha8Rng::from_seed([seed; 32]))
    }

    fn mean_and_variance(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, variance)
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut factorial = 1.0f64;
        for k in 1..30 {
            factorial *= f64::from(k);
            let exact = factorial.ln();
            assert!((ln_gamma(f64::from(k) + 1.0) - exact).abs() < 1e-12 * exact.max(1.0));
        }
        assert!(ln_gamma(1.0).abs() < 1e-14);
        // Γ(1/2) = √π.
        let half = ln_gamma(1.5) - 0.5f64.ln();
        assert!((half - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
    }

    #[test]
    fn normals_have_unit_variance() {
        let mut s = sampler(1);
        let draws: Vec<f64> = (0..200_000).map(|_| s.normal()).collect();
        let (mean, variance) = mean_and_variance(&draws);
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
        assert!(mean.abs() < 0.012, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.016, "variance {variance}");
    }

    #[test]
    fn poisson_counts_have_mean_and_variance_lambda() {
        // Both methods, and the threshold between them.
        for lambda in [0.3, 4.0, 9.99, 10.0, 37.5, 500.0, 1e6] {
            let mut s = sampler(2);
            let draws: Vec<f64> = (0..100_000).map(|_| s.poisson(lambda)).collect();
            assert!(draws.iter().all(|k| *k >= 0.0 && k.fract() == 0.0));
            let (mean, variance) = mean_and_variance(&draws);
            // Standard error of the mean √(λ/n); of the variance about λ·√(2/n) for large λ.
            let n = draws.len() as f64;
            assert!(
                (mean - lambda).abs() < 5.0 * (lambda / n).sqrt(),
                "λ {lambda}: {mean}"
            );
            let tolerance = 5.0 * lambda * (2.0 / n + 1.0 / (lambda * n)).sqrt();
            assert!(
                (variance - lambda).abs() < tolerance,
                "λ {lambda}: {variance}"
            );
        }
        assert_eq!(sampler(3).poisson(0.0), 0.0);
        assert_eq!(sampler(3).poisson(-1.0), 0.0);
    }

    #[test]
    fn poisson_probabilities_match_the_mass_function() {
        // P(K = k) for λ = 12 (PTRS) and λ = 3 (multiplication), against e^−λ λ^k / k!.
        for lambda in [3.0f64, 12.0] {
            let mut s = sampler(4);
            let n = 200_000;
            let mut counts = [0u32; 40];
            for _ in 0..n {
                let k = s.poisson(lambda) as usize;
                if k < counts.len() {
                    counts[k] += 1;
                }
            }
            for (k, &count) in counts.iter().enumerate() {
                let kf = k as f64;
                let p = (-lambda + kf * lambda.ln() - ln_gamma(kf + 1.0)).exp();
                let observed = f64::from(count) / f64::from(n);
                let sd = (p * (1.0 - p) / f64::from(n)).sqrt();
                assert!(
                    (observed - p).abs() < 5.0 * sd + 1e-5,
                    "λ {lambda}, k {k}: {observed} vs {p}"
                );
            }
        }
    }

    #[test]
    fn below_stays_below() {
        let mut s = sampler(5);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            seen[s.below(7) as usize] = true;
        }
        assert!(seen.iter().all(|&x| x));
    }
}
