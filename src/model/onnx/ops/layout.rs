//! Data layout: `Flatten`, `Reshape` (to a constant shape or one computed at run time, `0` and
//! `-1`, `allowzero`), `Transpose`, `Concat`, `Identity` and `Dropout` (the identity in
//! inference).

use candle_core::Tensor;

use super::axis;
use crate::model::network::ModelError;
use crate::model::onnx::decode;
use crate::model::onnx::infer::{
    self, concat, fail, input, int_attr, ints_attr, reshape, same_shape, transpose, Problem, Value,
};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{self, first, Compiled, Kernel, Node, Operator};

/// The registry entry of the layout operators.
pub(crate) struct LayoutOperators;

impl Operator for LayoutOperators {
    fn names(&self) -> &'static [&'static str] {
        &[
            "Flatten",
            "Reshape",
            "Transpose",
            "Concat",
            "Identity",
            "Dropout",
        ]
    }

    fn attributes(&self, op: &str) -> &'static [&'static str] {
        match op {
            "Flatten" | "Concat" => &["axis"],
            "Reshape" => &["allowzero"],
            "Transpose" => &["perm"],
            "Dropout" => &["ratio", "seed", "is_test"],
            _ => &[],
        }
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let attributes = &node.attributes;
        Ok(match node.op {
            "Flatten" => node.compiled_all(Flatten(attributes.int_or("axis", 1)?)),
            "Reshape" => {
                let allow_zero = attributes.flag("allowzero")?;
                match node.constant(1) {
                    Some(shape) => node.compiled(
                        Reshape {
                            shape: Some(attributes.integers(shape)?),
                            allow_zero,
                        },
                        1,
                    ),
                    None => node.compiled(
                        Reshape {
                            shape: None,
                            allow_zero,
                        },
                        2,
                    ),
                }
            }
            "Transpose" => {
                let perm = match attributes.ints("perm") {
                    None => None,
                    Some(perm) => Some(
                        perm.iter()
                            .map(|&p| usize::try_from(p))
                            .collect::<Result<Vec<usize>, _>>()
                            .map_err(|_| attributes.unsupported(format!("`perm` {perm:?}")))?,
                    ),
                };
                node.compiled_all(Transpose(perm))
            }
            "Concat" => node.compiled_all(Concat(
                attributes
                    .int("axis")?
                    .ok_or_else(|| attributes.unsupported("attribute `axis` is required"))?,
            )),
            "Dropout" => {
                node.only_first_output("mask")?;
                node.compiled(Identity, 1)
            }
            _ => node.compiled_all(Identity),
        })
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        let op = node.op_type.as_deref().unwrap_or_default();
        let x = input(inputs, 0)?;
        let value = match op {
            "Flatten" => {
                let at = infer::axis(int_attr(node, "axis", 1), x.shape.len() + 1)?;
                let (outer, inner) = x.shape.split_at(at);
                Value::shaped(vec![outer.iter().product(), inner.iter().product()])
            }
            // Row-major elements are unchanged.
            "Reshape" => Value {
                shape: reshape(node, &x.shape, input(inputs, 1)?)?,
                ints: x.ints.clone(),
            },
            "Concat" => {
                let parts: Vec<&Value> = inputs.iter().flatten().copied().collect();
                concat(int_attr(node, "axis", 0), &parts)?
            }
            "Transpose" => {
                let rank = x.shape.len() as i64;
                let perm: Vec<i64> = match ints_attr(node, "perm") {
                    Some(perm) => perm.to_vec(),
                    None => (0..rank).rev().collect(),
                };
                let mut sorted = perm.clone();
                sorted.sort_unstable();
                if sorted != (0..rank).collect::<Vec<_>>() {
                    return fail(format!("`perm` {perm:?} does not permute {rank} axes"));
                }
                let perm: Vec<usize> = perm.iter().map(|&p| p as usize).collect();
                transpose(x, &perm)
            }
            "Dropout" => return same_shape(inputs),
            _ => x.clone(),
        };
        Ok((value, 0))
    }
}

/// `Flatten` at an axis: `[outer, inner]`.
#[derive(Debug, Clone)]
pub(crate) struct Flatten(i64);

impl Kernel for Flatten {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let at = if self.0 < 0 {
            self.0 + x.rank() as i64
        } else {
            self.0
        };
        let at = usize::try_from(at)
            .ok()
            .filter(|&a| a <= x.rank())
            .ok_or_else(|| {
                candle_core::Error::Msg(format!("Flatten axis out of range for rank {}", x.rank()))
            })?;
        let dims = x.dims();
        x.reshape((
            dims[..at].iter().product::<usize>(),
            dims[at..].iter().product::<usize>(),
        ))
    }
}

/// `Reshape`: the target shape is a constant, or (`None`) the second input at run time.
#[derive(Debug, Clone)]
pub(crate) struct Reshape {
    shape: Option<Vec<i64>>,
    allow_zero: bool,
}

impl Kernel for Reshape {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let shape = match &self.shape {
            Some(shape) => shape.clone(),
            None => decode::integers(registry::input(inputs, 1)?)?,
        };
        x.reshape(reshaped(x.dims(), &shape, self.allow_zero)?)
    }
}

/// `Transpose` by a permutation (`None`: the axes reversed).
#[derive(Debug, Clone)]
pub(crate) struct Transpose(Option<Vec<usize>>);

impl Kernel for Transpose {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        let perm = self
            .0
            .clone()
            .unwrap_or_else(|| (0..x.rank()).rev().collect());
        x.permute(perm)?.contiguous()
    }
}

/// `Concat` of every input along an axis.
#[derive(Debug, Clone)]
pub(crate) struct Concat(pub i64);

impl Kernel for Concat {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        Tensor::cat(inputs, axis(self.0, x.rank())?)
    }
}

/// The input, unchanged.
#[derive(Debug, Clone)]
pub(crate) struct Identity;

impl Kernel for Identity {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        Ok(first(inputs)?.clone())
    }
}

/// The target of a `Reshape` of `dims` to `shape`: 0 copies the input dimension (unless
/// `allow_zero`), -1 takes what is left.
fn reshaped(dims: &[usize], shape: &[i64], allow_zero: bool) -> candle_core::Result<Vec<usize>> {
    let fail = || candle_core::Error::Msg(format!("cannot reshape {dims:?} to {shape:?}"));
    let mut target = Vec::with_capacity(shape.len());
    let mut inferred = None;
    for (i, &d) in shape.iter().enumerate() {
        target.push(match d {
            0 if !allow_zero => *dims.get(i).ok_or_else(fail)?,
            -1 if inferred.is_none() => {
                inferred = Some(i);
                1
            }
            d => usize::try_from(d).map_err(|_| fail())?,
        });
    }
    if let Some(i) = inferred {
        let known: usize = target.iter().product();
        let total: usize = dims.iter().product();
        if known == 0 || total % known != 0 {
            return Err(fail());
        }
        target[i] = total / known;
    }
    Ok(target)
}
