//! Adam with bias correction (downhill master): `m = b1 m + (1 - b1) g`,
//! `v = b2 v + (1 - b2) g^2`, `step = lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.

use super::EPS;
use super::{Algo, Hyper, Optimizer, out_of_range};

/// Steps in place; `m`, `v` are the two slots; `t` is the 1-based update count.
pub fn steps(g: &mut [f32], m: &mut [f32], v: &mut [f32], lr: f32, b1: f32, b2: f32, t: u32) {
    let t = t.min(i32::MAX as u32) as i32;
    let c1 = 1.0 - libm::powf(b1, t as f32);
    let c2 = 1.0 - libm::powf(b2, t as f32);
    for ((gk, mk), vk) in g.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()) {
        *mk = b1 * *mk + (1.0 - b1) * *gk;
        *vk = b2 * *vk + (1.0 - b2) * *gk * *gk;
        *gk = lr * (*mk / c1) / (crate::kernels::sqrtf(*vk / c2) + EPS);
    }
}

/// `(beta1, beta2)` of an Adam optimizer.
fn betas(o: Optimizer) -> (f32, f32) {
    match o {
        Optimizer::Adam { beta1, beta2 } => (beta1, beta2),
        _ => (0.9, 0.999),
    }
}

const ONLY: &str = "beta1/beta2 (only for adam)";

/// Its entry: `adam`, two slots (`m`, `v`), `beta1` (0.9) and `beta2` (0.999).
pub const ALGO: Algo = Algo {
    name: "adam",
    code: 3,
    slots: 2,
    default: Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
    },
    hyper: &[
        Hyper {
            key: "beta1",
            elsewhere: ONLY,
            get: |o| betas(o).0,
            set: |o, v| {
                if let Optimizer::Adam { beta1, .. } = o {
                    *beta1 = v;
                }
            },
        },
        Hyper {
            key: "beta2",
            elsewhere: ONLY,
            get: |o| betas(o).1,
            set: |o, v| {
                if let Optimizer::Adam { beta2, .. } = o {
                    *beta2 = v;
                }
            },
        },
    ],
    validate: |o| {
        let (beta1, beta2) = betas(o);
        if !(0.0..1.0).contains(&beta1) {
            return Err(out_of_range("beta1", beta1, "0 <= beta1 < 1"));
        }
        if !(0.0..1.0).contains(&beta2) {
            return Err(out_of_range("beta2", beta2, "0 <= beta2 < 1"));
        }
        Ok(())
    },
    steps: |o, g, m, v, lr, t| {
        let (b1, b2) = betas(o);
        steps(g, m, v, lr, b1, b2, t)
    },
    plain_step: false,
};
