//! Activation functions with their first and second derivatives.
//!
//! The second derivative is what `contractive` needs: its penalty involves `f'(pre)`, so its
//! gradient involves `f''(pre)`. Derivatives are taken with respect to the pre-activation `x`.
//! At kinks (relu at 0, the clips at 0 and 1) the derivative is that of the right-open piece
//! for `x > kink` and 0 at the kink itself, as the spec fixes for relu; second derivatives
//! of piecewise-linear functions are 0.
//!
//! `softmax` is not elementwise: it is applied across a row by the layer, and its backward
//! pass is the row Jacobian; [`Activation::apply`] and friends treat it as the identity.

use crate::error::Error;
use crate::math::exp;

/// An activation function, by its theanets name (see [`Activation::from_name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `x`
    Linear,
    /// `1 / (1 + e^-x)` (`sigmoid`, alias `logistic`)
    Sigmoid,
    /// `tanh(x)`
    Tanh,
    /// `max(x, 0)`, derivative 0 at 0
    Relu,
    /// `ln(1 + e^x)`
    Softplus,
    /// row-wise `e^x_j / sum_k e^x_k`; output layers only
    Softmax,
    /// `x` for `x > 0`, `0.01 x` otherwise
    LeakyRelu,
    /// `x` for `x > 0`, `e^x - 1` otherwise
    Elu,
    /// `rect:min`: `min(x, 1)`
    RectMin,
    /// `rect:minmax`: `clip(x, 0, 1)`
    RectMinMax,
}

/// The slope of `leaky_relu` for negative inputs.
pub const LEAKY_SLOPE: f32 = 0.01;

/// The table is checked at compile time: every variant has a position (an exhaustive match,
/// so a new variant must be given one), and `ALL` holds each at its position.
const _: () = {
    let mut i = 0;
    while i < Activation::ALL.len() {
        assert!(
            Activation::ALL[i].position() == i,
            "Activation::ALL out of order"
        );
        i += 1;
    }
};

impl Activation {
    /// Every activation, for tests and user interfaces, in [`position`](Self::position) order.
    pub const ALL: [Activation; 10] = [
        Activation::Linear,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Softplus,
        Activation::Softmax,
        Activation::LeakyRelu,
        Activation::Elu,
        Activation::RectMin,
        Activation::RectMinMax,
    ];

