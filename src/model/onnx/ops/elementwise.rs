//! Element-wise operators beyond the basic arithmetic and activations: `Clip` (PyTorch's `ReLU6`
//! and `hardtanh`), `HardSigmoid` and `HardSwish` (MobileNetV3), `Gelu` (opset 20) and `Erf`
//! (older GELU exports), `Elu`, the unary functions of a decomposed layer norm (`Pow` by a
//! constant, `Sqrt`, `Reciprocal`) and `Max`/`Min` of two inputs. Each is written with candle
//! operations whose backward passes are exact.

use candle_core::Tensor;

use crate::model::network::ModelError;
use crate::model::onnx::attributes::Attributes;
use crate::model::onnx::infer::{elementwise, input, same_shape, Problem, Value};
use crate::model::onnx::proto::NodeProto;
use crate::model::onnx::registry::{self, first, Compiled, Context, Kernel, Node, Operator};
use crate::model::run;

/// The registry entry of the element-wise operators.
pub(crate) struct ElementwiseOperators;

impl Operator for ElementwiseOperators {
    fn names(&self) -> &'static [&'static str] {
        &[
            "Exp",
            "Log",
            "Neg",
            "Abs",
            "Sqrt",
            "Reciprocal",
            "Erf",
            "HardSwish",
            "Pow",
            "Max",
            "Min",
            "Gelu",
            "Elu",
            "HardSigmoid",
            "Clip",
        ]
    }

    fn attributes(&self, op: &str) -> &'static [&'static str] {
        match op {
            "Gelu" => &["approximate"],
            "Elu" => &["alpha"],
            "HardSigmoid" => &["alpha", "beta"],
            "Clip" => &["min", "max"],
            _ => &[],
        }
    }

    fn compile<'a>(&self, node: &Node<'a, '_>) -> Result<Compiled<'a>, ModelError> {
        let (op, count) = compile(node.op, &node.attributes, &node.inputs, node.context)?;
        Ok(node.compiled(op, count))
    }

    fn infer(&self, node: &NodeProto, inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
        match node.op_type.as_deref().unwrap_or_default() {
            op @ ("Pow" | "Max" | "Min") => {
                Ok((elementwise(op, input(inputs, 0)?, input(inputs, 1)?)?, 0))
            }
            _ => same_shape(inputs),
        }
    }
}

/// A compiled element-wise operator.
#[derive(Debug, Clone)]
pub(crate) enum Elementwise {
    Exp,
    Log,
    Neg,
    Abs,
    Sqrt,
    Reciprocal,
    Erf,
    /// `Gelu` with `approximate` `none` (exact, with erf) or `tanh`.
    Gelu {
        tanh: bool,
    },
    Elu(f64),
    /// `max(0, min(1, alpha·x + beta))`.
    HardSigmoid {
        alpha: f64,
        beta: f64,
    },
    /// `x · HardSigmoid(x)` with `alpha` 1/6 and `beta` 1/2.
    HardSwish,
    /// `Clip` to constant bounds (absent: unbounded on that side).
    Clip {
        min: Option<f64>,
        max: Option<f64>,
    },
    /// `Pow` by a constant scalar exponent.
    Pow(f64),
    /// `Max` or `Min` of two inputs, broadcast.
    Extremum {
        max: bool,
    },
}

