//! The values of shape inference, which the registry's operators follow before anything runs
//! (the FLOP estimate): a value's shape, and the elements of small integer tensors (shapes,
//! axes, indices), so that a `Reshape` to a shape computed from `Shape` still has a known
//! target. Also the rules several operators share: broadcasting, reshaping, joining, indexing,
//! slicing, transposing, reducing and constants.

use super::proto::{data_type, AttributeProto, NodeProto, TensorProto};

/// The largest integer tensor whose elements are kept (shapes, axes and indices are small).
const MAX_KEPT_INTS: usize = 64;

/// A value's shape, and its elements when it is a small integer tensor (shapes, axes, indices)
/// whose elements are known before running.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    pub shape: Vec<usize>,
    pub ints: Option<Vec<i64>>,
}

impl Value {
    /// A value whose elements are not known.
    pub fn shaped(shape: Vec<usize>) -> Value {
        Value { shape, ints: None }
    }

    /// An integer value whose elements are known.
    pub fn ints(shape: Vec<usize>, ints: Vec<i64>) -> Value {
        Value {
            shape,
            ints: Some(ints),
        }
    }
}

/// Why one node could not be followed, before it is named.
pub(crate) enum Problem {
    /// An operator rbench has no entry for.
    Unsupported,
    /// A known operator whose inputs or attributes give no output shape.
    Shape(String),
}

/// `Err(Problem::Shape(..))` from a message.
pub(crate) fn fail<T>(problem: impl Into<String>) -> Result<T, Problem> {
    Err(Problem::Shape(problem.into()))
}

/// Two inputs broadcast together; integer elements computed when both are known.
pub(crate) fn elementwise(op: &str, a: &Value, b: &Value) -> Result<Value, Problem> {
    let shape = broadcast(&a.shape, &b.shape)?;
    let ints = match (&a.ints, &b.ints) {
        (Some(x), Some(y)) if x.len() == y.len() || x.len() == 1 || y.len() == 1 => {
            let len = x.len().max(y.len());
            let at = |v: &[i64], i: usize| v[if v.len() == 1 { 0 } else { i }];
            (0..len)
                .map(|i| {
                    let (p, q) = (at(x, i), at(y, i));
                    match op {
                        "Add" => p.checked_add(q),
                        "Sub" => p.checked_sub(q),
                        "Mul" => p.checked_mul(q),
                        "Div" => p.checked_div(q),
                        _ => None,
                    }
                })
                .collect()
        }
        _ => None,
    };
    Ok(Value { shape, ints })
}

/// The NumPy broadcast of two shapes.
pub(crate) fn broadcast(a: &[usize], b: &[usize]) -> Result<Vec<usize>, Problem> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| match i.checked_sub(rank - s.len()) {
        Some(j) => s[j],
        None => 1,
    };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            _ => fail(format!("shapes {a:?} and {b:?} do not broadcast")),
        })
        .collect()
}

/// `Reshape` to a target known before running: `0` copies a dimension (unless `allowzero`),
/// `-1` takes what is left.
pub(crate) fn reshape(
    node: &NodeProto,
    x: &[usize],
    target: &Value,
) -> Result<Vec<usize>, Problem> {
    let Some(target) = &target.ints else {
        return fail("its target shape is computed at run time");
    };
    let allow_zero = int_attr(node, "allowzero", 0) != 0;
    let mut shape = Vec::with_capacity(target.len());
    let mut inferred = None;
    for (i, &t) in target.iter().enumerate() {
        shape.push(match t {
            -1 if inferred.is_none() => {
                inferred = Some(i);
                1
            }
            0 if !allow_zero => match x.get(i) {
                Some(&d) => d,
                None => return fail(format!("its target {target:?} copies a missing axis")),
            },
            t if t >= 0 => t as usize,
            _ => return fail(format!("its target {target:?} is not a shape")),
        });
    }
    let total = product(x);
    if let Some(i) = inferred {
        let known = product(&shape);
        if known == 0 || total % known != 0 {
            return fail(format!("{total} values do not reshape to {target:?}"));
        }
        shape[i] = (total / known) as usize;
    }
    if product(&shape) != total {
        return fail(format!("{x:?} does not reshape to {shape:?}"));
    }
    Ok(shape)
}

/// `Concat` along `axis`; integer elements joined when all are known.
pub(crate) fn concat(axis_attr: i64, parts: &[&Value]) -> Result<Value, Problem> {
    let Some(first) = parts.first() else {
        return fail("it has no inputs");
    };
    let axis = axis(axis_attr, first.shape.len())?;
    let mut shape = first.shape.clone();
    shape[axis] = 0;
    for part in parts {
        let same = part.shape.len() == shape.len()
            && (0..shape.len()).all(|i| i == axis || part.shape[i] == shape[i]);
        if !same {
            return fail(format!("{:?} does not join {:?}", part.shape, first.shape));
        }
        shape[axis] += part.shape[axis];
    }
    let ints: Option<Vec<i64>> = parts
        .iter()
        .map(|p| p.ints.clone())
        .collect::<Option<Vec<_>>>()
        .map(|all| all.concat());
    Ok(Value {
        shape,
        ints: ints.filter(|_| first.shape.len() == 1),
    })
}

