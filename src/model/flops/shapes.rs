//! Shapes through the operators that do no counted work: element-wise arithmetic, reshaping,
//! joining, indexing and constants. Small integer tensors (shapes, axes, indices) keep their
//! elements, so that a `Reshape` to a shape computed from `Shape` still has a known target.

use crate::model::onnx::proto::{data_type, NodeProto, TensorProto};

use super::onnx::{attribute, int_attr};

/// The largest integer tensor whose elements are kept (shapes, axes and indices are small).
const MAX_KEPT_INTS: usize = 64;

/// A value's shape, and its elements when it is a small integer tensor (shapes, axes, indices)
/// whose elements are known before running.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tensor {
    pub shape: Vec<usize>,
    pub ints: Option<Vec<i64>>,
}

impl Tensor {
    pub fn shaped(shape: Vec<usize>) -> Tensor {
        Tensor { shape, ints: None }
    }

    pub fn ints(shape: Vec<usize>, ints: Vec<i64>) -> Tensor {
        Tensor {
            shape,
            ints: Some(ints),
        }
    }
}

/// Why one node could not be followed, before it is named.
pub(super) enum Problem {
    Unsupported,
    Shape(String),
}

/// `Err(Problem::Shape(..))` from a message.
pub(super) fn fail<T>(problem: impl Into<String>) -> Result<T, Problem> {
    Err(Problem::Shape(problem.into()))
}

/// Two inputs broadcast together; integer elements computed when both are known.
pub(super) fn elementwise(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor, Problem> {
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
    Ok(Tensor { shape, ints })
}

/// The NumPy broadcast of two shapes.
pub(super) fn broadcast(a: &[usize], b: &[usize]) -> Result<Vec<usize>, Problem> {
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
pub(super) fn reshape(
    node: &NodeProto,
    x: &[usize],
    target: &Tensor,
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
pub(super) fn concat(axis_attr: i64, parts: &[&Tensor]) -> Result<Tensor, Problem> {
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
    Ok(Tensor {
        shape,
        ints: ints.filter(|_| first.shape.len() == 1),
    })
}

/// `Gather` along `axis`; elements picked when data and indices are known vectors.
pub(super) fn gather(node: &NodeProto, data: &Tensor, indices: &Tensor) -> Result<Tensor, Problem> {
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
    Ok(Tensor { shape, ints })
}

/// `Unsqueeze` (inserts axes of size 1) or `Squeeze` (removes them; all of them without
/// `axes`); elements are kept.
pub(super) fn squeeze(insert: bool, x: &Tensor, axes: Option<Vec<i64>>) -> Result<Tensor, Problem> {
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
    Ok(Tensor {
        shape,
        ints: x.ints.clone(),
    })
}

/// `Slice` of `x` from `starts` to `ends` along `axes` (all from the first, when absent) by
/// `steps` (1 when absent); known integer elements are selected.
pub(super) fn slice(
    x: &Tensor,
    starts: &[i64],
    ends: &[i64],
    axes: Option<Vec<i64>>,
    steps: Option<Vec<i64>>,
) -> Result<Tensor, Problem> {
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
    Ok(Tensor { shape, ints })
}

/// `Transpose` of `x` by `perm` (output axis `i` is input axis `perm[i]`); elements permuted.
pub(super) fn transpose(x: &Tensor, perm: &[usize]) -> Tensor {
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
    Tensor { shape, ints }
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
pub(super) fn reduce(
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

/// A `Constant` node's value.
pub(super) fn constant_node(node: &NodeProto) -> Result<Tensor, Problem> {
    let attribute = |name| attribute(node, name);
    if let Some(tensor) = attribute("value").and_then(|a| a.t.as_ref()) {
        Ok(constant(tensor))
    } else if let Some(i) = attribute("value_int").and_then(|a| a.i) {
        Ok(Tensor::ints(vec![], vec![i]))
    } else if let Some(a) = attribute("value_ints") {
        Ok(Tensor::ints(vec![a.ints.len()], a.ints.clone()))
    } else if attribute("value_float").is_some() {
        Ok(Tensor::shaped(vec![]))
    } else if let Some(a) = attribute("value_floats") {
        Ok(Tensor::shaped(vec![a.floats.len()]))
    } else {
        fail("its value is not a tensor, an integer or a float")
    }
}

/// An initializer or constant tensor: its shape, and its elements when a small integer one.
pub(super) fn constant(tensor: &TensorProto) -> Tensor {
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
    Tensor {
        shape,
        ints: ints.filter(|ints| ints.len() == count),
    }
}

/// An axis in `0..rank`, counting negative ones from the end.
pub(super) fn axis(axis: i64, rank: usize) -> Result<usize, Problem> {
    let resolved = if axis < 0 { axis + rank as i64 } else { axis };
    match usize::try_from(resolved) {
        Ok(a) if a < rank => Ok(a),
        _ => fail(format!("axis {axis} is out of range for rank {rank}")),
    }
}

pub(super) fn product(dims: &[usize]) -> u64 {
    dims.iter().fold(1u64, |p, &d| p.saturating_mul(d as u64))
}

pub(super) fn non_negative(name: &str, values: &[i64]) -> Result<Vec<usize>, Problem> {
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

    fn shape_of(result: Result<Tensor, Problem>) -> Tensor {
        match result {
            Ok(tensor) => tensor,
            Err(Problem::Shape(problem)) => panic!("{problem}"),
            Err(Problem::Unsupported) => panic!("unsupported"),
        }
    }

    #[test]
    fn slices_keep_the_elements_of_known_vectors() {
        let dims = Tensor::ints(vec![4], vec![8, 3, 32, 32]);
        let tail = shape_of(slice(&dims, &[-2], &[i64::MAX], None, None));
        assert_eq!(tail, Tensor::ints(vec![2], vec![32, 32]));
        let reversed = shape_of(slice(
            &dims,
            &[-1],
            &[i64::MIN],
            Some(vec![0]),
            Some(vec![-2]),
        ));
        assert_eq!(reversed, Tensor::ints(vec![2], vec![32, 3]));
        let x = Tensor::shaped(vec![2, 10, 5]);
        let every_third = shape_of(slice(&x, &[1], &[10], Some(vec![1]), Some(vec![3])));
        assert_eq!(every_third, Tensor::shaped(vec![2, 3, 5]));
        assert!(slice(&x, &[0], &[1, 2], None, None).is_err());
        // PyTorch's pads of `F.pad`: [[0, 0], [0, 0], [1, 1], [2, 2]] reversed row-wise, then
        // transposed and flattened into ONNX's [begins..., ends...].
        let pairs = Tensor::ints(vec![4, 2], vec![0, 0, 0, 0, 1, 1, 2, 2]);
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
