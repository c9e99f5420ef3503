//! Reference computations for the model tests: plain loops in `f64` over row-major tensors,
//! written from the ONNX operator definitions and PyTorch's layer documentation.

/// A row-major tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct T {
    pub dims: Vec<usize>,
    pub data: Vec<f64>,
}

impl T {
    pub fn new(dims: &[usize], data: Vec<f64>) -> T {
        assert_eq!(dims.iter().product::<usize>(), data.len(), "dims {dims:?}");
        T {
            dims: dims.to_vec(),
            data,
        }
    }

    pub fn from_f32(dims: &[usize], data: &[f32]) -> T {
        T::new(dims, data.iter().map(|&v| f64::from(v)).collect())
    }

    fn dims4(&self) -> (usize, usize, usize, usize) {
        match *self.dims.as_slice() {
            [n, c, h, w] => (n, c, h, w),
            _ => panic!("not 4-D: {:?}", self.dims),
        }
    }

    fn at4(&self, n: usize, c: usize, h: usize, w: usize) -> f64 {
        let (_, cs, hs, ws) = self.dims4();
        self.data[((n * cs + c) * hs + h) * ws + w]
    }

    pub fn map(&self, f: impl Fn(f64) -> f64) -> T {
        T::new(&self.dims, self.data.iter().map(|&v| f(v)).collect())
    }

    pub fn reshape(&self, dims: &[usize]) -> T {
        T::new(dims, self.data.clone())
    }
}

pub fn relu(x: &T) -> T {
    x.map(|v| v.max(0.0))
}

pub fn add(a: &T, b: &T) -> T {
    assert_eq!(a.dims, b.dims);
    T::new(
        &a.dims,
        a.data.iter().zip(&b.data).map(|(x, y)| x + y).collect(),
    )
}

/// `x · wᵀ + b` for `x` `[n, k]` and `w` `[m, k]` (PyTorch's `nn.Linear`, ONNX `Gemm` with
/// `transB`).
pub fn linear(x: &T, w: &[f64], b: &[f64]) -> T {
    let (n, k) = (x.dims[0], x.dims[1]);
    let m = b.len();
    assert_eq!(w.len(), m * k);
    let mut out = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            let mut sum = b[j];
            for l in 0..k {
                sum += x.data[i * k + l] * w[j * k + l];
            }
            out[i * m + j] = sum;
        }
    }
    T::new(&[n, m], out)
}

/// A 2-D convolution; `pads` are `[top, left, bottom, right]`.
pub fn conv2d(x: &T, w: &T, b: Option<&[f64]>, stride: usize, pads: [usize; 4]) -> T {
    let (n, c, h, wd) = x.dims4();
    let (o, ci, kh, kw) = w.dims4();
    assert_eq!(c, ci);
    let oh = (h + pads[0] + pads[2] - kh) / stride + 1;
    let ow = (wd + pads[1] + pads[3] - kw) / stride + 1;
    let mut out = Vec::with_capacity(n * o * oh * ow);
    for s in 0..n {
        for f in 0..o {
            for y in 0..oh {
                for xx in 0..ow {
                    let mut sum = b.map_or(0.0, |b| b[f]);
                    for ch in 0..c {
                        for i in 0..kh {
                            for j in 0..kw {
                                let (r, q) = (
                                    (y * stride + i) as isize - pads[0] as isize,
                                    (xx * stride + j) as isize - pads[1] as isize,
                                );
                                if r >= 0 && q >= 0 && (r as usize) < h && (q as usize) < wd {
                                    sum +=
                                        x.at4(s, ch, r as usize, q as usize) * w.at4(f, ch, i, j);
                                }
                            }
                        }
                    }
                    out.push(sum);
                }
            }
        }
    }
    T::new(&[n, o, oh, ow], out)
}

/// How a pool reduces its window.
#[derive(Debug, Clone, Copy)]
pub enum Pool {
    Max,
    Average { count_include_pad: bool },
}