/// `Gather` along `axis`; elements picked when data and indices are known vectors.
pub(crate) fn gather(node: &NodeProto, data: &Value, indices: &Value) -> Result<Value, Problem> {
    let axis = axis(int_attr(node, "axis", 0), data.shape.len())?;
    let shape: Vec<usize> = data.shape[..axis]
        .iter()
        .chain(&indices.shape)
        .chain(&data.shape[axis + 1..])
        .copied()
        .collect();
    let ints = match (&data.ints, &indices.ints) {
        (Some(values), Some(picks)) if data.shape.len() == 1 => picks
            .iter()
            .map(|&i| {
                let i = if i < 0 { i + values.len() as i64 } else { i };
                usize::try_from(i).ok().and_then(|i| values.get(i).copied())
            })
            .collect(),
        _ => None,
    };
    Ok(Value { shape, ints })
}

/// `Unsqueeze` (inserts axes of size 1) or `Squeeze` (removes them; all of them without
/// `axes`); elements are kept.
pub(crate) fn squeeze(insert: bool, x: &Value, axes: Option<Vec<i64>>) -> Result<Value, Problem> {
    let mut shape = x.shape.clone();
    if insert {
        let Some(axes) = axes else {
            return fail("it has no `axes`");
        };
        let rank = shape.len() + axes.len();
        let mut positions = axes
            .iter()
            .map(|&a| axis(a, rank))
            .collect::<Result<Vec<_>, _>>()?;
        positions.sort_unstable();
        for p in positions {
            shape.insert(p.min(shape.len()), 1);
        }
    } else {
        let rank = shape.len();
        let remove: Vec<usize> = match axes {
            Some(axes) => axes
                .iter()
                .map(|&a| axis(a, rank))
                .collect::<Result<_, _>>()?,
            None => (0..rank).filter(|&i| shape[i] == 1).collect(),
        };
        if remove.iter().any(|&i| shape[i] != 1) {
            return fail(format!(
                "it cannot remove an axis of {:?} larger than 1",
                shape
            ));
        }
        shape = (0..rank)
            .filter(|i| !remove.contains(i))
            .map(|i| shape[i])
            .collect();
    }
    Ok(Value {
        shape,
        ints: x.ints.clone(),
    })
}

/// `Slice` of `x` from `starts` to `ends` along `axes` (all from the first, when absent) by
/// `steps` (1 when absent); known integer elements are selected.
pub(crate) fn slice(
    x: &Value,
    starts: &[i64],
    ends: &[i64],
    axes: Option<Vec<i64>>,
    steps: Option<Vec<i64>>,
) -> Result<Value, Problem> {
    let axes = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
    if [ends.len(), axes.len(), steps.len()] != [starts.len(); 3] || steps.contains(&0) {
        return fail(format!(
            "starts {starts:?}, ends {ends:?}, axes {axes:?} and steps {steps:?} do not describe \
             a slice"
        ));
    }
    let mut shape = x.shape.clone();
    // The indices kept along each axis.
    let mut kept_along: Vec<Vec<usize>> = shape.iter().map(|&d| (0..d).collect()).collect();
    for i in 0..starts.len() {
        let at = axis(axes[i], shape.len())?;
        let size = shape[at] as i64;
        let resolve = |v: i64| if v < 0 { v + size } else { v };
        let step = steps[i];
        let (low, high) = if step > 0 { (0, size) } else { (-1, size - 1) };
        let (start, end) = (
            resolve(starts[i]).clamp(low, high),
            resolve(ends[i]).clamp(low, high),
        );
        let kept: Vec<i64> = match step > 0 {
            true => (start..end).step_by(step as usize).collect(),
            false => (end + 1..=start)
                .rev()
                .step_by(step.unsigned_abs() as usize)
                .collect(),
        };
        shape[at] = kept.len();
        kept_along[at] = kept.iter().map(|&k| k as usize).collect();
    }
    let ints = x.ints.as_ref().map(|values| {
        let strides = strides(&x.shape);
        positions(&shape)
            .map(|position| {
                let offset: usize = (0..shape.len())
                    .map(|a| kept_along[a][position[a]] * strides[a])
                    .sum();
                values[offset]
            })
            .collect()
    });
    Ok(Value { shape, ints })
}

