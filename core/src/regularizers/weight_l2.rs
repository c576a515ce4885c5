//! `weight_l2` (alias `weight_decay`): `R = (1/|W|) sum_{W} mean(W^2)` over the matched
//! weight matrices (default: every weight, `*.w`; biases never).
//! Gradient: `dR/dW = 2 W / (|W| * size(W))`.

use super::entry::{Active, Builtin, Key, Term, WeightRule};
use super::regularizer::Regularizer;
use super::selection::Selection;
use super::tensor_terms::{add_tensor_grads, mean_over_tensors};
use super::view::{NetGrads, NetView};

/// The L2 weight penalty over a selection of weight matrices.
#[derive(Clone, Debug, Default)]
pub struct WeightL2 {
    /// Which tensors it covers.
    pub targets: Selection,
}

impl Regularizer for WeightL2 {
    fn name(&self) -> &str {
        "weight_l2"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        mean_over_tensors(net, self.targets, crate::kernels::sum_sq)
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        add_tensor_grads(net, self.targets, weight, add_slopes);
    }
}

crate::elementwise! {
    /// `g += c (2 w)`: `c` times the derivative of `w^2`.
    fn add_slopes(w: &[f32], g: &mut [f32], c: f32) {
        for (gk, &wk) in g.iter_mut().zip(w) {
            *gk += c * (2.0 * wk);
        }
    }
}

/// The registry's entry: keys, weight rule, targets (the weight matrices the patterns
/// name, default `*.w`) and term.
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::WeightL2,
    keys: &[
        Key::main(
            "weight_l2",
            "λ · mean(W²)",
            "Weight decay: pulls every weight towards zero in proportion to its size, so no weight grows large; the filters come out smoother.",
        ),
        Key::alias("weight_decay", "weight_l2"),
        Key::alias("weightl2", "weight_l2"),
    ],
    weight: WeightRule::NonNegative,
    needs_targets: false,
    resolve: |spec, net, a, _| {
        a.tensors = super::select_tensors(net, &spec.patterns);
        Ok(())
    },
    term: Some(Term {
        loss: |a: &Active, v| WeightL2 { targets: a.tensors }.loss(v),
        grad: |a: &Active, g, w| WeightL2 { targets: a.tensors }.grad(g, w),
    }),
    jacobian_term: None,
};
