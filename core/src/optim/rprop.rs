//! Rprop (downhill): per element, the step size grows by `increase` while the gradient keeps
//! its sign and shrinks by `decrease` when it flips (then that gradient counts as 0), clipped
//! to `[min_step, max_step]`; `step = sign(g) size`. Sizes start at the learning rate.

use super::{Algo, Hyper, Optimizer, out_of_range};
/// Steps in place; `size` and `prev` (the last gradient) are the two slots.
#[allow(clippy::too_many_arguments)]
pub fn steps(
    g: &mut [f32],
    size: &mut [f32],
    prev: &mut [f32],
    _lr: f32,
    inc: f32,
    dec: f32,
    min: f32,
    max: f32,
) {
    for ((gk, zk), pk) in g.iter_mut().zip(size.iter_mut()).zip(prev.iter_mut()) {
        let same = *gk * *pk;
        if same > 0.0 {
            *zk *= inc;
        } else if same < 0.0 {
            *zk *= dec;
        }
        *zk = zk.clamp(min, max);
        if same < 0.0 {
            *gk = 0.0;
        }
        *pk = *gk;
        let sign = if *gk > 0.0 {
            1.0
        } else if *gk < 0.0 {
            -1.0
        } else {
            0.0
        };
        *gk = sign * *zk;
    }
}

/// `(increase, decrease, min_step, max_step)` of an Rprop optimizer.
fn settings(o: Optimizer) -> [f32; 4] {
    match o {
        Optimizer::Rprop {
            increase,
            decrease,
            min_step,
            max_step,
        } => [increase, decrease, min_step, max_step],
        _ => [1.01, 0.99, 0.0, 100.0],
    }
}

/// Setting `k` of [`settings`] in `o`.
fn set(o: &mut Optimizer, k: usize, v: f32) {
    if let Optimizer::Rprop {
        increase,
        decrease,
        min_step,
        max_step,
    } = o
    {
        *[increase, decrease, min_step, max_step][k] = v;
    }
}

const ONLY: &str = "rprop_* (only for rprop)";

/// Its entry: `rprop`, two slots (step sizes, last gradients), `rprop_increase` (1.01),
/// `rprop_decrease` (0.99), `rprop_min_step` (0), `rprop_max_step` (100).
pub const ALGO: Algo = Algo {
    name: "rprop",
    code: 6,
    slots: 2,
    default: Optimizer::Rprop {
        increase: 1.01,
        decrease: 0.99,
        min_step: 0.0,
        max_step: 100.0,
    },
    hyper: &[
        Hyper {
            key: "rprop_increase",
            elsewhere: ONLY,
            get: |o| settings(o)[0],
            set: |o, v| set(o, 0, v),
        },
        Hyper {
            key: "rprop_decrease",
            elsewhere: ONLY,
            get: |o| settings(o)[1],
            set: |o, v| set(o, 1, v),
        },
        Hyper {
            key: "rprop_min_step",
            elsewhere: ONLY,
            get: |o| settings(o)[2],
            set: |o, v| set(o, 2, v),
        },
        Hyper {
            key: "rprop_max_step",
            elsewhere: ONLY,
            get: |o| settings(o)[3],
            set: |o, v| set(o, 3, v),
        },
    ],
    validate: |o| {
        let [increase, decrease, min_step, max_step] = settings(o);
        if !(increase.is_finite() && increase >= 1.0) {
            return Err(out_of_range("rprop_increase", increase, ">= 1"));
        }
        if !(decrease > 0.0 && decrease <= 1.0) {
            return Err(out_of_range(
                "rprop_decrease",
                decrease,
                "0 < decrease <= 1",
            ));
        }
        if !(min_step >= 0.0 && max_step >= min_step && max_step.is_finite()) {
            return Err(out_of_range(
                "rprop_max_step",
                max_step,
                ">= rprop_min_step >= 0, finite",
            ));
        }
        Ok(())
    },
    steps: |o, g, step, last, lr, _| {
        let [increase, decrease, min_step, max_step] = settings(o);
        steps(g, step, last, lr, increase, decrease, min_step, max_step)
    },
    plain_step: false,
};
