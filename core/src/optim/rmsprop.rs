//! Centred RMSProp (downhill): with `lambda = exp(-ln 2 / halflife)`,
//! `m = lambda m + (1 - lambda) g`, `s = lambda s + (1 - lambda) g^2`,
//! `step = lr g / sqrt(s - m^2 + eps)`.

use super::{Algo, HALFLIFE, Optimizer, check_halflife};
use super::{EPS, decay};

/// Steps in place; `m`, `s` are the two slots.
pub fn steps(g: &mut [f32], m: &mut [f32], s: &mut [f32], lr: f32, halflife: f32) {
    let l = decay(halflife);
    for ((gk, mk), sk) in g.iter_mut().zip(m.iter_mut()).zip(s.iter_mut()) {
        *mk = l * *mk + (1.0 - l) * *gk;
        *sk = l * *sk + (1.0 - l) * *gk * *gk;
        // s - m^2 >= 0 in exact arithmetic; rounding can make it slightly negative.
        let var = (*sk - *mk * *mk).max(0.0);
        *gk = lr * *gk / crate::kernels::sqrtf(var + EPS);
    }
}

/// Its entry: `rmsprop`, two slots (`m`, `s`), `rms_halflife` (theanets: 14).
pub const ALGO: Algo = Algo {
    name: "rmsprop",
    code: 2,
    slots: 2,
    default: Optimizer::RmsProp { halflife: 14.0 },
    hyper: &[HALFLIFE],
    validate: |o| check_halflife((HALFLIFE.get)(o)),
    steps: |o, g, m, s, lr, _| steps(g, m, s, lr, (HALFLIFE.get)(o)),
    plain_step: false,
};
