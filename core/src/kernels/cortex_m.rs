//! The products on a Cortex-M with a single-precision FPU (thumbv7em and thumbv8m.main,
//! `eabihf`: Cortex-M4F, M7, M33, RP2350): register tiles of up to 4 rows by 4 columns.
//!
//! The M4F has 32 single-precision registers: 16 accumulators, 4 values of `A` and 4 of `B`
//! fit with room to spare, and `VMLA.F32` adds a product to an accumulator rounding after the
//! multiply and after the add (not fused), so each element is the documented sum: its bias
//! (or current value), then `c = c + a * b` one `p` at a time in increasing order. The same
//! bits as every other level.
//!
//! Why not the portable tiles: those hold their accumulators in arrays indexed by loops
//! that only an unrolling optimizer turns into registers. Firmware is built for size
//! (`opt-level = "s"`), which does not unroll them, so every multiply-add became a load, a
//! multiply-add and a store with loop overhead (about 15 instructions). Here every
//! accumulator is a local variable written out once per row (`tile!`), which the register
//! allocator keeps in an S register whatever the optimization level.
//!
//! There are no caches to block for on these parts, and no room for a packing buffer on
//! their stacks: a tile runs its whole sum in one pass and reads `A` and `B` in place.
//! Column pointers are advanced by the operand's stride; where a tile's four values of `B`
//! (or of `A`) are adjacent, they are read at constant offsets from one pointer.

use super::gemm::Product;

/// Rows and columns of the widest register tile.
const MR: usize = 4;
const NR: usize = 4;

/// One register tile's operands: `A(i, p)` at `a + i * a_row + p * a_k`, `B(p, j)` at
/// `b + p * b_row + j * b_col`, `C(i, j)` at `c + i * ldc + j`, starting from the bias row
/// at `bias + j` (or from `C` itself when `bias` is null), summing `k` products.
#[derive(Clone, Copy)]
struct Tile {
    k: usize,
    a: *const f32,
    a_row: usize,
    a_k: usize,
    b: *const f32,
    b_row: usize,
    b_col: usize,
    c: *mut f32,
    ldc: usize,
    bias: *const f32,
}

impl Tile {
    /// Row `i`'s four starting values.
    ///
    /// # Safety
    /// Row `i` and columns 0 to 3 of the tile are in bounds of `C` (and of the bias row).
    #[inline(always)]
    unsafe fn init(&self, i: usize) -> (f32, f32, f32, f32) {
        // SAFETY: forwarded from the caller.
        unsafe {
            let p = if self.bias.is_null() {
                self.c.add(i * self.ldc) as *const f32
            } else {
                self.bias
            };
            (*p, *p.add(1), *p.add(2), *p.add(3))
        }
    }

    /// Row `i`'s four sums, stored.
    ///
    /// # Safety
    /// As [`init`](Self::init).
    #[inline(always)]
    unsafe fn store(&self, i: usize, c: (f32, f32, f32, f32)) {
        // SAFETY: forwarded from the caller.
        unsafe {
            let p = self.c.add(i * self.ldc);
            *p = c.0;
            *p.add(1) = c.1;
            *p.add(2) = c.2;
            *p.add(3) = c.3;
        }
    }

    /// `B(p, 0..4)` at `pb` (row `p`'s first column).
    ///
    /// # Safety
    /// The four values are in bounds.
    #[inline(always)]
    unsafe fn b4<const BC: bool>(&self, pb: *const f32) -> (f32, f32, f32, f32) {
        // SAFETY: forwarded from the caller.
        unsafe {
            if BC {
                (*pb, *pb.add(1), *pb.add(2), *pb.add(3))
            } else {
                let s = self.b_col;
                (*pb, *pb.add(s), *pb.add(2 * s), *pb.add(3 * s))
            }
        }
    }

    /// `A(i, p)` at `pa` (column `p`'s first row).
    ///
    /// # Safety
    /// The value is in bounds.
    #[inline(always)]
    unsafe fn a<const AC: bool>(&self, pa: *const f32, i: usize) -> f32 {
        // SAFETY: forwarded from the caller.
        unsafe {
            if AC {
                *pa.add(i)
            } else {
                *pa.add(i * self.a_row)
            }
        }
    }
}

