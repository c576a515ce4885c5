//! L2-SP (Li, Grandvalet and Davoine 2018, "Explicit inductive bias for transfer learning with
//! convolutional networks"): while fine-tuning, pull every parameter towards its pretrained
//! value instead of towards zero, so a few new samples adapt the model without erasing it.
//!
//! Written, as a user would, against staticnets' public custom-regularizer trait:
//!
//! `R = (1/T) sum_t mean_k (theta_tk - theta0_tk)^2` over all `T` parameter tensors
//! (weights and biases), the same per-tensor mean as the built-in `weight_l2`, so strengths
//! compare. Gradient: `dR/dtheta_tk = 2 (theta_tk - theta0_tk) / (T n_t)`.
//!
//! The anchor `theta0` is read in place from the checkpoint bytes (in flash), so the penalty
//! costs no RAM.

use staticnets::Error;
use staticnets::checkpoint::checkpoint_params;
use staticnets::kernels::Sum;
use staticnets::layers::Layers;
use staticnets::network::Network;
use staticnets::regularizers::{NetGrads, NetView, Regularizer};

/// The penalty, anchored to a verified checkpoint.
pub struct L2Sp<'a> {
    anchor: &'a [u8],
}

impl<'a> L2Sp<'a> {
    /// Anchor to `checkpoint`, which must be a valid checkpoint of `net`'s architecture.
    pub fn new<L: Layers>(checkpoint: &'a [u8], net: &Network<L>) -> Result<Self, Error> {
        net.verify_checkpoint(checkpoint)?;
        Ok(L2Sp { anchor: checkpoint })
    }
}

impl Regularizer for L2Sp<'_> {
    fn name(&self) -> &str {
        "l2sp"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        // Summed in f32, compensated (`Sum`): the M4F has no double-precision FPU.
        let (mut total, mut first, mut tensors) = (0.0f64, 0usize, 0usize);
        for t in (0..net.tensors()).filter_map(|i| net.tensor(i)) {
            let mut sum = Sum::default();
            for (&w, w0) in t.data.iter().zip(checkpoint_params(self.anchor, first)) {
                let d = w - w0;
                sum.add(d * d);
            }
            total += sum.value_f64() / t.data.len() as f64;
            first += t.data.len();
            tensors += 1;
        }
        if tensors == 0 {
            0.0
        } else {
            total / tensors as f64
        }
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        let tensors = net.tensors();
        let mut first = 0usize;
        for i in 0..tensors {
            let Some((t, g)) = net.tensor_grad(i) else {
                continue;
            };
            let scale = weight * 2.0 / (tensors as f32 * t.data.len() as f32);
            let anchor = checkpoint_params(self.anchor, first);
            for ((gk, &w), w0) in g.iter_mut().zip(t.data).zip(anchor) {
                *gk += scale * (w - w0);
            }
            first += t.data.len();
        }
    }
}