/// Output length of a pool along one axis (ONNX, with `ceil_mode`).
fn pooled(len: usize, k: usize, s: usize, begin: usize, end: usize, ceil: bool) -> usize {
    let span = len + begin + end - k;
    let out = if ceil {
        span.div_ceil(s) + 1
    } else {
        span / s + 1
    };
    if ceil && (out - 1) * s >= len + begin {
        out - 1
    } else {
        out
    }
}

/// 2-D pooling; `pads` are `[top, left, bottom, right]`.
pub fn pool(x: &T, k: [usize; 2], s: [usize; 2], pads: [usize; 4], ceil: bool, kind: Pool) -> T {
    let (n, c, h, w) = x.dims4();
    let oh = pooled(h, k[0], s[0], pads[0], pads[2], ceil);
    let ow = pooled(w, k[1], s[1], pads[1], pads[3], ceil);
    let mut out = Vec::new();
    for b in 0..n {
        for ch in 0..c {
            for y in 0..oh {
                for xx in 0..ow {
                    let (mut max, mut sum, mut inside, mut padded) = (f64::NEG_INFINITY, 0.0, 0, 0);
                    for i in 0..k[0] {
                        for j in 0..k[1] {
                            let r = (y * s[0] + i) as isize - pads[0] as isize;
                            let q = (xx * s[1] + j) as isize - pads[1] as isize;
                            let in_pads = r < (h + pads[2]) as isize && q < (w + pads[3]) as isize;
                            if r >= 0 && q >= 0 && (r as usize) < h && (q as usize) < w {
                                let v = x.at4(b, ch, r as usize, q as usize);
                                max = max.max(v);
                                sum += v;
                                inside += 1;
                            }
                            if in_pads {
                                padded += 1;
                            }
                        }
                    }
                    out.push(match kind {
                        Pool::Max => max,
                        Pool::Average {
                            count_include_pad: true,
                        } => sum / padded as f64,
                        Pool::Average {
                            count_include_pad: false,
                        } => sum / inside as f64,
                    });
                }
            }
        }
    }
    T::new(&[n, c, oh, ow], out)
}

/// Inference-mode batch normalization over axis 1.
pub fn batch_norm(x: &T, gamma: &[f64], beta: &[f64], mean: &[f64], var: &[f64], eps: f64) -> T {
    let (n, c, h, w) = x.dims4();
    let mut out = x.data.clone();
    for b in 0..n {
        for ch in 0..c {
            for i in 0..h * w {
                let at = (b * c + ch) * h * w + i;
                out[at] = (x.data[at] - mean[ch]) / (var[ch] + eps).sqrt() * gamma[ch] + beta[ch];
            }
        }
    }
    T::new(&x.dims, out)
}

/// Mean over the spatial axes: `[n, c, h, w]` to `[n, c]`.
pub fn global_average(x: &T) -> T {
    let (n, c, h, w) = x.dims4();
    let data = x
        .data
        .chunks(h * w)
        .map(|plane| plane.iter().sum::<f64>() / (h * w) as f64)
        .collect();
    T::new(&[n, c], data)
}

/// Permutes the axes of `x`: output axis `i` is input axis `perm[i]`.
pub fn transpose(x: &T, perm: &[usize]) -> T {
    let dims: Vec<usize> = perm.iter().map(|&p| x.dims[p]).collect();
    let strides: Vec<usize> = (0..x.dims.len())
        .map(|i| x.dims[i + 1..].iter().product())
        .collect();
    let mut out = Vec::with_capacity(x.data.len());
    let mut index = vec![0; dims.len()];
    for _ in 0..x.data.len() {
        let source: usize = index.iter().zip(perm).map(|(&i, &p)| i * strides[p]).sum();
        out.push(x.data[source]);
        for axis in (0..dims.len()).rev() {
            index[axis] += 1;
            if index[axis] < dims[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    T::new(&dims, out)
}

/// Concatenates `[n, a]` and `[n, b]` along axis 1.
pub fn concat_columns(a: &T, b: &T) -> T {
    let n = a.dims[0];
    let (ca, cb) = (a.dims[1], b.dims[1]);
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(&a.data[i * ca..(i + 1) * ca]);
        out.extend_from_slice(&b.data[i * cb..(i + 1) * cb]);
    }
    T::new(&[n, ca + cb], out)
}
