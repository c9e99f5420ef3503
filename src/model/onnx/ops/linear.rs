//! Linear layers: `Gemm` and `MatMul` (NumPy's `matmul`, batch dimensions broadcast). Their
//! matrix products with a constant weight run `model::product` (an input-gradient-only backward
//! pass); they are the multiply-accumulates the FLOP estimate counts, with `Conv`'s.

use candle_core::{Tensor, D};

use crate::model::network::ModelError;
use crate::model::onnx::infer::{broadcast, fail, input, int_attr, product, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{self, first, Compiled, Kernel, Node, Operator};
use crate::model::product::product as matrix_product;

/// The registry entry of `Gemm` and `MatMul`.
pub(crate) struct LinearOperators;

impl Operator for LinearOperators {
    fn names(&self) -> &'static [&'static str] {
        &["Gemm", "MatMul"]
    }

    fn attributes(&self, op: &str) -> &'static [&'static str] {
        match op {
            "Gemm" => &["alpha", "beta", "transA", "transB", "broadcast"],
            _ => &[],
        }
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        if node.op == "MatMul" {
            return Ok(node.compiled_all(MatMul));
        }
        let attributes = &node.attributes;
        if attributes.int_or("broadcast", 1)? != 1 {
            return Err(attributes.unsupported("attribute `broadcast` 0"));
        }
        let gemm = Gemm {
            alpha: f64::from(attributes.float_or("alpha", 1.0)?),
            beta: f64::from(attributes.float_or("beta", 1.0)?),
            trans_a: attributes.flag("transA")?,
            trans_b: attributes.flag("transB")?,
        };
        Ok(node.compiled(gemm, 3))
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        let (a, b) = (&input(inputs, 0)?.shape, &input(inputs, 1)?.shape);
        match node.op_type.as_deref() {
            Some("Gemm") => gemm(node, a, b),
            _ => matmul(a, b),
        }
    }
}

/// `alpha · A' × B' + beta · C`, `A'` and `B'` transposed or not.
#[derive(Debug, Clone)]
pub(crate) struct Gemm {
    alpha: f64,
    beta: f64,
    trans_a: bool,
    trans_b: bool,
}

impl Kernel for Gemm {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let a = if self.trans_a { x.t()? } else { x.clone() };
        let b = registry::input(inputs, 1)?;
        let b = if self.trans_b { b.t()? } else { b.clone() };
        let mut y = matrix_product(&a, &b)?;
        if self.alpha != 1.0 {
            y = y.affine(self.alpha, 0.0)?;
        }
        match inputs.get(2) {
            Some(c) if self.beta != 0.0 => y.broadcast_add(&c.affine(self.beta, 0.0)?),
            _ => Ok(y),
        }
    }
}

/// NumPy's `matmul`.
#[derive(Debug, Clone)]
pub(crate) struct MatMul;

impl Kernel for MatMul {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        matmul_tensors(first(inputs)?, registry::input(inputs, 1)?)
    }
}

/// Numpy-style matrix product: 1-D operands are promoted, batch dimensions broadcast.
fn matmul_tensors(a: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    match (a.rank(), b.rank()) {
        (1, 1) => a.unsqueeze(0)?.matmul(&b.unsqueeze(1)?)?.reshape(()),
        (1, _) => matmul_tensors(&a.unsqueeze(0)?, b)?.squeeze(D::Minus2),
        (_, 1) => matmul_tensors(a, &b.unsqueeze(1)?)?.squeeze(D::Minus1),
        (2, 2) => matrix_product(a, b),
        (a_rank, b_rank)
            if a_rank.min(b_rank) >= 2 && b.dims()[..b_rank - 2].iter().all(|&d| d == 1) =>
        {
            shared_matrix_product(a, b)
        }
        _ => a.broadcast_matmul(b),
    }
}

/// `a (… × m × k) · b (1 × … × 1 × k × n)`: one matrix for every batch of `a` (a transformer's
/// linear layers), as one product of `a`'s rows by `b`. candle's `broadcast_matmul` stacks the
/// rows as well, but into one `gemm` call whose blocking depends on how many rows there are.
fn shared_matrix_product(a: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let (k, n) = (b.dim(D::Minus2)?, b.dim(D::Minus1)?);
    let rows = a.flatten_to(a.rank() - 2)?;
    let leading = vec![1; b.rank().saturating_sub(a.rank())];
    let shape = [&leading[..], &a.dims()[..a.rank() - 1], &[n][..]].concat();
    matrix_product(&rows, &b.reshape((k, n))?)?.reshape(shape)
}

/// `Gemm`: `[M, K] × [K, N]`, either side transposed by `transA`/`transB`.
fn gemm(node: &NodeProto, a: &[usize], b: &[usize]) -> Result<(Value, u64), Problem> {
    let (&[a0, a1], &[b0, b1]) = (a, b) else {
        return fail(format!(
            "it multiplies matrices; its inputs are {a:?} and {b:?}"
        ));
    };
    let (m, k) = if int_attr(node, "transA", 0) != 0 {
        (a1, a0)
    } else {
        (a0, a1)
    };
    let (kb, n) = if int_attr(node, "transB", 0) != 0 {
        (b1, b0)
    } else {
        (b0, b1)
    };
    if k != kb {
        return fail(format!("it multiplies [{m}, {k}] by [{kb}, {n}]"));
    }
    Ok((Value::shaped(vec![m, n]), product(&[m, k, n])))
}

/// `MatMul` as NumPy's `matmul`: vectors promoted to matrices, batch dimensions broadcast.
fn matmul(a: &[usize], b: &[usize]) -> Result<(Value, u64), Problem> {
    if a.is_empty() || b.is_empty() {
        return fail("it does not multiply scalars");
    }
    let a2 = if a.len() == 1 {
        vec![1, a[0]]
    } else {
        a.to_vec()
    };
    let b2 = if b.len() == 1 {
        vec![b[0], 1]
    } else {
        b.to_vec()
    };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (kb, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != kb {
        return fail(format!("it multiplies {a:?} by {b:?}"));
    }
    let batch = broadcast(&a2[..a2.len() - 2], &b2[..b2.len() - 2])?;
    let macs = product(&batch).saturating_mul(product(&[m, k, n]));
    let mut shape = batch;
    shape.extend((a.len() > 1).then_some(m));
    shape.extend((b.len() > 1).then_some(n));
    Ok((Value::shaped(shape), macs))
}
