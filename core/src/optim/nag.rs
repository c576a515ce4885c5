//! Nesterov's accelerated gradient (`nag`): sgd's step `lr g`, applied by the shared update
//! with Nesterov momentum, `v = mu^2 v - (1 + mu) step; theta += v`.

use super::{Algo, Optimizer, no_hyperparameters};

/// Its entry: `nag`, no slots of its own (the velocity is momentum's), no hyperparameters.
pub const ALGO: Algo = Algo {
    name: "nag",
    code: 1,
    slots: 0,
    default: Optimizer::Nag,
    hyper: &[],
    validate: no_hyperparameters,
    steps: |_, g, _, _, lr, _| super::sgd::steps(g, lr),
    plain_step: true,
};
