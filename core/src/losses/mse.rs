//! Mean squared error: `L = sum_k w_k (o_k - t_k)^2 / sum_k w_k` (unweighted: `w = 1`).
//! Gradient: `dL/do_k = 2 w_k (o_k - t_k) / sum w`. The terms are summed in compensated `f32`
//! in [`sum_f32`](crate::kernels::sum_f32)'s order (eight chains).

use super::LossValue;
use super::total_weight;
use crate::layers::OutputGrads;

/// Loss value; adds `scale * dL/d out` into `layer.d_out`.
pub fn loss(
    layer: &mut OutputGrads<'_>,
    target: &[f32],
    weights: Option<&[f32]>,
    scale: f32,
) -> f64 {
    sum(layer, target, weights, scale).value()
}

/// [`loss`]'s weighted total and total weight, summed in `f32` ([`LossValue`]): the value
/// without a division in `f64` (a training step reads it so).
pub fn sum(
    layer: &mut OutputGrads<'_>,
    target: &[f32],
    weights: Option<&[f32]>,
    scale: f32,
) -> LossValue {
    let out = layer.view.out;
    let n = out.len();
    let Some(w) = weights else {
        // Unweighted, all in f32: `n` is exact in f32 (below 2^24), so `2 / n` is the
        // correctly rounded quotient, the same bits as when it was taken in f64 and rounded.
        if n == 0 {
            return LossValue::NONE;
        }
        let g = 2.0 / n as f32 * scale;
        let total = unweighted(&out[..n], &target[..n], g, &mut layer.d_out[..n]);
        return LossValue {
            total,
            weight: super::total_weight(None, n),
        };
    };
    let wsum = total_weight(weights, n);
    if wsum.value() <= 0.0 {
        return LossValue::NONE;
    }
    let g = 2.0 / wsum.value() * scale;
    let total = weighted(&out[..n], &target[..n], &w[..n], g, &mut layer.d_out[..n]);
    LossValue {
        total,
        weight: wsum,
    }
}

// Chunks of eight, the tail after: the eight partial sums of `kernels::sum_f32`'s order.
// (with `w = 1`, `w e e` and `g w e` are `e e` and `g e`, the same bits)
crate::elementwise! {
    fn unweighted(out: &[f32], target: &[f32], g: f32, d_out: &mut [f32]) -> crate::kernels::Sum {
        let mut s = [crate::kernels::Sum::default(); 8];
        let chunks = out.chunks_exact(8).zip(target.chunks_exact(8));
        for ((o, t), d) in chunks.zip(d_out.chunks_exact_mut(8)) {
            for l in 0..8 {
                let e = o[l] - t[l];
                d[l] += g * e;
                s[l].add(e * e);
            }
        }
        let body = out.len() - out.len() % 8;
        let mut total = crate::kernels::combine8(&s);
        for k in body..out.len() {
            let e = out[k] - target[k];
            d_out[k] += g * e;
            total.add(e * e);
        }
        total
    }
}

crate::elementwise! {
    fn weighted(out: &[f32], target: &[f32], w: &[f32], g: f32, d_out: &mut [f32]) -> crate::kernels::Sum {
        let mut s = [crate::kernels::Sum::default(); 8];
        let chunks = out.chunks_exact(8).zip(target.chunks_exact(8)).zip(w.chunks_exact(8));
        for (((o, t), w), d) in chunks.zip(d_out.chunks_exact_mut(8)) {
            for l in 0..8 {
                let e = o[l] - t[l];
                d[l] += g * w[l] * e;
                s[l].add(w[l] * e * e);
            }
        }
        let body = out.len() - out.len() % 8;
        let mut total = crate::kernels::combine8(&s);
        for k in body..out.len() {
            let e = out[k] - target[k];
            d_out[k] += g * w[k] * e;
            total.add(w[k] * e * e);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::check;
    use crate::layers::Activation;

    #[test]
    fn gradient_matches_finite_differences() {
        let pre = [0.3f32, -0.7, 1.2, 0.05, -0.4, 0.9];
        let t = [0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6];
        let w = [1.0f32, 0.5, 2.0, 0.0, 1.0, 3.0];
        for act in [Activation::Linear, Activation::Sigmoid, Activation::Tanh] {
            check(act, &pre, 3, &|g| super::loss(g, &t, None, 1.0), 1e-2);
            check(act, &pre, 3, &|g| super::loss(g, &t, Some(&w), 1.0), 1e-2);
        }
    }

    #[test]
    fn value_is_the_mean_of_squares() {
        let out = [1.0f32, 2.0, 3.0, 4.0];
        let t = [0.0f32, 0.0, 1.0, 1.0];
        let (mut a, mut b) = ([0.0; 4], [0.0; 4]);
        let view = crate::layers::OutputView::new(1, 2, 2, &out, &out, Activation::Linear);
        let mut g = crate::layers::OutputGrads {
            view,
            d_out: &mut a,
            d_pre: &mut b,
        };
        assert_eq!(
            super::loss(&mut g, &t, None, 1.0),
            (1.0 + 4.0 + 4.0 + 9.0) / 4.0
        );
        // weighted: (1*1 + 0*4 + 2*4 + 1*9) / 4
        let w = [1.0f32, 0.0, 2.0, 1.0];
        let mut g = crate::layers::OutputGrads {
            view,
            d_out: &mut a,
            d_pre: &mut b,
        };
        assert_eq!(super::loss(&mut g, &t, Some(&w), 1.0), 18.0 / 4.0);
    }
}
