//! The input-gradient check of the model tests: a network's gradient of the cross-entropy loss
//! against central finite differences of its forward pass.

use rbench::model::Network;

/// The input gradient of the cross-entropy matches central finite differences with step `h` on
/// about 23 evenly spaced coordinates (coordinates where the loss has a kink, so that steps of
/// `h` and `h / 2` disagree, are skipped; most must be checked), and the logits it returns are
/// the forward logits.
pub fn assert_gradient(network: &dyn Network, inputs: &[f32], n: usize, h: f32) {
    let labels: Vec<usize> = (0..n).map(|i| (3 * i + 1) % network.classes()).collect();
    let loss_gradient = |logits: &[f32]| cross_entropy_gradient(logits, &labels);
    let result = network
        .input_gradient(inputs, n, &loss_gradient)
        .expect("input gradient");
    assert_eq!(result.logits, network.forward(inputs, n).expect("forward"));
    assert_eq!(result.gradient.len(), inputs.len());
    let loss = |x: &[f32]| cross_entropy(&network.forward(x, n).expect("forward"), &labels);
    let difference = |i: usize, h: f32| {
        let mut x = inputs.to_vec();
        x[i] = inputs[i] + h;
        let up = loss(&x);
        x[i] = inputs[i] - h;
        let down = loss(&x);
        // The step actually taken in f32.
        (up - down) / (f64::from(inputs[i] + h) - f64::from(inputs[i] - h))
    };
    let stride = (inputs.len() / 23).max(1);
    let (mut checked, mut skipped, mut nonzero) = (0, 0, 0);
    for i in (0..inputs.len()).step_by(stride) {
        let (coarse, fine) = (difference(i, h), difference(i, h / 2.0));
        if (coarse - fine).abs() > 1e-2 * coarse.abs().max(fine.abs()) + 2e-4 {
            skipped += 1;
            continue;
        }
        let analytic = f64::from(result.gradient[i]);
        assert!(
            (analytic - fine).abs() <= 1e-2 * fine.abs().max(analytic.abs()) + 2e-4,
            "coordinate {i}: gradient {analytic}, finite differences {fine}"
        );
        checked += 1;
        nonzero += usize::from(fine.abs() > 1e-3);
    }
    assert!(
        checked >= 2 * skipped && checked >= 8,
        "{checked} coordinates checked, {skipped} skipped"
    );
    assert!(
        nonzero >= checked / 5 && nonzero >= 2,
        "only {nonzero} of {checked} gradients are not zero"
    );
}

/// Cross-entropy of each row of logits `[n, k]` with its label, summed over rows.
pub fn cross_entropy(logits: &[f32], labels: &[usize]) -> f64 {
    let k = logits.len() / labels.len();
    logits
        .chunks(k)
        .zip(labels)
        .map(|(row, &label)| {
            let max = row
                .iter()
                .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
            let sum: f64 = row.iter().map(|&v| (f64::from(v) - max).exp()).sum();
            max + sum.ln() - f64::from(row[label])
        })
        .sum()
}

/// The gradient of [`cross_entropy`] with respect to the logits: `softmax - one_hot`.
pub fn cross_entropy_gradient(logits: &[f32], labels: &[usize]) -> Vec<f32> {
    let k = logits.len() / labels.len();
    logits
        .chunks(k)
        .zip(labels)
        .flat_map(|(row, &label)| {
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let exp: Vec<f32> = row.iter().map(|&v| (v - max).exp()).collect();
            let sum: f32 = exp.iter().sum();
            exp.into_iter()
                .enumerate()
                .map(move |(i, e)| e / sum - if i == label { 1.0 } else { 0.0 })
        })
        .collect()
}
