//! Adagrad: `s = s + g^2`, `step = lr g / sqrt(s + eps)`.

use super::EPS;

/// Steps in place; `s` is the slot.
pub fn steps(g: &mut [f32], s: &mut [f32], lr: f32) {
    for (gk, sk) in g.iter_mut().zip(s.iter_mut()) {
        *sk += *gk * *gk;
        *gk = lr * *gk / libm::sqrtf(*sk + EPS);
    }
}
