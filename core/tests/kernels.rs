//! The kernels against their definition: every product, at every level this machine runs,
//! equals a plain loop in the documented order bit for bit, and agrees with nalgebra.

use staticnets::kernels::*;

#[path = "common/products.rs"]
mod products;
#[cfg(not(feature = "fma"))]
use products::first_product_off;
use products::values;

/// The kernel level is one global setting, and tests run in parallel threads: each test that
/// sets or reads it holds this lock, so one test's level never shows up in another's.
static LEVEL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn level_lock() -> std::sync::MutexGuard<'static, ()> {
    LEVEL.lock().unwrap_or_else(|e| e.into_inner())
}

/// With the opt-in `fma` feature the bits are no longer the reference's: every level still
/// computes the product (each element within a few roundings of a float64 sum, relative to
/// the sum of its terms' magnitudes), and the AVX2 / AVX-512 levels really fuse (an element
/// equals the fused sequence `s = a.mul_add(b, s)` and some element differs from the
/// unfused one).
#[cfg(feature = "fma")]
#[test]
fn fused_products_are_the_fused_sums() {
    let _level = level_lock();
    let before = level();
    const { assert!(FUSED) };
    let (m, n, k) = (13, 64, 300);
    let a = values(m * k, 11);
    let b = values(k * n, 12);
    let bias = values(n, 13);
    for l in Level::ALL.into_iter().filter(|l| l.supported()) {
        set_level(l).unwrap();
        let mut got = vec![0.0f32; m * n];
        affine(&a, &b, &bias, &mut got, m, k, n);
        let fuses = matches!(l, Level::Avx2 | Level::Avx512);
        let mut differs = false;
        for i in 0..m {
            for j in 0..n {
                let (mut exact, mut size) = (bias[j] as f64, bias[j].abs() as f64);
                let (mut fused, mut plain) = (bias[j], bias[j]);
                for p in 0..k {
                    let (x, y) = (a[i * k + p], b[p * n + j]);
                    exact += x as f64 * y as f64;
                    size += (x as f64 * y as f64).abs();
                    fused = x.mul_add(y, fused);
                    plain += x * y;
                }
                let g = got[i * n + j];
                assert!(
                    (g as f64 - exact).abs() <= 1e-5 * size,
                    "{} {i} {j}",
                    l.name()
                );
                if fuses {
                    // n = 64 is a whole number of vectors at both levels: no scalar tails.
                    assert_eq!(g.to_bits(), fused.to_bits(), "{} {i} {j}", l.name());
                    differs |= g.to_bits() != plain.to_bits();
                }
            }
        }
        assert!(!fuses || differs, "{} did not fuse", l.name());
    }
    set_level(before).unwrap();
}

/// Every product, at every level this machine runs, equals the reference bit for bit, on
/// shapes that exercise partial row tiles, partial vectors, scalar column tails and more
/// than one chunk of the summed index (k > 128 with AVX-512's packed panels).
#[cfg(not(feature = "fma"))]
#[test]
fn every_level_gives_the_reference_bits() {
    let _level = level_lock();
    let before = level();
    let shapes = [
        (1, 1, 1),
        (3, 5, 7),
        (6, 32, 64),
        (7, 33, 129),
        (13, 17, 300),
        (32, 64, 32),
        (20, 40, 256),
        (64, 40, 513),
    ];
    for l in Level::ALL.into_iter().filter(|l| l.supported()) {
        set_level(l).unwrap();
        for &(rows, nin, nout) in &shapes {
            if let Some(name) = first_product_off(rows, nin, nout) {
                panic!("{name} at {} for {rows}x{nin}x{nout}", l.name());
            }
        }
    }
    set_level(before).unwrap();
}

/// Strided operands and a row stride of C wider than its columns (a time step of every
/// sequence, as the recurrent layers use them): the reference bits, at every level, and
/// the gaps between C's rows untouched.
#[cfg(not(feature = "fma"))]
#[test]
fn strided_products_give_the_reference_bits() {
    let _level = level_lock();
    let before = level();
    let (m, n, k, lda, ldc) = (7, 37, 19, 45, 41);
    let a = values(m * lda, 6);
    let w = values(n * k, 7);
    let bias = values(n, 8);
    for l in Level::ALL.into_iter().filter(|l| l.supported()) {
        set_level(l).unwrap();
        for (t, bias) in [(false, Some(&bias[..])), (true, None)] {
            // B is k x n row-major, or read transposed from an n x k matrix
            let b = if t {
                Operand::transposed(&w, k)
            } else {
                Operand::rows(&w, n)
            };
            let at = |p: usize, j: usize| if t { w[j * k + p] } else { w[p * n + j] };
            let mut got = values(m * ldc, 9);
            let prod = Product {
                m,
                n,
                k,
                a: Operand {
                    data: &a[3..],
                    row: lda,
                    col: 1,
                },
                b,
                bias,
                ldc,
            };
            let start = got.clone();
            product(&prod, &mut got);
            for i in 0..m {
                for j in 0..ldc {
                    let mut want = start[i * ldc + j];
                    if j < n {
                        want = bias.map_or(want, |b| b[j]);
                        for p in 0..k {
                            want += a[3 + i * lda + p] * at(p, j);
                        }
                    }
                    assert_eq!(
                        got[i * ldc + j].to_bits(),
                        want.to_bits(),
                        "{} {i} {j}",
                        l.name()
                    );
                }
            }
        }
    }
    set_level(before).unwrap();
}

#[test]
fn an_unsupported_level_is_refused_and_changes_nothing() {
    let _level = level_lock();
    let before = level();
    for l in Level::ALL.into_iter().filter(|l| !l.supported()) {
        assert!(set_level(l).is_err());
        assert_eq!(level(), before);
    }
    assert!(Level::Portable.supported());
}

#[test]
fn affine_and_its_backward_agree_with_nalgebra() {
    let _level = level_lock();
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
    let wt_rows: Vec<f32> = (0..nout)
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
    let mut skipped: [f32; 0] = [];
    back_affine(&w, &d, &mut skipped, rows, nin, nout); // an empty sink: nothing to do
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
