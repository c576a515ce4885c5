//! The one matrix product every dense kernel is made of, blocked for registers and caches:
//!
//! ```text
//! C[i, j] = init[i, j] + sum_{p = 0 .. k} A(i, p) * B(p, j)
//! ```
//!
//! with `init` either a bias row (`init[i, j] = bias[j]`) or `C` itself (accumulate), and the
//! sum taken **one product at a time in increasing `p`**: `c = c + a * b`, a multiply then an
//! add, each rounded to f32. That order is the whole determinism argument: a register tile
//! holds `MR` rows by `NV` vectors of `W` lanes, lanes span different `j` (different output
//! elements), and each lane does exactly the scalar sequence above. Neither the vector width,
//! the tile shape nor the cache blocking (which splits the `p` range into chunks whose partial
//! results go through `C` in memory, unchanged as f32) can alter a single bit.
//!
//! `A` and `B` are strided views (`Operand`), so `x W`, `x W^T`, `x^T d` and `d W^T` are all
//! this product. When the lanes are wider than one and either the `j` direction of `B` is
//! not contiguous or a panel of `B` spans more memory than L1 keeps apart, a `kc x NR` panel
//! is first copied (packed) into a buffer on the stack of the calling backend, so that each
//! vector load reads contiguous memory that stays in L1 while every row tile passes over it.

use core::mem::MaybeUninit;

/// A vector of `W` f32 lanes with lane-wise arithmetic, rounding like scalar f32 operations.
///
/// # Safety
/// `load` and `store` touch `W` floats at the pointer. The implementations for instruction
/// sets wider than the build's baseline may only be used inside a function compiled with
/// that instruction set (the backends' `#[target_feature]` entry points).
pub(super) trait Lanes: Copy {
    /// Lanes per vector.
    const W: usize;
    /// Every lane `x`.
    unsafe fn splat(x: f32) -> Self;
    /// `W` floats from `p` (unaligned).
    unsafe fn load(p: *const f32) -> Self;
    /// `W` floats to `p` (unaligned).
    unsafe fn store(self, p: *mut f32);
    /// Lane-wise `self + o`.
    unsafe fn add(self, o: Self) -> Self;
    /// Lane-wise `self * o`.
    unsafe fn mul(self, o: Self) -> Self;
    /// Lane-wise `self + a * b`: a multiply, then an add, each rounded (the default build).
    /// Only the opt-in `fma` feature overrides it with one fused, singly rounded operation
    /// (the AVX2 and AVX-512 levels, and wasm `relaxed-simd`), which changes the bits.
    #[inline(always)]
    unsafe fn mul_add(self, a: Self, b: Self) -> Self {
        // SAFETY: forwarded from the caller (the same instruction set).
        unsafe { self.add(a.mul(b)) }
    }
}

/// Plain scalar f32: one lane. The portable backend, and every backend's column tail.
#[derive(Clone, Copy)]
pub(super) struct Scalar(f32);

impl Lanes for Scalar {
    const W: usize = 1;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        Scalar(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `p` is in bounds.
        Scalar(unsafe { *p })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees `p` is in bounds.
        unsafe { *p = self.0 }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        Scalar(self.0 + o.0)
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        Scalar(self.0 * o.0)
    }
}

/// A strided read-only matrix view: element `(r, c)` is `data[r * row + c * col]`.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a> {
    /// The elements.
    pub data: &'a [f32],
    /// Distance between rows.
    pub row: usize,
    /// Distance between columns.
    pub col: usize,
}

impl<'a> Operand<'a> {
    /// Rows `ld` apart, columns adjacent: a row-major matrix with `ld` columns, or one time
    /// step of every sequence of a batch (`ld` = the sequence's length in values).
    pub const fn rows(data: &'a [f32], ld: usize) -> Self {
        Operand {
            data,
            row: ld,
            col: 1,
        }
    }

    /// The transpose of [`rows`](Self::rows): element `(r, c)` at `c * ld + r`.
    pub const fn transposed(data: &'a [f32], ld: usize) -> Self {
        Operand {
            data,
            row: 1,
            col: ld,
        }
    }

    /// Whether every element of an `rows x cols` matrix lies inside `data`.
    fn covers(&self, rows: usize, cols: usize) -> bool {
        if rows == 0 || cols == 0 {
            return true;
        }
        let last = (rows - 1).checked_mul(self.row).and_then(|a| {
            (cols - 1)
                .checked_mul(self.col)
                .and_then(|b| a.checked_add(b))
        });
        matches!(last, Some(l) if l < self.data.len())
    }
}

/// One product call: `C = bias + A B` or `C += A B`, `C` row-major with row stride `ldc`.
#[derive(Clone, Copy, Debug)]
pub struct Product<'a> {
    /// Rows of `C` and `A`.
    pub m: usize,
    /// Columns of `C` and `B`.
    pub n: usize,
    /// Columns of `A`, rows of `B`: the length of every sum.
    pub k: usize,
    /// `A`, `m x k`.
    pub a: Operand<'a>,
    /// `B`, `k x n`.
    pub b: Operand<'a>,
    /// `Some(bias)` (length `n`): `C = bias + A B`; `None`: `C += A B`.
    pub bias: Option<&'a [f32]>,
    /// Distance between rows of `C` (at least `n`).
    pub ldc: usize,
}

