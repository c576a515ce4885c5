//! `weight_l2` (alias `weight_decay`): `R = (1/|W|) sum_{W} mean(W^2)` over the matched
//! weight matrices (default: every weight, `*.w`; biases never).
//! Gradient: `dR/dW = 2 W / (|W| * size(W))`.

use super::{Regularizer, Selection, view::NetGrads, view::NetView};

/// The L2 weight penalty over a selection of weight matrices.
#[derive(Clone, Debug, Default)]
pub struct WeightL2 {
    /// Which tensors it covers.
    pub targets: Selection,
}

impl Regularizer for WeightL2 {
    fn name(&self) -> &str {
        "weight_l2"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        let count = self.targets.count();
        if count == 0 {
            return 0.0;
        }
        let mut total = 0.0f64;
        for i in self.targets.iter() {
            if let Some(t) = net.tensor(i) {
                let s: f64 = t.data.iter().map(|&w| (w as f64) * (w as f64)).sum();
                total += s / t.data.len() as f64;
            }
        }
        total / count as f64
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        let count = self.targets.count() as f32;
        for i in self.targets.iter() {
            if let Some((t, g)) = net.tensor_grad(i) {
                let c = weight * 2.0 / (count * t.data.len() as f32);
                for (gk, &w) in g.iter_mut().zip(t.data) {
                    *gk += c * w;
                }
            }
        }
    }
}