/// Compiles the element-wise operator `op` whose inputs are `inputs`. Returns the operator and
/// how many leading inputs it reads at run time.
fn compile(
    op: &str,
    attributes: &Attributes,
    inputs: &[&str],
    context: &dyn Context,
) -> Result<(Elementwise, usize), ModelError> {
    // A constant scalar input (the bounds of `Clip`, the exponent of `Pow`).
    let scalar = |index: usize, what: &str| -> Result<Option<f64>, ModelError> {
        let Some(name) = inputs.get(index).filter(|name| !name.is_empty()) else {
            return Ok(None);
        };
        let value = context
            .constant(name)
            .ok_or_else(|| attributes.unsupported(format!("its {what} must be a constant")))?;
        let values = value
            .to_dtype(candle_core::DType::F64)
            .and_then(|v| v.flatten_all())
            .and_then(|v| v.to_vec1::<f64>())
            .map_err(|e| attributes.unsupported(run::message(&e)))?;
        match values.as_slice() {
            [value] => Ok(Some(*value)),
            _ => Err(attributes.unsupported(format!("its {what} is not one number"))),
        }
    };
    let compiled = match op {
        "Exp" => Elementwise::Exp,
        "Log" => Elementwise::Log,
        "Neg" => Elementwise::Neg,
        "Abs" => Elementwise::Abs,
        "Sqrt" => Elementwise::Sqrt,
        "Reciprocal" => Elementwise::Reciprocal,
        "Erf" => Elementwise::Erf,
        "HardSwish" => Elementwise::HardSwish,
        "Gelu" => match attributes.string("approximate").as_deref() {
            None | Some("none") => Elementwise::Gelu { tanh: false },
            Some("tanh") => Elementwise::Gelu { tanh: true },
            Some(other) => return Err(attributes.unsupported(format!("`approximate` {other}"))),
        },
        "Elu" => Elementwise::Elu(f64::from(attributes.float_or("alpha", 1.0)?)),
        "HardSigmoid" => Elementwise::HardSigmoid {
            alpha: f64::from(attributes.float_or("alpha", 0.2)?),
            beta: f64::from(attributes.float_or("beta", 0.5)?),
        },
        "Clip" => {
            // Bounds are attributes before opset 11, optional inputs since.
            let bound = |name: &str, index: usize| match attributes.has(name) {
                true => attributes.float_or(name, 0.0).map(|v| Some(f64::from(v))),
                false => scalar(index, &format!("{name} bound")),
            };
            Elementwise::Clip {
                min: bound("min", 1)?,
                max: bound("max", 2)?,
            }
        }
        "Pow" => Elementwise::Pow(
            scalar(1, "exponent")?.ok_or_else(|| attributes.unsupported("it has no exponent"))?,
        ),
        "Max" | "Min" => {
            if inputs.iter().filter(|name| !name.is_empty()).count() != 2 {
                return Err(attributes.unsupported("rbench takes it with two inputs"));
            }
            return Ok((Elementwise::Extremum { max: op == "Max" }, 2));
        }
        _ => return Err(attributes.unsupported("it is not an element-wise operator")),
    };
    Ok((compiled, 1))
}

impl Kernel for Elementwise {
    fn eval(&self, inputs: &[&Tensor]) -> candle_core::Result<Tensor> {
        let x = first(inputs)?;
        match self {
            Elementwise::Exp => x.exp(),
            Elementwise::Log => x.log(),
            Elementwise::Neg => x.neg(),
            Elementwise::Abs => x.abs(),
            Elementwise::Sqrt => x.sqrt(),
            Elementwise::Reciprocal => x.recip(),
            Elementwise::Erf => x.erf(),
            Elementwise::Gelu { tanh: false } => x.gelu_erf(),
            Elementwise::Gelu { tanh: true } => x.gelu(),
            Elementwise::Elu(alpha) => x.elu(*alpha),
            Elementwise::HardSigmoid { alpha, beta } => hard_sigmoid(x, *alpha, *beta),
            Elementwise::HardSwish => x.mul(&hard_sigmoid(x, 1.0 / 6.0, 0.5)?),
            Elementwise::Clip { min, max } => {
                let low = match min {
                    Some(min) => x.maximum(*min)?,
                    None => x.clone(),
                };
                match max {
                    Some(max) => low.minimum(*max),
                    None => Ok(low),
                }
            }
            Elementwise::Pow(exponent) => pow(x, *exponent),
            Elementwise::Extremum { max } => {
                let y = registry::input(inputs, 1)?;
                match max {
                    true => x.broadcast_maximum(y),
                    false => x.broadcast_minimum(y),
                }
            }
        }
    }
}

/// `max(0, min(1, alpha·x + beta))` (ONNX `HardSigmoid`).
fn hard_sigmoid(x: &Tensor, alpha: f64, beta: f64) -> candle_core::Result<Tensor> {
    x.affine(alpha, beta)?.maximum(0.0)?.minimum(1.0)
}

/// `x` to a constant power: small integer powers by multiplication (defined for negative `x`,
/// as ONNX `Pow` is), others as `exp(e·ln x)`.
fn pow(x: &Tensor, exponent: f64) -> candle_core::Result<Tensor> {
    if exponent == 0.5 {
        return x.sqrt();
    }
    if exponent.fract() == 0.0 && (1.0..=4.0).contains(&exponent.abs()) {
        let mut power = x.clone();
        for _ in 1..exponent.abs() as usize {
            power = power.mul(x)?;
        }
        return match exponent < 0.0 {
            true => power.recip(),
            false => Ok(power),
        };
    }
    x.powf(exponent)
}
