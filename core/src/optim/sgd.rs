//! Stochastic gradient descent: `step = lr g` (momentum and Nesterov momentum are applied by
//! the shared update in `optim`).

/// `g <- lr g`.
pub fn steps(g: &mut [f32], lr: f32) {
    for gk in g.iter_mut() {
        *gk *= lr;
    }
}
