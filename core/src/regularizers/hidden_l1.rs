//! `hidden_l1` (alias `hidden_sparsity`): `R = (1/|H|) sum_h mean(|h|)`, the mean over the
//! batch and units of each matched output (default: every hidden `:out`, i.e. `hid*:out`),
//! after its dropout and noise. Gradient into that output: `sign(h) / (|H| * rows * units)`.

use super::entry::{Active, Builtin, Key, Term, WeightRule};
use super::regularizer::Regularizer;
use super::selection::Selection;
use super::targets::outputs;
use super::view::{NetGrads, NetView};

/// The L1 activity penalty over a selection of outputs (layer index, `pre` or `out`).
#[derive(Clone, Debug, Default)]
pub struct HiddenL1 {
    /// Which outputs: `targets` holds layer indices; `pre` says whether `:pre` is meant.
    pub targets: Selection,
    /// Outputs whose `:pre` rather than `:out` is penalized (same indexing as `targets`).
    pub pre: Selection,
}

impl HiddenL1 {
    fn each(&self) -> impl Iterator<Item = (usize, bool)> + '_ {
        self.targets
            .iter()
            .map(|k| (k, false))
            .chain(self.pre.iter().map(|k| (k, true)))
    }
}

impl Regularizer for HiddenL1 {
    fn name(&self) -> &str {
        "hidden_l1"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        let count = self.targets.count() + self.pre.count();
        if count == 0 {
            return 0.0;
        }
        let mut total = 0.0f64;
        for (k, pre) in self.each() {
            if let Some(v) = net.output(k) {
                let h = if pre { v.pre } else { v.out };
                if !h.is_empty() {
                    total += crate::kernels::sum_abs(h).value_f64() / h.len() as f64;
                }
            }
        }
        total / count as f64
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        let count = (self.targets.count() + self.pre.count()) as f32;
        for (k, pre) in self.each() {
            if let Some(g) = net.output_grads(k) {
                let h = if pre { g.view.pre } else { g.view.out };
                let d = if pre { g.d_pre } else { g.d_out };
                let c = weight / (count * h.len().max(1) as f32);
                add_signs(h, d, c);
            }
        }
    }
}

crate::elementwise! {
    /// `d += c sign(h)`, leaving `d` as it is (not `d + 0`, which turns -0 into +0) where
    /// `h` is 0: selects, so the loop vectorizes.
    fn add_signs(h: &[f32], d: &mut [f32], c: f32) {
        for (dk, &x) in d.iter_mut().zip(h) {
            let (up, down) = (*dk + c, *dk - c);
            *dk = if x > 0.0 {
                up
            } else if x < 0.0 {
                down
            } else {
                *dk
            };
        }
    }
}

/// The registry's entry: keys, weight rule, targets (any outputs, default the hidden
/// `:out`s) and term.
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::HiddenL1,
    keys: &[
        Key::main(
            "hidden_l1",
            "λ · mean(|h|)",
            "Hidden sparsity: penalizes the hidden activations themselves, so for each example only a few units are active (watch the histogram's spike at zero).",
        ),
        Key::alias("hidden_sparsity", "hidden_l1"),
    ],
    weight: WeightRule::NonNegative,
    needs_targets: false,
    resolve: |spec, net, a, _| {
        outputs(spec, net, a);
        Ok(())
    },
    term: Some(Term {
        loss: |a: &Active, v| bind(a).loss(v),
        grad: |a: &Active, g, w| bind(a).grad(g, w),
    }),
    jacobian_term: None,
};

fn bind(a: &Active) -> HiddenL1 {
    HiddenL1 {
        targets: a.outs,
        pre: a.pres,
    }
}
