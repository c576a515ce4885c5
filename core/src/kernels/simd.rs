//! WASM SIMD (`simd128`) versions of the kernels, with the exact operation order of the
//! scalar ones: one 4-lane accumulator for `dot` (lane `l` takes elements `k % 4 == l`,
//! combined `(l0 + l1) + (l2 + l3)`, then the tail in order), lane-wise `y += a * x` for
//! `axpy`, and the blocked product of [`gemm`] with 4 x 8 tiles. Multiply then add, never
//! fused, so results are bit-identical to the scalar build (except with the opt-in `fma`
//! feature in a `+relaxed-simd` build, whose products use `f32x4.relaxed_madd`).

use super::gemm::{Lanes, PACK, Product, gemm};
use core::arch::wasm32::*;
use core::mem::MaybeUninit;

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

#[derive(Clone, Copy)]
pub(super) struct Simd128(v128);

impl Lanes for Simd128 {
    const W: usize = 4;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        Simd128(f32x4_splat(x))
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 floats at `p` (see `Lanes`).
        Simd128(unsafe { v128_load(p as *const v128) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 4 floats at `p` (see `Lanes`).
        unsafe { v128_store(p as *mut v128, self.0) }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        Simd128(f32x4_add(self.0, o.0))
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        Simd128(f32x4_mul(self.0, o.0))
    }
    // Only with the opt-in `fma` feature in a `+relaxed-simd` build: the engine may fuse
    // (one rounding) or not, so the bits depend on the machine.
    #[cfg(all(feature = "fma", target_feature = "relaxed-simd"))]
    #[inline(always)]
    unsafe fn mul_add(self, a: Self, b: Self) -> Self {
        Simd128(f32x4_relaxed_madd(a.0, b.0, self.0))
    }
}

/// The product with `simd128`: 4 x 8 tiles.
pub(super) fn gemm_simd128(prod: &Product<'_>, c: &mut [f32]) {
    // Not zeroed (16 KB of stores per call would cost more than a small product): the
    // product writes each panel before reading it.
    let mut pack = [MaybeUninit::<f32>::uninit(); PACK];
    // SAFETY: this build has simd128; the caller checked `prod.fits(c)`.
    // Tiles of 4 rows, not 6: 6 x 2 accumulators, two vectors of B, the broadcast and a
    // product's temporary are 16 vector registers, all x86-64 has, and V8 keeps one
    // (xmm15) as scratch, so a 6-row tile spills. 4 x 2 measured 10-15 % faster in Node on
    // S and L (the same bits either way).
    unsafe { gemm::<Simd128, 2, 4>(prod, c, &mut pack) }
}
