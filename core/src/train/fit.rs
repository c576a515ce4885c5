//! Passes over the data, validation and the best parameters, and the early-stopping loop
//! ([`Trainer::train`]).

use super::best::BestCopy;
use super::data::Data;
use super::objective::{PenaltyValues, evaluate, evaluate_as};
use super::reference::Reference;
use super::report::{Report, add_terms, scale_report};
use super::trainer::Trainer;
use crate::error::Error;
use crate::layers::{Corruptor, Layers};
use crate::losses::{Target, accuracy};
use crate::rng::{XorShift, permute};

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>, R: Reference<L>>
    Trainer<L, B, JD, S, K, R>
{
    /// One pass over `data` with the batch order shuffled (a pass left unfinished by
    /// [`steps`](Self::steps) is abandoned).
    pub fn pass(&mut self, data: &Data<'_>) -> Result<Report, Error> {
        let rows = self.ready(data, None)?;
        self.cursor = 0;
        self.run_batches(data, rows, rows.div_ceil(self.config.batch_size))
    }

    /// `n` updates, continuing the current pass's shuffled batch order and starting a new,
    /// reshuffled pass whenever one ends: for a UI or a main loop that trains in slices.
    /// The report averages these `n` batches; `pass` is the number of completed passes.
    /// If the batch size or the number of rows changed since the last call, the unfinished
    /// pass is abandoned and a new one starts.
    ///
    /// ```
    /// use staticnets::layers::{Activation::*, Dense};
    /// use staticnets::train::{Data, Trainer};
    /// let mut t: Trainer<(Dense<2, 2>, Dense<2, 2>), 4, 0, 2> =
    ///     Trainer::new((Dense::new(Tanh), Dense::new(Linear)));
    /// t.config.parse("batch_size = 4").unwrap();
    /// let x = [0.5f32; 2 * 10]; // 10 rows: 3 batches per pass
    /// let data = Data::autoencoder(&x);
    /// t.start(&data).unwrap();
    /// assert_eq!(t.steps(&data, 2).unwrap().pass, 0);
    /// assert_eq!(t.steps(&data, 2).unwrap().pass, 1); // the pass ended inside
    /// ```
    ///
    /// The data's shape is checked whole, its values only in the rows these `n` steps will
    /// take (all of them if the steps cover a pass): a call costs what its batches cost,
    /// however large the data, and a bad value is still refused before any step, by the
    /// call whose batch holds it.
    pub fn steps(&mut self, data: &Data<'_>, n: usize) -> Result<Report, Error> {
        let rows = self.ready(data, Some(n))?;
        self.run_batches(data, rows, n)
    }

    /// The values of the rows the next `n` steps' batches take (every row for a pass or
    /// more), walking the batch order ahead on a copy of it.
    pub(super) fn check_batches(
        &self,
        data: &Data<'_>,
        rows: usize,
        n: usize,
    ) -> Result<(), Error> {
        let bs = self.config.batch_size;
        if bs == 0 || bs > B || n.saturating_mul(bs) >= rows {
            // (a batch size `reconfigure` will refuse, or a whole pass: every row)
            return self.check_rows(data, 0, rows);
        }
        let mut order = self.order(rows, bs);
        for _ in 0..n {
            let (b, _) = order.next(rows.div_ceil(bs));
            self.check_rows(data, b * bs, bs.min(rows - b * bs))?;
        }
        Ok(())
    }

    /// Where the batch order stands for `rows` rows in batches of `bs`: a new pass if either
    /// changed under an unfinished one.
    fn order(&self, rows: usize, bs: usize) -> BatchOrder {
        let same = (rows, bs) == (self.pass_rows, self.pass_batch);
        BatchOrder {
            cursor: if same { self.cursor } else { 0 },
            key: self.pass_key,
            rng: self.order_rng,
        }
    }

    pub(super) fn run_batches(
        &mut self,
        data: &Data<'_>,
        rows: usize,
        n: usize,
    ) -> Result<Report, Error> {
        let bs = self.config.batch_size;
        let nb = rows.div_ceil(bs);
        let mut report = Report::default();
        let mut acc = 0.0f32;
        // each step's data loss in f32, summed double-f32: no f64 arithmetic per step
        let mut err = crate::kernels::Sum::ZERO;
        let mut done = 0usize;
        let mut last = None;
        for _ in 0..n {
            // (the data or the batch size changed under an unfinished pass: a new one)
            let mut order = self.order(rows, bs);
            let (b, pass_ended) = order.next(nb);
            (self.cursor, self.pass_key, self.order_rng) = (order.cursor, order.key, order.rng);
            (self.pass_rows, self.pass_batch) = (rows, bs);
            if pass_ended {
                self.passes += 1;
            }
            let start = b * bs;
            let batch = self.batch(data, start, bs.min(rows - start));
            match self.step_checked(batch) {
                Ok((terms, data)) => {
                    err.add(data.value_f32());
                    if self.config.monitor_penalties {
                        add_terms(&mut report, &terms);
                    }
                    if let Target::Labels(t) = batch.target {
                        acc += accuracy(self.ws.output(), L::NOUT / L::STEPS, t);
                    }
                    done += 1;
                    last = Some((b, start));
                }
                Err(()) => {
                    last = None;
                    self.diverged(b)?
                }
            }
        }
        report.pass = self.passes;
        report.err = err.value_f64();
        if !self.config.monitor_penalties {
            // (not computed: see `monitor_penalties`)
            report.loss = f64::NAN;
            report.regs = [f64::NAN; super::objective::MAX_REGS];
        }
        scale_report(&mut report, done, acc, data);
        self.monitor_sparsity(&mut report);
        // Within a call, a step whose update is finite but makes the next loss non-finite is
        // refused by the next step; the call's last update has no next step, so its batch's
        // clean loss is taken once more: a call that diverged says so itself, and the next
        // call starts from good parameters (docs/contract.md, what is detected when). A
        // trainer without a copy of known-good parameters has nothing to return to: for it
        // the next step refuses, writing nothing, as within a call.
        if let Some((b, start)) = last
            && self.best.copy().is_some()
            && !self.loss_finite(self.batch(data, start, bs.min(rows - start)))
        {
            self.roll_back();
            self.diverged(b)?;
        }
        Ok(report)
    }

    /// Whether the clean data loss of `batch` is finite with the parameters as they are.
    fn loss_finite(&mut self, batch: super::objective::Batch<'_>) -> bool {
        let mut off = Corruptor::off();
        let none = super::objective::Penalties::default();
        let loss = self.config.loss;
        evaluate(
            &self.net,
            &mut self.ws,
            None,
            batch,
            loss,
            &none,
            &[],
            &mut off,
        )
        .is_ok_and(|t| t.loss.is_finite())
    }

    /// The clean objective over `data` (no noise or dropout; penalties included), averaged
    /// over batches. The best finite result so far keeps its parameters as the known-good
    /// ones (see [`best`](Self::best)); `improved` says whether this one did.
    pub fn validate(&mut self, data: &Data<'_>) -> Result<Report, Error> {
        let rows = self.ready(data, None)?;
        let mut report = self.evaluate_clean(data, rows)?;
        report.improved = self.keep_if_best(report.loss);
        Ok(report)
    }

    /// After a validation of loss `v`: a finite one ends a row of halvings, and the best one
    /// becomes the known-good parameters. Returns whether `v` improved on the best by more
    /// than `min_improvement` (relative).
    pub(super) fn keep_if_best(&mut self, v: f64) -> bool {
        if !v.is_finite() {
            return false;
        }
        self.halvings = 0;
        let improved = self.best_loss.is_infinite()
            || (self.best_loss - v) > self.best_loss * self.config.min_improvement as f64;
        if improved {
            self.best_loss = v;
            self.best.keep(&self.net);
        }
        improved
    }

    /// The clean objective over `data`, already checked to hold `rows` rows.
    pub(super) fn evaluate_clean(&mut self, data: &Data<'_>, rows: usize) -> Result<Report, Error> {
        let bs = self.config.batch_size;
        let nb = rows.div_ceil(bs);
        let mut report = Report {
            pass: self.passes,
            ..Report::default()
        };
        let mut acc = 0.0f32;
        let mut off = Corruptor::off();
        for b in 0..nb {
            let start = b * bs;
            let batch = self.batch(data, start, bs.min(rows - start));
            let terms = evaluate_as(
                &self.net,
                &mut self.ws,
                None,
                batch,
                self.config.loss,
                &self.penalties,
                &self.customs,
                &mut off,
                PenaltyValues::Computed,
                self.reference.weights(),
            )?
            .0;
            add_terms(&mut report, &terms);
            report.err += terms.data;
            if let Target::Labels(t) = batch.target {
                acc += accuracy(self.ws.output(), L::NOUT / L::STEPS, t);
            }
        }
        scale_report(&mut report, nb, acc, data);
        self.monitor_sparsity(&mut report);
        report.valid_loss = report.loss;
        Ok(report)
    }

    /// theanets' `itertrain`: validate before the first update and every `validate_every`
    /// passes; stop after `patience` validations without an improvement greater than
    /// `min_improvement` (relative), after `max_updates` passes, or when `each` returns
    /// `false`; validate once more if the last passes were not, then restore the best
    /// parameters. Returns the last report.
    /// Call [`start`](Self::start) (or [`restart`](Self::restart)) first.
    pub fn train(
        &mut self,
        train: &Data<'_>,
        valid: &Data<'_>,
        mut each: impl FnMut(&Report) -> bool,
    ) -> Result<Report, Error> {
        let valid_rows = self.check_data(valid)?;
        let rows = self.ready(train, None)?;
        // Each call is one early-stopping run.
        self.best_loss = f64::INFINITY;
        self.since_best = 0;
        let mut last = self.evaluate_clean(valid, valid_rows)?;
        self.observe_validation(&mut last);
        loop {
            self.cursor = 0;
            let batches = rows.div_ceil(self.config.batch_size);
            let mut report = self.run_batches(train, rows, batches)?;
            report.valid_loss = last.valid_loss;
            if self.passes.is_multiple_of(self.config.validate_every) {
                let v = self.evaluate_clean(valid, valid_rows)?;
                report.valid_loss = v.loss;
                report.improved = self.observe_validation(&mut report);
            }
            last = report;
            let more = each(&report);
            let out_of_patience = self.since_best > self.config.patience;
            let out_of_updates =
                self.config.max_updates > 0 && self.passes >= self.config.max_updates;
            if !more || out_of_patience || out_of_updates {
                break;
            }
        }
        if !self.passes.is_multiple_of(self.config.validate_every) {
            // The last passes were not validated yet: let them compete for the best.
            let mut v = self.evaluate_clean(valid, valid_rows)?;
            last.valid_loss = v.loss;
            last.improved = self.observe_validation(&mut v);
        }
        self.best.restore(&mut self.net);
        Ok(last)
    }

    /// Record a validation result; returns whether it improved on the best.
    pub(super) fn observe_validation(&mut self, report: &mut Report) -> bool {
        let improved = self.keep_if_best(report.valid_loss);
        if improved {
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        report.improved = improved;
        improved
    }
}

/// The batch order's state: the next position in the pass, the pass's permutation key, and
/// the generator that draws each pass's key.
struct BatchOrder {
    cursor: usize,
    key: u64,
    rng: XorShift,
}

impl BatchOrder {
    /// The next batch of a pass of `nb` batches (a new pass draws its key first); whether
    /// the pass ended with it.
    fn next(&mut self, nb: usize) -> (usize, bool) {
        if self.cursor == 0 {
            self.key = self.rng.next_u64();
        }
        let b = permute(self.cursor, nb, self.key);
        self.cursor += 1;
        let ended = self.cursor == nb;
        if ended {
            self.cursor = 0;
        }
        (b, ended)
    }
}