/// `Transpose` of `x` by `perm` (output axis `i` is input axis `perm[i]`); elements permuted.
pub(crate) fn transpose(x: &Value, perm: &[usize]) -> Value {
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let ints = x.ints.as_ref().map(|values| {
        let strides = strides(&x.shape);
        positions(&shape)
            .map(|position| {
                let offset: usize = (0..shape.len())
                    .map(|a| position[a] * strides[perm[a]])
                    .sum();
                values[offset]
            })
            .collect()
    });
    Value { shape, ints }
}

/// The row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        strides[a] = strides[a + 1] * shape[a + 1];
    }
    strides
}

/// Every multi-index of `shape`, in row-major order.
fn positions(shape: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    let count = shape.iter().product::<usize>();
    (0..count).map(move |mut flat| {
        let mut position = vec![0; shape.len()];
        for a in (0..shape.len()).rev() {
            position[a] = flat % shape[a];
            flat /= shape[a];
        }
        position
    })
}

/// The shape of a reduction (`ReduceMean`, `ReduceSum`) of `x` over `axes` (every axis when
/// empty, unless `noop_with_empty_axes`), keeping them as 1 with `keep_dims`.
pub(crate) fn reduce(
    x: &[usize],
    axes: &[i64],
    keep_dims: bool,
    noop_with_empty_axes: bool,
) -> Result<Vec<usize>, Problem> {
    if axes.is_empty() && noop_with_empty_axes {
        return Ok(x.to_vec());
    }
    let reduced: Vec<usize> = match axes {
        [] => (0..x.len()).collect(),
        axes => axes
            .iter()
            .map(|&a| axis(a, x.len()))
            .collect::<Result<_, _>>()?,
    };
    Ok(x.iter()
        .enumerate()
        .filter_map(|(i, &d)| match reduced.contains(&i) {
            true => keep_dims.then_some(1),
            false => Some(d),
        })
        .collect())
}

/// Input `i` of a node, which must be known.
pub(crate) fn input<'v>(inputs: &[Option<&'v Value>], i: usize) -> Result<&'v Value, Problem> {
    match inputs.get(i).copied().flatten() {
        Some(value) => Ok(value),
        None => fail(format!("it lacks input {i}")),
    }
}

/// The output of an operator whose output has the shape of its first input (elements unknown),
/// and that does no counted work.
pub(crate) fn same_shape(inputs: &[Option<&Value>]) -> Result<(Value, u64), Problem> {
    Ok((Value::shaped(input(inputs, 0)?.shape.clone()), 0))
}

/// The attribute `name` of `node`.
pub(crate) fn attribute<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    node.attribute
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
}

/// The integer attribute `name`, `default` when absent.
pub(crate) fn int_attr(node: &NodeProto, name: &str, default: i64) -> i64 {
    attribute(node, name).and_then(|a| a.i).unwrap_or(default)
}

/// The integer list attribute `name`.
pub(crate) fn ints_attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n [i64]> {
    attribute(node, name).map(|a| a.ints.as_slice())
}

/// The string attribute `name`.
pub(crate) fn str_attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n str> {
    let bytes = attribute(node, name)?.s.as_deref()?;
    std::str::from_utf8(bytes).ok()
}

/// A list of integers given by attribute `name` (older opsets) or else by input `index`;
/// `None` when neither is there.
pub(crate) fn ints_or_input(
    node: &NodeProto,
    inputs: &[Option<&Value>],
    name: &str,
    index: usize,
) -> Result<Option<Vec<i64>>, Problem> {
    match ints_attr(node, name) {
        Some(values) => Ok(Some(values.to_vec())),
        None => match inputs.get(index).copied().flatten() {
            None => Ok(None),
            Some(value) => match &value.ints {
                Some(ints) => Ok(Some(ints.clone())),
                None => fail(format!("its {name} are computed at run time")),
            },
        },
    }
}

/// A `Constant` node's value.
pub(crate) fn constant_node(node: &NodeProto) -> Result<Value, Problem> {
    let attribute = |name| attribute(node, name);
    if let Some(tensor) = attribute("value").and_then(|a| a.t.as_ref()) {
        Ok(constant(tensor))
    } else if let Some(i) = attribute("value_int").and_then(|a| a.i) {
        Ok(Value::ints(vec![], vec![i]))
    } else if let Some(a) = attribute("value_ints") {
        Ok(Value::ints(vec![a.ints.len()], a.ints.clone()))
    } else if attribute("value_float").is_some() {
        Ok(Value::shaped(vec![]))
    } else if let Some(a) = attribute("value_floats") {
        Ok(Value::shaped(vec![a.floats.len()]))
    } else {
        fail("its value is not a tensor, an integer or a float")
    }
}

