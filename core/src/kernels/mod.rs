//! The hot loops, over plain row-major slices. They know nothing of layers or training.
//!
//! Determinism: every reduction has one fixed order, the same on every target and at every
//! SIMD level, so all of them give the same bits.
//! - The matrix products ([`affine`], [`affine_t`], [`acc_outer`], [`back_affine`],
//!   [`back_affine_t`]) are one blocked product (`gemm.rs`): each output element starts from
//!   its bias (or its current value, for the accumulating ones) and adds its products one at
//!   a time in increasing order of the summed index. Vector lanes span different output
//!   elements, never one sum, so the vector width cannot change an element's rounding.
//! - Sums along a contiguous row ([`dot`]) use four interleaved partial sums (element `k`
//!   goes to partial `k % 4`), combined as `(s0 + s1) + (s2 + s3)`, then the tail in order:
//!   exactly what one 4-lane SIMD accumulator does.
//! - [`axpy`] and [`acc_rows`] are elementwise, the sum over the outer index in increasing
//!   order, which SIMD reproduces lane by lane.
//!
//! No fused multiply-add is used anywhere in the default build. (The opt-in `fma` feature
//! fuses the products' multiply-adds at the AVX2 and AVX-512 levels and in `+relaxed-simd`
//! wasm builds: faster, but no longer the same bits on every level and target; see
//! [`FUSED`].) The backend ([`Level`]) is chosen once, at the
//! first product: on x86-64 the widest of SSE2, AVX2 and AVX-512 the CPU and OS support
//! (from `cpuid`, so the core stays `no_std`); on wasm32 `simd128` when the build has it; on
//! a Cortex-M with a single-precision FPU (`eabihf` targets) its register tiles
//! (`cortex_m.rs`); elsewhere (Cortex-M0+, scalar wasm) the portable scalar tiles. [`set_level`] picks another
//! one, for tests and benchmarks. The SIMD backends pack panels of a transposed operand
//! into a 16 KB buffer on the stack; the portable one needs none.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod cortex_m;

mod gemm;
#[cfg(target_arch = "x86_64")]
mod x86;

use crate::error::Error;
use core::sync::atomic::{AtomicU8, Ordering};
pub use gemm::{Operand, Product};

/// Whether this build fuses the products' multiply-adds (the opt-in `fma` feature, at the
/// levels that have a fused instruction): if so, training bits depend on the level and
/// target, and the cross-target conformance value does not hold.
///
/// ```
/// // The default build is the reproducible one.
/// assert_eq!(staticnets::kernels::FUSED, cfg!(feature = "fma"));
/// ```
pub const FUSED: bool = cfg!(feature = "fma");

/// A backend for the matrix products. Every level gives the same bits (unless [`FUSED`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Plain scalar f32 tiles (6 rows x 4 columns): every target.
    Portable,
    /// x86-64 SSE2, 6 x 8 tiles (every x86-64 CPU).
    Sse2,
    /// x86-64 AVX2, 6 x 16 tiles.
    Avx2,
    /// x86-64 AVX-512F, 6 x 32 tiles.
    Avx512,
    /// wasm32 `simd128`, 6 x 8 tiles (builds with `+simd128`).
    Simd128,
    /// Cortex-M with a single-precision FPU (`thumbv7em-none-eabihf`,
    /// `thumbv8m.main-none-eabihf`), 4 x 4 tiles of `VMLA.F32` (multiply, round, add, round).
    CortexM,
}

impl Level {
    /// Every level, narrowest first.
    pub const ALL: [Level; 6] = [
        Level::Portable,
        Level::Sse2,
        Level::Avx2,
        Level::Avx512,
        Level::Simd128,
        Level::CortexM,
    ];

