//! `recurrent_norm` (Krueger and Memisevic 2016, "Regularizing RNNs by stabilizing
//! activations"): keep the norm of a recurrent layer's state steady over time.
//!
//! `R = (1/|H|) sum_h (1/(B (T-1))) sum_b sum_{t=1}^{T-1} (||h_{b,t}||_2 - ||h_{b,t-1}||_2)^2`
//! over the matched outputs (default: the `:out` of every recurrent layer; any sequence-valued
//! output may be matched, an LSTM's `:cell` included), as in the paper
//! and `docs/contract.md` (theanets' code forgets the square; see its last section).
//! Gradient, with `n_t = ||h_t||` and `c = 2 / (|H| B (T-1))`:
//! `dR/dh_t = c ((n_t - n_{t-1})[t >= 1] - (n_{t+1} - n_t)[t <= T-2]) h_t / n_t` (0 where `n_t = 0`).

use super::entry::{Active, Builtin, Key, Term, WeightRule};
use super::regularizer::Regularizer;
use super::selection::Selection;
use super::view::{NetGrads, NetView};

/// The norm-stabilizer over a selection of sequence outputs.
#[derive(Clone, Debug, Default)]
pub struct RecurrentNorm {
    /// Layer indices whose `:out` is penalized.
    pub targets: Selection,
    /// Layer indices whose second output (`:pre`, an LSTM's `:cell`) is penalized.
    pub pre: Selection,
}

/// `||h_t||_2` of step `t` of one row of `steps * units` values (in f64). The norms are
/// computed as the loops need them, a window of three at a time: no table caps `T`.
fn norm(row: &[f32], units: usize, t: usize) -> f64 {
    libm::sqrt(
        row[t * units..(t + 1) * units]
            .iter()
            .map(|&v| (v as f64) * (v as f64))
            .sum::<f64>(),
    )
}

impl Regularizer for RecurrentNorm {
    fn name(&self) -> &str {
        "recurrent_norm"
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
                let mut prev = norm(row, units, 0);
                for t in 1..steps {
                    let n = norm(row, units, t);
                    sum += (n - prev) * (n - prev);
                    prev = n;
                }
            }
            total += sum / (rows * (steps - 1)) as f64;
        }
        if count == 0 {
            0.0
        } else {
            total / count as f64
        }
    }

    fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
        let count = (self.targets.count() + self.pre.count()) as f64;
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
            let c = weight as f64 * 2.0 / (count * (rows * (steps - 1)) as f64);
            for r in 0..rows {
                let row = &h[r * cols..(r + 1) * cols];
                // (n_{t-1}, n_t, n_{t+1}), slid along the row.
                let (mut before, mut here) = (0.0f64, norm(row, units, 0));
                for t in 0..steps {
                    let after = if t + 1 < steps {
                        norm(row, units, t + 1)
                    } else {
                        0.0
                    };
                    let n_t = here;
                    let mut dn = 0.0;
                    if t >= 1 {
                        dn += n_t - before;
                    }
                    if t + 1 < steps {
                        dn -= after - n_t;
                    }
                    (before, here) = (n_t, after);
                    if n_t == 0.0 {
                        continue;
                    }
                    let s = c * dn / n_t;
                    for j in 0..units {
                        let i = r * cols + t * units + j;
                        d_h[i] += (s * h[i] as f64) as f32;
                    }
                }
            }
        }
    }
}

/// The registry's entry: keys, weight rule, targets (default: every recurrent layer's
/// `:out`; patterns may name any sequence-valued output) and term.
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::RecurrentNorm,
    keys: &[
        Key::main(
            "recurrent_norm",
            "λ · mean (‖h_t‖ − ‖h_{t−1}‖)²",
            "Norm stabilizer: keeps the size of a recurrent layer's state steady from step to step, so it neither explodes nor dies away over long sequences.",
        ),
        Key::alias("recurrentnorm", "recurrent_norm"),
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

fn bind(a: &Active) -> RecurrentNorm {
    RecurrentNorm {
        targets: a.outs,
        pre: a.pres,
    }
}
