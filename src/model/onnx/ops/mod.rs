//! The ONNX operators rbench runs, each an entry of the registry ([`super::registry`]): one
//! file per operator or family of operators sharing code, and [`OPERATORS`], the one list that
//! registers them.

pub(crate) mod activation;
pub(crate) mod arithmetic;
pub(crate) mod batch_norm;
pub(crate) mod constant;
pub(crate) mod conv;
pub(crate) mod elementwise;
pub(crate) mod layout;
pub(crate) mod linear;
pub(crate) mod pool;
pub(crate) mod reduce;
pub(crate) mod shapes;
pub(crate) mod slice_pad;
pub(crate) mod softmax;
pub(crate) mod window;

use super::registry::Operator;

/// Every operator entry; registering an operator is one line here.
pub(crate) static OPERATORS: &[&dyn Operator] = &[
    &activation::ActivationOperators,
    &arithmetic::ArithmeticOperators,
    &batch_norm::BatchNormOperator,
    &constant::ConstantOperator,
    &conv::ConvOperator,
    &elementwise::ElementwiseOperators,
    &layout::LayoutOperators,
    &linear::LinearOperators,
    &pool::PoolOperators,
    &reduce::ReduceOperators,
    &reduce::LayerNormOperator,
    &shapes::ShapeOperators,
    &softmax::SoftmaxOperators,
];

/// Normalises an ONNX axis (negative counts from the end) for a tensor of `rank`.
pub(crate) fn axis(axis: i64, rank: usize) -> candle_core::Result<usize> {
    let normalised = if axis < 0 { axis + rank as i64 } else { axis };
    usize::try_from(normalised)
        .ok()
        .filter(|&a| a < rank.max(1))
        .ok_or_else(|| {
            candle_core::Error::Msg(format!("axis {axis} is out of range for rank {rank}"))
        })
}
