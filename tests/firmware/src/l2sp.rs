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
use staticnets::checkpoint::checkpoint_param_bytes;
use staticnets::kernels::{SUM_BLOCK, Sum};
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
        // Summed in f32 (the M4F has no double-precision FPU), in the core's order for such
        // values (`kernels::sum_f32`): blocks of 64 in eight named chains (a build for size
        // keeps them in registers), the blocks in a double-f32 `Sum`, so the value stays
        // within 1e-6 of float64 at about four instructions a parameter.
        let anchor = checkpoint_param_bytes(self.anchor);
        let (mut total, mut first, mut tensors) = (0.0f64, 0usize, 0usize);
        for t in (0..net.tensors()).filter_map(|i| net.tensor(i)) {
            let n = t.data.len();
            let a = &anchor[4 * first..4 * (first + n)];
            let mut sum = Sum::default();
            let whole = n - n % SUM_BLOCK;
            for (w, a) in t.data[..whole]
                .chunks_exact(SUM_BLOCK)
                .zip(a.chunks_exact(4 * SUM_BLOCK))
            {
                sum.add(block_sum(w, a));
            }
            for (&w, a) in t.data[whole..].iter().zip(a[4 * whole..].chunks_exact(4)) {
                let d = w - f32::from_le_bytes([a[0], a[1], a[2], a[3]]);
                sum.add(d * d);
            }
            total += sum.value_f64() / n as f64;
            first += n;
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
            let n = t.data.len();
            let scale = weight * 2.0 / (tensors as f32 * n as f32);
            let anchor = &checkpoint_param_bytes(self.anchor)[4 * first..4 * (first + n)];
            for ((gk, &w), a) in g.iter_mut().zip(t.data).zip(anchor.chunks_exact(4)) {
                *gk += scale * (w - f32::from_le_bytes([a[0], a[1], a[2], a[3]]));
            }
            first += n;
        }
    }
}

/// `sum_k (w[k] - anchor[k])^2` over one block of 64 (`a`: the anchor's 256 bytes), in eight
/// chains (element `k` into chain `k % 8`) combined as `kernels::sum_f32` combines them.
fn block_sum(w: &[f32], a: &[u8]) -> f32 {
    let d = |k: usize| {
        let b = &a[4 * k..4 * k + 4];
        let x = w[k] - f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        x * x
    };
    let (mut s0, mut s1, mut s2, mut s3) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let (mut s4, mut s5, mut s6, mut s7) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for c in (0..SUM_BLOCK).step_by(8) {
        s0 += d(c);
        s1 += d(c + 1);
        s2 += d(c + 2);
        s3 += d(c + 3);
        s4 += d(c + 4);
        s5 += d(c + 5);
        s6 += d(c + 6);
        s7 += d(c + 7);
    }
    ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