    /// Its name in reports: `portable`, `sse2`, `avx2`, `avx512`, `simd128`, `cortex-m`.
    pub const fn name(self) -> &'static str {
        match self {
            Level::Portable => "portable",
            Level::Sse2 => "sse2",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Simd128 => "simd128",
            Level::CortexM => "cortex-m",
        }
    }

    const fn code(self) -> u8 {
        match self {
            Level::Portable => 1,
            Level::Sse2 => 2,
            Level::Avx2 => 3,
            Level::Avx512 => 4,
            Level::Simd128 => 5,
            Level::CortexM => 6,
        }
    }

    fn from_code(c: u8) -> Level {
        match c {
            2 => Level::Sse2,
            3 => Level::Avx2,
            4 => Level::Avx512,
            5 => Level::Simd128,
            6 => Level::CortexM,
            _ => Level::Portable,
        }
    }

    /// Whether this build, on this CPU, can run the level.
    pub fn supported(self) -> bool {
        let best = best();
        match self {
            Level::Portable => true,
            Level::Simd128 | Level::CortexM => best == self,
            // The x86-64 levels nest: SSE2 <= AVX2 <= AVX-512.
            _ => {
                matches!(best, Level::Sse2 | Level::Avx2 | Level::Avx512)
                    && self.code() <= best.code()
            }
        }
    }
}

/// The chosen level; 0 until the first product (or [`set_level`]) decides it.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The widest level this build and CPU support.
fn best() -> Level {
    #[cfg(target_arch = "x86_64")]
    return match x86::detect() {
        3 => Level::Avx512,
        2 => Level::Avx2,
        _ => Level::Sse2,
    };
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return Level::Simd128;
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    return Level::CortexM;
    #[cfg(not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128"),
        all(target_arch = "arm", target_abi = "eabihf")
    )))]
    return Level::Portable;
}

/// The backend the products use (detected at the first call).
///
/// ```
/// use staticnets::kernels::{level, Level};
/// assert!(Level::ALL.contains(&level()) && level().supported());
/// ```
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        0 => {
            let l = best();
            LEVEL.store(l.code(), Ordering::Relaxed);
            l
        }
        c => Level::from_code(c),
    }
}

/// Use `l` for every later product (any supported level; the results are the same bits,
/// only the speed differs). A level this CPU or build cannot run is refused and changes
/// nothing.
///
/// ```
/// use staticnets::kernels::{level, set_level, Level};
/// let before = level();
/// set_level(Level::Portable).unwrap();
/// assert_eq!(level(), Level::Portable);
/// set_level(before).unwrap();
/// ```
pub fn set_level(l: Level) -> Result<(), Error> {
    if !l.supported() {
        return Err(Error::BadValue {
            name: "SIMD level (this CPU or build cannot run it)",
        });
    }
    LEVEL.store(l.code(), Ordering::Relaxed);
    Ok(())
}

/// Run one product ([`Product`]: `C = bias + A B` or `C += A B` over strided operands) on
/// the current level, in the order of the module docs. Sizes are the callers' invariants
/// (layer shapes fixed at compile time), checked here once so the tiles need no
/// per-element checks: operands too short for their shape panic.
///
/// ```
/// use staticnets::kernels::{product, Operand, Product};
/// // C (2 x 2, row stride 3) = bias + A (2 x 3) B (3 x 2)
/// let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
/// let mut c = [0.0; 5];
/// let prod = Product {
///     m: 2, n: 2, k: 3,
///     a: Operand::rows(&a, 3),
///     b: Operand::rows(&b, 2),
///     bias: Some(&[0.5, -0.5]),
///     ldc: 3,
/// };
/// product(&prod, &mut c);
/// assert_eq!(c, [4.5, 4.5, 0.0, 10.5, 10.5]);
/// ```
pub fn product(prod: &Product<'_>, c: &mut [f32]) {
    assert!(prod.fits(c), "kernel operands too short for their shape");
    match level() {
        #[cfg(target_arch = "x86_64")]
        Level::Sse2 => x86::gemm_sse2(prod, c),
        // SAFETY: `level()` is AVX2 only when `detect` found AVX2 with OS support.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { x86::gemm_avx2(prod, c) },
        // SAFETY: `level()` is AVX-512 only when `detect` found AVX-512F with OS support.
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => unsafe { x86::gemm_avx512(prod, c) },
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Level::Simd128 => simd::gemm_simd128(prod, c),
        // SAFETY: `fits` was checked above; the tiles need nothing else.
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        Level::CortexM => unsafe { cortex_m::gemm_cortex_m(prod, c) },
        // SAFETY: scalar tiles run everywhere; `fits` was checked above.
        _ => unsafe { gemm::gemm::<gemm::Scalar, SCALAR_COLS, SCALAR_ROWS>(prod, c, &mut []) },
    }
}

