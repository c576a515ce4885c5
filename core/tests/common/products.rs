//! The five dense products against their definition, shared by the native kernel tests
//! (`core/tests/kernels.rs`, at every x86-64 level), the wasm ones (`wasm/tests/browser.rs`,
//! simd128 in a browser) and the firmware's (`tests/firmware`, `--features kernels`: the
//! Cortex-M level under QEMU): each must equal, bit for bit, the plain loop in the
//! documented order. No allocation in the check itself ([`first_product_off_in`]), so the
//! firmware runs the same code from a static buffer.

use staticnets::kernels::{acc_outer, affine, affine_t, back_affine, back_affine_t};

/// The documented order, written as plainly as possible: start from the bias (or the
/// current value) and add the products one at a time in increasing `p`.
fn reference(
    m: usize,
    n: usize,
    k: usize,
    a: impl Fn(usize, usize) -> f32,
    b: impl Fn(usize, usize) -> f32,
    c: &mut [f32],
    bias: Option<&[f32]>,
) {
    for i in 0..m {
        for j in 0..n {
            let mut s = match bias {
                Some(bias) => bias[j],
                None => c[i * n + j],
            };
            for p in 0..k {
                s += a(i, p) * b(p, j);
            }
            c[i * n + j] = s;
        }
    }
}

/// An input-gradient kernel: `(w, d, dx, rows, nin, nout)`.
type Backward = fn(&[f32], &[f32], &mut [f32], usize, usize, usize);

/// `len` standard normal values from seed `seed`.
#[cfg(not(target_os = "none"))]
#[allow(dead_code)] // (not every test file that includes this module draws values)
pub fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut v = vec![0.0; len];
    fill(&mut v, seed);
    v
}

/// Standard normal values from seed `seed` into `out`.
pub fn fill(out: &mut [f32], seed: u64) {
    let mut rng = staticnets::rng::XorShift::new(seed);
    for v in out {
        *v = rng.gaussian();
    }
}

/// Floats of scratch [`first_product_off_in`] needs for a shape.
pub const fn scratch_len(rows: usize, nin: usize, nout: usize) -> usize {
    let wide = if nout > nin { nout } else { nin };
    rows * nin + nin * nout + rows * nout + wide + 3 * most(rows, nin, nout)
}

/// The largest of the three matrices' sizes: rows x nin, nin x nout, rows x nout.
const fn most(rows: usize, nin: usize, nout: usize) -> usize {
    let (a, b, c) = (rows * nin, nin * nout, rows * nout);
    let ab = if a > b { a } else { b };
    if ab > c { ab } else { c }
}

/// [`first_product_off_in`] with scratch of its own.
#[cfg(not(target_os = "none"))]
#[allow(dead_code)] // (the fused build's kernel tests check their own sums)
pub fn first_product_off(rows: usize, nin: usize, nout: usize) -> Option<&'static str> {
    first_product_off_in(
        rows,
        nin,
        nout,
        &mut vec![0.0; scratch_len(rows, nin, nout)],
    )
}

/// `affine`, `affine_t`, `acc_outer`, `back_affine` and `back_affine_t` on `rows` rows of
/// `nin` inputs and `nout` outputs at the kernel level in force: the name of the first
/// whose result is not the reference's bits, if any. `scratch` holds at least
/// [`scratch_len`] floats.
#[allow(dead_code)] // (the fused build's kernel tests check their own sums)
pub fn first_product_off_in(
    rows: usize,
    nin: usize,
    nout: usize,
    scratch: &mut [f32],
) -> Option<&'static str> {
    let big = most(rows, nin, nout);
    let (x, rest) = scratch.split_at_mut(rows * nin);
    let (w, rest) = rest.split_at_mut(nin * nout);
    let (d, rest) = rest.split_at_mut(rows * nout);
    let (bias, rest) = rest.split_at_mut(nout.max(nin));
    let (start, rest) = rest.split_at_mut(big);
    let (got, want) = rest.split_at_mut(big);
    fill(x, 1);
    fill(w, 2);
    fill(d, 3);
    fill(bias, 4);
    fill(start, 5);
    let (x, w, d, bias, start) = (&*x, &*w, &*d, &*bias, &*start);
    let same = |got: &[f32], want: &[f32]| {
        got.iter()
            .zip(want)
            .all(|(g, w)| g.to_bits() == w.to_bits())
    };
    // affine: x (rows x nin) W (nin x nout) + bias
    let (g, r) = (&mut got[..rows * nout], &mut want[..rows * nout]);
    affine(x, w, bias, g, rows, nin, nout);
    let (xa, wa) = (|i, p| x[i * nin + p], |p, j| w[p * nout + j]);
    reference(rows, nout, nin, xa, wa, r, Some(bias));
    if !same(g, r) {
        return Some("affine");
    }
    // affine_t: x (rows x nin) through w read as (nout x nin), transposed
    affine_t(x, w, bias, g, rows, nin, nout);
    let wt = |p, j| w[j * nin + p];
    reference(rows, nout, nin, xa, wt, r, Some(bias));
    if !same(g, r) {
        return Some("affine_t");
    }
    // acc_outer: dw (nin x nout) += x^T d
    let (g, r) = (&mut got[..nin * nout], &mut want[..nin * nout]);
    g.copy_from_slice(&start[..nin * nout]);
    r.copy_from_slice(&start[..nin * nout]);
    acc_outer(x, d, g, rows, nin, nout);
    let (xt, da) = (|i, p| x[p * nin + i], |p, j| d[p * nout + j]);
    reference(nin, nout, rows, xt, da, r, None);
    if !same(g, r) {
        return Some("acc_outer");
    }
    // back_affine: dx (rows x nin) += d W^T; back_affine_t: dx += d w, w read as (nout x nin)
    let dr = |i, p| d[i * nout + p];
    let transposes: [(&str, Backward, bool); 2] = [
        ("back_affine", back_affine, true),
        ("back_affine_t", back_affine_t, false),
    ];
    for (name, kernel, t) in transposes {
        let (g, r) = (&mut got[..rows * nin], &mut want[..rows * nin]);
        g.copy_from_slice(&start[..rows * nin]);
        r.copy_from_slice(&start[..rows * nin]);
        kernel(w, d, g, rows, nin, nout);
        let wb = |p, j| if t { w[j * nout + p] } else { w[p * nin + j] };
        reference(rows, nin, nout, dr, wb, r, None);
        if !same(g, r) {
            return Some(name);
        }
    }
    None
}
