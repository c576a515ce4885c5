//! Sliding windows over feature maps: the loops that convolution and pooling share, for one
//! row (one example) at a time. A one-dimensional layer is the two-dimensional case with a
//! height of 1 (`conv1` and `pool1` run these with `h = kh = 1`).
//!
//! Layout: channel after channel, each map row-major: `x[(c * h + y) * w + x]`; the output
//! likewise, `out[(o * ho + i) * wo + j]`. Filters in PyTorch's order `(out, in, kh, kw)`.
//! Every sum runs over channels, then kernel rows, then kernel columns, in increasing order:
//! plain scalar code, the same bits on every target.

use super::activation::Activation;
use super::buffers::{LayerBuf, ParamKind, Tensor};

/// A convolution's tensor `i`: 0 the filters (`w`, `rows` filters in PyTorch's order, their
/// taps `kernel`), 1 the biases (`b`).
pub(crate) fn filters_and_bias<'a>(
    w: &'a [f32],
    b: &'a [f32],
    i: usize,
    layer0: usize,
    kernel: [usize; 2],
) -> Option<Tensor<'a>> {
    let (kind, rows, data) = match i {
        0 => (ParamKind::Filter { kernel }, b.len(), w),
        1 => (ParamKind::Bias, 1, b),
        _ => return None,
    };
    Some(Tensor {
        layer: layer0,
        kind,
        rows,
        cols: data.len() / rows,
        data,
    })
}

/// The geometry of a convolution or a pooling over one example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Input channels, height, width.
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Output channels (filters; for pooling, `c`).
    pub f: usize,
    /// Kernel (or pooling window) height and width.
    pub kh: usize,
    pub kw: usize,
    /// Strides.
    pub sh: usize,
    pub sw: usize,
    /// Dilations.
    pub dh: usize,
    pub dw: usize,
    /// Padding before the signal: rows above, columns to the left.
    pub top: usize,
    pub left: usize,
    /// Output height and width.
    pub ho: usize,
    pub wo: usize,
}

/// The output length of a convolution along one axis: `floor((n + pad - d (k - 1) - 1) / s)
/// + 1` with `pad` 0 (`valid`) or `k - 1` (`same`); 0 when the kernel does not fit.
pub const fn conv_len(n: usize, k: usize, stride: usize, dil: usize, same: bool) -> usize {
    let pad = if same { k - 1 } else { 0 };
    let span = dil * (k - 1) + 1;
    if stride == 0 || k == 0 || n + pad < span {
        0
    } else {
        (n + pad - span) / stride + 1
    }
}

/// Padding before the signal for `same` (`floor((k - 1) / 2)`, PyTorch's), else 0.
pub const fn pad_before(k: usize, same: bool) -> usize {
    if same { (k - 1) / 2 } else { 0 }
}

/// The output positions `j` in `0..n_out` whose input `j stride + tap - pad` lies in `0..n_in`
/// (`tap` the kernel offset `k d`): a range, since the input position grows with `j`.
#[inline(always)]
fn span(n_in: usize, n_out: usize, stride: usize, tap: usize, pad: usize) -> (usize, usize) {
    // j stride + tap >= pad  and  j stride + tap < n_in + pad
    let first = pad.saturating_sub(tap).div_ceil(stride);
    let end = if n_in + pad > tap {
        (n_in + pad - tap).div_ceil(stride).min(n_out)
    } else {
        0
    };
    (first, end.max(first))
}

impl Geometry {
    /// Index of filter `o`'s weight for channel `c`, tap `(a, b)`.
    #[inline(always)]
    fn tap(&self, o: usize, c: usize, a: usize, b: usize) -> usize {
        ((o * self.c + c) * self.kh + a) * self.kw + b
    }

    /// For tap `(a, b)`: the output rows `i0..i1` and columns `j0..j1` it reaches inside the
    /// map (outside them it reads the padding's zeros).
    #[inline(always)]
    fn reach(&self, a: usize, b: usize) -> [(usize, usize); 2] {
        [
            span(self.h, self.ho, self.sh, a * self.dh, self.top),
            span(self.w, self.wo, self.sw, b * self.dw, self.left),
        ]
    }

    /// The input index output `(i, j)` reads at tap `(a, b)` of channel `c` (inside its
    /// [`reach`](Self::reach)).
    #[inline(always)]
    fn at(&self, c: usize, a: usize, b: usize, i: usize, j: usize) -> usize {
        let y = i * self.sh + a * self.dh - self.top;
        let x = j * self.sw + b * self.dw - self.left;
        (c * self.h + y) * self.w + x
    }