impl Product<'_> {
    /// Whether the operands and `c` (row-major, `m x n`) hold every element the product
    /// touches: checked once per call, so the tiles can skip bounds checks.
    pub fn fits(&self, c: &[f32]) -> bool {
        self.a.covers(self.m, self.k)
            && self.b.covers(self.k, self.n)
            && self.ldc >= self.n
            && (self.m == 0
                || self.n == 0
                || (self.m - 1)
                    .checked_mul(self.ldc)
                    .and_then(|l| l.checked_add(self.n))
                    .is_some_and(|end| end <= c.len()))
            && self.bias.is_none_or(|b| b.len() >= self.n)
    }
}

/// Floats in a backend's packing buffer: `kc * NR` with `kc` chosen to fill it (16 KB), small
/// enough that a panel of `B` stays in L1 while every row tile of `A` passes over it.
#[cfg_attr(
    not(any(target_arch = "x86_64", target_feature = "simd128")),
    allow(dead_code) // only the SIMD backends pack
)]
pub(super) const PACK: usize = 4096;

/// Longest `p` chunk when no packing is needed (the portable backend): only cache blocking.
const KC_PLAIN: usize = 256;

/// Where one register tile reads `B`: vector `v` of row `p` starts at `ptr + p * k + v * v_step`.
#[derive(Clone, Copy)]
struct Panel {
    ptr: *const f32,
    k: usize,
    v_step: usize,
}

/// One register tile's operands: `kc` values of `p`, `A(i, p)` at `a + i * a_row + p * a_k`,
/// `B` through `b`, `C` at `c` with row stride `ldc`, starting from `init` (a bias row, or `C`
/// itself when null).
#[derive(Clone, Copy)]
struct Tile {
    kc: usize,
    a: *const f32,
    a_row: usize,
    a_k: usize,
    b: Panel,
    c: *mut f32,
    ldc: usize,
    init: *const f32,
}

/// An `MR x NV`-vector tile of `C`: the product over `t.kc` values of `p`.
///
/// # Safety
/// Every address `t` names, for `i < MR`, `p < kc`, `v < NV` and `W` lanes, is in bounds.
#[inline(always)]
unsafe fn tile<V: Lanes, const MR: usize, const NV: usize>(t: Tile) {
    // SAFETY (whole body): the caller guarantees every address is in bounds.
    unsafe {
        let mut acc = [[V::splat(0.0); NV]; MR];
        for i in 0..MR {
            for v in 0..NV {
                acc[i][v] = if t.init.is_null() {
                    V::load(t.c.add(i * t.ldc + v * V::W))
                } else {
                    V::load(t.init.add(v * V::W))
                };
            }
        }
        for p in 0..t.kc {
            let mut bv = [V::splat(0.0); NV];
            for v in 0..NV {
                bv[v] = V::load(t.b.ptr.add(p * t.b.k + v * t.b.v_step));
            }
            for i in 0..MR {
                let av = V::splat(*t.a.add(i * t.a_row + p * t.a_k));
                for v in 0..NV {
                    acc[i][v] = acc[i][v].mul_add(av, bv[v]);
                }
            }
        }
        for i in 0..MR {
            for v in 0..NV {
                acc[i][v].store(t.c.add(i * t.ldc + v * V::W));
            }
        }
    }
}

/// [`tile`] with the row count `mr` (1 to `MR`, at most 6) chosen at run time; the arms
/// above `MR` are dead code the compiler drops.
///
/// # Safety
/// As [`tile`], for `mr` rows.
#[inline(always)]
unsafe fn tile_rows<V: Lanes, const NV: usize, const MR: usize>(mr: usize, t: Tile) {
    // SAFETY: forwarded from the caller.
    unsafe {
        match mr {
            1 => tile::<V, 1, NV>(t),
            2 => tile::<V, 2, NV>(t),
            3 => tile::<V, 3, NV>(t),
            4 if MR >= 4 => tile::<V, 4, NV>(t),
            5 if MR >= 5 => tile::<V, 5, NV>(t),
            _ => tile::<V, MR, NV>(t),
        }
    }
}

