//! WASM SIMD (`simd128`) versions of the two innermost loops, with the exact operation order
//! of the scalar ones: one 4-lane accumulator for `dot` (lane `l` takes elements `k % 4 == l`,
//! combined `(l0 + l1) + (l2 + l3)`, then the tail in order), and lane-wise `y += a * x` for
//! `axpy`. Multiply then add, never fused, so results are bit-identical to the scalar build.
//! Loads are built from bounds-checked chunks with the safe `f32x4` constructor, which the
//! compiler turns into `v128.load`: no `unsafe` is needed.

use core::arch::wasm32::*;

#[inline]
fn load(c: &[f32]) -> v128 {
    f32x4(c[0], c[1], c[2], c[3])
}

#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = f32x4_splat(0.0);
    for (ca, cb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        acc = f32x4_add(acc, f32x4_mul(load(ca), load(cb)));
    }
    let mut total = (f32x4_extract_lane::<0>(acc) + f32x4_extract_lane::<1>(acc))
        + (f32x4_extract_lane::<2>(acc) + f32x4_extract_lane::<3>(acc));
    let body = n - n % 4;
    for k in body..n {
        total += a[k] * b[k];
    }
    total
}

#[inline]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let va = f32x4_splat(a);
    let body = n - n % 4;
    for (cy, cx) in y[..body].chunks_exact_mut(4).zip(x.chunks_exact(4)) {
        let r = f32x4_add(load(cy), f32x4_mul(va, load(cx)));
        cy[0] = f32x4_extract_lane::<0>(r);
        cy[1] = f32x4_extract_lane::<1>(r);
        cy[2] = f32x4_extract_lane::<2>(r);
        cy[3] = f32x4_extract_lane::<3>(r);
    }
    for k in body..n {
        y[k] += a * x[k];
    }
}
