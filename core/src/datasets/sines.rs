//! Noisy sine waves made in code, for recurrent examples and tests: each sequence is
//! `x_t = sin(w t + phi) + noise` with the clean `y_t = sin(w t + phi)` as its target, the
//! frequency `w` in `[0.2, 0.6]` and phase `phi` in `[0, 2 pi)` drawn per sequence from the
//! seeded [`XorShift`], the noise Gaussian with standard deviation `sigma`.
//!
//! ```
//! use staticnets::datasets::sines;
//! let (mut x, mut y) = ([0.0f32; 4 * 10], [0.0f32; 4 * 10]);
//! sines::fill(1, 10, 0.1, &mut x, &mut y); // 4 sequences of 10 steps
//! assert!(y.iter().all(|v| v.abs() <= 1.0));
//! assert!(x.iter().zip(&y).any(|(a, b)| a != b));
//! ```

use crate::rng::XorShift;

/// Fill `x` (noisy) and `y` (clean) with `x.len() / steps` sequences of `steps` values.
pub fn fill(seed: u64, steps: usize, sigma: f32, x: &mut [f32], y: &mut [f32]) {
    let mut rng = XorShift::new(seed);
    let steps = steps.max(1);
    for (xs, ys) in x.chunks_exact_mut(steps).zip(y.chunks_exact_mut(steps)) {
        let w = 0.2 + 0.4 * rng.uniform();
        let phi = 2.0 * core::f32::consts::PI * rng.uniform();
        for (t, (xt, yt)) in xs.iter_mut().zip(ys.iter_mut()).enumerate() {
            *yt = libm::sinf(w * t as f32 + phi);
            *xt = *yt + sigma * rng.gaussian();
        }
    }
}
