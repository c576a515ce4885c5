//! Adagrad: `s = s + g^2`, `step = lr g / sqrt(s + eps)`.

use super::EPS;
use super::{Algo, Optimizer, no_hyperparameters};

/// Steps in place; `s` is the slot.
pub fn steps(g: &mut [f32], s: &mut [f32], lr: f32) {
    for (gk, sk) in g.iter_mut().zip(s.iter_mut()) {
        *sk += *gk * *gk;
        *gk = lr * *gk / crate::kernels::sqrtf(*sk + EPS);
    }
}

/// Its entry: `adagrad`, one slot, no hyperparameters.
pub const ALGO: Algo = Algo {
    name: "adagrad",
    code: 4,
    slots: 1,
    default: Optimizer::Adagrad,
    hyper: &[],
    validate: no_hyperparameters,
    steps: |_, g, s, _, lr, _| steps(g, s, lr),
    plain_step: false,
};
