//! Small networks with exact input gradients, written out by hand, for testing attacks and
//! the code that drives them without a model file.

use rbench::model::{InputGradient, ModelError, Network};

/// A one-hidden-layer ReLU network, logits = W₂ relu(W₁ x + b₁) + b₂, with its exact input
/// gradient; with no hidden layer (`hidden` empty) it is the linear model W₂ x + b₂.
#[derive(Debug, Clone)]
pub struct Mlp {
    pub shape: Vec<usize>,
    /// One (weights, bias) row per hidden unit.
    pub hidden: Vec<(Vec<f32>, f32)>,
    /// One (weights, bias) row per class.
    pub output: Vec<(Vec<f32>, f32)>,
}

impl Mlp {
    /// The linear model logits = W x + b: one row of `weights` and one `bias` per class.
    pub fn linear(weights: Vec<Vec<f32>>, bias: Vec<f32>) -> Mlp {
        Mlp {
            shape: vec![weights[0].len()],
            hidden: Vec::new(),
            output: weights.into_iter().zip(bias).collect(),
        }
    }

    fn layer(inputs: &[f32], layer: &[(Vec<f32>, f32)]) -> Vec<f32> {
        layer
            .iter()
            .map(|(w, b)| w.iter().zip(inputs).map(|(w, x)| w * x).sum::<f32>() + b)
            .collect()
    }

    /// The hidden activations (or the input, without a hidden layer) of one sample.
    fn features(&self, x: &[f32]) -> Vec<f32> {
        if self.hidden.is_empty() {
            x.to_vec()
        } else {
            Mlp::layer(x, &self.hidden)
                .into_iter()
                .map(|h| h.max(0.0))
                .collect()
        }
    }
}

impl Network for Mlp {
    fn input_shape(&self) -> &[usize] {
        &self.shape
    }

    fn classes(&self) -> usize {
        self.output.len()
    }

    fn forward(&self, inputs: &[f32], n: usize) -> Result<Vec<f32>, ModelError> {
        let d = self.shape.iter().product::<usize>();
        if inputs.len() != n * d {
            return Err(ModelError::Shape {
                expected: self.shape.clone(),
                found: vec![n, inputs.len() / n.max(1)],
            });
        }
        Ok(inputs
            .chunks(d)
            .flat_map(|x| Mlp::layer(&self.features(x), &self.output))
            .collect())
    }

    fn input_gradient(
        &self,
        inputs: &[f32],
        n: usize,
        loss_gradient: &dyn Fn(&[f32]) -> Vec<f32>,
    ) -> Result<InputGradient, ModelError> {
        let logits = self.forward(inputs, n)?;
        let upstream = loss_gradient(&logits);
        let d = self.shape.iter().product::<usize>();
        let classes = self.classes();
        let mut gradient = Vec::with_capacity(inputs.len());
        for (x, g) in inputs.chunks(d).zip(upstream.chunks(classes)) {
            let features = self.features(x);
            // ∂L/∂features = W₂ᵀ g, then through the ReLU and W₁ (or straight to x).
            let back: Vec<f32> = (0..features.len())
                .map(|j| self.output.iter().zip(g).map(|((w, _), g)| w[j] * g).sum())
                .collect();
            if self.hidden.is_empty() {
                gradient.extend(back);
            } else {
                gradient.extend((0..d).map(|i| {
                    self.hidden
                        .iter()
                        .zip(&back)
                        .zip(&features)
                        .filter(|(_, &h)| h > 0.0)
                        .map(|(((w, _), b), _)| w[i] * b)
                        .sum::<f32>()
                }));
            }
        }
        Ok(InputGradient { logits, gradient })
    }
}