/// A register tile of as many rows as it names accumulators for, by 4 columns: `AC` when the
/// rows of `A` are adjacent (`a_row == 1`), `BC` when the columns of `B` are (`b_col == 1`).
/// Each row's four accumulators are locals (`$c`), each value of `A` one more (`$x`).
macro_rules! tile {
    ($(#[$m:meta])* $name:ident: $(($i:literal, $x:ident, $c:ident)),+) => {
        $(#[$m])*
        /// # Safety
        /// Every address the tile names (see [`Tile`]) is in bounds.
        #[inline(never)]
        unsafe fn $name<const AC: bool, const BC: bool>(t: &Tile) {
            // SAFETY (whole body): the caller guarantees every address is in bounds.
            unsafe {
                $(let mut $c = t.init($i);)+
                let (mut pa, mut pb) = (t.a, t.b);
                for _ in 0..t.k {
                    let b = t.b4::<BC>(pb);
                    $(
                        let $x = t.a::<AC>(pa, $i);
                        $c.0 += $x * b.0;
                        $c.1 += $x * b.1;
                        $c.2 += $x * b.2;
                        $c.3 += $x * b.3;
                    )+
                    pa = pa.add(t.a_k);
                    pb = pb.add(t.b_row);
                }
                $(t.store($i, $c);)+
            }
        }
    };
}

tile!(
    /// Four rows.
    tile4: (0, x0, c0), (1, x1, c1), (2, x2, c2), (3, x3, c3)
);
tile!(
    /// Three rows.
    tile3: (0, x0, c0), (1, x1, c1), (2, x2, c2)
);
tile!(
    /// Two rows.
    tile2: (0, x0, c0), (1, x1, c1)
);
tile!(
    /// One row (a batch of one).
    tile1: (0, x0, c0)
);

/// The tile for `mr` rows (1 to 4), with the operands' layout chosen once per product.
///
/// # Safety
/// As the tiles.
#[inline(always)]
unsafe fn run<const AC: bool, const BC: bool>(mr: usize, t: &Tile) {
    // SAFETY: forwarded from the caller.
    unsafe {
        match mr {
            1 => tile1::<AC, BC>(t),
            2 => tile2::<AC, BC>(t),
            3 => tile3::<AC, BC>(t),
            _ => tile4::<AC, BC>(t),
        }
    }
}

/// One element of `C` outside the whole tiles (`n` not a multiple of 4): the same sum.
///
/// # Safety
/// Every address is in bounds.
#[inline(never)]
unsafe fn element(t: &Tile) {
    // SAFETY: the caller guarantees every address is in bounds.
    unsafe {
        let mut s = if t.bias.is_null() { *t.c } else { *t.bias };
        let (mut pa, mut pb) = (t.a, t.b);
        for _ in 0..t.k {
            s += *pa * *pb;
            pa = pa.add(t.a_k);
            pb = pb.add(t.b_row);
        }
        *t.c = s;
    }
}

/// The product `C = init + A B` in register tiles, rows in fours, columns in fours, then the
/// leftover columns one element at a time.
///
/// # Safety
/// `prod.fits(c)` holds.
pub(super) unsafe fn gemm_cortex_m(prod: &Product<'_>, c: &mut [f32]) {
    let Product {
        m,
        n,
        k,
        a,
        b,
        bias,
        ldc,
    } = *prod;
    let (ap, bp, cp) = (a.data.as_ptr(), b.data.as_ptr(), c.as_mut_ptr());
    let bias = bias.map_or(core::ptr::null(), |b| b.as_ptr());
    let (ac, bc) = (a.row == 1, b.col == 1);
    let mut i0 = 0;
    while i0 < m {
        let mr = MR.min(m - i0);
        let mut j0 = 0;
        while j0 < n {
            let whole = j0 + NR <= n;
            // SAFETY: `prod.fits(c)` bounds every index the tile names: rows `i0 + i < m`,
            // columns `j0 + j < n` (four of them only when `whole`), sums `p < k`.
            unsafe {
                let t = Tile {
                    k,
                    a: ap.add(i0 * a.row),
                    a_row: a.row,
                    a_k: a.col,
                    b: bp.add(j0 * b.col),
                    b_row: b.row,
                    b_col: b.col,
                    c: cp.add(i0 * ldc + j0),
                    ldc,
                    bias: if bias.is_null() { bias } else { bias.add(j0) },
                };
                if whole {
                    match (ac, bc) {
                        (true, true) => run::<true, true>(mr, &t),
                        (true, false) => run::<true, false>(mr, &t),
                        (false, true) => run::<false, true>(mr, &t),
                        (false, false) => run::<false, false>(mr, &t),
                    }
                } else {
                    for i in 0..mr {
                        let one = Tile {
                            a: t.a.add(i * a.row),
                            c: t.c.add(i * ldc),
                            ..t
                        };
                        element(&one);
                    }
                }
            }
            j0 += if whole { NR } else { 1 };
        }
        i0 += mr;
    }
}
