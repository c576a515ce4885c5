//! `recurrent_norm` (Krueger and Memisevic 2016, "Regularizing RNNs by stabilizing
//! activations"): keep the norm of a recurrent layer's state steady over time.
//!
//! `R = (1/|H|) sum_h (1/(B (T-1))) sum_b sum_{t=1}^{T-1} (||h_{b,t}||_2 - ||h_{b,t-1}||_2)^2`
//! over the matched outputs (default: the `:out` of every recurrent layer), as in the paper
//! and `semantics.md` (theanets' code forgets the square; section 9 there).
//! Gradient, with `n_t = ||h_t||` and `c = 2 / (|H| B (T-1))`:
//! `dR/dh_t = c ((n_t - n_{t-1})[t >= 1] - (n_{t+1} - n_t)[t <= T-2]) h_t / n_t` (0 where `n_t = 0`).

use super::{Regularizer, Selection, view::NetGrads, view::NetView};

/// The norm-stabilizer over a selection of sequence outputs.
#[derive(Clone, Debug, Default)]
pub struct RecurrentNorm {
    /// Layer indices whose `:out` is penalized.
    pub targets: Selection,
}

/// The `T` per-step norms of one row of `steps * units` values.
fn norms(row: &[f32], steps: usize, out: &mut [f64]) {
    let units = row.len() / steps;
    for (t, n) in out.iter_mut().enumerate().take(steps) {
        *n = libm::sqrt(
            row[t * units..(t + 1) * units]
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum::<f64>(),
        );
    }
}

/// The most time steps a recurrent penalty handles (its per-row scratch is on the stack).
pub const MAX_STEPS: usize = 256;

impl Regularizer for RecurrentNorm {
    fn name(&self) -> &str {
        "recurrent_norm"
    }

    fn loss(&self, net: &dyn NetView) -> f64 {
        let count = self.targets.count();
        let mut total = 0.0f64;
        for v in self.targets.iter().filter_map(|k| net.output(k)) {
            let (steps, rows) = (v.steps.min(MAX_STEPS), v.rows);
            if steps < 2 || rows == 0 {
                continue;
            }
            let mut n = [0.0f64; MAX_STEPS];
            let mut sum = 0.0f64;
            for row in v.out.chunks_exact(v.cols).take(rows) {
                norms(row, steps, &mut n);
                for t in 1..steps {
                    sum += (n[t] - n[t - 1]) * (n[t] - n[t - 1]);
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
        let count = self.targets.count() as f64;
        for k in self.targets.iter() {
            let Some(g) = net.output_grads(k) else {
                continue;
            };
            let (steps, rows, cols) = (g.view.steps.min(MAX_STEPS), g.view.rows, g.view.cols);
            if steps < 2 || rows == 0 {
                continue;
            }
            let units = cols / steps;
            let c = weight as f64 * 2.0 / (count * (rows * (steps - 1)) as f64);
            let mut n = [0.0f64; MAX_STEPS];
            for r in 0..rows {
                let row = &g.view.out[r * cols..(r + 1) * cols];
                norms(row, steps, &mut n);
                for t in 0..steps {
                    if n[t] == 0.0 {
                        continue;
                    }
                    let mut dn = 0.0;
                    if t >= 1 {
                        dn += n[t] - n[t - 1];
                    }
                    if t + 1 < steps {
                        dn -= n[t + 1] - n[t];
                    }
                    let s = c * dn / n[t];
                    for j in 0..units {
                        let i = r * cols + t * units + j;
                        g.d_out[i] += (s * g.view.out[i] as f64) as f32;
                    }
                }
            }
        }
    }
}
