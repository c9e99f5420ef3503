//! The matrix product of an input and a constant matrix (a linear layer's weights): each input
//! row's product is the same bits in any batch, and the backward pass computes the input's
//! gradient only.
//!
//! candle's `matmul` runs `gemm` on the whole batch, whose code path and blocking depend on the
//! number of rows, so a sample's logits changed (in the last bits) with the batch size; its
//! backward pass also computes the weights' gradient, `xᵀ · dy`, as costly as the forward product
//! and never used (weights are plain tensors, never variables, `model::run`). This op computes
//! `a · b` and, backward, `dy · bᵀ` on fixed blocks of rows ([`super::matrix::row_blocks`]).

use candle_core::{bail, CpuStorage, CustomOp2, DType, Layout, Result, Shape, Tensor};

use super::conv::values;
use super::matrix::{row_blocks, Strided};

/// `a (m × k) · b (k × n)`, `a` contiguous and `b` a constant, both f32.
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
        let a = values(a, a_layout, "product's left operand")?;
        let CpuStorage::F32(b_values) = b else {
            bail!("the product's right operand must be f32");
        };
        let [row_stride, col_stride] = b_layout.stride() else {
            bail!("the product's right operand must be a matrix");
        };
        let b = Strided {
            values: &b_values[b_layout.start_offset()..],
            row_stride: *row_stride,
            col_stride: *col_stride,
        };
        let product = row_blocks(a, [m, n, k], b);
        Ok((CpuStorage::F32(product), Shape::from((m, n))))
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
        Ok((Some(product(gradient, &b.t()?)?), None))
    }
}

/// The matrix product `a · b`: by row blocks, with an input gradient only, when `b` is a
/// constant matrix and both are 2-D f32 on the CPU; candle's `matmul` otherwise.
pub(crate) fn product(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let f32_cpu = |t: &Tensor| t.dtype() == DType::F32 && t.device().is_cpu();
    if a.rank() == 2 && b.rank() == 2 && !b.track_op() && f32_cpu(a) && f32_cpu(b) {
        a.contiguous()?.apply_op2(b, ConstantProduct)
    } else {
        a.matmul(b)
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::model::test_tensors::{flat, tensor};

    /// The product of `x` with a transposed weight (as a linear layer reads it) and the input
    /// gradient of `sum(product ⊙ upstream)`, and whether the constant got a gradient.
    fn product_and_gradient(
        multiply: impl Fn(&Tensor, &Tensor) -> Result<Tensor>,
        x: &Tensor,
        b: &Tensor,
        upstream: &Tensor,
    ) -> (Vec<f32>, Vec<f32>, bool) {
        let x = Var::from_tensor(x).expect("a variable");
        let y = multiply(x.as_tensor(), b).expect("a product");
        let grads = (&y * upstream)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.backward())
            .expect("backward");
        let gradient = flat(grads.get(x.as_tensor()).expect("an input gradient"));
        (flat(&y), gradient, grads.get(b).is_some())
    }

    fn close(ours: &[f32], candles: &[f32]) -> bool {
        ours.len() == candles.len() && ours.iter().zip(candles).all(|(a, b)| (a - b).abs() <= 1e-4)
    }

    #[test]
    fn values_and_input_gradients_are_the_products_and_the_constant_gets_none() {
        let weight = tensor(&[5, 7], 3);
        let b = weight.t().expect("transposed");
        let (x, upstream) = (tensor(&[4, 7], 11), tensor(&[4, 5], 17));
        let (y, gradient, constant_gradient) = product_and_gradient(product, &x, &b, &upstream);
        let matmul = |a: &Tensor, b: &Tensor| a.matmul(b);
        let (candles, candles_gradient, candle_computes_the_constants) =
            product_and_gradient(matmul, &x, &b, &upstream);
        assert!(close(&y, &candles) && close(&gradient, &candles_gradient));
        assert!(candle_computes_the_constants && !constant_gradient);
    }

    #[test]
    fn a_rows_product_and_gradient_are_the_same_bits_alone_and_in_any_batch() {
        // The MLP's first layer: 256 rows of 784 inputs, 256 outputs.
        let (rows, inputs, outputs) = (256, 784, 256);
        let b = tensor(&[outputs, inputs], 5).t().expect("transposed");
        let (x, upstream) = (tensor(&[rows, inputs], 7), tensor(&[rows, outputs], 9));
        let whole = product_and_gradient(product, &x, &b, &upstream);
        for batch in [1, 7] {
            let (mut y, mut gradient) = (Vec::new(), Vec::new());
            for start in (0..rows).step_by(batch) {
                let len = batch.min(rows - start);
                let (x, upstream) = (
                    x.narrow(0, start, len).expect("rows"),
                    upstream.narrow(0, start, len).expect("rows"),
                );
                let (part, part_gradient, _) = product_and_gradient(product, &x, &b, &upstream);
                y.extend(part);
                gradient.extend(part_gradient);
            }
            assert!(y == whole.0, "products in batches of {batch} differ");
            assert!(
                gradient == whole.1,
                "gradients in batches of {batch} differ"
            );
        }
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
