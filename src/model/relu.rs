//! ReLU on the CPU with a one-pass backward.
//!
//! candle's ReLU backward builds a zero tensor, compares, converts the mask and multiplies: four
//! full-size passes and three temporary tensors per layer. Here the backward is one pass, and its
//! derivative at 0 is 0, as PyTorch's (candle's is 1).

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Result, Shape, Tensor};

use super::conv::values;

/// `max(v, 0)`; NaN passes, as in PyTorch, so a broken input shows in the logits.
pub(super) fn rectify(v: f32) -> f32 {
    if v > 0.0 || v.is_nan() {
        v
    } else {
        0.0
    }
}

/// The gradient `d` of `max(v, 0)` carried back to `v`: `d` where `v` is positive, else 0 (the
/// derivative at 0 is 0, as PyTorch's).
pub(super) fn rectify_gradient(v: f32, d: f32) -> f32 {
    if v > 0.0 {
        d
    } else {
        0.0
    }
}

/// `max(x, 0)`.
struct Relu;

impl CustomOp1 for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = values(storage, layout, "ReLU's input")?;
        let y = x.iter().map(|&v| rectify(v)).collect();
        Ok((CpuStorage::F32(y), layout.shape().clone()))
    }

    fn bwd(&self, input: &Tensor, _output: &Tensor, gradient: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(input.apply_op2_no_bwd(
            &gradient.contiguous()?,
            &ReluGradient,
        )?))
    }
}

/// `(input, output gradient) → input gradient`: the gradient where the input is positive.
struct ReluGradient;

impl CustomOp2 for ReluGradient {
    fn name(&self) -> &'static str {
        "relu-input-gradient"
    }

    fn cpu_fwd(
        &self,
        input: &CpuStorage,
        input_layout: &Layout,
        gradient: &CpuStorage,
        gradient_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = values(input, input_layout, "ReLU's input")?;
        let dy = values(gradient, gradient_layout, "ReLU's output gradient")?;
        if x.len() != dy.len() {
            candle_core::bail!("a ReLU gradient of {} values for {}", dy.len(), x.len());
        }
        let dx = x
            .iter()
            .zip(dy)
            .map(|(&v, &d)| rectify_gradient(v, d))
            .collect();
        Ok((CpuStorage::F32(dx), input_layout.shape().clone()))
    }
}

/// `max(x, 0)`, element by element: rbench's kernel for f32 on the CPU, candle's otherwise.
pub(crate) fn relu(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::F32 && x.device().is_cpu() {
        x.contiguous()?.apply_op1(Relu)
    } else {
        x.relu()
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    #[test]
    fn negative_inputs_and_zero_pass_no_gradient() {
        let x = Tensor::new(&[-2f32, -0.0, 0.0, 0.5, 3.0], &Device::Cpu).expect("x");
        let var = Var::from_tensor(&x).expect("a variable");
        let y = relu(var.as_tensor()).expect("relu");
        assert_eq!(
            y.to_vec1::<f32>().expect("values"),
            [0.0, 0.0, 0.0, 0.5, 3.0]
        );
        let grads = (y * Tensor::new(&[1f32, 2., 3., 4., 5.], &Device::Cpu).expect("u"))
            .and_then(|t| t.sum_all())
            .and_then(|t| t.backward())
            .expect("backward");
        let gradient = grads.get(var.as_tensor()).expect("a gradient");
        assert_eq!(
            gradient.to_vec1::<f32>().expect("values"),
            [0.0, 0.0, 0.0, 4.0, 5.0]
        );
        let nan = relu(&Tensor::new(&[f32::NAN], &Device::Cpu).expect("x")).expect("relu");
        assert!(nan.to_vec1::<f32>().expect("values")[0].is_nan());
    }
}
