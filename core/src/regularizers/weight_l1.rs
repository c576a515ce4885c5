//! `weight_l1` (alias `weight_sparsity`): `R = (1/|W|) sum_{W} mean(|W|)` over the matched
//! weight matrices (default `*.w`). Gradient: `sign(W) / (|W| * size(W))`, 0 at `W = 0`.

use super::entry::{Active, Builtin, Key, Term, WeightRule};
use super::regularizer::Regularizer;
use super::selection::Selection;
use super::tensor_terms::{add_tensor_grads, mean_over_tensors};
use super::view::{NetGrads, NetView};

/// The L1 weight penalty over a selection of weight matrices.
#[derive(Clone, Debug, Default)]
pub struct WeightL1 {
    /// Which tensors it covers.
    pub targets: Selection,
}

impl Regularizer for WeightL1 {
    fn name(&self) -> &str {
        "weight_l1"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        mean_over_tensors(net, self.targets, crate::kernels::sum_abs)
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        add_tensor_grads(net, self.targets, weight, add_slopes);
    }
}

crate::elementwise! {
    /// `g += c sign(w)`, with `sign(0) = 0` (so `g + 0`): `c` times the derivative of `|w|`.
    fn add_slopes(w: &[f32], g: &mut [f32], c: f32) {
        for (gk, &wk) in g.iter_mut().zip(w) {
            let sign = if wk > 0.0 {
                1.0
            } else if wk < 0.0 {
                -1.0
            } else {
                0.0
            };
            *gk += c * sign;
        }
    }
}

/// The registry's entry: keys, weight rule, targets (default `*.w`) and term.
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::WeightL1,
    keys: &[
        Key::main(
            "weight_l1",
            "λ · mean(|W|)",
            "Weight sparsity: pulls every weight towards zero by the same amount, so the small ones reach zero and stay there; each unit looks at fewer inputs.",
        ),
        Key::alias("weight_sparsity", "weight_l1"),
        Key::alias("weightl1", "weight_l1"),
    ],
    weight: WeightRule::NonNegative,
    needs_targets: false,
    resolve: |spec, net, a, _| {
        a.tensors = super::select_tensors(net, &spec.patterns);
        Ok(())
    },
    term: Some(Term {
        loss: |a: &Active, v| WeightL1 { targets: a.tensors }.loss(v),
        grad: |a: &Active, g, w| WeightL1 { targets: a.tensors }.grad(g, w),
    }),
    jacobian_term: None,
};
