//! x86-64 backends: SSE2 (the baseline every x86-64 has), AVX2 and AVX-512, chosen at run
//! time from `cpuid` (and `xgetbv`, which says whether the OS saves the wider registers).
//! Each backend is the one [`gemm`] instantiated inside a `#[target_feature]` function, so
//! its vector intrinsics are compiled for that instruction set and nowhere else.
//! Multiply then add, never fused: lane for lane the scalar f32 sequence. (The opt-in `fma`
//! feature fuses them at the AVX2 and AVX-512 levels: faster, not the reproducible bits.)

use super::gemm::{Lanes, PACK, Product, gemm};
use core::arch::x86_64::*;
use core::mem::MaybeUninit;

/// What this CPU (and OS) can run, best first: 3 = AVX-512F, 2 = AVX2, 1 = SSE2.
pub(super) fn detect() -> u8 {
    // SAFETY: `cpuid` exists on every x86-64; leaf 7 is asked for only when leaf 0 says it
    // exists; `xgetbv` only when `cpuid` reports OSXSAVE (the OS enabled it).
    unsafe {
        let max_leaf = __cpuid(0).eax;
        let l1 = __cpuid(1);
        let osxsave = l1.ecx & (1 << 27) != 0;
        let avx = l1.ecx & (1 << 28) != 0;
        if !(osxsave && avx) || max_leaf < 7 {
            return 1;
        }
        let xcr0 = _xgetbv(0);
        let l7 = __cpuid_count(7, 0);
        let ymm_saved = xcr0 & 0b110 == 0b110;
        // The opt-in `fma` build fuses at the AVX2 level, so that level needs FMA as well
        // (AVX-512F includes its own fused multiply-add).
        let fma_ok = !cfg!(feature = "fma") || l1.ecx & (1 << 12) != 0;
        let zmm_saved = xcr0 & 0b1110_0110 == 0b1110_0110;
        if zmm_saved && l7.ebx & (1 << 16) != 0 {
            3
        } else if ymm_saved && fma_ok && l7.ebx & (1 << 5) != 0 {
            2
        } else {
            1
        }
    }
}

macro_rules! lanes {
    ($name:ident, $v:ty, $w:expr, $splat:ident, $load:ident, $store:ident, $add:ident, $mul:ident
     $(, fused $fmadd:ident)?) => {
        #[derive(Clone, Copy)]
        pub(super) struct $name($v);

        impl Lanes for $name {
            const W: usize = $w;
            // SAFETY (each method): the caller runs inside a function compiled with this
            // instruction set, and `load`/`store` pointers cover `W` floats (see `Lanes`).
            #[inline(always)]
            unsafe fn splat(x: f32) -> Self {
                $name(unsafe { $splat(x) })
            }
            #[inline(always)]
            unsafe fn load(p: *const f32) -> Self {
                $name(unsafe { $load(p) })
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut f32) {
                unsafe { $store(p, self.0) }
            }
            #[inline(always)]
            unsafe fn add(self, o: Self) -> Self {
                $name(unsafe { $add(self.0, o.0) })
            }
            #[inline(always)]
            unsafe fn mul(self, o: Self) -> Self {
                $name(unsafe { $mul(self.0, o.0) })
            }
            $(
            // Only with the opt-in `fma` feature: `self + a * b` rounded once (not the
            // reproducible bits).
            #[cfg(feature = "fma")]
            #[inline(always)]
            unsafe fn mul_add(self, a: Self, b: Self) -> Self {
                $name(unsafe { $fmadd(a.0, b.0, self.0) })
            }
            )?
        }
    };
}

lanes!(
    Sse2,
    __m128,
    4,
    _mm_set1_ps,
    _mm_loadu_ps,
    _mm_storeu_ps,
    _mm_add_ps,
    _mm_mul_ps
);
lanes!(
    Avx2,
    __m256,
    8,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_add_ps,
    _mm256_mul_ps,
    fused _mm256_fmadd_ps
);
lanes!(
    Avx512,
    __m512,
    16,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_add_ps,
    _mm512_mul_ps,
    fused _mm512_fmadd_ps
);

/// The product with SSE2 (always available on x86-64): 6 x 8 tiles.
pub(super) fn gemm_sse2(prod: &Product<'_>, c: &mut [f32]) {
    // Not zeroed (16 KB of stores per call would cost more than a small product): the
    // product writes each panel before reading it.
    let mut pack = [MaybeUninit::<f32>::uninit(); PACK];
    // SAFETY: SSE2 is part of x86-64; the caller checked `prod.fits(c)`.
    unsafe { gemm::<Sse2, 2, 6>(prod, c, &mut pack) }
}

/// The product with AVX2: 6 x 16 tiles.
///
/// # Safety
/// The CPU supports AVX2 (and FMA, with the `fma` feature) and the OS saves its registers
/// ([`detect`] >= 2); `prod.fits(c)`.
#[cfg_attr(not(feature = "fma"), target_feature(enable = "avx,avx2"))]
#[cfg_attr(feature = "fma", target_feature(enable = "avx,avx2,fma"))]
pub(super) unsafe fn gemm_avx2(prod: &Product<'_>, c: &mut [f32]) {
    // Not zeroed (16 KB of stores per call would cost more than a small product): the
    // product writes each panel before reading it.
    let mut pack = [MaybeUninit::<f32>::uninit(); PACK];
    // SAFETY: this function is compiled for AVX2, which the caller checked the CPU has.
    unsafe { gemm::<Avx2, 2, 6>(prod, c, &mut pack) }
}

/// The product with AVX-512F: 6 x 32 tiles.
///
/// # Safety
/// The CPU supports AVX-512F and the OS saves its registers ([`detect`] == 3); `prod.fits(c)`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn gemm_avx512(prod: &Product<'_>, c: &mut [f32]) {
    // Not zeroed (16 KB of stores per call would cost more than a small product): the
    // product writes each panel before reading it.
    let mut pack = [MaybeUninit::<f32>::uninit(); PACK];
    // SAFETY: this function is compiled for AVX-512F, which the caller checked the CPU has.
    unsafe { gemm::<Avx512, 2, 6>(prod, c, &mut pack) }
}
