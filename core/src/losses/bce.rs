//! Binary cross-entropy from logits, for a sigmoid output and targets in `[0, 1]`.
//!
//! With `z` the output layer's `pre`: `e = max(z, 0) - t z + log1p(exp(-|z|))` (which is
//! `-t ln sigmoid(z) - (1 - t) ln(1 - sigmoid(z))`, written so that nothing overflows or
//! cancels: a confident, correct `z = 80, t = 1` gives `log1p(e^-80)`, not `80 - 80`), and
//! `L = sum w e / sum w`. Gradient with respect to `z`: `w (sigmoid(z) - t) / sum w`, with
//! `sigmoid(z) - t` written as `(1 - t) - sigmoid(-z)` for `z >= 0` (so `t = 1` keeps the
//! tiny `-sigmoid(-z)`).

use super::LossValue;
use super::{total_weight, weight_of};
use crate::layers::OutputGrads;
use crate::layers::activation::sigmoid;

/// Loss value; adds `scale * dL/d pre` into `layer.d_pre`.
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
    let z = layer.view.pre;
    let n = z.len();
    let wsum = total_weight(weights, n);
    if wsum.value() <= 0.0 {
        return LossValue::NONE;
    }
    let g = 1.0 / wsum.value() * scale;
    let mut total = crate::kernels::Sum::default();
    for k in 0..n {
        let w = weight_of(weights, k);
        let (zk, tk) = (z[k], target[k]);
        // max(z, 0) - t z, as z (1 - t) or -t z: exact for t = 0 and t = 1.
        let linear = if zk > 0.0 { zk * (1.0 - tk) } else { -tk * zk };
        let e = linear + libm::log1pf(libm::expf(-zk.abs()));
        total.add(w * e);
        let diff = if zk >= 0.0 {
            (1.0 - tk) - sigmoid(-zk)
        } else {
            sigmoid(zk) - tk
        };
        layer.d_pre[k] += g * w * diff;
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
        let pre = [0.3f32, -0.7, 1.2, 0.05, -4.0, 9.0];
        let t = [0.0f32, 1.0, 0.3, 1.0, 0.5, 0.0];
        let w = [1.0f32, 0.5, 2.0, 0.0, 1.0, 3.0];
        check(
            Activation::Sigmoid,
            &pre,
            3,
            &|g| super::loss(g, &t, None, 1.0),
            1e-2,
        );
        check(
            Activation::Sigmoid,
            &pre,
            3,
            &|g| super::loss(g, &t, Some(&w), 1.0),
            1e-2,
        );
    }

    #[test]
    fn value_equals_the_probability_form() {
        let z = 0.8f32;
        let t = 0.25f32;
        let s = 1.0 / (1.0 + (-z as f64).exp());
        let expected = -(t as f64) * s.ln() - (1.0 - t as f64) * (1.0 - s).ln();
        let (mut a, mut b) = ([0.0; 1], [0.0; 1]);
        let (pre, out) = ([z], [s as f32]);
        let view = crate::layers::OutputView::new(1, 1, 1, &pre, &out, Activation::Sigmoid);
        let mut g = crate::layers::OutputGrads {
            view,
            d_out: &mut a,
            d_pre: &mut b,
        };
        assert!((super::loss(&mut g, &[t], None, 1.0) - expected).abs() < 1e-6);
    }
}
