//! Stochastic gradient descent: `step = lr g` (momentum and Nesterov momentum are applied by
//! the shared update in `optim`).

use super::{Algo, Optimizer, no_hyperparameters};
/// `g <- lr g`.
pub fn steps(g: &mut [f32], lr: f32) {
    for gk in g.iter_mut() {
        *gk *= lr;
    }
}

/// Its entry: `sgd`, no slots, no hyperparameters.
pub const ALGO: Algo = Algo {
    name: "sgd",
    code: 0,
    slots: 0,
    default: Optimizer::Sgd,
    hyper: &[],
    validate: no_hyperparameters,
    steps: |_, g, _, _, lr, _| steps(g, lr),
    plain_step: true,
};