    /// The convolution as a matrix: the index of the weight that connects input `a` (an
    /// index of the input row) to output `u` (an index of the output row), or `None` where
    /// `u`'s kernel does not reach `a`. What the exact Jacobian (`contractive`) runs on.
    pub fn weight_index(&self, a: usize, u: usize) -> Option<usize> {
        let (c, y, x) = (a / (self.h * self.w), a / self.w % self.h, a % self.w);
        let (o, i, j) = (u / (self.ho * self.wo), u / self.wo % self.ho, u % self.wo);
        // the tap (ka, kb) with i sh + ka dh - top = y and j sw + kb dw - left = x
        let tap = |pos: usize, out: usize, stride: usize, dil: usize, pad: usize, k: usize| {
            let t = (pos + pad).checked_sub(out * stride)?;
            (t % dil == 0 && t / dil < k).then_some(t / dil)
        };
        let ka = tap(y, i, self.sh, self.dh, self.top, self.kh)?;
        let kb = tap(x, j, self.sw, self.dw, self.left, self.kw)?;
        Some(self.tap(o, c, ka, kb))
    }

    /// `pre[o, i, j] = b[o] + sum_c sum_a sum_b w[o, c, a, b] x[c, (i, j) at (a, b)]`, each
    /// output's sum in the order `c`, `a`, `b` (taps outside the map add nothing). The taps are
    /// the outer loops and the outputs the inner one, so the lanes of a vector span outputs.
    pub fn conv_forward(&self, x: &[f32], w: &[f32], bias: &[f32], pre: &mut [f32]) {
        let n = self.ho * self.wo;
        for (o, &bo) in bias.iter().enumerate().take(self.f) {
            let out = &mut pre[o * n..(o + 1) * n];
            out.fill(0.0);
            for c in 0..self.c {
                for a in 0..self.kh {
                    for b in 0..self.kw {
                        let wk = w[self.tap(o, c, a, b)];
                        let [(i0, i1), (j0, j1)] = self.reach(a, b);
                        let at = |i, j| self.at(c, a, b, i, j);
                        for i in i0..i1 {
                            let row = &mut out[i * self.wo + j0..i * self.wo + j1];
                            if self.sw == 1 {
                                let p = at(i, j0);
                                for (s, &v) in row.iter_mut().zip(&x[p..p + (j1 - j0)]) {
                                    *s += wk * v;
                                }
                            } else {
                                for (j, s) in (j0..j1).zip(row.iter_mut()) {
                                    *s += wk * x[at(i, j)];
                                }
                            }
                        }
                    }
                }
            }
            // `b + sum` (an IEEE addition commutes: the same bits as `sum + b`)
            for s in out.iter_mut() {
                *s += bo;
            }
        }
    }

    /// Given `d = d pre` of one example: `gw[o, c, a, b] += sum_ij d[o, i, j] x[c, (i, j) at
    /// (a, b)]` (over `i`, then `j`), `gb[o] += sum_ij d[o, i, j]`, and, unless `dx` is
    /// empty, `dx[c, (i, j) at (a, b)] += d[o, i, j] w[o, c, a, b]`, taps in the order `o`,
    /// `c`, `a`, `b` and outputs inner.
    pub fn conv_backward(
        &self,
        x: &[f32],
        d: &[f32],
        w: &[f32],
        gw: &mut [f32],
        gb: &mut [f32],
        dx: &mut [f32],
    ) {
        let n = self.ho * self.wo;
        for o in 0..self.f {
            let d_o = &d[o * n..(o + 1) * n];
            gb[o] += d_o.iter().sum::<f32>();
            for c in 0..self.c {
                for a in 0..self.kh {
                    for b in 0..self.kw {
                        let [(i0, i1), (j0, j1)] = self.reach(a, b);
                        let at = |i, j| self.at(c, a, b, i, j);
                        let mut s = 0.0f32;
                        for i in i0..i1 {
                            for j in j0..j1 {
                                s += d_o[i * self.wo + j] * x[at(i, j)];
                            }
                        }
                        gw[self.tap(o, c, a, b)] += s;
                        if dx.is_empty() {
                            continue;
                        }
                        let wk = w[self.tap(o, c, a, b)];
                        for i in i0..i1 {
                            for j in j0..j1 {
                                dx[at(i, j)] += d_o[i * self.wo + j] * wk;
                            }
                        }
                    }
                }
            }
        }
    }

    /// The input index of the first maximum (in scan order: rows, then columns) of the
    /// pooling window of output `(c, i, j)`.
    fn first_max(&self, x: &[f32], c: usize, i: usize, j: usize) -> usize {
        let mut best = (c * self.h + i * self.sh) * self.w + j * self.sw;
        for a in 0..self.kh {
            for b in 0..self.kw {
                let p = (c * self.h + i * self.sh + a) * self.w + j * self.sw + b;
                if x[p] > x[best] {
                    best = p;
                }
            }
        }
        best
    }

