//! The trainer: a network, its gradients, the best parameters seen, optimizer state and a
//! workspace, all in one value of a size known at compile time.
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::train::{Data, Trainer};
//! type Body = (Dense<4, 2>, Dense<2, 4>);
//! // batch size 8, no Jacobian buffers, 2 optimizer slots (rmsprop)
//! let mut t: Trainer<Body, 8, 0, 2> = Trainer::new((Dense::new(Tanh), Dense::new(Linear)));
//! t.config.parse("learning_rate = 0.01\nbatch_size = 4\nmax_updates = 50\nweight_l2 = 1e-4").unwrap();
//! let x: [f32; 32] = core::array::from_fn(|k| ((k % 4) as f32 - 1.5) * 0.5);
//! let data = Data::autoencoder(&x);
//! t.start(&data, &[]).unwrap();
//! let first = t.validate(&data, &[]).unwrap();
//! let last = t.train(&data, &data, &[], |_report| true).unwrap();
//! assert!(last.valid_loss < first.loss);
//! ```

use super::best::BestCopy;
use super::config::{MAX_HALVINGS, OnDivergence, TrainConfig};
use super::objective::{Batch, MAX_REGS, Penalties, Terms, evaluate};
use crate::error::{Error, check_finite};
use crate::layers::{Activation, Corruptor, Layers};
use crate::losses::{Target, accuracy};
use crate::network::{Network, Workspace};
use crate::optim::{OptimState, Optimizer, clip::clip, update};
use crate::regularizers::pattern::glob_match;
use crate::regularizers::{Regularizer, Selection};
use crate::rng::{XorShift, permute};

/// Training or validation data: inputs and, unless it is an autoencoder's, targets.
#[derive(Clone, Copy, Debug)]
pub struct Data<'a> {
    /// Inputs, `rows * NIN`, row-major.
    pub x: &'a [f32],
    /// `None` for an autoencoder (the target is the clean input).
    pub target: Option<Target<'a>>,
    /// Optional loss weights (per element, or per row for labels).
    pub weights: Option<&'a [f32]>,
}

impl<'a> Data<'a> {
    /// An autoencoder's data: the target is the input.
    pub const fn autoencoder(x: &'a [f32]) -> Self {
        Data {
            x,
            target: None,
            weights: None,
        }
    }
    /// A regressor's data.
    pub const fn regression(x: &'a [f32], y: &'a [f32]) -> Self {
        Data {
            x,
            target: Some(Target::Values(y)),
            weights: None,
        }
    }
    /// A classifier's data.
    pub const fn classification(x: &'a [f32], labels: &'a [u32]) -> Self {
        Data {
            x,
            target: Some(Target::Labels(labels)),
            weights: None,
        }
    }
}

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

/// Network, gradients, a known-good copy of the parameters, optimizer state (`S` slots) and a
/// workspace for batches of `B` rows (`JD`: Jacobian width, the input width if `contractive`
/// is used, else 0).
///
/// Invariants: every public call either succeeds or returns an error and changes nothing
/// (a diverging step aside, which by design rolls the parameters back); `net` is always
/// finite; `best` holds the parameters of the best validation of the current objective (or,
/// before any, those of [`start`](Self::start) or [`restart`](Self::restart)).
///
/// # Divergence (semantics.md §10)
/// A step whose loss, gradient or updated parameters are not all finite is not applied: the
/// parameters return to `best` (the best snapshot: a merely finite validation can still be of
/// exploding weights) and the optimizer restarts. Then `on_divergence = stop` (default) ends
/// the call with [`Error::Diverged`]; `on_divergence = halve` halves the learning rate and
/// goes on, at most 10 times in a row (a finite validation ends a row).
///
/// ```
/// use staticnets::layers::{Activation::*, Dense};
/// use staticnets::train::{Data, Trainer};
/// let mut t: Trainer<(Dense<2, 3>, Dense<3, 2>), 4, 0, 2> =
///     Trainer::new((Dense::new(Tanh), Dense::new(Linear)));
/// t.config.parse("algo = sgd\nlearning_rate = 1e30\non_divergence = halve").unwrap();
/// let x = [0.5f32, -1.0, 2.0, 0.25, -0.75, 1.5, 1.0, 1.0];
/// let data = Data::autoencoder(&x);
/// t.start(&data, &[]).unwrap();
/// t.validate(&data, &[]).unwrap(); // a finite validation: these parameters are known good
/// let good = t.net.clone();
/// let r = t.steps(&data, 300, &[]);
/// assert!(r.is_err()); // 10 halvings in a row did not bring 1e30 down far enough
/// assert_eq!(t.net, good); // rolled back to the known-good parameters
/// assert_eq!(t.config.learning_rate, 1e30 / 1024.0);
/// ```
pub struct Trainer<
    L: Layers,
    const B: usize,
    const JD: usize,
    const S: usize,
    K: BestCopy<L> = Network<L>,
