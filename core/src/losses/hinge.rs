//! Multiclass hinge (Crammer-Singer SVM loss) with margin 1, on the output values.
//!
//! Per row: `e = max(0, max_{k != t} o_k - o_t + 1)`; `L = sum w e / sum w`.
//! Gradient where `e > 0`: `+w / sum w` at the arg-max `k* != t` (the first among equals),
//! `-w / sum w` at `t`.

use super::LossValue;
use super::{total_weight, weight_of};
use crate::layers::OutputGrads;

/// The margin.
pub const MARGIN: f32 = 1.0;

/// Loss value; adds `scale * dL/d out` into `layer.d_out`.
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
    if wsum.value() <= 0.0 || cols < 2 {
        return LossValue::NONE;
    }
    let g = 1.0 / wsum.value() * scale;
    let mut total = crate::kernels::Sum::default();
    for r in 0..rows {
        let o = &layer.view.out[r * cols..(r + 1) * cols];
        let t = labels[r] as usize;
        let mut best = if t == 0 { 1 } else { 0 };
        for k in 0..cols {
            if k != t && o[k] > o[best] {
                best = k;
            }
        }
        let e = o[best] - o[t] + MARGIN;
        if e > 0.0 {
            let w = weight_of(weights, r);
            total.add(w * e);
            layer.d_out[r * cols + best] += g * w;
            layer.d_out[r * cols + t] -= g * w;
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
        // away from the kinks: no ties, no margin exactly met
        let pre = [
            0.3f32, -0.7, 1.2, 0.05, -0.4, 0.9, 2.0, -1.0, 0.1, 3.5, 0.2, 0.0,
        ];
        let labels = [2u32, 0, 1, 0];
        let w = [1.0f32, 0.5, 2.0, 1.0];
        check(
            Activation::Linear,
            &pre,
            3,
            &|g| super::loss(g, &labels, None, 1.0),
            1e-2,
        );
        check(
            Activation::Linear,
            &pre,
            3,
            &|g| super::loss(g, &labels, Some(&w), 1.0),
            1e-2,
        );
    }

    #[test]
    fn value_with_margin_one() {
        // row 0: t=0, o=[2, 0.5, 1.5] -> max other 1.5 - 2 + 1 = 0.5; row 1: t=1, o=[0, 3, 1] -> 0
        let out = [2.0f32, 0.5, 1.5, 0.0, 3.0, 1.0];
        let (mut a, mut b) = ([0.0; 6], [0.0; 6]);
        let view = crate::layers::OutputView::new(1, 2, 3, &out, &out, Activation::Linear);
        let mut g = crate::layers::OutputGrads {
            view,
            d_out: &mut a,
            d_pre: &mut b,
        };
        assert_eq!(super::loss(&mut g, &[0, 1], None, 1.0), 0.25);
    }
}
