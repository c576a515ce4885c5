//! The finite-difference checker: every gradient in this crate (each layer, activation, loss
//! and regularizer, through the whole objective) and a user's own regularizer is checked
//! against central differences with these two functions.
//!
//! For each coordinate `v` of the checked values, the numeric derivative is
//! `(f(v + h) - f(v - h)) / 2h` (f32 values, the objective in f64), compared with the analytic
//! one by the relative error `|numeric - analytic| / max(floor, |numeric|, |analytic|)`. With
//! `h = 1e-3` central differences of f32 computations are good to about 1e-3 relative; the
//! `floor` keeps derivatives near zero from dividing by nothing.
//!
//! ```
//! use staticnets::gradcheck::{Settings, check_values};
//! // f(x) = sum of x^3, whose gradient is 3 x^2.
//! let mut x = [0.5f32, -1.0, 2.0];
//! let analytic = x.map(|v| 3.0 * v * v);
//! let f = |x: &[f32]| x.iter().map(|&v| (v as f64).powi(3)).sum::<f64>();
//! let r = check_values(&mut x, &analytic, &Settings::default(), f);
//! assert!(r.max_rel_error < 1e-3 && r.above == 0 && r.checked == 3);
//! assert_eq!(x, [0.5, -1.0, 2.0]); // every value restored
//! ```

use crate::layers::Layers;
use crate::network::{Name, Network};

/// Step, floor and tolerance of a check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// The finite-difference step.
    pub h: f32,
    /// The smallest denominator of the relative error.
    pub floor: f64,
    /// A coordinate whose relative error exceeds this counts in [`GradCheck::above`].
    pub tol: f64,
}

impl Default for Settings {
    /// `h = 1e-3`, `floor = 1e-3`, `tol = 2e-2`.
    fn default() -> Self {
        Settings {
            h: 1e-3,
            floor: 1e-3,
            tol: 2e-2,
        }
    }
}

/// What a check found.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    /// The largest relative error.
    pub max_rel_error: f64,
    /// The parameter tensor where it occurred (empty for [`check_values`]).
    pub worst: Name,
    /// Its index within that tensor (or within the values).
    pub worst_index: usize,
    /// The numeric derivative there.
    pub numeric: f64,
    /// The analytic derivative there.
    pub analytic: f64,
    /// Coordinates compared.
    pub checked: usize,
    /// Coordinates whose relative error exceeds the tolerance.
    pub above: usize,
}

impl GradCheck {
    const fn new() -> Self {
        GradCheck {
            max_rel_error: 0.0,
            worst: Name::new(),
            worst_index: 0,
            numeric: 0.0,
            analytic: 0.0,
            checked: 0,
            above: 0,
        }
    }

    /// Record one coordinate; returns its relative error.
    fn record(
        &mut self,
        s: &Settings,
        numeric: f64,
        analytic: f64,
        at: impl FnOnce() -> (Name, usize),
    ) -> f64 {
        let err = (numeric - analytic).abs() / numeric.abs().max(analytic.abs()).max(s.floor);
        self.checked += 1;
        if err > s.tol {
            self.above += 1;
        }
        if err > self.max_rel_error {
            (self.worst, self.worst_index) = at();
            (self.max_rel_error, self.numeric, self.analytic) = (err, numeric, analytic);
        }
        err
    }

    /// The fraction of coordinates above the tolerance.
    pub fn fraction_above(&self) -> f64 {
        if self.checked == 0 {
            0.0
        } else {
            self.above as f64 / self.checked as f64
        }
    }
}

/// Compare `analytic`, the gradient of `f` at `values`, with central differences of `f` in
/// each value. `values` is perturbed one coordinate at a time and restored.
pub fn check_values(
    values: &mut [f32],
    analytic: &[f32],
    s: &Settings,
    mut f: impl FnMut(&[f32]) -> f64,
) -> GradCheck {
    let mut r = GradCheck::new();
    for k in 0..values.len().min(analytic.len()) {
        let orig = values[k];
        values[k] = orig + s.h;
        let up = f(values);
        values[k] = orig - s.h;
        let down = f(values);
        values[k] = orig;
        let numeric = (up - down) / (2.0 * s.h as f64);
        r.record(s, numeric, analytic[k] as f64, || (Name::new(), k));
    }
    r
}

/// Compare `analytic`, the gradient of `f` with respect to every parameter of `net` (a
/// network-shaped gradient), with central differences of `f`. Each parameter is perturbed in
/// place and restored; `f` evaluates the objective at the network it is given.
pub fn check_params<L: Layers>(
    net: &mut Network<L>,
    analytic: &Network<L>,
    s: &Settings,
    mut f: impl FnMut(&Network<L>) -> f64,
) -> GradCheck {
    let mut r = GradCheck::new();
    for i in 0..L::TENSORS {
        let n = net.tensor(i).map_or(0, |t| t.data.len());
        for e in 0..n {
            let orig = net.tensor(i).map_or(0.0, |t| t.data[e]);
            let mut at = |v: f32, net: &mut Network<L>| {
                if let Some(t) = net.tensor_mut(i) {
                    t[e] = v;
                }
                f(net)
            };
            let up = at(orig + s.h, net);
            let down = at(orig - s.h, net);
            if let Some(t) = net.tensor_mut(i) {
                t[e] = orig;
            }
            let numeric = (up - down) / (2.0 * s.h as f64);
            let ana = analytic.tensor(i).map_or(0.0, |t| t.data[e] as f64);
            r.record(s, numeric, ana, || (net.tensor_name(i), e));
        }
    }
    r
}
