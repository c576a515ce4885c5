//! Adadelta (downhill; ignores the learning rate): `s = l s + (1 - l) g^2`,
//! `d = g sqrt(x + eps) / sqrt(s + eps)`, `x = l x + (1 - l) d^2`, `step = d`.

use super::{Algo, HALFLIFE, Optimizer, check_halflife};
use super::{EPS, decay};

/// Steps in place; `s`, `x` are the two slots.
pub fn steps(g: &mut [f32], s: &mut [f32], x: &mut [f32], halflife: f32) {
    let l = decay(halflife);
    for ((gk, sk), xk) in g.iter_mut().zip(s.iter_mut()).zip(x.iter_mut()) {
        *sk = l * *sk + (1.0 - l) * *gk * *gk;
        let d = *gk * crate::kernels::sqrtf(*xk + EPS) / crate::kernels::sqrtf(*sk + EPS);
        *xk = l * *xk + (1.0 - l) * d * d;
        *gk = d;
    }
}

/// Its entry: `adadelta`, two slots, `rms_halflife` (14); it ignores the learning rate.
pub const ALGO: Algo = Algo {
    name: "adadelta",
    code: 5,
    slots: 2,
    default: Optimizer::Adadelta { halflife: 14.0 },
    hyper: &[HALFLIFE],
    validate: |o| check_halflife((HALFLIFE.get)(o)),
    steps: |o, g, s, x, _, _| steps(g, s, x, (HALFLIFE.get)(o)),
    plain_step: false,
};
