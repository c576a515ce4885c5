//! Sliding windows over feature maps: the loops that convolution and pooling share, for one
//! row (one example) at a time. A one-dimensional layer is the two-dimensional case with a
//! height of 1 (`conv1` and `pool1` run these with `h = kh = 1`).
//!
//! Layout: channel after channel, each map row-major: `x[(c * h + y) * w + x]`; the output
//! likewise, `out[(o * ho + i) * wo + j]`. Filters in PyTorch's order `(out, in, kh, kw)`.
//! Every sum runs over channels, then kernel rows, then kernel columns, in increasing order:
//! plain scalar code, the same bits on every target.

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

impl Geometry {
    /// Input index read by output position `(i, j)` at tap `(a, b)` of channel `c`, if
    /// inside the map (outside it reads 0).
    #[inline(always)]
    fn at(&self, c: usize, i: usize, j: usize, a: usize, b: usize) -> Option<usize> {
        let y = (i * self.sh + a * self.dh).checked_sub(self.top)?;
        let x = (j * self.sw + b * self.dw).checked_sub(self.left)?;
        (y < self.h && x < self.w).then_some((c * self.h + y) * self.w + x)
    }

    /// Index of filter `o`'s weight for channel `c`, tap `(a, b)`.
    #[inline(always)]
    fn tap(&self, o: usize, c: usize, a: usize, b: usize) -> usize {
        ((o * self.c + c) * self.kh + a) * self.kw + b
    }

    /// `pre[o, i, j] = b[o] + sum_c sum_a sum_b w[o, c, a, b] x[c, at(i, j, a, b)]`.
    pub fn conv_forward(&self, x: &[f32], w: &[f32], bias: &[f32], pre: &mut [f32]) {
        for (o, &bo) in bias.iter().enumerate().take(self.f) {
            for i in 0..self.ho {
                for j in 0..self.wo {
                    let mut s = 0.0f32;
                    for c in 0..self.c {
                        for a in 0..self.kh {
                            for b in 0..self.kw {
                                if let Some(p) = self.at(c, i, j, a, b) {
                                    s += w[self.tap(o, c, a, b)] * x[p];
                                }
                            }
                        }
                    }
                    pre[(o * self.ho + i) * self.wo + j] = bo + s;
                }
            }
        }
    }

    /// Given `d = d pre` of one example: `gw[o, c, a, b] += sum_ij d[o, i, j] x[c, at(i, j,
    /// a, b)]`, `gb[o] += sum_ij d[o, i, j]`, and, unless `dx` is empty, `dx[c, at(i, j, a,
    /// b)] += sum_o d[o, i, j] w[o, c, a, b]`.
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
                        let mut s = 0.0f32;
                        for (ij, &g) in d_o.iter().enumerate() {
                            if let Some(p) = self.at(c, ij / self.wo, ij % self.wo, a, b) {
                                s += g * x[p];
                            }
                        }
                        gw[self.tap(o, c, a, b)] += s;
                    }
                }
            }
        }
        if dx.is_empty() {
            return;
        }
        for o in 0..self.f {
            for (ij, &g) in d[o * n..(o + 1) * n].iter().enumerate() {
                for c in 0..self.c {
                    for a in 0..self.kh {
                        for b in 0..self.kw {
                            if let Some(p) = self.at(c, ij / self.wo, ij % self.wo, a, b) {
                                dx[p] += g * w[self.tap(o, c, a, b)];
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
