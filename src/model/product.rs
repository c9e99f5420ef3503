//! The matrix product of an input and a constant matrix (a linear layer's weights), whose
//! backward pass computes the input's gradient only.
//!
//! candle's `matmul` backward computes the gradient of both operands. For a linear layer that is
//! also the weights' gradient, `xᵀ · dy`, as costly as the forward product, added to a zero
//! tensor of the weights' shape: work an attack never uses (weights are plain tensors, never
//! variables, `model::run`). This op runs candle's own CPU product forward, and backward the same
//! product candle runs for the input, `dy · bᵀ`, so its values are candle's, bit for bit.

use candle_core::backend::BackendStorage;
use candle_core::{bail, CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

/// `a (m × k) · b (k × n)`, `b` a constant.
struct ConstantProduct;

impl CustomOp2 for ConstantProduct {
    fn name(&self) -> &'static str {
        "constant-product"
    }

    fn cpu_fwd(
        &self,
        a: &CpuStorage,
        a_layout: &Layout,
        b: &CpuStorage,
        b_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (m, k) = a_layout.shape().dims2()?;
        let (b_rows, n) = b_layout.shape().dims2()?;
        if b_rows != k {
            bail!(
                "a product of a {:?} and a {:?} matrix",
                a_layout.dims(),
                b_layout.dims()
            );
        }
        let product = a.matmul(b, (1, m, n, k), a_layout, b_layout)?;
        Ok((product, Shape::from((m, n))))
    }

    fn bwd(
        &self,
        _a: &Tensor,
        b: &Tensor,
        _product: &Tensor,
        gradient: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        if b.track_op() {
            bail!("a constant product computes the gradient of its input, not of its constant");
        }
        Ok((Some(gradient.matmul(&b.t()?)?), None))
    }
}

/// The matrix product `a · b`: with an input gradient only when `b` is a constant 2-D matrix on
/// the CPU and `a` is 2-D, candle's `matmul` otherwise.
pub(crate) fn product(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.rank() == 2 && b.rank() == 2 && !b.track_op() && a.device().is_cpu() {
        a.apply_op2(b, ConstantProduct)
    } else {
        a.matmul(b)
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::model::test_tensors::{flat, tensor};

    #[test]
    fn values_and_input_gradients_are_candles_and_the_constant_gets_none() {
        // A transposed weight, as a linear layer reads it.
        let weight = tensor(&[5, 7], 3);
        let b = weight.t().expect("transposed");
        let x = Var::from_tensor(&tensor(&[4, 7], 11)).expect("a variable");
        let upstream = tensor(&[4, 5], 17);
        let gradient_of = |y: Tensor| {
            let grads = (y * &upstream)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.backward())
                .expect("backward");
            (
                flat(grads.get(x.as_tensor()).expect("an input gradient")),
                grads.get(&b).is_some(),
            )
        };
        let ours = product(x.as_tensor(), &b).expect("a product");
        let candles = x.as_tensor().matmul(&b).expect("candle's product");
        assert_eq!(flat(&ours), flat(&candles));
        let (candles_gradient, candle_computes_the_constants) = gradient_of(candles);
        assert!(candle_computes_the_constants);
        assert_eq!(gradient_of(ours), (candles_gradient, false));
    }

    #[test]
    fn a_product_with_a_variable_falls_back_to_candle() {
        let a = Var::from_tensor(&tensor(&[3, 4], 5)).expect("a variable");
        let b = Var::from_tensor(&tensor(&[4, 2], 7)).expect("a variable");
        let y = product(a.as_tensor(), b.as_tensor()).expect("a product");
        let grads = y.sum_all().and_then(|t| t.backward()).expect("backward");
        assert!(grads.get(b.as_tensor()).is_some());
        let mismatched = product(&tensor(&[3, 4], 1), &tensor(&[5, 2], 2));
        assert!(mismatched.is_err());
    }
}