/// The blocked product `C = init + A B` (see the module docs) with `V` lanes, tiles of `MR`
/// rows (3 to 6) by `NV` vectors, and `pack` for panels of a `B` whose columns are not
/// contiguous. (The tile shape is a backend's choice for its registers: it changes no bit.)
///
/// Loop order: chunks of `p` (outermost, so each element's sum stays in increasing `p`), then
/// column panels of `NV * W`, then row tiles of `MR`. Columns left over after the last whole
/// vector go through scalar tiles one column at a time (the same order, so the same bits).
///
/// # Safety
/// `prod.fits(c)` holds, and `V` may be executed (see [`Lanes`]).
#[inline(always)]
pub(super) unsafe fn gemm<V: Lanes, const NV: usize, const MR: usize>(
    prod: &Product<'_>,
    c: &mut [f32],
    pack: &mut [MaybeUninit<f32>],
) {
    const { assert!(MR >= 3 && MR <= 6, "tiles of 3 to 6 rows") };
    let Product {
        m,
        n,
        k,
        a,
        b,
        bias,
        ldc,
    } = *prod;
    let nr = NV * V::W;
    let kc_max = if V::W > 1 {
        (pack.len() / nr).max(1)
    } else {
        KC_PLAIN
    };
    // Pack when the lanes are wider than one and either `B`'s columns are not contiguous
    // (each vector load would gather) or more than one row tile reads a panel that spans
    // more than the packing buffer: such rows can sit a power of two apart (1 KB for 256
    // columns), so the panel's lines fall into a few L1 sets and evict each other before
    // the next row tile comes back. (A small `B` stays in L1 unpacked.)
    let spread = m > MR && kc_max.min(k).saturating_mul(b.row) > pack.len();
    let must_pack = V::W > 1 && (b.col != 1 || spread);
    let (ap, bp, cp) = (a.data.as_ptr(), b.data.as_ptr(), c.as_mut_ptr());
    let mut p0 = 0;
    loop {
        let kc = kc_max.min(k - p0);
        // The bias starts each sum; later chunks continue from C.
        let init = match bias {
            Some(bias) if p0 == 0 => bias.as_ptr(),
            _ => core::ptr::null(),
        };
        let mut j0 = 0;
        while j0 < n {
            let width = nr.min(n - j0);
            let nv = width / V::W;
            // SAFETY: `prod.fits(c)` bounds every index below: rows `i0 + i < m`, columns
            // `j0 + j < n`, sums `p0 + p < k`; the panel holds `kc * nr <= pack.len()` floats.
            unsafe {
                let panel = if nv == 0 {
                    None
                } else if must_pack {
                    let dst = pack.as_mut_ptr() as *mut f32;
                    if b.col == 1 {
                        // Row by row, whole vectors: a plain copy.
                        for p in 0..kc {
                            let src = bp.add((p0 + p) * b.row + j0);
                            for v in 0..nv {
                                V::load(src.add(v * V::W)).store(dst.add(p * nr + v * V::W));
                            }
                        }
                    } else {
                        // Column by column: a transposed `B` (`b.row == 1`) is then read
                        // contiguously, and the writes stay in the L1-sized buffer.
                        for j in 0..nv * V::W {
                            let src = bp.add(p0 * b.row + (j0 + j) * b.col);
                            for p in 0..kc {
                                *dst.add(p * nr + j) = *src.add(p * b.row);
                            }
                        }
                    }
                    // The tiles read only the `kc x nv W` floats just written.
                    Some(Panel {
                        ptr: pack.as_ptr() as *const f32,
                        k: nr,
                        v_step: V::W,
                    })
                } else {
                    Some(Panel {
                        ptr: bp.add(p0 * b.row + j0 * b.col),
                        k: b.row,
                        v_step: V::W * b.col,
                    })
                };
                let mut i0 = 0;
                while i0 < m {
                    let mr = MR.min(m - i0);
                    let it = if init.is_null() { init } else { init.add(j0) };
                    let t = Tile {
                        kc,
                        a: ap.add(i0 * a.row + p0 * a.col),
                        a_row: a.row,
                        a_k: a.col,
                        b: panel.unwrap_or(Panel {
                            ptr: bp,
                            k: 0,
                            v_step: 0,
                        }),
                        c: cp.add(i0 * ldc + j0),
                        ldc,
                        init: it,
                    };
                    if panel.is_some() {
                        if nv == NV {
                            tile_rows::<V, NV, MR>(mr, t);
                        } else {
                            // A partial panel: one vector at a time (fewer tile shapes to
                            // compile; the same sums).
                            for v in 0..nv {
                                let (dv, pv) = (v * V::W, v * t.b.v_step);
                                let one = Tile {
                                    b: Panel {
                                        ptr: t.b.ptr.add(pv),
                                        ..t.b
                                    },
                                    c: t.c.add(dv),
                                    init: if it.is_null() { it } else { it.add(dv) },
                                    ..t
                                };
                                tile_rows::<V, 1, MR>(mr, one);
                            }
                        }
                    }
                    for j in nv * V::W..width {
                        let col = Tile {
                            b: Panel {
                                ptr: bp.add(p0 * b.row + (j0 + j) * b.col),
                                k: b.row,
                                v_step: 0,
                            },
                            c: t.c.add(j),
                            init: if it.is_null() { it } else { it.add(j) },
                            ..t
                        };
                        tile_rows::<Scalar, 1, MR>(mr, col);
                    }
                    i0 += mr;
                }
            }
            j0 += width;
        }
        p0 += kc;
        if p0 >= k {
            break;
        }
    }
}
