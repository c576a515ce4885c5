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
//! t.start(&data).unwrap();
//! let first = t.validate(&data).unwrap();
//! let last = t.train(&data, &data, |_report| true).unwrap();
//! assert!(last.valid_loss < first.loss);
//! ```

use super::best::BestCopy;
use super::config::MAX_CUSTOM;
use super::config::TrainConfig;
use super::data::Data;
use super::objective::Penalties;
use super::reference::{NoReference, Reference};
use crate::error::Error;
use crate::layers::{Activation, Corruptor, Layers};
use crate::network::{Network, Workspace};
use crate::optim::{OptimState, Optimizer};
use crate::regularizers::pattern::glob_match;
use crate::regularizers::{CustomRegularizer, Selection};
use crate::rng::XorShift;

/// Network, gradients, a known-good copy of the parameters, optimizer state (`S` slots) and a
/// workspace for batches of `B` rows (`JD`: Jacobian width, the input width if `contractive`
/// is used, else 0).
///
/// Invariants: every public call either succeeds or returns an error and changes nothing
/// (a diverging step aside, which by design rolls the parameters back); `net` is always
/// finite; `best` holds the parameters of the best validation of the current objective (or,
/// before any, those of [`start`](Self::start) or [`restart`](Self::restart)).
///
/// # Divergence (docs/contract.md)
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
/// t.start(&data).unwrap();
/// t.validate(&data).unwrap(); // a finite validation: these parameters are known good
/// let good = t.net.clone();
/// let r = t.steps(&data, 300);
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
    R: Reference<L> = NoReference,
