//! `weight_l1` (alias `weight_sparsity`): `R = (1/|W|) sum_{W} mean(|W|)` over the matched
//! weight matrices (default `*.w`). Gradient: `sign(W) / (|W| * size(W))`, 0 at `W = 0`.

use super::{
    Regularizer, Selection, add_tensor_grads, mean_over_tensors, view::NetGrads, view::NetView,
};

/// The L1 weight penalty over a selection of weight matrices.
#[derive(Clone, Debug, Default)]
pub struct WeightL1 {
    /// Which tensors it covers.
    pub targets: Selection,
}

impl Regularizer for WeightL1 {
    fn name(&self) -> &str {
        "weight_l1"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        mean_over_tensors(net, self.targets, |w| w.abs())
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        add_tensor_grads(net, self.targets, weight, |w| {
            if w > 0.0 {
                1.0
            } else if w < 0.0 {
                -1.0
            } else {
                0.0
            }
        });
    }
}