> {
    /// The parameters being trained.
    pub net: Network<L>,
    /// Known-good parameters, where a diverging step returns to and where
    /// [`train`](Self::train) ends: those of the best validation ([`validate`](Self::validate)
    /// or `train`'s own) since the objective last changed, or those of `start` / `restart`.
    /// With `K = NoBestCopy` there is no copy (see [`best`](super::best)).
    pub best: K,
    /// Gradient buffer.
    pub grads: Network<L>,
    /// Optimizer state.
    pub state: OptimState<L, S>,
    /// Activation buffers.
    pub ws: Workspace<L, B, JD>,
    /// Noise and dropout settings and their generator.
    pub corrupt: Corruptor,
    /// The configuration ([`start`](Self::start) validates and applies it).
    pub config: TrainConfig,
    pub(super) penalties: Penalties,
    pub(super) frozen: Selection,
    /// The optimizer the state in `state` belongs to.
    pub(super) applied_algo: Optimizer,
    /// The loss in force (with `penalties`, the objective `best_loss` was measured on).
    pub(super) applied_loss: crate::losses::Loss,
    pub(super) order_rng: XorShift,
    /// The current pass's batch order: position `i` holds batch `permute(i, batches, key)`.
    /// Laid out for `pass_rows` rows in batches of `pass_batch`; if either changes, the
    /// unfinished pass is abandoned and a new one starts.
    pub(super) pass_key: u64,
    pub(super) pass_rows: usize,
    pub(super) pass_batch: usize,
    /// Next position in the pass (0: a new pass starts, with a new key, at the next batch).
    pub(super) cursor: usize,
    pub(super) passes: u32,
    /// Updates applied since the run began (a refused step is not one).
    pub(super) updates: u64,
    pub(super) best_loss: f64,
    pub(super) since_best: u32,
    pub(super) started: bool,
    /// Learning-rate halvings since the last finite validation (`on_divergence = halve`).
    pub(super) halvings: u32,
}

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>>
    Trainer<L, B, JD, S, K>
{
    /// Bytes the trainer takes in all: parameters, gradients, best copy, optimizer state,
    /// activations and everything else.
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// A trainer around `body` with theanets' default configuration (a batch size of 32, or
    /// `B` if smaller).
    pub const fn new(body: L) -> Self {
        Trainer {
            net: Network::new(body),
            best: K::EMPTY,
            grads: Network::zero(),
            state: OptimState::new(),
            ws: Workspace::new(),
            corrupt: Corruptor::off(),
            config: TrainConfig::with_capacity(B, S),
            penalties: Penalties {
                items: heapless::Vec::new(),
            },
            frozen: Selection(0),
            applied_algo: Optimizer::RmsProp { halflife: 14.0 },
            applied_loss: crate::losses::Loss::Mse,
            order_rng: XorShift::new(crate::rng::DEFAULT_SEED),
            pass_key: 0,
            pass_rows: 0,
            pass_batch: 0,
            cursor: 0,
            passes: 0,
            updates: 0,
            best_loss: f64::INFINITY,
            since_best: 0,
            started: false,
            halvings: 0,
        }
    }

    /// A trainer whose every byte is zero, so that a `static` of it sits in `.bss` (nothing
    /// of it stored in flash, nothing copied at boot) rather than in `.data` as
    /// [`new`](Self::new)'s value does (its configuration defaults and activations are not
    /// zero). Call [`init_zeroed`](Self::init_zeroed) before anything else: until then its
    /// layers are all `linear` and its configuration is invalid.
    ///
    /// ```
    /// use staticnets::layers::{Activation::*, Dense};
    /// use staticnets::train::Trainer;
    /// type Body = (Dense<4, 2>, Dense<2, 4>);
    /// // On firmware: a `static` handed out once with `static_cell::ConstStaticCell`.
    /// let mut t: Box<Trainer<Body, 8, 0, 2>> = Box::new(Trainer::zeroed());
    /// t.init_zeroed(|body| {
    ///     body.0.act = Tanh;
    ///     body.1.act = Linear;
    /// });
    /// assert_eq!(t.config.learning_rate, 1e-4); // theanets' defaults
    /// ```
    pub const fn zeroed() -> Self {
        Trainer {
            net: Network::zero(),
            best: K::EMPTY,
            grads: Network::zero(),
            state: OptimState::new(),
            ws: Workspace::new(),
            corrupt: Corruptor::zeroed(),
            config: TrainConfig::zeroed(),
            penalties: Penalties {
                items: heapless::Vec::new(),
            },
            frozen: Selection(0),
            applied_algo: Optimizer::Sgd,
            applied_loss: crate::losses::Loss::Mse,
            order_rng: XorShift::zeroed(),
            pass_key: 0,
            pass_rows: 0,
            pass_batch: 0,
            cursor: 0,
            passes: 0,
            updates: 0,
            best_loss: 0.0,
            since_best: 0,
            started: false,
            halvings: 0,
        }
    }

    /// Make a [`zeroed`](Self::zeroed) trainer what [`new`](Self::new) would have built:
    /// theanets' default configuration, and the layers' settings (activations, an LSTM's
    /// peepholes, ...) set by `layers` on the (zero) body. The parameters stay zero until
    /// [`start`](Self::start) draws them or a checkpoint is loaded. Nothing large is built on
    /// the stack.
    pub fn init_zeroed(&mut self, layers: impl FnOnce(&mut L)) {
        self.config = TrainConfig::with_capacity(B, S);
        self.corrupt = Corruptor::off();
        self.applied_algo = self.config.algo;
        self.order_rng = XorShift::new(crate::rng::DEFAULT_SEED);
        self.best_loss = f64::INFINITY;
        layers(&mut self.net.body);
    }

    /// Validate the data and the configuration, then seed the generators, draw the initial
    /// weights (from `config.rng`) and reset the optimizer. `customs` are the registered
    /// custom regularizers, in `config.customs` order. On error nothing changes (the weights
    /// stay as they were).
    pub fn start(&mut self, data: &Data<'_>, customs: &[&dyn Regularizer]) -> Result<(), Error> {
        self.check_data(data)?;
        self.reconfigure(customs)?;
        self.net.init(self.config.rng);
        self.begin();
        Ok(())
    }

    /// Like [`start`](Self::start) but keep the current weights (fine-tuning, or after
    /// loading a model).
    pub fn restart(&mut self, data: &Data<'_>, customs: &[&dyn Regularizer]) -> Result<(), Error> {
        self.check_data(data)?;
        self.reconfigure(customs)?;
        self.begin();
        Ok(())
    }

    /// The progress of a new run: generators seeded, optimizer and counters reset, the
    /// current weights known good.
    pub(super) fn begin(&mut self) {
        self.corrupt.rng = XorShift::new(self.config.rng ^ 0x5EED_0001);
        self.order_rng = XorShift::new(self.config.rng ^ 0x5EED_0002);
        self.state.reset();
        self.cursor = 0;
        self.passes = 0;
        self.updates = 0;
        self.best_loss = f64::INFINITY;
        self.since_best = 0;
        self.halvings = 0;
        self.best.keep(&self.net);
        self.started = true;
    }

    /// Whether [`start`](Self::start) or [`restart`](Self::restart) has run.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Apply the configuration in `config` (regularizer strengths, learning rate, optimizer,
    /// ...) without touching the weights or the progress; a different `algo` restarts the
    /// optimizer state. The training calls apply a changed `config` themselves; call this to
    /// check a change at once. On error nothing changes (the configuration in force stays).
    pub fn reconfigure(&mut self, customs: &[&dyn Regularizer]) -> Result<(), Error> {
        // The fixed tables of corruption settings and selections: a larger network is refused
        // here, before any training, rather than silently regularized in part.
        if L::LAYERS >= crate::layers::MAX_LAYERS {
            return Err(Error::CapacityExceeded {
                what: "layers (noise and dropout settings are kept per layer)",
                capacity: crate::layers::MAX_LAYERS - 1,
            });
        }
        if L::TENSORS > 64 {
            return Err(Error::CapacityExceeded {
                what: "parameter tensors (selections are 64-bit sets)",
                capacity: 64,
            });
        }
        let c = &self.config;
        c.validate()?;
        if c.batch_size > B {
            return Err(Error::OutOfRange {
                name: "batch_size",
                value: c.batch_size as f32,
                allowed: "<= the trainer's batch capacity B",
            });
        }
        if c.customs.len() != customs.len() {
            return Err(Error::WrongLength {
                what: "custom regularizers",
                expected: c.customs.len(),
                got: customs.len(),
            });
        }
        let need = c.algo.slots(c.momentum);
        if need > S {
            return Err(Error::WorkspaceTooSmall {
                what: "optimizer state slots (S)",
                needed: need,
                have: S,
            });
        }
        if let Some(act) = self.net.body.activation(L::LAYERS - 1) {
            c.loss.check_output(act)?;
        }
        if (0..L::LAYERS - 1).any(|k| self.net.body.activation(k) == Some(Activation::Softmax)) {
            return Err(Error::BadValue {
                name: "activation of a hidden layer (softmax is for the output layer)",
            });
        }
        let mut frozen = Selection::default();
        for p in c.frozen.iter() {
            let mut matched = false;
            for i in (0..L::TENSORS).filter(|&i| glob_match(p, &self.net.tensor_name(i))) {
                frozen.insert(i);
                matched = true;
            }
            if !matched {
                return Err(Error::PatternMatchesNothing {
                    regularizer: "frozen",
                });
            }
        }
        let mut corrupt = self.corrupt.clone();
        let penalties =
            Penalties::resolve::<L, B, JD>(&c.regs, &self.net, &mut corrupt, customs.len())?;
        // Everything checked: commit.
        if core::mem::discriminant(&c.algo) != core::mem::discriminant(&self.applied_algo) {
            self.state.reset();
            self.applied_algo = c.algo;
        }
        if penalties != self.penalties || c.loss != self.applied_loss {
            // Another objective: the best loss so far measured something else.
            self.best_loss = f64::INFINITY;
            self.applied_loss = c.loss;
        }
        self.penalties = penalties;
        self.corrupt = corrupt;
        self.frozen = frozen;
        Ok(())
    }

    /// Before a training or validation call on `data`: started, the data checked, and the
    /// configuration in force (in that order, so a refusal changes nothing). Returns the rows.
    fn ready(&mut self, data: &Data<'_>, customs: &[&dyn Regularizer]) -> Result<usize, Error> {
        if !self.started {
            return Err(Error::NotStarted);
        }
        let rows = self.check_data(data)?;
        self.reconfigure(customs)?;
        Ok(rows)
    }

    /// Check lengths, finiteness and labels of `data`.
    pub fn check_data(&self, data: &Data<'_>) -> Result<usize, Error> {
        let nin = L::NIN;
        if data.x.is_empty() {
            return Err(Error::EmptyData);
        }
        if !data.x.len().is_multiple_of(nin) {
            return Err(Error::WrongLength {
                what: "inputs (a multiple of the input width)",
                expected: (data.x.len() / nin + 1) * nin,
                got: data.x.len(),
            });
        }
        let rows = data.x.len() / nin;
        check_finite("inputs", data.x, nin)?;
        let labels = self.config.loss.uses_labels();
        match data.target {
            None if labels => {
                return Err(Error::LossMismatch {
                    loss: self.config.loss.name(),
                    needs: "labels",
                });
            }
            None => {
                if L::NOUT != nin {
                    return Err(Error::LossMismatch {
                        loss: "autoencoder",
                        needs: "as many outputs as inputs",
                    });
                }
            }
            Some(Target::Values(y)) => {
                if labels {
                    return Err(Error::LossMismatch {
                        loss: self.config.loss.name(),
                        needs: "labels, not values",
                    });
                }
                if y.len() != rows * L::NOUT {
                    return Err(Error::WrongLength {
                        what: "targets",
                        expected: rows * L::NOUT,
                        got: y.len(),
                    });
                }
                check_finite("targets", y, L::NOUT)?;
            }
            Some(Target::Labels(t)) => {
                if !labels {
                    return Err(Error::LossMismatch {
                        loss: self.config.loss.name(),
                        needs: "real-valued targets",
                    });
                }
                if t.len() != rows * L::STEPS {
                    return Err(Error::WrongLength {
                        what: "labels (one per row and time step)",
                        expected: rows * L::STEPS,
                        got: t.len(),
                    });
                }
                let classes = L::NOUT / L::STEPS;
                if let Some(r) = t.iter().position(|&l| l as usize >= classes) {
                    return Err(Error::LabelOutOfRange {
                        row: r / L::STEPS,
                        label: t[r] as usize,
                        classes,
                    });
                }
            }
        }
        if let Some(w) = data.weights {
            let per_row = matches!(data.target, Some(Target::Labels(_)));
            let expected = if per_row {
                rows * L::STEPS
            } else {
                rows * L::NOUT
            };
            if w.len() != expected {
                return Err(Error::WrongLength {
                    what: "loss weights",
                    expected,
                    got: w.len(),
                });
            }
            check_finite("loss weights", w, if per_row { 1 } else { L::NOUT })?;
            if let Some(i) = w.iter().position(|&v| v < 0.0) {
                return Err(Error::OutOfRange {
                    name: "loss weight",
                    value: w[i],
                    allowed: ">= 0",
                });
            }
        }
        Ok(rows)
    }

    fn batch<'a>(&self, data: &Data<'a>, start: usize, rows: usize) -> Batch<'a> {
        let (nin, nout) = (L::NIN, L::NOUT);
        let x = &data.x[start * nin..(start + rows) * nin];
        let target = match data.target {
            None => Target::Values(x),
            Some(Target::Values(y)) => Target::Values(&y[start * nout..(start + rows) * nout]),
            Some(Target::Labels(t)) => {
                Target::Labels(&t[start * L::STEPS..(start + rows) * L::STEPS])
            }
        };
        let weights = data.weights.map(|w| match data.target {
            Some(Target::Labels(_)) => &w[start * L::STEPS..(start + rows) * L::STEPS],
            _ => &w[start * nout..(start + rows) * nout],
        });
        Batch {
            x,
            rows,
            target,
            weights,
        }
    }

    /// One update on one batch (at most `B` rows; its lengths and values are checked). A step
    /// whose loss, gradient or updated parameters are not all finite is not applied: the
    /// parameters return to [`best`](Self::best), the optimizer restarts, and the error is
    /// [`Error::NonFiniteStep`] (this low-level call does not apply `on_divergence`;
    /// [`steps`](Self::steps), [`pass`](Self::pass) and [`train`](Self::train) do).
    pub fn step(&mut self, batch: Batch<'_>, customs: &[&dyn Regularizer]) -> Result<Terms, Error> {
        if !self.started {
            return Err(Error::NotStarted);
        }
        self.check_batch(&batch)?;
        self.step_checked(batch, customs)
            .map_err(|_| Error::NonFiniteStep {
                pass: self.passes as usize + 1,
                batch: 0,
            })
    }

    fn check_batch(&self, batch: &Batch<'_>) -> Result<(), Error> {
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
    fn step_checked(
        &mut self,
        batch: Batch<'_>,
        customs: &[&dyn Regularizer],
    ) -> Result<Terms, ()> {
        self.grads.fill_zero();
        self.corrupt.active = true;
        let terms = evaluate(
            &self.net,
            &mut self.ws,
            Some(&mut self.grads),
            batch,
            self.config.loss,
            &self.penalties,
            customs,
            &mut self.corrupt,
        );
        self.corrupt.active = false;
        let terms = match terms {
            Ok(t) if t.loss.is_finite() && self.grads.is_finite() => t,
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
        );
        // `update` writes only finite parameters (it checks every result first), so the
        // parameters need no second scan here.
        if updated.is_err() {
            self.roll_back();
            return Err(());
        }
        self.updates += 1;
        Ok(terms)
    }

    /// Back to the known-good parameters (without a copy, the parameters are those before
    /// the refused step: a refused update writes nothing), with a fresh optimizer (its state
    /// followed the diverging trajectory).
    fn roll_back(&mut self) {
        self.best.restore(&mut self.net);
        self.state.reset();
    }

    /// One pass over `data` with the batch order shuffled (a pass left unfinished by
    /// [`steps`](Self::steps) is abandoned).
    pub fn pass(&mut self, data: &Data<'_>, customs: &[&dyn Regularizer]) -> Result<Report, Error> {
        let rows = self.ready(data, customs)?;
        self.cursor = 0;
        self.run_batches(data, rows, rows.div_ceil(self.config.batch_size), customs)
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
    /// t.start(&data, &[]).unwrap();
    /// assert_eq!(t.steps(&data, 2, &[]).unwrap().pass, 0);
    /// assert_eq!(t.steps(&data, 2, &[]).unwrap().pass, 1); // the pass ended inside
    /// ```
    pub fn steps(
        &mut self,
        data: &Data<'_>,
        n: usize,
        customs: &[&dyn Regularizer],
    ) -> Result<Report, Error> {
        let rows = self.ready(data, customs)?;
        self.run_batches(data, rows, n, customs)
    }

    fn run_batches(
        &mut self,
        data: &Data<'_>,
        rows: usize,
        n: usize,
        customs: &[&dyn Regularizer],
    ) -> Result<Report, Error> {
        let bs = self.config.batch_size;
        let nb = rows.div_ceil(bs);
        if (rows, bs) != (self.pass_rows, self.pass_batch) {
            // The data or the batch size changed under an unfinished pass: start a new one.
            self.cursor = 0;
        }
        let mut report = Report::default();
        let mut acc = 0.0f32;
        let mut done = 0usize;
        for _ in 0..n {
            if self.cursor == 0 {
                self.pass_key = self.order_rng.next_u64();
                (self.pass_rows, self.pass_batch) = (rows, bs);
            }
            let b = permute(self.cursor, nb, self.pass_key);
            let start = b * bs;
            let batch = self.batch(data, start, bs.min(rows - start));
            self.cursor += 1;
            if self.cursor == nb {
                self.cursor = 0;
                self.passes += 1;
            }
            match self.step_checked(batch, customs) {
                Ok(terms) => {
                    add_terms(&mut report, &terms);
                    if let Target::Labels(t) = batch.target {
                        acc += accuracy(self.ws.output(), L::NOUT / L::STEPS, t);
                    }
                    done += 1;
                }
                Err(()) => self.diverged(b)?,
            }
        }
        report.pass = self.passes;
        scale_report(&mut report, done, acc, data);
        self.monitor_sparsity(&mut report);
        Ok(report)
    }

    /// After a refused step (already rolled back): stop, or halve the learning rate.
    fn diverged(&mut self, batch: usize) -> Result<(), Error> {
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

    /// The clean objective over `data` (no noise or dropout; penalties included), averaged
    /// over batches. The best finite result so far keeps its parameters as the known-good
    /// ones (see [`best`](Self::best)); `improved` says whether this one did.
    pub fn validate(
        &mut self,
        data: &Data<'_>,
        customs: &[&dyn Regularizer],
    ) -> Result<Report, Error> {
        let rows = self.ready(data, customs)?;
        let mut report = self.evaluate_clean(data, rows, customs)?;
        report.improved = self.keep_if_best(report.loss);
        Ok(report)
    }

    /// After a validation of loss `v`: a finite one ends a row of halvings, and the best one
    /// becomes the known-good parameters. Returns whether `v` improved on the best by more
    /// than `min_improvement` (relative).
    fn keep_if_best(&mut self, v: f64) -> bool {
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
    fn evaluate_clean(
        &mut self,
        data: &Data<'_>,
        rows: usize,
        customs: &[&dyn Regularizer],
    ) -> Result<Report, Error> {
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
            let terms = evaluate(
                &self.net,
                &mut self.ws,
                None,
                batch,
                self.config.loss,
                &self.penalties,
                customs,
                &mut off,
            )?;
            add_terms(&mut report, &terms);
            if let Target::Labels(t) = batch.target {
                acc += accuracy(self.ws.output(), L::NOUT / L::STEPS, t);
            }
        }
        scale_report(&mut report, nb, acc, data);
        self.monitor_sparsity(&mut report);
        report.valid_loss = report.loss;
        Ok(report)
    }

    fn monitor_sparsity(&self, report: &mut Report) {
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
        customs: &[&dyn Regularizer],
        mut each: impl FnMut(&Report) -> bool,
    ) -> Result<Report, Error> {
        let valid_rows = self.check_data(valid)?;
        let rows = self.ready(train, customs)?;
        // Each call is one early-stopping run.
        self.best_loss = f64::INFINITY;
        self.since_best = 0;
        let mut last = self.evaluate_clean(valid, valid_rows, customs)?;
        self.observe_validation(&mut last);
        loop {
            self.cursor = 0;
            let batches = rows.div_ceil(self.config.batch_size);
            let mut report = self.run_batches(train, rows, batches, customs)?;
            report.valid_loss = last.valid_loss;
            if self.passes.is_multiple_of(self.config.validate_every) {
                let v = self.evaluate_clean(valid, valid_rows, customs)?;
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
            let mut v = self.evaluate_clean(valid, valid_rows, customs)?;
            last.valid_loss = v.loss;
            last.improved = self.observe_validation(&mut v);
        }
        self.best.restore(&mut self.net);
        Ok(last)
    }

    /// Record a validation result; returns whether it improved on the best.
    fn observe_validation(&mut self, report: &mut Report) -> bool {
        let improved = self.keep_if_best(report.valid_loss);
        if improved {
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        report.improved = improved;
        improved
    }

    /// Passes made since [`start`](Self::start).
    pub fn passes(&self) -> u32 {
        self.passes
    }

    /// Updates applied since [`start`](Self::start) or [`restart`](Self::restart) (a step
    /// refused for divergence is not one); a resumed run counts on from its checkpoint.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// The best validation loss so far.
    pub fn best_loss(&self) -> f64 {
        self.best_loss
    }

    /// Predict `x` (`rows * NIN`) into `out` (`rows * NOUT`), clean, `B` rows at a time.
    pub fn predict(&mut self, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        let rows = input_rows::<L>(x)?;
        if out.len() != rows * L::NOUT {
            return Err(Error::WrongLength {
                what: "outputs",
                expected: rows * L::NOUT,
                got: out.len(),
            });
        }
        self.for_each_chunk(x, |start, o| {
            out[start * L::NOUT..start * L::NOUT + o.len()].copy_from_slice(o)
        })
    }
}

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>>
    Trainer<L, B, JD, S, K>
{
    /// Run the clean network over `x` in chunks of `B` rows, handing each chunk's first row
    /// index and outputs to `each`.
    fn for_each_chunk(
        &mut self,
        x: &[f32],
        mut each: impl FnMut(usize, &[f32]),
    ) -> Result<(), Error> {
        let rows = x.len() / L::NIN;
        let mut off = Corruptor::off();
        let mut start = 0;
        while start < rows {
            let n = B.min(rows - start);
            self.net.forward(
                &x[start * L::NIN..(start + n) * L::NIN],
                n,
                &mut self.ws,
                &mut off,
            )?;
            each(start, self.ws.output());
            start += n;
        }
        Ok(())
    }

    /// A classifier's predictions: the most probable class of each row of `x` into `classes`
    /// (theanets' `Classifier.predict`; [`predict`](Self::predict) gives the probabilities).
    pub fn predict_classes(&mut self, x: &[f32], classes: &mut [u32]) -> Result<(), Error> {
        let rows = input_rows::<L>(x)?;
        if classes.len() != rows * L::STEPS {
            return Err(Error::WrongLength {
                what: "classes (one per input row and time step)",
                expected: rows * L::STEPS,
                got: classes.len(),
            });
        }
        let per_step = L::NOUT / L::STEPS;
        self.for_each_chunk(x, |start, out| {
            for (k, step) in out.chunks_exact(per_step).enumerate() {
                classes[start * L::STEPS + k] = crate::losses::argmax(step) as u32;
            }
        })
    }

    /// theanets' `score` on clean outputs: for real-valued targets (an autoencoder's target
    /// is its input) `R^2 = 1 - sum w (y - p)^2 / sum w (y - mean(y))^2`, with `mean(y)` the
    /// mean of all target values; for labels, the (weighted) fraction classified correctly.
    ///
    /// ```
    /// use staticnets::layers::{Activation::*, Dense};
    /// use staticnets::train::{Data, Trainer};
    /// let mut t: Trainer<Dense<1, 1>, 4, 0, 0> = Trainer::new(Dense::new(Linear));
    /// t.net.body.w = [[2.0]];
    /// let (x, y) = ([0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 7.0]);
    /// // residuals 0,0,0,1 against a spread of 26.75 around the mean 3.25
    /// let r2 = t.score(&Data::regression(&x, &y)).unwrap();
    /// assert!((r2 - (1.0 - 1.0 / 26.75)).abs() < 1e-6);
    /// ```
    pub fn score(&mut self, data: &Data<'_>) -> Result<f32, Error> {
        let rows = self.check_data(data)?;
        let x = data.x;
        let w = data.weights;
        if let Some(Target::Labels(t)) = data.target {
            let (mut right, mut all) = (0.0f64, 0.0f64);
            self.for_each_chunk(x, |start, out| {
                for (r, row) in out.chunks_exact(L::NOUT / L::STEPS).enumerate() {
                    let i = start * L::STEPS + r;
                    let wi = w.map_or(1.0, |w| w[i] as f64);
                    all += wi;
                    if crate::losses::argmax(row) as u32 == t[i] {
                        right += wi;
                    }
                }
            })?;
            return Ok(if all > 0.0 { (right / all) as f32 } else { 0.0 });
        }
        let y = match data.target {
            Some(Target::Values(y)) => y,
            _ => x,
        };
        let mean = y.iter().map(|&v| v as f64).sum::<f64>() / (rows * L::NOUT) as f64;
        let (mut res, mut tot) = (0.0f64, 0.0f64);
        self.for_each_chunk(x, |start, out| {
            let base = start * L::NOUT;
            for (k, &p) in out.iter().enumerate() {
                let wi = w.map_or(1.0, |w| w[base + k] as f64);
                let yi = y[base + k] as f64;
                res += wi * (yi - p as f64) * (yi - p as f64);
                tot += wi * (yi - mean) * (yi - mean);
            }
        })?;
        Ok(if tot > 0.0 {
            (1.0 - res / tot) as f32
        } else {
            0.0
        })
    }
}

/// Rows of prediction inputs `x`: a whole number of finite rows.
fn input_rows<L: Layers>(x: &[f32]) -> Result<usize, Error> {
    let rows = x.len() / L::NIN;
    if x.len() != rows * L::NIN {
        return Err(Error::WrongLength {
            what: "inputs (a multiple of the input width)",
            expected: (rows + 1) * L::NIN,
            got: x.len(),
        });
    }
    check_finite("inputs", x, L::NIN)?;
    Ok(rows)
}

fn add_terms(report: &mut Report, terms: &Terms) {
    report.loss += terms.loss;
    report.err += terms.data;
    for (a, b) in report.regs.iter_mut().zip(&terms.regs) {
        *a += b;
    }
}

fn scale_report(report: &mut Report, batches: usize, acc: f32, data: &Data<'_>) {
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
