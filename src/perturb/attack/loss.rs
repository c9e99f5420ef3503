//! The objectives attacks ascend, per sample, with their gradients with respect to the logits.
//!
//! Every attack here maximises its objective: untargeted attacks the loss of the true label,
//! targeted ones the negated loss of the target class (or the targeted DLR loss), as in
//! torchattacks and auto-attack. Gradients are per sample (the batch loss is a sum, not a mean),
//! so a sample's steps never depend on the batch it came in.

/// A loss on the logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Cross-entropy of the softmax.
    CrossEntropy,
    /// The difference of logits ratio of Croce & Hein (ICML 2020), auto-attack's `dlr_loss` and
    /// `dlr_loss_targeted` (`autoattack/autopgd_base.py`).
    Dlr,
}

impl Loss {
    /// The fewest classes the loss is defined for: DLR reads the third (targeted: the fourth)
    /// largest logit.
    pub(super) fn min_classes(self, targeted: bool) -> usize {
        match (self, targeted) {
            (Loss::CrossEntropy, _) => 1,
            (Loss::Dlr, false) => 3,
            (Loss::Dlr, true) => 4,
        }
    }
}

/// The objective of one sample with its label and the class it aims at.
#[derive(Debug, Clone, Copy)]
pub(super) struct Objective {
    pub(super) loss: Loss,
    pub(super) targeted: bool,
}

impl Objective {
    /// The objective's value on one sample's logits `row` and its gradient with respect to them.
    pub(super) fn value_and_gradient(
        self,
        row: &[f32],
        label: usize,
        target: usize,
    ) -> (f64, Vec<f64>) {
        let z: Vec<f64> = row.iter().map(|&l| f64::from(l)).collect();
        match (self.loss, self.targeted) {
            (Loss::CrossEntropy, false) => cross_entropy(&z, label),
            (Loss::CrossEntropy, true) => {
                let (value, gradient) = cross_entropy(&z, target);
                (-value, gradient.into_iter().map(|g| -g).collect())
            }
            (Loss::Dlr, false) => dlr(&z, label),
            (Loss::Dlr, true) => dlr_targeted(&z, label, target),
        }
    }

    /// The gradient, with respect to a batch of logits, of the sum of each row's objective.
    pub(super) fn batch_gradient(
        self,
        logits: &[f32],
        classes: usize,
        labels: &[usize],
        targets: &[usize],
    ) -> Vec<f32> {
        logits
            .chunks(classes.max(1))
            .zip(labels.iter().zip(targets))
            .flat_map(|(row, (&label, &target))| {
                let (_, gradient) = self.value_and_gradient(row, label, target);
                gradient.into_iter().map(|g| g as f32)
            })
            .collect()
    }
}

/// CE(z, t) = log Σ exp z − z_t and its gradient softmax(z) − onehot(t); the softmax is
/// computed after subtracting the largest logit, so no exponential overflows.
fn cross_entropy(z: &[f64], target: usize) -> (f64, Vec<f64>) {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = z.iter().map(|&l| (l - max).exp()).collect();
    let total: f64 = exps.iter().sum();
    let value = total.ln() + max - z[target];
    let gradient = exps
        .iter()
        .enumerate()
        .map(|(class, e)| e / total - if class == target { 1.0 } else { 0.0 })
        .collect();
    (value, gradient)
}

/// The classes by decreasing logit (stable: the lower class first on ties).
fn descending(z: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..z.len()).collect();
    order.sort_by(|&a, &b| z[b].total_cmp(&z[a]));
    order
}

/// Untargeted DLR: −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3 + 1e-12), π the classes by
/// decreasing logit.
fn dlr(z: &[f64], label: usize) -> (f64, Vec<f64>) {
    let order = descending(z);
    let other = if order[0] == label {
        order[1]
    } else {
        order[0]
    };
    let scale = z[order[0]] - z[order[2]] + 1e-12;
    let margin = z[label] - z[other];
    let mut gradient = vec![0.0; z.len()];
    gradient[label] -= 1.0 / scale;
    gradient[other] += 1.0 / scale;
    let by_scale = margin / (scale * scale);
    gradient[order[0]] += by_scale;
    gradient[order[2]] -= by_scale;
    (-margin / scale, gradient)
}

/// Targeted DLR: −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e-12).
fn dlr_targeted(z: &[f64], label: usize, target: usize) -> (f64, Vec<f64>) {
    let order = descending(z);
    let scale = z[order[0]] - 0.5 * (z[order[2]] + z[order[3]]) + 1e-12;
    let margin = z[label] - z[target];
    let mut gradient = vec![0.0; z.len()];
    gradient[label] -= 1.0 / scale;
    gradient[target] += 1.0 / scale;
    let by_scale = margin / (scale * scale);
    gradient[order[0]] += by_scale;
    gradient[order[2]] -= 0.5 * by_scale;
    gradient[order[3]] -= 0.5 * by_scale;
    (-margin / scale, gradient)
}

/// The class of the largest logit, the first on ties (as `torch.argmax`).
pub(super) fn predicted(row: &[f32]) -> usize {
    let mut best = 0;
    for (class, &logit) in row.iter().enumerate() {
        if logit > row[best] {
            best = class;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The central difference of `f` at `z` along each class, against the analytic gradient.
    fn check_gradient(f: impl Fn(&[f64]) -> (f64, Vec<f64>), z: &[f64]) {
        let (_, gradient) = f(z);
        for class in 0..z.len() {
            let h = 1e-6;
            let mut up = z.to_vec();
            let mut down = z.to_vec();
            up[class] += h;
            down[class] -= h;
            let numeric = (f(&up).0 - f(&down).0) / (2.0 * h);
            assert!(
                (numeric - gradient[class]).abs() < 1e-6,
                "class {class}: {numeric} vs {}",
                gradient[class]
            );
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let z = [0.3, -1.2, 2.0, 0.7, 1.1];
        for label in 0..5 {
            check_gradient(|z| cross_entropy(z, label), &z);
            check_gradient(|z| dlr(z, label), &z);
            check_gradient(|z| dlr_targeted(z, label, (label + 2) % 5), &z);
        }
    }

    #[test]
    fn cross_entropy_is_softmax_minus_onehot() {
        let (value, gradient) = cross_entropy(&[2.0f64.ln(), 0.0, 0.0], 1);
        assert!((value - 2.0f64.ln() * 2.0).abs() < 1e-12);
        let expected = [0.5, 0.25 - 1.0, 0.25];
        for (a, b) in gradient.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12);
        }
        let (_, gradient) = cross_entropy(&[0.0, 0.0, 1000.0], 0);
        assert_eq!(gradient, [-1.0, 0.0, 1.0]);
    }

    #[test]
    fn dlr_is_minus_the_margin_over_the_spread() {
        // Sorted: 3 (class 1), 2 (class 0), 1 (class 2); label 0: −(2 − 3) / (3 − 1).
        assert!((dlr(&[2.0, 3.0, 1.0], 0).0 - 0.5).abs() < 1e-9);
        assert_eq!(predicted(&[1.0, 3.0, 3.0]), 1);
    }
}
