//! The shape both weight penalties share: a per-tensor mean over the selected weight matrices,
//! and its gradient.

use super::selection::Selection;
use super::view::{NetGrads, NetView};

/// `(1/|W|) sum_W sum(W) / size(W)` over the selected tensors, with `sum` the sum of a penalty
/// over one tensor ([`sum_sq`](crate::kernels::sum_sq), [`sum_abs`](crate::kernels::sum_abs),
/// compensated `f32`): the shape of both weight penalties.
pub(crate) fn mean_over_tensors(
    net: &dyn NetView,
    targets: Selection,
    sum: fn(&[f32]) -> crate::kernels::Sum,
) -> f64 {
    let count = targets.count();
    if count == 0 {
        return 0.0;
    }
    let mut total = 0.0f64;
    for t in targets.iter().filter_map(|i| net.tensor(i)) {
        total += sum(t.data).value_f64() / t.data.len() as f64;
    }
    total / count as f64
}

/// Add `weight * f'(w) / (|W| size(W))` into each selected tensor's gradient: the gradient
/// of [`mean_over_tensors`]. `add(w, g, c)` does `g += c f'(w)` over one tensor (a loop at
/// the kernels' level, [`elementwise!`](crate::elementwise)).
pub(crate) fn add_tensor_grads(
    net: &mut dyn NetGrads,
    targets: Selection,
    weight: f32,
    add: fn(&[f32], &mut [f32], f32),
) {
    let count = targets.count() as f32;
    for i in targets.iter() {
        if let Some((t, g)) = net.tensor_grad(i) {
            let c = weight / (count * t.data.len() as f32);
            add(t.data, g, c);
        }
    }
}