> {
    /// The parameters being trained.
    pub net: Network<L>,
    /// Known-good parameters, where a diverging step returns to and where
    /// [`train`](Self::train) ends: those of the best validation ([`validate`](Self::validate)
    /// or `train`'s own) since the objective last changed, or those of `start` / `restart`.
    /// With `K = NoBestCopy` there is no copy (see [`best`](super::best)).
    pub best: K,
    /// The reference weights `prox` pulls towards ([`set_reference`](Self::set_reference));
    /// with `R = NoReference` (the default) there are none (see [`reference`](super::reference)).
    pub(super) reference: R,
    /// Gradient buffer: the trainer's scratch space, zero between steps whenever
    /// [`grads_zero`](Self::grads_zero) says so (so it is not public: a value written into it
    /// would join the next step's gradients).
    pub(crate) grads: Network<L>,
    /// Whether every gradient is zero: a successful step leaves them so (the optimizer clears
    /// what it reads), and the next one then skips a pass over them.
    pub(super) grads_zero: bool,
    /// Optimizer state.
    pub state: OptimState<L, S>,
    /// Activation buffers.
    pub ws: Workspace<L, B, JD>,
    /// Noise and dropout settings and their generator.
    pub corrupt: Corruptor,
    /// The configuration ([`start`](Self::start) validates and applies it).
    pub config: TrainConfig,
    pub(super) penalties: Penalties,
    /// The custom regularizers ([`add_regularizer`](Self::add_regularizer)); once the
    /// configuration is applied, entry `i` is the one named `config.customs[i]`.
    pub(super) customs: heapless::Vec<CustomRegularizer, MAX_CUSTOM>,
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

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>, R: Reference<L>>
    Trainer<L, B, JD, S, K, R>
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
            reference: R::EMPTY,
            grads: Network::zero(),
            state: OptimState::new(),
            ws: Workspace::new(),
            corrupt: Corruptor::off(),
            config: TrainConfig::with_capacity(B, S),
            penalties: Penalties {
                items: heapless::Vec::new(),
            },
            customs: heapless::Vec::new(),
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
            grads_zero: false,
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
            reference: R::EMPTY,
            grads: Network::zero(),
            state: OptimState::new(),
            ws: Workspace::new(),
            corrupt: Corruptor::zeroed(),
            config: TrainConfig::zeroed(),
            penalties: Penalties {
                items: heapless::Vec::new(),
            },
            customs: heapless::Vec::new(),
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
            grads_zero: false,
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

    /// Keep a copy of `net`'s parameters as the reference weights `prox` pulls towards (the
    /// global model of a federation, the pretrained model of a fine-tuning); see
    /// [`reference`](super::reference). A trainer without room for them
    /// (`R = NoReference`, the default) refuses, changing nothing.
    pub fn set_reference(&mut self, net: &Network<L>) -> Result<(), Error> {
        if !net.is_finite() {
            return Err(Error::BadValue {
                name: "reference weights (every value must be finite)",
            });
        }
        if self.reference.set(net) {
            Ok(())
        } else {
            Err(Error::BadValue {
                name: "reference weights: this trainer keeps none (build it with trainer!(.., reference))",
            })
        }
    }

    /// Use the parameters of `checkpoint`, read in place where it lies (in flash, say: no
    /// copy), as the reference weights `prox` pulls towards (L2-SP towards a pretrained model
    /// on a device). The file must be a valid checkpoint of this network's architecture with
    /// finite values; a trainer whose reference storage cannot read one in place refuses.
    /// Either way a refusal changes nothing.
    pub fn set_reference_checkpoint(&mut self, checkpoint: &'static [u8]) -> Result<(), Error> {
        self.net.verify_checkpoint(checkpoint)?;
        let mut starts = [0usize; 65];
        if L::TENSORS >= starts.len() {
            return Err(Error::CapacityExceeded {
                what: "parameter tensors (selections are 64-bit sets)",
                capacity: 64,
            });
        }
        for i in 0..L::TENSORS {
            starts[i + 1] = starts[i] + self.net.tensor(i).map_or(0, |t| t.data.len());
        }
        let params = crate::checkpoint::checkpoint_param_bytes(checkpoint);
        if self.reference.set_in_place(params, &starts[..=L::TENSORS]) {
            Ok(())
        } else {
            Err(Error::BadValue {
                name: "reference checkpoint: this trainer cannot read one in place (build it with trainer!(.., reference_in_place))",
            })
        }
    }

    /// Validate the data and the configuration, then seed the generators, draw the initial
    /// weights (from `config.rng`) and reset the optimizer. `customs` are the registered
    /// custom regularizers, in `config.customs` order. On error nothing changes (the weights
    /// stay as they were).
    pub fn start(&mut self, data: &Data<'_>) -> Result<(), Error> {
        self.check_data(data)?;
        self.reconfigure()?;
        self.net.init(self.config.rng);
        self.begin();
        Ok(())
    }

    /// Like [`start`](Self::start) but keep the current weights (fine-tuning, or after
    /// loading a model).
    pub fn restart(&mut self, data: &Data<'_>) -> Result<(), Error> {
        self.check_data(data)?;
        self.reconfigure()?;
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
    pub fn reconfigure(&mut self) -> Result<(), Error> {
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
        // Every custom name the configuration registered needs its regularizer, found by
        // name (case-insensitive, as configurations read them); applied below in that order.
        let mut ordered = heapless::Vec::<CustomRegularizer, MAX_CUSTOM>::new();
        for name in c.customs.iter() {
            let found = self
                .customs
                .iter()
                .find(|r| r.name().eq_ignore_ascii_case(name));
            let Some(&reg) = found else {
                return Err(Error::MissingRegularizer { name });
            };
            // (at most MAX_CUSTOM names: this push cannot fail)
            let _ = ordered.push(reg);
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
            Penalties::resolve::<L, B, JD>(&c.regs, &self.net, &mut corrupt, ordered.len())?;
        let prox = penalties
            .items
            .iter()
            .any(|a| a.kind == crate::regularizers::RegKind::Prox);
        if prox && self.reference.weights().is_none() {
            return Err(Error::BadValue {
                name: "prox: no reference weights (build the trainer with trainer!(.., reference) and set them with set_reference)",
            });
        }
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
        // the configuration's order first, then any added but not (yet) configured
        for &reg in self.customs.iter() {
            if !ordered.iter().any(|r| core::ptr::addr_eq(*r, reg)) {
                let _ = ordered.push(reg);
            }
        }
        self.customs = ordered;
        Ok(())
    }

    /// Give the trainer a custom regularizer of its own: its [`name`](crate::regularizers::Regularizer::name)
    /// is registered in the configuration (so `name = weight` lines apply it, case-insensitive),
    /// and every later call uses it. At most [`MAX_CUSTOM`]; another
    /// regularizer by a name the trainer already has, or by a built-in's key, is refused and
    /// changes nothing. Giving the same one again only registers its name in the
    /// configuration, which a replaced `config` has lost.
    ///
    /// ```
    /// use staticnets::layers::{Activation::*, Dense};
    /// use staticnets::regularizers::{NetGrads, NetView, Regularizer};
    /// use staticnets::train::{Data, Trainer};
    ///
    /// /// R = sum of the first weight's values (its gradient is 1 everywhere).
    /// struct SumFirst;
    /// impl Regularizer for SumFirst {
    ///     fn name(&self) -> &str { "sum_first" }
    ///     fn loss(&self, net: &dyn NetView) -> f64 {
    ///         net.tensor(0).map_or(0.0, |t| t.data.iter().map(|&v| v as f64).sum())
    ///     }
    ///     fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
    ///         if let Some((_, g)) = net.tensor_grad(0) { g.iter_mut().for_each(|g| *g += weight) }
    ///     }
    /// }
    ///
    /// type T = Trainer<(Dense<2, 2>, Dense<2, 2>), 4, 0, 2>;
    /// let x = [0.5f32, -1.0, 2.0, 0.25];
    /// let sum_after_10_steps = |strength: &str| {
    ///     let mut t: T = Trainer::new((Dense::new(Tanh), Dense::new(Linear)));
    ///     t.add_regularizer(&SumFirst).unwrap();
    ///     t.config.parse("algo = sgd\nlearning_rate = 0.1").unwrap();
    ///     t.config.parse(strength).unwrap();
    ///     t.start(&Data::autoencoder(&x)).unwrap();
    ///     t.steps(&Data::autoencoder(&x), 10).unwrap();
    ///     assert!(t.add_regularizer(&SumFirst).is_ok()); // the same one again: no change
    ///     (t.net.tensor(0).unwrap().data.iter().sum::<f32>(), t)
    /// };
    /// let (without, _) = sum_after_10_steps("sum_first = 0");
    /// let (with, mut t) = sum_after_10_steps("sum_first = 1");
    /// // each step takes lr * 1 = 0.1 off each of the 4 values, 4 in 10 steps, which the
    /// // data term then partly pulls back (3.15 here)
    /// assert!(without - with > 2.5, "{without} {with}");
    /// t.config = Default::default(); // a fresh configuration knows no custom names...
    /// assert!(t.config.parse("sum_first = 1").is_err());
    /// t.add_regularizer(&SumFirst).unwrap(); // ...until the trainer's is given again
    /// assert!(t.config.parse("sum_first = 1").is_ok());
    /// ```
    pub fn add_regularizer(&mut self, reg: CustomRegularizer) -> Result<(), Error> {
        let name = reg.name();
        let registered = self
            .config
            .customs
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name));
        if self.customs.iter().any(|r| core::ptr::addr_eq(*r, reg)) {
            // the same one again (after the configuration was replaced): register its name
            if !registered {
                self.config.register(name)?;
            }
            return Ok(());
        }
        let taken = self
            .customs
            .iter()
            .any(|r| r.name().eq_ignore_ascii_case(name));
        if taken || crate::regularizers::registry::lookup(name).is_some() {
            return Err(Error::BadValue {
                name: "custom regularizer name (the trainer already has one by that name, or it is a built-in's key)",
            });
        }
        if self.customs.is_full() {
            return Err(Error::CapacityExceeded {
                what: "custom regularizers",
                capacity: MAX_CUSTOM,
            });
        }
        if !registered {
            self.config.register(name)?;
        }
        let _ = self.customs.push(reg);
        Ok(())
    }

    /// Before a training or validation call on `data`: started, the data checked (its
    /// shape, and the values of every row, or with `steps` only of the rows that many steps'
    /// batches take), and the configuration in force (in that order, so a refusal changes
    /// nothing). Returns the rows.
    pub(super) fn ready(&mut self, data: &Data<'_>, steps: Option<usize>) -> Result<usize, Error> {
        if !self.started {
            return Err(Error::NotStarted);
        }
        let rows = self.check_shape(data)?;
        match steps {
            Some(n) => self.check_batches(data, rows, n)?,
            None => self.check_rows(data, 0, rows)?,
        }
        self.reconfigure()?;
        Ok(rows)
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
}
