//! Cross-entropy over a softmax output, fused with the softmax for stability.
//!
//! From the logits `z` (the output layer's `pre`), with `m` the (first) largest and
//! `s = sum_{k != m} e^(z_k - z_m)` (no term of it exceeds 1):
//! `log p_t = (z_t - z_m) - log1p(s)`, so a confident, correct row (`t = m`, `s` tiny) keeps
//! its digits (`ln(1 + s)` would round to 0). `nlp = -max(log p_t, ln 1e-8)` (theanets clips
//! `p` to `[1e-8, 1]`), and `L = sum_r w_r nlp_r / sum_r w_r`. Gradient with respect to the
//! logits: `w_r (p - onehot(t)) / sum w` with `p_k = e^(z_k - z_m) / (1 + s)`, and for
//! `k = t = m` the difference written as `-s / (1 + s)` (no cancellation); 0 for a row whose
//! `p_t` was clipped.

use super::LossValue;
use super::{total_weight, weight_of};
use crate::layers::OutputGrads;

/// `ln(1e-8)`: the clip of `p_target`.
pub const LOG_CLIP: f32 = -18.420_681;

/// Loss value; adds `scale * dL/d pre` into `layer.d_pre`.
pub fn loss(
    layer: &mut OutputGrads<'_>,
    labels: &[u32],
    weights: Option<&[f32]>,
    scale: f32,
) -> f64 {
    sum(layer, labels, weights, scale).value()
}

/// [`loss`]'s weighted total and total weight, summed in `f32` ([`LossValue`]): the value
/// without a division in `f64` (a training step reads it so).
pub fn sum(
    layer: &mut OutputGrads<'_>,
    labels: &[u32],
    weights: Option<&[f32]>,
    scale: f32,
) -> LossValue {
    let (rows, cols) = (layer.view.rows, layer.view.cols);
    let wsum = total_weight(weights, rows);
    if wsum.value() <= 0.0 {
        return LossValue::NONE;
    }
    let g = 1.0 / wsum.value() * scale;
    let mut total = crate::kernels::Sum::default();
    for r in 0..rows {
        let z = &layer.view.pre[r * cols..(r + 1) * cols];
        let t = labels[r] as usize;
        let m = crate::losses::argmax(z);
        let max = z[m];
        let mut rest = 0.0f32;
        for (k, &v) in z.iter().enumerate() {
            if k != m {
                rest += libm::expf(v - max);
            }
        }
        let log_pt = (z[t] - max) - libm::log1pf(rest);
        let w = weight_of(weights, r);
        if log_pt > LOG_CLIP {
            total.add(-w * log_pt);
            let d = &mut layer.d_pre[r * cols..(r + 1) * cols];
            let inv = 1.0 / (1.0 + rest);
            for k in 0..cols {
                let p_minus_y = if k == t && k == m {
                    -rest * inv
                } else if k == m {
                    inv
                } else if k == t {
                    libm::expf(z[k] - max) * inv - 1.0
                } else {
                    libm::expf(z[k] - max) * inv
                };
                d[k] += g * w * p_minus_y;
            }
        } else {
            total.add(-w * LOG_CLIP);
        }
    }
    LossValue {
        total,
        weight: wsum,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::check;
    use crate::layers::Activation;

    #[test]
    fn gradient_matches_finite_differences() {
        let pre = [0.3f32, -0.7, 1.2, 0.05, -0.4, 0.9, 2.0, -1.0, 0.0];
        let labels = [2u32, 0, 1];
        let w = [1.0f32, 0.5, 2.0];
        check(
            Activation::Softmax,
            &pre,
            3,
            &|g| super::loss(g, &labels, None, 1.0),
            1e-2,
        );
        check(
            Activation::Softmax,
            &pre,
            3,
            &|g| super::loss(g, &labels, Some(&w), 1.0),
            1e-2,
        );
    }

    #[test]
    fn value_matches_log_softmax_and_clips() {
        let pre = [1.0f32, 2.0, 3.0, 100.0, 0.0, 0.0];
        let (mut a, mut b) = ([0.0; 6], [0.0; 6]);
        let view = crate::layers::OutputView::new(1, 2, 3, &pre, &pre, Activation::Softmax);
        let mut g = crate::layers::OutputGrads {
            view,
            d_out: &mut a,
            d_pre: &mut b,
        };
        let v = super::loss(&mut g, &[0, 1], None, 1.0);
        let row0 = -(1.0f64 - 3.0 - ((-2.0f64).exp() + (-1.0f64).exp() + 1.0).ln());
        let row1 = -(super::LOG_CLIP as f64); // p = e^-100: clipped at 1e-8
        assert!((v - (row0 + row1) / 2.0).abs() < 1e-5, "{v}");
        assert_eq!(&b[3..], &[0.0, 0.0, 0.0]);
    }
}
