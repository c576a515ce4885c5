//! What a pass or a validation measured: [`Report`], summed over batches and scaled to means,
//! with the sparsity monitors.

use super::best::BestCopy;
use super::data::Data;
use super::objective::{MAX_REGS, Terms};
use super::reference::Reference;
use super::trainer::Trainer;
use crate::layers::Layers;
use crate::losses::Target;

/// What one pass (or validation) measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Report {
    /// 1-based pass number (0 for the validation before training).
    pub pass: u32,
    /// Mean over batches of the full objective.
    pub loss: f64,
    /// Mean data loss.
    pub err: f64,
    /// Mean of each regularizer's `R`, in configuration order.
    pub regs: [f64; MAX_REGS],
    /// Accuracy, for labelled data.
    pub accuracy: Option<f32>,
    /// Fraction of hidden activations with `|h| < sparsity_threshold`.
    pub hidden_sparsity: f32,
    /// Fraction of weights with `|w| < sparsity_threshold`.
    pub weight_sparsity: f32,
    /// The latest validation loss.
    pub valid_loss: f64,
    /// Whether this pass's validation improved on the best.
    pub improved: bool,
}

/// Add one batch's objective and penalty values to `report` (its data loss: the caller's,
/// which a training call sums in `f32`).
pub(super) fn add_terms(report: &mut Report, terms: &Terms) {
    report.loss += terms.loss;
    for (a, b) in report.regs.iter_mut().zip(&terms.regs) {
        *a += b;
    }
}

pub(super) fn scale_report(report: &mut Report, batches: usize, acc: f32, data: &Data<'_>) {
    let n = batches.max(1) as f64;
    report.loss /= n;
    report.err /= n;
    for r in report.regs.iter_mut() {
        *r /= n;
    }
    if let Some(Target::Labels(_)) = data.target {
        report.accuracy = Some(acc / batches.max(1) as f32);
    }
}

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>, R: Reference<L>>
    Trainer<L, B, JD, S, K, R>
{
    pub(super) fn monitor_sparsity(&self, report: &mut Report) {
        let th = self.config.sparsity_threshold;
        let (mut small, mut all) = (0usize, 0usize);
        for k in 1..L::LAYERS {
            if let Some(v) = self.ws.view(&self.net, k) {
                small += v.out.iter().filter(|x| x.abs() < th).count();
                all += v.out.len();
            }
        }
        report.hidden_sparsity = if all > 0 {
            small as f32 / all as f32
        } else {
            0.0
        };
        let (mut small, mut all) = (0usize, 0usize);
        for i in 0..L::TENSORS {
            if let Some(t) = self.net.tensor(i).filter(|t| t.kind.is_matrix()) {
                small += t.data.iter().filter(|w| w.abs() < th).count();
                all += t.data.len();
            }
        }
        report.weight_sparsity = if all > 0 {
            small as f32 / all as f32
        } else {
            0.0
        };
    }
}
