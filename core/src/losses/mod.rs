//! The data term of the objective. Each loss reads the output layer (its `out`, or its `pre`
//! for the fused `xe` and `bce`) and adds its gradient into the output layer's `d_out` or
//! `d_pre`. Sums run in compensated `f32` ([`Sum`]) in a fixed order, so values are reproducible and precise enough
//! for finite-difference checks.
//!
//! Weighted variants take one non-negative weight per element (`mse`, `mae`, `bce`) or per row
//! (`xe`, `hinge`) and compute `sum(w * e) / sum(w)`.

pub mod bce;
pub mod hinge;
pub mod mae;
pub mod mse;
pub mod xe;

use crate::error::Error;
use crate::kernels::Sum;
use crate::layers::{Activation, OutputGrads};

/// A data loss, by its theanets name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Mean squared error (`mse`).
    Mse,
    /// Mean absolute error (`mae`).
    Mae,
    /// Cross-entropy over a softmax output (`xe`), integer labels.
    Xe,
    /// Binary cross-entropy from logits (`bce`), sigmoid output, targets in `[0, 1]`.
    Bce,
    /// Multiclass hinge with margin 1 (`hinge`), integer labels.
    Hinge,
}

impl Loss {
    /// Whether the loss is fused with the output activation and reads the logits (`:pre`):
    /// then output noise and dropout corrupt the logits (docs/contract.md).
    pub const fn reads_logits(self) -> bool {
        matches!(self, Loss::Xe | Loss::Bce)
    }
}

/// What the output is compared with.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// Real-valued targets, `rows * NOUT`.
    Values(&'a [f32]),
    /// Class labels, one per row.
    Labels(&'a [u32]),
}

impl Loss {
    /// Parse a theanets name (`mse`/`meansquarederror`, `mae`/`meanabsoluteerror`,
    /// `xe`/`crossentropy`, `bce`, `hinge`).
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Ok(match name {
            "mse" | "meansquarederror" => Loss::Mse,
            "mae" | "meanabsoluteerror" => Loss::Mae,
            "xe" | "crossentropy" => Loss::Xe,
            "bce" => Loss::Bce,
            "hinge" => Loss::Hinge,
            _ => return Err(Error::BadValue { name: "loss" }),
        })
    }

    /// The canonical name.
    pub const fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Mae => "mae",
            Loss::Xe => "xe",
            Loss::Bce => "bce",
            Loss::Hinge => "hinge",
        }
    }

    /// Whether the targets are class labels.
    pub const fn uses_labels(self) -> bool {
        matches!(self, Loss::Xe | Loss::Hinge)
    }

    /// Check that this loss fits an output layer with activation `act`.
    pub fn check_output(self, act: Activation) -> Result<(), Error> {
        match (self, act) {
            (Loss::Xe, Activation::Softmax) | (Loss::Bce, Activation::Sigmoid) => Ok(()),
            (Loss::Xe, _) => Err(Error::LossMismatch {
                loss: "xe",
                needs: "a softmax output layer",
            }),
            (Loss::Bce, _) => Err(Error::LossMismatch {
                loss: "bce",
                needs: "a sigmoid output layer",
            }),
            (_, Activation::Softmax) if !self.uses_labels() => Ok(()),
            _ => Ok(()),
        }
    }

    /// The loss of the output layer against `target`, adding `scale * dL/d(output)` into the
    /// layer's gradient buffers. `weights`: per element or per row, see the module docs.
    pub fn apply(
        self,
        layer: &mut OutputGrads<'_>,
        target: Target<'_>,
        weights: Option<&[f32]>,
        scale: f32,
    ) -> f64 {
        self.apply_sum(layer, target, weights, scale).value()
    }

    /// [`apply`](Self::apply), with the value as its `f32` sums ([`LossValue`]).
    pub fn apply_sum(
        self,
        layer: &mut OutputGrads<'_>,
        target: Target<'_>,
        weights: Option<&[f32]>,
        scale: f32,
    ) -> LossValue {
        // A sequence output is `steps` blocks per row: the loss sees rows * steps rows, so
        // labels and per-row weights go per time step.
        let steps = layer.view.steps.max(1);
        layer.view.rows *= steps;
        layer.view.cols /= steps;
        layer.view.steps = 1;
        match (self, target) {
            (Loss::Mse, Target::Values(t)) => mse::sum(layer, t, weights, scale),
            (Loss::Mae, Target::Values(t)) => mae::sum(layer, t, weights, scale),
            (Loss::Bce, Target::Values(t)) => bce::sum(layer, t, weights, scale),
            (Loss::Xe, Target::Labels(t)) => xe::sum(layer, t, weights, scale),
            (Loss::Hinge, Target::Labels(t)) => hinge::sum(layer, t, weights, scale),
            // A model pairs each loss with its kind of target; a mismatch is a caller bug that
            // the models rule out. Report no loss rather than panic.
            _ => LossValue::NONE,
        }
    }
}

