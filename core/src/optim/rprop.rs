//! Rprop (downhill): per element, the step size grows by `increase` while the gradient keeps
//! its sign and shrinks by `decrease` when it flips (then that gradient counts as 0), clipped
//! to `[min_step, max_step]`; `step = sign(g) size`. Sizes start at the learning rate.

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
