//! The hot loops, over plain row-major slices. They know nothing of layers or training.
//!
//! Determinism: every reduction has one fixed order, the same on every target, so a SIMD
//! build gives the same bits as a scalar one. Sums along a contiguous row (`dot`) use four
//! interleaved partial sums (element `k` goes to partial `k % 4`), combined as
//! `(s0 + s1) + (s2 + s3)`, then the tail in order: exactly what one 4-lane SIMD
//! accumulator does. Every other loop is elementwise (`y[j] += a * x[j]` with the sum over
//! the outer index in increasing order), which SIMD reproduces lane by lane.
//! No fused multiply-add is used anywhere.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;

/// `sum_k a[k] * b[k]` in the fixed order described in the module docs.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd::dot(a, b);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    return dot_scalar(a, b);
}

/// [`dot`] with plain scalar arithmetic: the reference the SIMD path must match bit for bit.
#[inline]
pub fn dot_scalar(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let body = n - n % 4;
    let mut s = [0.0f32; 4];
    let mut k = 0;
    while k < body {
        s[0] += a[k] * b[k];
        s[1] += a[k + 1] * b[k + 1];
        s[2] += a[k + 2] * b[k + 2];
        s[3] += a[k + 3] * b[k + 3];
        k += 4;
    }
    let mut total = (s[0] + s[1]) + (s[2] + s[3]);
    while k < n {
        total += a[k] * b[k];
        k += 1;
    }
    total
}

/// `y[j] += a * x[j]` for every `j`.
#[inline]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd::axpy(a, x, y);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    return axpy_scalar(a, x, y);
}

/// [`axpy`] with plain scalar arithmetic.
#[inline]
pub fn axpy_scalar(a: f32, x: &[f32], y: &mut [f32]) {
    for (yj, &xj) in y.iter_mut().zip(x) {
        *yj += a * xj;
    }
}

/// `out[r, o] = b[o] + sum_i x[r, i] w[i, o]` for `rows` rows.
/// `x` is rows x nin, `w` is nin x nout, `out` is rows x nout (row-major).
pub fn affine(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    out: &mut [f32],
    rows: usize,
    nin: usize,
    nout: usize,
) {
    for r in 0..rows {
        let orow = &mut out[r * nout..(r + 1) * nout];
        orow.copy_from_slice(&b[..nout]);
        let xrow = &x[r * nin..(r + 1) * nin];
        for (i, &xi) in xrow.iter().enumerate() {
            axpy(xi, &w[i * nout..(i + 1) * nout], orow);
        }
    }
}

/// `out[r, i] = b[i] + sum_h x[r, h] w[i, h]`: the affine map through `w` transposed.
/// `x` is rows x nh, `w` is ni x nh, `out` is rows x ni.
pub fn affine_t(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    out: &mut [f32],
    rows: usize,
    nh: usize,
    ni: usize,
) {
    for r in 0..rows {
        let xrow = &x[r * nh..(r + 1) * nh];
        for i in 0..ni {
            out[r * ni + i] = b[i] + dot(xrow, &w[i * nh..(i + 1) * nh]);
        }
    }
}

/// `dw[i, o] += sum_r x[r, i] d[r, o]` (rows in increasing order). `dw` is nin x nout.
pub fn acc_outer(x: &[f32], d: &[f32], dw: &mut [f32], rows: usize, nin: usize, nout: usize) {
    for r in 0..rows {
        let drow = &d[r * nout..(r + 1) * nout];
        for i in 0..nin {
            let xi = x[r * nin + i];
            if xi != 0.0 {
                axpy(xi, drow, &mut dw[i * nout..(i + 1) * nout]);
            }
        }
    }
}

/// `db[o] += sum_r d[r, o]`.
pub fn acc_rows(d: &[f32], db: &mut [f32], rows: usize, n: usize) {
    for r in 0..rows {
        axpy(1.0, &d[r * n..(r + 1) * n], &mut db[..n]);
    }
}