/// An initializer or constant tensor: its shape, and its elements when a small integer one.
pub(crate) fn constant(tensor: &TensorProto) -> Value {
    let shape: Vec<usize> = tensor
        .dims
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(0))
        .collect();
    let count = product(&shape) as usize;
    let raw = tensor.raw_data.as_deref().unwrap_or_default();
    let ints: Option<Vec<i64>> = match tensor.data_type {
        _ if count > MAX_KEPT_INTS => None,
        Some(data_type::INT64) if !tensor.int64_data.is_empty() => Some(tensor.int64_data.clone()),
        Some(data_type::INT64) => raw
            .chunks_exact(8)
            .map(|b| b.try_into().ok().map(i64::from_le_bytes))
            .collect(),
        Some(data_type::INT32) if !tensor.int32_data.is_empty() => {
            Some(tensor.int32_data.iter().map(|&i| i64::from(i)).collect())
        }
        Some(data_type::INT32) => raw
            .chunks_exact(4)
            .map(|b| b.try_into().ok().map(|b| i64::from(i32::from_le_bytes(b))))
            .collect(),
        _ => None,
    };
    Value {
        shape,
        ints: ints.filter(|ints| ints.len() == count),
    }
}

/// An axis in `0..rank`, counting negative ones from the end.
pub(crate) fn axis(axis: i64, rank: usize) -> Result<usize, Problem> {
    let resolved = if axis < 0 { axis + rank as i64 } else { axis };
    match usize::try_from(resolved) {
        Ok(a) if a < rank => Ok(a),
        _ => fail(format!("axis {axis} is out of range for rank {rank}")),
    }
}

pub(crate) fn product(dims: &[usize]) -> u64 {
    dims.iter().fold(1u64, |p, &d| p.saturating_mul(d as u64))
}

pub(crate) fn non_negative(name: &str, values: &[i64]) -> Result<Vec<usize>, Problem> {
    values
        .iter()
        .map(|&v| match usize::try_from(v) {
            Ok(v) => Ok(v),
            Err(_) => fail(format!("`{name}` {values:?} has a negative value")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_of(result: Result<Value, Problem>) -> Value {
        match result {
            Ok(tensor) => tensor,
            Err(Problem::Shape(problem)) => panic!("{problem}"),
            Err(Problem::Unsupported) => panic!("unsupported"),
        }
    }

    #[test]
    fn slices_keep_the_elements_of_known_vectors() {
        let dims = Value::ints(vec![4], vec![8, 3, 32, 32]);
        let tail = shape_of(slice(&dims, &[-2], &[i64::MAX], None, None));
        assert_eq!(tail, Value::ints(vec![2], vec![32, 32]));
        let reversed = shape_of(slice(
            &dims,
            &[-1],
            &[i64::MIN],
            Some(vec![0]),
            Some(vec![-2]),
        ));
        assert_eq!(reversed, Value::ints(vec![2], vec![32, 3]));
        let x = Value::shaped(vec![2, 10, 5]);
        let every_third = shape_of(slice(&x, &[1], &[10], Some(vec![1]), Some(vec![3])));
        assert_eq!(every_third, Value::shaped(vec![2, 3, 5]));
        assert!(slice(&x, &[0], &[1, 2], None, None).is_err());
        // PyTorch's pads of `F.pad`: [[0, 0], [0, 0], [1, 1], [2, 2]] reversed row-wise, then
        // transposed and flattened into ONNX's [begins..., ends...].
        let pairs = Value::ints(vec![4, 2], vec![0, 0, 0, 0, 1, 1, 2, 2]);
        let reversed = shape_of(slice(
            &pairs,
            &[-1],
            &[i64::MIN],
            Some(vec![0]),
            Some(vec![-1]),
        ));
        assert_eq!(reversed.ints, Some(vec![2, 2, 1, 1, 0, 0, 0, 0]));
        let onnx = transpose(&reversed, &[1, 0]);
        assert_eq!(onnx.shape, [2, 4]);
        assert_eq!(onnx.ints, Some(vec![2, 1, 0, 0, 2, 1, 0, 0]));
    }

    #[test]
    fn reductions_keep_or_drop_their_axes() {
        let ok = |result: Result<Vec<usize>, Problem>| match result {
            Ok(shape) => shape,
            Err(_) => panic!("a reduction"),
        };
        assert_eq!(ok(reduce(&[2, 8, 4, 4], &[-1, -2], false, false)), [2, 8]);
        assert_eq!(
            ok(reduce(&[2, 8, 4, 4], &[2, 3], true, false)),
            [2, 8, 1, 1]
        );
        assert_eq!(ok(reduce(&[2, 8], &[], true, false)), [1, 1]);
        assert_eq!(ok(reduce(&[2, 8], &[], false, true)), [2, 8]);
    }
}
