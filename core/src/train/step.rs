//! One update: a batch checked, the objective and its gradient, clipping, the optimizer step,
//! and what happens when a step diverges (docs/contract.md).

use super::best::BestCopy;
use super::config::{MAX_HALVINGS, OnDivergence};
use super::data::Data;
use super::objective::{Batch, PenaltyValues, Terms, evaluate_as};
use super::reference::Reference;
use super::trainer::Trainer;
use crate::error::Error;
use crate::layers::Layers;
use crate::losses::{LossValue, Target};
use crate::optim::{clip::clip, update};

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>, R: Reference<L>>
    Trainer<L, B, JD, S, K, R>
{
    /// One update on one batch (at most `B` rows; its lengths and values are checked). A step
    /// whose loss, gradient or updated parameters are not all finite is not applied: the
    /// parameters return to [`best`](Self::best), the optimizer restarts, and the error is
    /// [`Error::NonFiniteStep`] (this low-level call does not apply `on_divergence`;
    /// [`steps`](Self::steps), [`pass`](Self::pass) and [`train`](Self::train) do).
    pub fn step(&mut self, batch: Batch<'_>) -> Result<Terms, Error> {
        if !self.started {
            return Err(Error::NotStarted);
        }
        self.check_batch(&batch)?;
        let (mut terms, data) = self.step_checked(batch).map_err(|_| Error::NonFiniteStep {
            pass: self.passes as usize + 1,
            batch: 0,
        })?;
        // (a step that skipped the values: its data loss, for the report this call returns)
        if terms.data.is_nan() {
            terms.data = data.value();
        }
        Ok(terms)
    }

    pub(super) fn check_batch(&self, batch: &Batch<'_>) -> Result<(), Error> {
        if batch.rows == 0 || batch.rows > B {
            return Err(Error::OutOfRange {
                name: "rows in a batch",
                value: batch.rows as f32,
                allowed: "1 to the trainer's batch capacity B",
            });
        }
        if batch.x.len() != batch.rows * L::NIN {
            return Err(Error::WrongLength {
                what: "batch inputs (rows * inputs)",
                expected: batch.rows * L::NIN,
                got: batch.x.len(),
            });
        }
        let mut data = match batch.target {
            Target::Values(y) => Data::regression(batch.x, y),
            Target::Labels(t) => Data::classification(batch.x, t),
        };
        data.weights = batch.weights;
        self.check_data(&data).map(|_| ())
    }

    /// [`step`](Self::step) on a batch already checked; a refused step is rolled back here
    /// (the error carries no position: the caller knows it).
    pub(super) fn step_checked(&mut self, batch: Batch<'_>) -> Result<(Terms, LossValue), ()> {
        if !self.grads_zero {
            self.grads.fill_zero();
        }
        self.grads_zero = false;
        self.corrupt.active = true;
        let values = if self.config.monitor_penalties {
            PenaltyValues::Computed
        } else {
            PenaltyValues::Skipped
        };
        let terms = evaluate_as(
            &self.net,
            &mut self.ws,
            Some(&mut self.grads),
            batch,
            self.config.loss,
            &self.penalties,
            &self.customs,
            &mut self.corrupt,
            values,
            self.reference.weights(),
        );
        self.corrupt.active = false;
        // (with the penalties' values skipped, the data loss is the value there is to check,
        // in f32: no double arithmetic in such a step)
        let checked = |(t, data): &(Terms, LossValue)| match values {
            PenaltyValues::Computed => t.loss.is_finite(),
            PenaltyValues::Skipped => data.value_f32().is_finite(),
        };
        let terms = match terms {
            Ok(t) if checked(&t) && self.grads_finite_where_unseen() => t,
            _ => {
                self.roll_back();
                return Err(());
            }
        };
        let c = &self.config;
        let frozen = self.frozen;
        for i in 0..L::TENSORS {
            if let Some(g) = self.grads.tensor_mut(i) {
                clip(g, c.max_gradient_elem, c.max_gradient_norm);
            }
        }
        let updated = update(
            c.algo,
            c.momentum,
            c.learning_rate,
            &mut self.net,
            &mut self.grads,
            &mut self.state,
            |i| !frozen.contains(i),
            // with a copy of known-good parameters, a refused update is rolled back below
            self.best.copy().is_some(),
        );
        // `update` writes only finite parameters (it checks every result first, or, with a
        // copy, the roll-back below undoes it), so the parameters need no second scan here.
        if updated.is_err() {
            self.roll_back();
            return Err(());
        }
        self.grads_zero = true; // (the update cleared them)
        self.updates += 1;
        Ok(terms)
    }

    /// Whether the gradients are finite, scanning only the tensors whose non-finite gradient
    /// the update's own check would not refuse. A non-finite gradient must refuse the step;
    /// for a plain step (sgd, nag) without clipping by element, the update's check does:
    /// `lr g` and every result from it are then not finite (clipping by norm keeps a NaN, or
    /// makes an infinity NaN). Frozen tensors, the other optimizers and clipping by element
    /// need this pass.
    fn grads_finite_where_unseen(&self) -> bool {
        let c = &self.config;
        let update_sees = c.algo.algo().plain_step && c.max_gradient_elem <= 0.0;
        (0..L::TENSORS).all(|i| {
            (update_sees && !self.frozen.contains(i))
                || self
                    .grads
                    .tensor(i)
                    .is_none_or(|g| crate::error::all_finite(g.data))
        })
    }

    /// Back to the known-good parameters (without a copy, the parameters are those before
    /// the refused step: a refused update writes nothing), with a fresh optimizer (its state
    /// followed the diverging trajectory).
    pub(super) fn roll_back(&mut self) {
        self.best.restore(&mut self.net);
        self.state.reset();
    }

    /// After a refused step (already rolled back): stop, or halve the learning rate.
    pub(super) fn diverged(&mut self, batch: usize) -> Result<(), Error> {
        let halve = self.config.on_divergence == OnDivergence::Halve;
        if halve && self.halvings < MAX_HALVINGS {
            self.halvings += 1;
            self.config.learning_rate *= 0.5;
            return Ok(());
        }
        Err(Error::Diverged {
            pass: self.passes as usize + 1,
            batch,
            halvings: self.halvings,
            learning_rate: self.config.learning_rate,
        })
    }
}