/// `dx[r, i] += sum_o w[i, o] d[r, o]`: backward of [`affine`] to its input.
pub fn back_affine(w: &[f32], d: &[f32], dx: &mut [f32], rows: usize, nin: usize, nout: usize) {
    for r in 0..rows {
        let drow = &d[r * nout..(r + 1) * nout];
        for i in 0..nin {
            dx[r * nin + i] += dot(&w[i * nout..(i + 1) * nout], drow);
        }
    }
}

/// `dx[r, h] += sum_i d[r, i] w[i, h]`: backward of [`affine_t`] to its input.
pub fn back_affine_t(w: &[f32], d: &[f32], dx: &mut [f32], rows: usize, nh: usize, ni: usize) {
    for r in 0..rows {
        let dxrow = &mut dx[r * nh..(r + 1) * nh];
        for i in 0..ni {
            let di = d[r * ni + i];
            if di != 0.0 {
                axpy(di, &w[i * nh..(i + 1) * nh], dxrow);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_order_is_the_documented_one() {
        let a = [1.0e8f32, 1.0, -1.0e8, 1.0, 3.0, 0.5];
        let b = [1.0f32; 6];
        // partials: s0 = 1e8 (+3 lost? no: 4 lanes only for the first 4), s1 = 1, s2 = -1e8, s3 = 1
        let expected = ((1.0e8f32 + 1.0) + (-1.0e8f32 + 1.0)) + 3.0 + 0.5;
        assert_eq!(dot(&a, &b).to_bits(), expected.to_bits());
    }

    #[test]
    fn affine_and_its_backward_agree_with_nalgebra() {
        use nalgebra::{DMatrix, DVector};
        let (rows, nin, nout) = (3, 5, 4);
        let x: [f32; 15] = core::array::from_fn(|k| ((k * 7 % 11) as f32 - 5.0) * 0.1);
        let w: [f32; 20] = core::array::from_fn(|k| ((k * 5 % 13) as f32 - 6.0) * 0.07);
        let b = [0.1f32, -0.2, 0.3, 0.05];
        let mut out = [0.0f32; 12];
        affine(&x, &w, &b, &mut out, rows, nin, nout);
        let xm = DMatrix::from_row_slice(rows, nin, &x);
        let wm = DMatrix::from_row_slice(nin, nout, &w);
        let bm = DVector::from_row_slice(&b);
        let mut om = &xm * &wm;
        for mut r in om.row_iter_mut() {
            r += bm.transpose();
        }
        for r in 0..rows {
            for o in 0..nout {
                assert!((out[r * nout + o] - om[(r, o)]).abs() < 1e-6);
            }
        }
        // affine_t with w as (nout x nin) is x * w^T
        let mut out_t = [0.0f32; 12];
        let wt = wm.transpose();
        let wt_rows: std::vec::Vec<f32> = (0..nout)
            .flat_map(|o| (0..nin).map(move |i| (o, i)))
            .map(|(o, i)| wt[(o, i)])
            .collect();
        affine_t(&x, &wt_rows, &b, &mut out_t, rows, nin, nout);
        for k in 0..12 {
            assert!((out[k] - out_t[k]).abs() < 1e-6);
        }
        // backward: dx = d w^T, dw = x^T d
        let d: [f32; 12] = core::array::from_fn(|k| (k as f32 - 6.0) * 0.05);
        let dm = DMatrix::from_row_slice(rows, nout, &d);
        let mut dx = [0.0f32; 15];
        back_affine(&w, &d, &mut dx, rows, nin, nout);
        let dxm = &dm * wm.transpose();
        let mut dw = [0.0f32; 20];
        acc_outer(&x, &d, &mut dw, rows, nin, nout);
        let dwm = xm.transpose() * &dm;
        for r in 0..rows {
            for i in 0..nin {
                assert!((dx[r * nin + i] - dxm[(r, i)]).abs() < 1e-6);
            }
        }
        for i in 0..nin {
            for o in 0..nout {
                assert!((dw[i * nout + o] - dwm[(i, o)]).abs() < 1e-6);
            }
        }
        let mut dx_t = [0.0f32; 15];
        back_affine_t(&wt_rows, &d, &mut dx_t, rows, nin, nout);
        for k in 0..15 {
            assert!((dx[k] - dx_t[k]).abs() < 1e-6);
        }
    }
}
