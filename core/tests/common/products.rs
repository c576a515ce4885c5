//! The five dense products against their definition, shared by the native kernel tests
//! (`core/tests/kernels.rs`, at every x86-64 level) and the wasm ones
//! (`wasm/tests/browser.rs`, simd128 in a browser): each must equal, bit for bit, the
//! plain loop in the documented order.

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
pub fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = staticnets::rng::XorShift::new(seed);
    (0..len).map(|_| rng.gaussian()).collect()
}

/// `affine`, `affine_t`, `acc_outer`, `back_affine` and `back_affine_t` on `rows` rows of
/// `nin` inputs and `nout` outputs at the kernel level in force: the name of the first
/// whose result is not the reference's bits, if any.
#[allow(dead_code)] // (the fused build's kernel tests check their own sums)
pub fn first_product_off(rows: usize, nin: usize, nout: usize) -> Option<&'static str> {
    let x = values(rows * nin, 1);
    let w = values(nin * nout, 2);
    let d = values(rows * nout, 3);
    let bias = values(nout.max(nin), 4);
    let start = values(nin * nout.max(rows), 5);
    let same = |got: &[f32], want: &[f32]| {
        got.iter()
            .zip(want)
            .all(|(g, w)| g.to_bits() == w.to_bits())
    };
    // affine: x (rows x nin) W (nin x nout) + bias
    let (mut got, mut want) = (vec![0.0; rows * nout], vec![0.0; rows * nout]);
    affine(&x, &w, &bias, &mut got, rows, nin, nout);
    let (xa, wa) = (|i, p| x[i * nin + p], |p, j| w[p * nout + j]);
    reference(rows, nout, nin, xa, wa, &mut want, Some(&bias));
    if !same(&got, &want) {
        return Some("affine");
    }
    // affine_t: x (rows x nin) through w read as (nout x nin), transposed
    affine_t(&x, &w, &bias, &mut got, rows, nin, nout);
    let wt = |p, j| w[j * nin + p];
    reference(rows, nout, nin, xa, wt, &mut want, Some(&bias));
    if !same(&got, &want) {
        return Some("affine_t");
    }
    // acc_outer: dw (nin x nout) += x^T d
    let (mut got, mut want) = (start[..nin * nout].to_vec(), start[..nin * nout].to_vec());
    acc_outer(&x, &d, &mut got, rows, nin, nout);
    let (xt, da) = (|i, p| x[p * nin + i], |p, j| d[p * nout + j]);
    reference(nin, nout, rows, xt, da, &mut want, None);
    if !same(&got, &want) {
        return Some("acc_outer");
    }
    // back_affine: dx (rows x nin) += d W^T; back_affine_t: dx += d w, w read as (nout x nin)
    let dr = |i, p| d[i * nout + p];
    let transposes: [(&str, Backward, bool); 2] = [
        ("back_affine", back_affine, true),
        ("back_affine_t", back_affine_t, false),
    ];
    for (name, kernel, t) in transposes {
        let (mut got, mut want) = (start[..rows * nin].to_vec(), start[..rows * nin].to_vec());
        kernel(&w, &d, &mut got, rows, nin, nout);
        let wb = |p, j| if t { w[j * nout + p] } else { w[p * nin + j] };
        reference(rows, nin, nout, dr, wb, &mut want, None);
        if !same(&got, &want) {
            return Some(name);
        }
    }
    None
}
