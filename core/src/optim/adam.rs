//! Adam with bias correction (downhill master): `m = b1 m + (1 - b1) g`,
//! `v = b2 v + (1 - b2) g^2`, `step = lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.

use super::EPS;

/// Steps in place; `m`, `v` are the two slots; `t` is the 1-based update count.
pub fn steps(g: &mut [f32], m: &mut [f32], v: &mut [f32], lr: f32, b1: f32, b2: f32, t: u32) {
    let t = t.min(i32::MAX as u32) as i32;
    let c1 = 1.0 - libm::powf(b1, t as f32);
    let c2 = 1.0 - libm::powf(b2, t as f32);
    for ((gk, mk), vk) in g.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()) {
        *mk = b1 * *mk + (1.0 - b1) * *gk;
        *vk = b2 * *vk + (1.0 - b2) * *gk * *gk;
        *gk = lr * (*mk / c1) / (libm::sqrtf(*vk / c2) + EPS);
    }
}