/// A data loss as a training step computes it: the weighted total and the total weight, each
/// summed in compensated `f32`. [`value`](Self::value) is the loss (`total / weight`, in
/// `f64`, for reports); [`value_f32`](Self::value_f32) the same in `f32` (no double
/// arithmetic: what a step on a microcontroller reads).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossValue {
    /// `sum w e`.
    pub total: Sum,
    /// `sum w` (or the count, unweighted).
    pub weight: Sum,
}

impl LossValue {
    /// No loss (no weight at all): its value is 0.
    pub const NONE: Self = LossValue {
        total: Sum::ZERO,
        weight: Sum::ZERO,
    };

    /// `total / weight` in `f64` (0 without weight).
    pub fn value(self) -> f64 {
        if self.weight.value() <= 0.0 {
            0.0
        } else {
            self.total.value_f64() / self.weight.value_f64()
        }
    }

    /// `total / weight` in `f32` (0 without weight).
    pub fn value_f32(self) -> f32 {
        if self.weight.value() <= 0.0 {
            0.0
        } else {
            self.total.value() / self.weight.value()
        }
    }
}

/// `sum(w)` over `n` items in order (compensated `f32`), or `n` when unweighted; 0 means "no
/// weight at all". A loss's gradient factor is `c / wsum.value()` in `f32`: for `n` items
/// unweighted (`n < 2^24`, exact) the correctly rounded quotient, the bits the factor had
/// when it was taken in `f64` and rounded.
pub(crate) fn total_weight(weights: Option<&[f32]>, n: usize) -> Sum {
    let mut total = Sum::default();
    match weights {
        Some(w) => w[..n].iter().for_each(|&v| total.add(v)),
        None => total.add(n as f32),
    }
    total
}

/// Weight of item `i`.
#[inline]
pub(crate) fn weight_of(weights: Option<&[f32]>, i: usize) -> f32 {
    weights.map_or(1.0, |w| w[i])
}

/// Fraction of rows whose arg-max output equals the label (ties go to the first index).
pub fn accuracy(out: &[f32], cols: usize, labels: &[u32]) -> f32 {
    let rows = labels.len().min(out.len() / cols.max(1));
    if rows == 0 {
        return 0.0;
    }
    let hits = (0..rows)
        .filter(|&r| argmax(&out[r * cols..(r + 1) * cols]) == labels[r] as usize)
        .count();
    hits as f32 / rows as f32
}

/// Index of the largest value (the first among equals).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (k, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = k;
        }
    }
    best
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A tiny output layer to check each loss's gradient against finite differences, in
    //! fixed buffers (the core's tests need no heap either).
    use crate::layers::{Activation, OutputGrads, OutputView};

    /// The most values a check takes.
    const N: usize = 32;

    /// Check `loss` at `pre` (with `out = act(pre)` row-wise) against central differences in `pre`.
    pub fn check(
        act: Activation,
        pre: &[f32],
        cols: usize,
        loss: &dyn Fn(&mut OutputGrads<'_>) -> f64,
        tol: f64,
    ) {
        let n = pre.len();
        assert!(n <= N, "the check takes at most {N} values");
        let rows = n / cols;
        let eval = |p: &[f32], d_out: &mut [f32], d_pre: &mut [f32]| -> f64 {
            let mut out = [0.0f32; N];
            let out = &mut out[..n];
            for r in 0..rows {
                let (pr, or) = (
                    &p[r * cols..(r + 1) * cols],
                    &mut out[r * cols..(r + 1) * cols],
                );
                if act == Activation::Softmax {
                    crate::layers::activation::softmax_row(pr, or);
                } else {
                    for (o, &x) in or.iter_mut().zip(pr) {
                        *o = act.apply(x);
                    }
                }
            }
            let view = OutputView::new(2, rows, cols, p, out, act);
            let mut g = OutputGrads { view, d_out, d_pre };
            loss(&mut g)
        };
        let (mut d_out, mut d_pre) = ([0.0f32; N], [0.0f32; N]);
        eval(pre, &mut d_out[..n], &mut d_pre[..n]);
        // total gradient wrt pre: d_pre + f'(pre) * d_out (softmax: row Jacobian)
        let mut analytic = d_pre;
        for r in 0..rows {
            let s = r * cols..(r + 1) * cols;
            if act == Activation::Softmax {
                let mut p = [0.0f32; N];
                crate::layers::activation::softmax_row(&pre[s.clone()], &mut p[..cols]);
                crate::layers::activation::softmax_row_backward(
                    &p[..cols],
                    &d_out[s.clone()],
                    &mut analytic[s],
                );
            } else {
                for k in s {
                    analytic[k] += act.d1(pre[k]) * d_out[k];
                }
            }
        }
        let mut values = [0.0f32; N];
        values[..n].copy_from_slice(pre);
        let s = crate::gradcheck::Settings {
            tol,
            ..Default::default()
        };
        let r = crate::gradcheck::check_values(&mut values[..n], &analytic[..n], &s, |p| {
            let (mut t1, mut t2) = ([0.0f32; N], [0.0f32; N]);
            eval(p, &mut t1[..n], &mut t2[..n])
        });
        assert!(
            r.above == 0,
            "element {}: numeric {} analytic {}",
            r.worst_index,
            r.numeric,
            r.analytic
        );
    }
}
