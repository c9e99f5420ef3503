//! Dense `f32` matrix products on the CPU with the `gemm` crate (the one candle uses), and the
//! row-block product whose rows never depend on how many rows share a call.
//!
//! `gemm` chooses its code path and its blocking of the reduced dimension from the shapes of the
//! call: a single row takes a matrix-vector path, up to 64 rows another blocking than more, a few
//! small outputs a kernel of dot products. Called on a whole batch, a sample's logits then depend
//! on how many samples share the batch (in the last bits). [`row_blocks`] calls it on blocks of
//! exactly [`BLOCK_ROWS`] rows, the last one padded with zero rows, so every call has the same
//! parameters and every row is reduced in the same order whatever the batch.

use rayon::prelude::*;

/// Rows per `gemm` call of [`row_blocks`]: large enough for `gemm`'s blocked kernels to run at
/// full speed, small enough that padding a small batch costs little (measured in
/// `docs/performance.md`).
pub(crate) const BLOCK_ROWS: usize = 64;

/// A read-only matrix: its values and the distances between consecutive rows and columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct Strided<'a> {
    pub values: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Strided<'a> {
    /// A row-major matrix with `cols` columns.
    pub(super) fn row_major(values: &'a [f32], cols: usize) -> Self {
        Strided {
            values,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// Whether every element of a `rows × cols` matrix lies inside `values`.
    fn holds(&self, rows: usize, cols: usize) -> bool {
        rows == 0
            || cols == 0
            || (rows - 1) * self.row_stride + (cols - 1) * self.col_stride < self.values.len()
    }
}

/// `dst (m × n, row-major) = lhs (m × k) · rhs (k × n)`, or `dst += lhs · rhs` if `accumulate`;
/// one thread. Panics if a matrix does not fit its slice (a bug of the caller, never of input).
pub(super) fn multiply(
    dst: &mut [f32],
    lhs: Strided,
    rhs: Strided,
    [m, n, k]: [usize; 3],
    accumulate: bool,
) {
    assert!(dst.len() >= m * n, "the product's size");
    assert!(
        lhs.holds(m, k) && rhs.holds(k, n),
        "the operands' sizes and strides"
    );
    // SAFETY: the assertions above keep every element the strides reach inside its slice;
    // `dst` does not alias `lhs` or `rhs` (a `&mut` slice and two shared ones).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.values.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.values.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `a (m × k, row-major) · b (k × n)` as a row-major `m × n` matrix, computed on blocks of
/// [`BLOCK_ROWS`] rows (in parallel), the last block padded with zero rows: each row's values
/// are the same bits whichever rows share the call.
pub(super) fn row_blocks(a: &[f32], [m, n, k]: [usize; 3], b: Strided) -> Vec<f32> {
    assert!(a.len() == m * k, "the left operand's size");
    if n == 0 || k == 0 {
        return vec![0.0; m * n];
    }
    let mut product = vec![0f32; m.div_ceil(BLOCK_ROWS) * BLOCK_ROWS * n];
    product
        .par_chunks_mut(BLOCK_ROWS * n)
        .zip(a.par_chunks(BLOCK_ROWS * k))
        .for_each(|(dst, rows)| {
            with_padded(rows, BLOCK_ROWS * k, |rows| {
                let a = Strided::row_major(rows, k);
                multiply(dst, a, b, [BLOCK_ROWS, n, k], false);
            });
        });
    product.truncate(m * n);
    product
}

thread_local! {
    /// Each worker thread's padded block, kept between calls.
    static PADDED: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with `rows` if it holds `len` values, or with a copy of it padded with zeros to `len`.
fn with_padded(rows: &[f32], len: usize, f: impl FnOnce(&[f32])) {
    if rows.len() == len {
        return f(rows);
    }
    PADDED.with(|cell| {
        let mut padded = cell.borrow_mut();
        padded.clear();
        padded.extend_from_slice(rows);
        padded.resize(len, 0.0);
        f(&padded)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [-1, 1) that use every bit of the mantissa.
    fn values(count: usize, seed: u64) -> Vec<f32> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..count)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// The product of `a`'s rows taken `batch` at a time.
    fn in_batches(a: &[f32], [n, k]: [usize; 2], b: Strided, batch: usize) -> Vec<f32> {
        a.chunks(batch * k)
            .flat_map(|rows| row_blocks(rows, [rows.len() / k, n, k], b))
            .collect()
    }

    #[test]
    fn a_rows_product_is_the_same_bits_in_any_batch() {
        // The shapes of linear layers (k and n of an MLP, a CNN's head, a tiny output), with the
        // weights transposed as a linear layer reads them and row-major as ONNX `MatMul` does.
        for (k, n) in [
            (784, 256),
            (256, 128),
            (128, 10),
            (3136, 128),
            (4, 3),
            (30, 1),
        ] {
            let m = 256;
            let a = values(m * k, 1);
            let weights = values(k * n, 2);
            let transposed = Strided {
                values: &weights,
                row_stride: 1,
                col_stride: k,
            };
            for b in [transposed, Strided::row_major(&weights, n)] {
                let whole = row_blocks(&a, [m, n, k], b);
                for batch in [1, 7, 63, 65, 100] {
                    let batched = in_batches(&a, [n, k], b, batch);
                    assert!(
                        whole == batched,
                        "k = {k}, n = {n}: batches of {batch} differ"
                    );
                }
            }
        }
    }

    #[test]
    fn a_row_block_product_is_the_product() {
        let (m, n, k) = (70, 5, 9);
        let (a, b) = (values(m * k, 3), values(k * n, 4));
        let product = row_blocks(&a, [m, n, k], Strided::row_major(&b, n));
        for i in 0..m {
            for j in 0..n {
                let exact: f64 = (0..k)
                    .map(|l| f64::from(a[i * k + l]) * f64::from(b[l * n + j]))
                    .sum();
                assert!((f64::from(product[i * n + j]) - exact).abs() < 1e-5);
            }
        }
        assert!(row_blocks(&[], [0, n, k], Strided::row_major(&b, n)).is_empty());
    }
}