    /// Parse a theanets name: `linear`, `sigmoid`/`logistic`, `tanh`, `relu`/`rect:max`,
    /// `softplus`, `softmax`, `leaky_relu`, `elu`, `rect:min`, `rect:minmax`.
    ///
    /// ```
    /// use staticnets::Activation;
    /// assert_eq!(Activation::from_name("logistic"), Ok(Activation::Sigmoid));
    /// assert!(Activation::from_name("swish").is_err());
    /// ```
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name() == name || a.alias() == Some(name))
            .ok_or(Error::BadValue { name: "activation" })
    }

    /// Its position in [`ALL`](Self::ALL).
    pub const fn position(self) -> usize {
        match self {
            Activation::Linear => 0,
            Activation::Sigmoid => 1,
            Activation::Tanh => 2,
            Activation::Relu => 3,
            Activation::Softplus => 4,
            Activation::Softmax => 5,
            Activation::LeakyRelu => 6,
            Activation::Elu => 7,
            Activation::RectMin => 8,
            Activation::RectMinMax => 9,
        }
    }

    /// theanets' other name for it, if it has one.
    pub const fn alias(self) -> Option<&'static str> {
        match self {
            Activation::Sigmoid => Some("logistic"),
            Activation::Relu => Some("rect:max"),
            Activation::Linear
            | Activation::Tanh
            | Activation::Softplus
            | Activation::Softmax
            | Activation::LeakyRelu
            | Activation::Elu
            | Activation::RectMin
            | Activation::RectMinMax => None,
        }
    }

    /// The canonical name.
    pub const fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Softplus => "softplus",
            Activation::Softmax => "softmax",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Elu => "elu",
            Activation::RectMin => "rect:min",
            Activation::RectMinMax => "rect:minmax",
        }
    }

    /// `f(x)` (identity for softmax, which the layer applies row-wise).
    #[inline]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Linear | Activation::Softmax => x,
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => libm::tanhf(x),
            Activation::Relu => {
                if x > 0.0 {
                    x
                } else {
                    0.0
                }
            }
            Activation::Softplus => softplus(x),
            Activation::LeakyRelu => {
                if x > 0.0 {
                    x
                } else {
                    LEAKY_SLOPE * x
                }
            }
            Activation::Elu => {
                if x > 0.0 {
                    x
                } else {
                    libm::expm1f(x)
                }
            }
            Activation::RectMin => {
                if x < 1.0 {
                    x
                } else {
                    1.0
                }
            }
            Activation::RectMinMax => x.clamp(0.0, 1.0),
        }
    }

    /// `f'(x)`. Sigmoid and tanh use forms that keep their digits where the function
    /// saturates (`s (1 - s)` and `1 - tanh^2` round to 0 there): with `e = exp(-|x|)`,
    /// `sigmoid' = e / (1 + e)^2`; with `e = exp(-2|x|)`, `tanh' = 4 e / (1 + e)^2`.
    #[inline]
    pub fn d1(self, x: f32) -> f32 {
        match self {
            Activation::Linear | Activation::Softmax => 1.0,
            Activation::Sigmoid => sigmoid_slope(x),
            Activation::Tanh => {
                let e = libm::expf(-2.0 * x.abs());
                4.0 * e / ((1.0 + e) * (1.0 + e))
            }
            Activation::Relu => step(x > 0.0),
            Activation::Softplus => sigmoid(x),
            Activation::LeakyRelu => {
                if x > 0.0 {
                    1.0
                } else {
                    LEAKY_SLOPE
                }
            }
            Activation::Elu => {
                if x > 0.0 {
                    1.0
                } else {
                    libm::expf(x)
                }
            }
            Activation::RectMin => step(x < 1.0),
            Activation::RectMinMax => step(x > 0.0 && x < 1.0),
        }
    }

    /// `f''(x)`, in the same saturation-safe forms: `sigmoid'' = sigmoid' (1 - 2 s)` with
    /// `1 - 2 s = -sign(x) (1 - e) / (1 + e)`, and `tanh'' = -2 tanh(x) tanh'(x)` with
    /// `tanh(x) = sign(x) (1 - e) / (1 + e)`.
    #[inline]
    pub fn d2(self, x: f32) -> f32 {
        match self {
            Activation::Softplus => sigmoid_slope(x),
            Activation::Sigmoid => {
                let e = exp(-x.abs());
                let d = e / ((1.0 + e) * (1.0 + e));
                let one_minus_2s = (1.0 - e) / (1.0 + e);
                if x > 0.0 {
                    -d * one_minus_2s
                } else {
                    d * one_minus_2s
                }
            }
            Activation::Tanh => {
                let e = libm::expf(-2.0 * x.abs());
                let d = 4.0 * e / ((1.0 + e) * (1.0 + e));
                let t = (1.0 - e) / (1.0 + e);
                if x > 0.0 { -2.0 * t * d } else { 2.0 * t * d }
            }
            Activation::Elu => {
                if x > 0.0 {
                    0.0
                } else {
                    libm::expf(x)
                }
            }
            // Piecewise linear (softmax's row Jacobian is the layer's business).
            Activation::Linear
            | Activation::Softmax
            | Activation::Relu
            | Activation::LeakyRelu
            | Activation::RectMin
            | Activation::RectMinMax => 0.0,
        }
    }

    /// `out[j] = f(pre[j])` for a slice: [`apply`](Self::apply) with the choice of function
    /// made once, outside the loop, so the common ones vectorize (at the kernels' level).
    pub fn apply_slice(self, pre: &[f32], out: &mut [f32]) {
        apply_slice(self, pre, out)
    }

    /// `d[j] += g[j] * f'(pre[j])` for a slice (the backward step through the activation),
    /// with the function chosen once, as in [`apply_slice`](Self::apply_slice).
    pub fn d1_slice(self, pre: &[f32], g: &[f32], d: &mut [f32]) {
        d1_slice(self, pre, g, d)
    }

    /// Whether [`d1`](Self::d1) is constant on each piece (so `d2` is 0 everywhere it exists).
    pub const fn is_piecewise_linear(self) -> bool {
        match self {
            Activation::Sigmoid | Activation::Tanh | Activation::Softplus | Activation::Elu => {
                false
            }
            Activation::Linear
            | Activation::Softmax
            | Activation::Relu
            | Activation::LeakyRelu
            | Activation::RectMin
            | Activation::RectMinMax => true,
        }
    }
}

fn apply_slice(act: Activation, pre: &[f32], out: &mut [f32]) {
    match act {
        Activation::Linear => out[..pre.len()].copy_from_slice(pre),
        Activation::Sigmoid => sigmoid_slice(pre, out),
        Activation::Relu => {
            for (o, &p) in out.iter_mut().zip(pre) {
                *o = if p > 0.0 { p } else { 0.0 };
            }
        }
        other => {
            for (o, &p) in out.iter_mut().zip(pre) {
                *o = other.apply(p);
            }
        }
    }
}

