//! Mean absolute error: `L = sum_k w_k |o_k - t_k| / sum_k w_k`.
//! Gradient: `dL/do_k = w_k sign(o_k - t_k) / sum w` (0 where `o_k = t_k`).

use super::LossValue;
use super::{total_weight, weight_of};
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
    let wsum = total_weight(weights, n);
    if wsum.value() <= 0.0 {
        return LossValue::NONE;
    }
    let g = 1.0 / wsum.value() * scale;
    let mut total = crate::kernels::Sum::default();
    for k in 0..n {
        let w = weight_of(weights, k);
        let e = out[k] - target[k];
        total.add(w * e.abs());
        let sign = if e > 0.0 {
            1.0
        } else if e < 0.0 {
            -1.0
        } else {
            0.0
        };
        layer.d_out[k] += g * w * sign;
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
        let pre = [0.3f32, -0.7, 1.2, 0.05, -0.4, 0.9];
        let t = [0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6];
        let w = [1.0f32, 0.5, 2.0, 0.0, 1.0, 3.0];
        for act in [Activation::Linear, Activation::Tanh] {
            check(act, &pre, 3, &|g| super::loss(g, &t, None, 1.0), 1e-2);
            check(act, &pre, 3, &|g| super::loss(g, &t, Some(&w), 1.0), 1e-2);
        }
    }
}