// The portable tiles: 6 x 4 where there are registers for 24 accumulators (a Cortex-M4F has
// 32 single-precision ones; x86-64's portable level), 4 x 2 in wasm, where V8 has 15 vector
// registers for them (4 x 2 measured 14-17 % faster in Node than 6 x 4). The same bits.
const SCALAR_ROWS: usize = if cfg!(target_arch = "wasm32") { 4 } else { 6 };
const SCALAR_COLS: usize = if cfg!(target_arch = "wasm32") { 2 } else { 4 };

/// Define an element-wise function whose loops are compiled for every x86-64 level and run
/// at the current one (`level()`): the body is plain f32 code, inlined into an AVX-512 and an
/// AVX2 copy, where the compiler vectorizes its loops 16 and 8 lanes wide (the baseline
/// build gets SSE2's 4). Each lane does the scalar operations in the scalar order, so every
/// copy gives the same bits; only the speed differs. Elsewhere the body runs as it is.
#[macro_export]
#[doc(hidden)]
macro_rules! elementwise {
    ($(#[$m:meta])* $vis:vis fn $name:ident$(<$lt:lifetime>)?($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$m])*
        $vis fn $name$(<$lt>)?($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body$(<$lt>)?($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn wide$(<$lt>)?($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                #[target_feature(enable = "avx,avx2")]
                fn mid$(<$lt>)?($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                match $crate::kernels::level() {
                    // SAFETY: `level()` is AVX-512 or AVX2 only when `cpuid` and `xgetbv`
                    // said this CPU and OS run it.
                    $crate::kernels::Level::Avx512 => return unsafe { wide($($arg),*) },
                    $crate::kernels::Level::Avx2 => return unsafe { mid($($arg),*) },
                    _ => {}
                }
            }
            body($($arg),*)
        }
    };
}

/// A row-major `rows x cols` matrix as an operand; `t` reads it transposed.
fn mat(data: &[f32], cols: usize, t: bool) -> Operand<'_> {
    if t {
        Operand::transposed(data, cols)
    } else {
        Operand::rows(data, cols)
    }
}

/// `sum_k a[k] * b[k]` in the fixed order described in the module docs.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd::dot(a, b);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    return dot_scalar(a, b);
}

/// Square roots in place. IEEE square roots are correctly rounded, so the vector instructions
/// give libm's bits: four lanes at a time with SSE (part of every x86-64; inlined into the
/// wider levels' [`elementwise!`](crate::elementwise) copies it is VEX-encoded, without the
/// cost of a call into SSE code) and with wasm `simd128`, libm for the rest and elsewhere.
///
/// ```
/// let mut v = [4.0f32, 2.0, 0.0, 9.0, 0.25];
/// staticnets::kernels::sqrt_in_place(&mut v);
/// assert_eq!(v, [2.0, libm::sqrtf(2.0), 0.0, 3.0, 0.5]);
/// ```
#[inline(always)]
pub fn sqrt_in_place(v: &mut [f32]) {
    let body = v.len() - v.len() % 4;
    let (chunks, tail) = v.split_at_mut(body);
    #[cfg(target_arch = "x86_64")]
    for c in chunks.chunks_exact_mut(4) {
        use core::arch::x86_64::{_mm_loadu_ps, _mm_sqrt_ps, _mm_storeu_ps};
        // SAFETY: SSE is part of x86-64, and the pointers cover this chunk's four floats.
        unsafe { _mm_storeu_ps(c.as_mut_ptr(), _mm_sqrt_ps(_mm_loadu_ps(c.as_ptr()))) }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    for c in chunks.chunks_exact_mut(4) {
        use core::arch::wasm32::{f32x4, f32x4_extract_lane, f32x4_sqrt};
        let r = f32x4_sqrt(f32x4(c[0], c[1], c[2], c[3]));
        c[0] = f32x4_extract_lane::<0>(r);
        c[1] = f32x4_extract_lane::<1>(r);
        c[2] = f32x4_extract_lane::<2>(r);
        c[3] = f32x4_extract_lane::<3>(r);
    }
    #[cfg(not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )))]
    for x in chunks.iter_mut() {
        *x = sqrtf(*x);
    }
    for x in tail.iter_mut() {
        *x = sqrtf(*x);
    }
}

/// The square root of one `f32`, correctly rounded (IEEE 754), so every target gives
/// [`libm::sqrtf`]'s bits. On a Cortex-M with an FPU that is one `VSQRT.F32` instruction,
/// where `libm` (which has no ARM path) runs a software square root of about a hundred
/// instructions; the optimizers take one per parameter and step. Elsewhere it is `libm`'s
/// (which uses the hardware instruction on x86-64 and wasm32 itself).
///
/// ```
/// use staticnets::kernels::sqrtf;
/// for x in [0.0f32, 2.0, 1e-40, 3.4e38, f32::INFINITY] {
///     assert_eq!(sqrtf(x).to_bits(), libm::sqrtf(x).to_bits());
/// }
/// assert!(sqrtf(-1.0).is_nan());
/// ```
#[inline(always)]
pub fn sqrtf(x: f32) -> f32 {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    {
        let bits: u32;
        // SAFETY: VSQRT.F32 takes and gives an S register; s0 is saved and restored around
        // it (Rust's inline assembly has no S-register operands for an FPU without doubles),
        // and nothing else is touched but the two core registers named.
        unsafe {
            core::arch::asm!(
                "vpush {{s0}}",
                "vmov s0, {x}",
                "vsqrt.f32 s0, s0",
                "vmov {r}, s0",
                "vpop {{s0}}",
                x = in(reg) x.to_bits(),
                r = lateout(reg) bits,
                options(pure, nomem, preserves_flags)
            )
        };
        f32::from_bits(bits)
    }
    #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
    libm::sqrtf(x)
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

/// A sum carried in two `f32`s ("double-single"): `hi` the sum rounded to `f32` and `lo` what
/// that rounding left out. Each addition splits `hi + x` exactly into a rounded sum and its
/// error (Knuth's TwoSum), adds the error to `lo`, and renormalizes, so the result is
/// within about one `f32` rounding of the exact sum of the terms however many there are (a
/// plain `f32` sum of a million terms of 0.1 reads 100,958.3). Nine `f32` operations a term,
/// no branch: penalty and loss values come out within 1e-6 relative of a float64
/// computation on targets whose FPU has no double precision (software `f64` costs about a
/// hundred instructions an operation on a Cortex-M4F).
///
/// ```
/// use staticnets::kernels::Sum;
/// let mut s = Sum::default();
/// for _ in 0..1_000_000 {
///     s.add(0.1);
/// }
/// let exact = 1e6 * 0.1f32 as f64;
/// assert!((s.value() as f64 - exact).abs() / exact < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sum {
    hi: f32,
    lo: f32,
}

impl Sum {
    /// Nothing added yet.
    pub const ZERO: Sum = Sum { hi: 0.0, lo: 0.0 };

    /// Add `x`.
    #[inline(always)]
    pub fn add(&mut self, x: f32) {
        // TwoSum: s + e == hi + x exactly.
        let s = self.hi + x;
        let bp = s - self.hi;
        let e = (self.hi - (s - bp)) + (x - bp);
        // Renormalize (Fast2Sum: |s| >= |lo| after one addition).
        let lo = self.lo + e;
        let hi = s + lo;
        self.lo = lo - (hi - s);
        self.hi = hi;
    }

    /// Add another sum (its high part, then its low part).
    #[inline(always)]
    pub fn merge(&mut self, o: Sum) {
        self.add(o.hi);
        self.add(o.lo);
    }

    /// The sum, rounded once to `f32`.
    #[inline(always)]
    pub fn value(self) -> f32 {
        self.hi + self.lo
    }

    /// The sum with its low part, as `f64` (two conversions and an addition, once per
    /// reported value: on a Cortex-M4F a few hundred instructions a step in all): values
    /// keep about 48 bits, enough for finite differences of a loss.
    #[inline(always)]
    pub fn value_f64(self) -> f64 {
        self.hi as f64 + self.lo as f64
    }
}

/// Eight compensated partial sums, combined as `((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 +
/// s7))` with [`Sum::merge`]. A loss that sums element `k` into partial `k % 8` over whole
/// chunks of eight while it writes its gradient, combines them with this, then adds the tail
/// in order, has one fixed order on every target (the same bits) and eight independent
/// chains (SIMD lanes on the wide targets).
#[inline(always)]
pub fn combine8(s: &[Sum; 8]) -> Sum {
    let pair = |mut a: Sum, b: Sum| {
        a.merge(b);
        a
    };
    pair(
        pair(pair(s[0], s[1]), pair(s[2], s[3])),
        pair(pair(s[4], s[5]), pair(s[6], s[7])),
    )
}

/// Elements of one block of [`sum_f32`]: eight chains of eight.
pub const SUM_BLOCK: usize = 64;

/// `sum_k f(a[k])` in `f32` for penalty values over whole tensors, in one fixed order (the
/// same bits on every target): each whole block of [`SUM_BLOCK`] elements is summed in eight
/// plain chains (element `k` into chain `k % 8`, eight elements each), combined as
/// `((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))`; the blocks' sums, then the elements
/// after the last whole block, go into one [`Sum`] in order. A term passes through at most
/// ten `f32` roundings however long the tensor is, so for terms of one sign (squares,
/// magnitudes) the value is within 6e-7 relative of the exact sum (in practice far closer:
/// the roundings fall either way), at one addition a term.
///
/// ```
/// use staticnets::kernels::sum_f32;
/// let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
/// assert_eq!(sum_f32(&a, |v| v * v).value(), 385.0);
/// // a million terms of 0.1: a plain f32 sum reads 100,958.3
/// let tenths = vec![0.1f32; 1_000_000];
/// let got = sum_f32(&tenths, |v| v).value_f64();
/// assert!((got - 1e6 * 0.1f32 as f64).abs() / 1e5 < 1e-6);
/// ```
#[inline(always)]
pub fn sum_f32(a: &[f32], f: impl Fn(f32) -> f32) -> Sum {
    let body = a.len() - a.len() % SUM_BLOCK;
    let mut total = Sum::default();
    for block in a[..body].chunks_exact(SUM_BLOCK) {
        // Eight named chains, not an array: a build for size (firmware) does not unroll a
        // loop over an array, and would keep the chains in memory.
        let (mut s0, mut s1, mut s2, mut s3) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        let (mut s4, mut s5, mut s6, mut s7) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for c in block.chunks_exact(8) {
            s0 += f(c[0]);
            s1 += f(c[1]);
            s2 += f(c[2]);
            s3 += f(c[3]);
            s4 += f(c[4]);
            s5 += f(c[5]);
            s6 += f(c[6]);
            s7 += f(c[7]);
        }
        total.add(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
    }
    for &v in &a[body..] {
        total.add(f(v));
    }
    total
}

crate::elementwise! {
    /// `sum_k a[k]^2`, in [`sum_f32`]'s order, at the kernels' level.
    pub fn sum_sq(a: &[f32]) -> Sum {
        sum_f32(a, |v| v * v)
    }
}

crate::elementwise! {
    /// `sum_k |a[k]|`, in [`sum_f32`]'s order, at the kernels' level.
    pub fn sum_abs(a: &[f32]) -> Sum {
        sum_f32(a, f32::abs)
    }
}

/// Whether every value seen is finite (no NaN, no infinity), accumulated without branches in
/// the cheapest form for the target: the trainer checks every gradient and parameter each
/// step. On a Cortex-M it adds `v - v` to an `f32` (0 for a finite `v`, NaN for a NaN or an
/// infinity, and NaN stays NaN): two FPU instructions a value, where the exponent-bits test
/// moves each value to a core register and takes seven. Elsewhere it ORs the exponent-bits
/// test, which vectorizes.
///
/// ```
/// use staticnets::kernels::FiniteCheck;
/// let mut c = FiniteCheck::default();
/// for v in [1.0f32, -3.0e38, 1e-45, 0.0] {
///     c.see(v);
/// }
/// assert!(c.ok());
/// for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
///     let mut c = FiniteCheck::default();
///     c.see(1.0);
///     c.see(bad);
///     c.see(2.0);
///     assert!(!c.ok());
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct FiniteCheck {
    #[cfg(target_arch = "arm")]
    acc: f32,
    #[cfg(not(target_arch = "arm"))]
    bad: bool,
}

impl FiniteCheck {
    /// Take `v` into account.
    #[inline(always)]
    pub fn see(&mut self, v: f32) {
        #[cfg(target_arch = "arm")]
        {
            self.acc += v - v;
        }
        #[cfg(not(target_arch = "arm"))]
        {
            self.bad |= v.to_bits() & 0x7f80_0000 == 0x7f80_0000;
        }
    }

    /// Whether every value seen was finite.
    #[inline(always)]
    pub fn ok(self) -> bool {
        #[cfg(target_arch = "arm")]
        return self.acc == 0.0;
        #[cfg(not(target_arch = "arm"))]
        return !self.bad;
    }
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
    let (a, b_, bias) = (mat(x, nin, false), mat(w, nout, false), Some(b));
    let prod = Product {
        m: rows,
        n: nout,
        k: nin,
        a,
        b: b_,
        bias,
        ldc: nout,
    };
    product(&prod, out);
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
    let (a, b_, bias) = (mat(x, nh, false), mat(w, nh, true), Some(b));
    let prod = Product {
        m: rows,
        n: ni,
        k: nh,
        a,
        b: b_,
        bias,
        ldc: ni,
    };
    product(&prod, out);
}

/// `dw[i, o] += sum_r x[r, i] d[r, o]` (rows in increasing order). `dw` is nin x nout.
pub fn acc_outer(x: &[f32], d: &[f32], dw: &mut [f32], rows: usize, nin: usize, nout: usize) {
    let (a, b) = (mat(x, nin, true), mat(d, nout, false));
    let prod = Product {
        m: nin,
        n: nout,
        k: rows,
        a,
        b,
        bias: None,
        ldc: nout,
    };
    product(&prod, dw);
}

crate::elementwise! {
    /// `db[o] += sum_r d[r, o]` (rows in increasing order).
    pub fn acc_rows(d: &[f32], db: &mut [f32], rows: usize, n: usize) {
        for r in 0..rows {
            for (s, &v) in db[..n].iter_mut().zip(&d[r * n..(r + 1) * n]) {
                *s += v;
            }
        }
    }
}

crate::elementwise! {
    /// `y[k] += x[k]` for every `k`.
    pub fn add_into(x: &[f32], y: &mut [f32]) {
        for (yk, &xk) in y.iter_mut().zip(x) {
            *yk += xk;
        }
    }
}

/// `dx[r, i] += sum_o w[i, o] d[r, o]`: backward of [`affine`] to its input. An empty `dx`
/// means nobody reads the input's gradient (the first layer): nothing is computed.
pub fn back_affine(w: &[f32], d: &[f32], dx: &mut [f32], rows: usize, nin: usize, nout: usize) {
    if dx.is_empty() {
        return;
    }
    let (a, b) = (mat(d, nout, false), mat(w, nout, true));
    let prod = Product {
        m: rows,
        n: nin,
        k: nout,
        a,
        b,
        bias: None,
        ldc: nin,
    };
    product(&prod, dx);
}

/// `dx[r, h] += sum_i d[r, i] w[i, h]`: backward of [`affine_t`] to its input (empty `dx`:
/// nothing is computed, as for [`back_affine`]).
pub fn back_affine_t(w: &[f32], d: &[f32], dx: &mut [f32], rows: usize, nh: usize, ni: usize) {
    if dx.is_empty() {
        return;
    }
    let (a, b) = (mat(d, ni, false), mat(w, nh, false));
    let prod = Product {
        m: rows,
        n: nh,
        k: ni,
        a,
        b,
        bias: None,
        ldc: nh,
    };
    product(&prod, dx);
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
}