fn d1_slice(act: Activation, pre: &[f32], g: &[f32], d: &mut [f32]) {
    match act {
        Activation::Linear | Activation::Softmax => crate::kernels::add_into(g, d),
        Activation::Sigmoid => sigmoid_slope_slice(pre, g, d),
        Activation::Relu => {
            for ((dj, &gj), &p) in d.iter_mut().zip(g).zip(pre) {
                *dj += gj * step(p > 0.0);
            }
        }
        other => {
            for ((dj, &gj), &p) in d.iter_mut().zip(g).zip(pre) {
                *dj += gj * other.d1(p);
            }
        }
    }
}

// The sigmoid is all inline f32 code (no libm call): its loops run at the kernels' level.
// (Code that calls into libm stays at the baseline: called from AVX code, libm's SSE
// instructions made a Box-Muller block 5x slower; the block now takes its square roots with
// inlined vector instructions instead, `kernels::sqrt_in_place`.)
crate::elementwise! {
    fn sigmoid_slice(pre: &[f32], out: &mut [f32]) {
        for (o, &p) in out.iter_mut().zip(pre) {
            *o = sigmoid(p);
        }
    }
}

crate::elementwise! {
    fn sigmoid_slope_slice(pre: &[f32], g: &[f32], d: &mut [f32]) {
        for ((dj, &gj), &p) in d.iter_mut().zip(g).zip(pre) {
            *dj += gj * sigmoid_slope(p);
        }
    }
}

#[inline]
fn step(b: bool) -> f32 {
    if b { 1.0 } else { 0.0 }
}

/// The logistic function, without overflow for large `|x|`: with `e = exp(-|x|)` and
/// `s = 1 / (1 + e)`, `s` for `x >= 0` and `e s` below (one [`exp`], no branch, so a loop
/// of it vectorizes).
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    let e = exp(-x.abs());
    let s = 1.0 / (1.0 + e);
    if x >= 0.0 { s } else { e * s }
}

/// `sigmoid'(x) = sigmoid(x) sigmoid(-x) = e / (1 + e)^2` with `e = exp(-|x|)`: no
/// cancellation where the sigmoid saturates.
#[inline]
pub fn sigmoid_slope(x: f32) -> f32 {
    let e = exp(-x.abs());
    e / ((1.0 + e) * (1.0 + e))
}

/// `ln(1 + e^x)`, stable for large `|x|`.
#[inline]
pub fn softplus(x: f32) -> f32 {
    if x > 0.0 {
        x + libm::log1pf(libm::expf(-x))
    } else {
        libm::log1pf(libm::expf(x))
    }
}

/// Row-wise softmax of `pre` into `out` (max subtracted first, for stability).
pub fn softmax_row(pre: &[f32], out: &mut [f32]) {
    let max = pre
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    let mut sum = 0.0f32;
    for (o, &p) in out.iter_mut().zip(pre) {
        *o = exp(p - max);
        sum += *o;
    }
    let inv = 1.0 / sum;
    for o in out.iter_mut() {
        *o *= inv;
    }
}

