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

impl Activation {
    /// Every activation, for tests and user interfaces.
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
        Ok(match name {
            "linear" => Activation::Linear,
            "sigmoid" | "logistic" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "relu" | "rect:max" => Activation::Relu,
            "softplus" => Activation::Softplus,
            "softmax" => Activation::Softmax,
            "leaky_relu" => Activation::LeakyRelu,
            "elu" => Activation::Elu,
            "rect:min" => Activation::RectMin,
            "rect:minmax" => Activation::RectMinMax,
            _ => return Err(Error::BadValue { name: "activation" }),
        })
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

    /// `f'(x)`.
    #[inline]
    pub fn d1(self, x: f32) -> f32 {
        match self {
            Activation::Linear | Activation::Softmax => 1.0,
            Activation::Sigmoid => {
                let s = sigmoid(x);
                s * (1.0 - s)
            }
            Activation::Tanh => {
                let t = libm::tanhf(x);
                1.0 - t * t
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

    /// `f''(x)`.
    #[inline]
    pub fn d2(self, x: f32) -> f32 {
        match self {
            Activation::Sigmoid | Activation::Softplus => {
                let s = sigmoid(x);
                let d = s * (1.0 - s);
                if self == Activation::Softplus {
                    d
                } else {
                    d * (1.0 - 2.0 * s)
                }
            }
            Activation::Tanh => {
                let t = libm::tanhf(x);
                -2.0 * t * (1.0 - t * t)
            }
            Activation::Elu => {
                if x > 0.0 {
                    0.0
                } else {
                    libm::expf(x)
                }
            }
            _ => 0.0,
        }
    }

    /// Whether [`d1`](Self::d1) is constant on each piece (so `d2` is 0 everywhere it exists).
    pub const fn is_piecewise_linear(self) -> bool {
        !matches!(
            self,
            Activation::Sigmoid | Activation::Tanh | Activation::Softplus | Activation::Elu
        )
    }
}

#[inline]
fn step(b: bool) -> f32 {
    if b { 1.0 } else { 0.0 }
}

/// The logistic function, computed without overflow for large `|x|`.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
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
        *o = libm::expf(p - max);
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
