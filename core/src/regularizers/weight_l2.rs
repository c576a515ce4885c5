//! `weight_l2` (alias `weight_decay`): `R = (1/|W|) sum_{W} mean(W^2)` over the matched
//! weight matrices (default: every weight, `*.w`; biases never).
//! Gradient: `dR/dW = 2 W / (|W| * size(W))`.

use super::{
    Regularizer, Selection, add_tensor_grads, mean_over_tensors, view::NetGrads, view::NetView,
};

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
        mean_over_tensors(net, self.targets, |w| w * w)
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        add_tensor_grads(net, self.targets, weight, |w| 2.0 * w);
    }
}