/// Backward through a row softmax: `d_pre_j = p_j (g_j - sum_k g_k p_k)`, added to `d_pre`.
pub fn softmax_row_backward(p: &[f32], g: &[f32], d_pre: &mut [f32]) {
    let mut dot = 0.0f32;
    for (&pk, &gk) in p.iter().zip(g) {
        dot += pk * gk;
    }
    for ((d, &pj), &gj) in d_pre.iter_mut().zip(p).zip(g) {
        *d += pj * (gj - dot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slice forms are the scalar ones, bit for bit, for every activation.
    #[test]
    fn slice_forms_match_the_scalar_ones() {
        let pre: [f32; 23] = core::array::from_fn(|k| (k as f32 - 11.0) * 1.7);
        let g: [f32; 23] = core::array::from_fn(|k| 0.3 - k as f32 * 0.05);
        for a in Activation::ALL {
            let mut out = [0.0f32; 23];
            a.apply_slice(&pre, &mut out);
            let mut d = [0.25f32; 23];
            a.d1_slice(&pre, &g, &mut d);
            for k in 0..23 {
                if a != Activation::Softmax {
                    assert_eq!(out[k].to_bits(), a.apply(pre[k]).to_bits(), "{a:?} at {k}");
                }
                let want = 0.25 + g[k] * a.d1(pre[k]);
                assert_eq!(d[k].to_bits(), want.to_bits(), "{a:?} d1 at {k}");
            }
        }
    }

    fn f64_of(a: Activation, x: f64) -> f64 {
        // independent f64 reference implementations
        match a {
            Activation::Linear | Activation::Softmax => x,
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Activation::Tanh => x.tanh(),
            Activation::Relu => x.max(0.0),
            Activation::Softplus => (1.0 + x.exp()).ln(),
            Activation::LeakyRelu => {
                if x > 0.0 {
                    x
                } else {
                    0.01 * x
                }
            }
            Activation::Elu => {
                if x > 0.0 {
                    x
                } else {
                    x.exp() - 1.0
                }
            }
            Activation::RectMin => x.min(1.0),
            Activation::RectMinMax => x.clamp(0.0, 1.0),
        }
    }

    /// f, f' and f'' against central differences of an f64 reference, away from kinks.
    #[test]
    fn derivatives_match_finite_differences() {
        let xs = [-3.1f64, -1.3, -0.4, -0.07, 0.13, 0.55, 0.91, 1.6, 2.7];
        let h = 1e-4;
        for a in Activation::ALL {
            for &x in &xs {
                let f = f64_of(a, x);
                assert!((a.apply(x as f32) as f64 - f).abs() < 1e-5, "{a:?} f({x})");
                let d1 = (f64_of(a, x + h) - f64_of(a, x - h)) / (2.0 * h);
                assert!(
                    (a.d1(x as f32) as f64 - d1).abs() < 1e-4,
                    "{a:?} f'({x}) {} vs {d1}",
                    a.d1(x as f32)
                );
                let d2 = (f64_of(a, x + h) - 2.0 * f + f64_of(a, x - h)) / (h * h);
                assert!(
                    (a.d2(x as f32) as f64 - d2).abs() < 2e-3,
                    "{a:?} f''({x}) {} vs {d2}",
                    a.d2(x as f32)
                );
            }
        }
    }

    /// Relative error in units of f32's epsilon.
    fn ulps(got: f32, want: f64) -> f64 {
        if want == 0.0 {
            return if got == 0.0 { 0.0 } else { f64::INFINITY };
        }
        ((got as f64 - want) / want).abs() / f32::EPSILON as f64
    }

    /// Saturated sigmoid and tanh keep their derivatives' digits (closed forms in f64).
    #[test]
    fn saturated_derivatives_are_accurate_to_a_few_ulps() {
        for x in [
            -80.0f64, -40.0, -20.0, -9.0, -3.0, -0.5, 0.5, 3.0, 9.0, 20.0, 40.0, 80.0,
        ] {
            let e = (-x.abs()).exp();
            let sig1_exact = e / ((1.0 + e) * (1.0 + e));
            let sig2 = sig1_exact * (1.0 - 2.0 / (1.0 + (-x).exp()));
            let t = x.tanh();
            let e2 = (-2.0 * x.abs()).exp();
            let tanh1 = 4.0 * e2 / ((1.0 + e2) * (1.0 + e2));
            let tanh2 = -2.0 * t * tanh1;
            let xf = x as f32;
            for (name, got, want) in [
                ("sigmoid'", Activation::Sigmoid.d1(xf), sig1_exact),
                ("sigmoid''", Activation::Sigmoid.d2(xf), sig2),
                ("softplus''", Activation::Softplus.d2(xf), sig1_exact),
                ("tanh'", Activation::Tanh.d1(xf), tanh1),
                ("tanh''", Activation::Tanh.d2(xf), tanh2),
            ] {
                // Below f32's normal range the result is subnormal: compare absolutely.
                let ok = ulps(got, want) <= 4.0
                    || (want.abs() < 1e-37 && (got as f64 - want).abs() < 1e-44);
                assert!(
                    ok,
                    "{name}({x}) = {got:e}, f64 {want:e}: {:.1} ulps",
                    ulps(got, want)
                );
            }
        }
    }

    #[test]
    fn relu_derivative_is_zero_at_zero_and_extremes_are_finite() {
        assert_eq!(Activation::Relu.d1(0.0), 0.0);
        for a in Activation::ALL {
            for x in [-1e30f32, -100.0, 100.0, 1e30] {
                assert!(
                    a.apply(x).is_finite() && a.d1(x).is_finite() && a.d2(x).is_finite(),
                    "{a:?} {x}"
                );
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(Activation::from_name(a.name()), Ok(a));
        }
    }

    #[test]
    fn softmax_backward_matches_finite_differences() {
        let pre = [0.3f32, -1.2, 2.0, 0.1];
        let g = [0.7f32, -0.2, 0.4, 1.1];
        let mut p = [0.0; 4];
        softmax_row(&pre, &mut p);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let mut d = [0.0; 4];
        softmax_row_backward(&p, &g, &mut d);
        for j in 0..4 {
            let mut a = pre;
            let mut b = pre;
            a[j] += 1e-3;
            b[j] -= 1e-3;
            let (mut pa, mut pb) = ([0.0; 4], [0.0; 4]);
            softmax_row(&a, &mut pa);
            softmax_row(&b, &mut pb);
            let num: f32 = (0..4).map(|k| g[k] * (pa[k] - pb[k]) / 2e-3).sum();
            assert!((num - d[j]).abs() < 1e-3, "{j}: {num} vs {}", d[j]);
        }
    }
}