    /// Max (`max`) or mean pooling of one example: `pre[c, i, j]` over the window at `(i sh,
    /// j sw)` of `kh x kw` (a whole window always: the output size drops a partial one).
    pub fn pool_forward(&self, x: &[f32], max: bool, pre: &mut [f32]) {
        let area = (self.kh * self.kw) as f32;
        for c in 0..self.c {
            for i in 0..self.ho {
                for j in 0..self.wo {
                    pre[(c * self.ho + i) * self.wo + j] = if max {
                        x[self.first_max(x, c, i, j)]
                    } else {
                        let mut s = 0.0f32;
                        for a in 0..self.kh {
                            let row = (c * self.h + i * self.sh + a) * self.w + j * self.sw;
                            s += x[row..row + self.kw].iter().sum::<f32>();
                        }
                        s / area
                    };
                }
            }
        }
    }

    /// Pooling's input gradient: max sends `d` to the window's first maximum, mean spreads
    /// `d / area` over the window.
    pub fn pool_backward(&self, x: &[f32], max: bool, d: &[f32], dx: &mut [f32]) {
        let area = (self.kh * self.kw) as f32;
        for c in 0..self.c {
            for i in 0..self.ho {
                for j in 0..self.wo {
                    let g = d[(c * self.ho + i) * self.wo + j];
                    if max {
                        dx[self.first_max(x, c, i, j)] += g;
                    } else {
                        for a in 0..self.kh {
                            let row = (c * self.h + i * self.sh + a) * self.w + j * self.sw;
                            for v in &mut dx[row..row + self.kw] {
                                *v += g / area;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a convolution or a pooling layer does to its buffers, row by row: the layer files
/// state their geometry and parameters, these run them.
impl Geometry {
    /// Input values of one row.
    fn row_len(&self) -> usize {
        self.c * self.h * self.w
    }

    /// A convolution layer's forward pass of `rows` rows of `x` into `bufs`, then `act`.
    pub fn conv_layer_forward<const B: usize, const O: usize>(
        &self,
        (w, bias): (&[f32], &[f32]),
        act: Activation,
        x: &[f32],
        rows: usize,
        bufs: &mut LayerBuf<B, O>,
    ) {
        bufs.rows = rows;
        for (xr, pre) in x
            .chunks_exact(self.row_len())
            .zip(bufs.pre.iter_mut())
            .take(rows)
        {
            self.conv_forward(xr, w, bias, pre);
        }
        bufs.activate(act);
    }

    /// Its backward pass: `d_pre` through `act`, then [`conv_backward`](Self::conv_backward)
    /// row by row (`dx` empty for the network's first layer: no input gradient).
    pub fn conv_layer_backward<const B: usize, const O: usize>(
        &self,
        w: &[f32],
        (gw, gb): (&mut [f32], &mut [f32]),
        act: Activation,
        x: &[f32],
        bufs: &mut LayerBuf<B, O>,
        dx: &mut [f32],
    ) {
        let (rows, n) = (bufs.rows, self.row_len());
        bufs.backward_activation(act);
        for (r, (xr, d)) in x.chunks_exact(n).zip(&bufs.d_pre).take(rows).enumerate() {
            let dxr = dx.get_mut(r * n..(r + 1) * n).unwrap_or_default();
            self.conv_backward(xr, d, w, gw, gb, dxr);
        }
    }

    /// A pooling layer's forward pass (max, or mean) of `rows` rows into `bufs`, then `act`.
    pub fn pool_layer_forward<const B: usize, const O: usize>(
        &self,
        max: bool,
        act: Activation,
        x: &[f32],
        rows: usize,
        bufs: &mut LayerBuf<B, O>,
    ) {
        bufs.rows = rows;
        for (xr, pre) in x
            .chunks_exact(self.row_len())
            .zip(bufs.pre.iter_mut())
            .take(rows)
        {
            self.pool_forward(xr, max, pre);
        }
        bufs.activate(act);
    }

    /// Its backward pass: `d_pre` through `act`, then the input's gradient (none for the
    /// network's first layer: `dx` empty). No parameters.
    pub fn pool_layer_backward<const B: usize, const O: usize>(
        &self,
        max: bool,
        act: Activation,
        x: &[f32],
        bufs: &mut LayerBuf<B, O>,
        dx: &mut [f32],
    ) {
        let (rows, n) = (bufs.rows, self.row_len());
        bufs.backward_activation(act);
        let rows_of = x
            .chunks_exact(n)
            .zip(&bufs.d_pre)
            .zip(dx.chunks_exact_mut(n));
        for ((xr, d), dxr) in rows_of.take(rows) {
            self.pool_backward(xr, max, d, dxr);
        }
    }
}
