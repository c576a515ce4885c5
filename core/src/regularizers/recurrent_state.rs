//! `recurrent_state`: penalize how much a recurrent layer's state moves from step to step.
//!
//! `R = (1/|H|) sum_h mean over B x (T-1) x J of (h_{b,t} - h_{b,t-1})^2` over the matched
//! outputs (default: the `:out` of every recurrent layer; any sequence-valued output may be
//! matched, an LSTM's `:cell` and a sequence model's input included), as theanets' code and
//! `docs/contract.md` define it. Gradient, with `c = 2 / (|H| B (T-1) J)`:
//! `dR/dh_t = c ((h_t - h_{t-1})[t >= 1] - (h_{t+1} - h_t)[t <= T-2])`.

use super::entry::{Active, Builtin, Key, Term, WeightRule};
use super::regularizer::Regularizer;
use super::selection::Selection;
use super::view::{NetGrads, NetView};

/// The state-change penalty over a selection of sequence outputs.
#[derive(Clone, Debug, Default)]
pub struct RecurrentState {
    /// Layer indices whose `:out` is penalized.
    pub targets: Selection,
    /// Layer indices whose second output (`:pre`, an LSTM's `:cell`) is penalized.
    pub pre: Selection,
}

impl Regularizer for RecurrentState {
    fn name(&self) -> &str {
        "recurrent_state"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        let count = self.targets.count() + self.pre.count();
        let mut total = 0.0f64;
        for (k, second) in super::selection::ports(self.targets, self.pre) {
            let Some(v) = net.output(k) else {
                continue;
            };
            let values = if second { v.pre } else { v.out };
            let (steps, rows) = (v.steps, v.rows);
            if steps < 2 || rows == 0 {
                continue;
            }
            let units = v.cols / steps;
            let mut sum = 0.0f64;
            for row in values.chunks_exact(v.cols).take(rows) {
                for t in 1..steps {
                    for j in 0..units {
                        let d = row[t * units + j] as f64 - row[(t - 1) * units + j] as f64;
                        sum += d * d;
                    }
                }
            }
            total += sum / (rows * (steps - 1) * units) as f64;
        }
        if count == 0 {
            0.0
        } else {
            total / count as f64
        }
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        let count = (self.targets.count() + self.pre.count()) as f32;
        for (k, second) in super::selection::ports(self.targets, self.pre) {
            let Some(g) = net.output_grads(k) else {
                continue;
            };
            let (h, d_h) = if second {
                (g.view.pre, g.d_pre)
            } else {
                (g.view.out, g.d_out)
            };
            let (steps, rows, cols) = (g.view.steps, g.view.rows, g.view.cols);
            if steps < 2 || rows == 0 {
                continue;
            }
            let units = cols / steps;
            let c = weight * 2.0 / (count * (rows * (steps - 1) * units) as f32);
            for r in 0..rows {
                for t in 0..steps {
                    for j in 0..units {
                        let i = r * cols + t * units + j;
                        let mut d = 0.0;
                        if t >= 1 {
                            d += h[i] - h[i - units];
                        }
                        if t + 1 < steps {
                            d -= h[i + units] - h[i];
                        }
                        d_h[i] += c * d;
                    }
                }
            }
        }
    }
}

/// The registry's entry: keys, weight rule, targets (default: every recurrent layer's
/// `:out`; patterns may name any sequence-valued output) and term.
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::RecurrentState,
    keys: &[
        Key::main(
            "recurrent_state",
            "λ · mean (h_t − h_{t−1})²",
            "State smoothness: penalizes how much a recurrent layer's state changes from step to step, so it tracks slow structure rather than every wiggle.",
        ),
        Key::alias("recurrentstate", "recurrent_state"),
    ],
    weight: WeightRule::NonNegative,
    needs_targets: false,
    resolve: super::targets::sequence_outputs,
    term: Some(Term {
        loss: |a: &Active, v| bind(a).loss(v),
        grad: |a: &Active, g, w| bind(a).grad(g, w),
    }),
    jacobian_term: None,
};

fn bind(a: &Active) -> RecurrentState {
    RecurrentState {
        targets: a.outs,
        pre: a.pres,
    }
}
