//! Training configuration, with theanets' keyword names, validated up front.
//!
//! ```
//! use staticnets::train::TrainConfig;
//! let mut c = TrainConfig::new();
//! c.parse("algo = adam\nlearning_rate = 0.001\nweight_l2 = 1e-4\nhidden_dropout = 0.2").unwrap();
//! assert_eq!(c.learning_rate, 0.001);
//! assert_eq!(c.regs.len(), 2);
//! assert!(c.set("learning_rate", "-1").is_err());
//! assert_eq!(c.learning_rate, 0.001); // a refused change changes nothing
//! assert!(c.set("wieght_l2", "0.1").is_err()); // unknown key
//! // A text is applied whole or not at all; the error names the line.
//! let e = c.parse("learning_rate = 0.5\nweight_l2 = 0.2\nweight_decay = 0.1").unwrap_err();
//! assert_eq!(e.to_string(), "line 3: weight_l2 is given twice (an alias names the same setting): give each key once");
//! assert_eq!(c.learning_rate, 0.001);
//! ```

use crate::error::{Error, parse_f32};
use crate::losses::Loss;
use crate::optim::{ALGOS, Optimizer};
use crate::regularizers::{Pattern, Patterns, RegKind, RegSpec, split_value};
use crate::train::objective::MAX_REGS;

/// The most custom regularizers one configuration can name.
pub const MAX_CUSTOM: usize = 4;

/// What the trainer does when a step diverges (`on_divergence`; docs/contract.md). Either
/// way the step is not applied and the parameters return to the last known-good ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDivergence {
    /// Stop with [`Error::Diverged`] (the default).
    Stop,
    /// Halve the learning rate and go on, at most [`MAX_HALVINGS`] times in a row (a finite
    /// validation ends a row); then stop as `Stop` does.
    Halve,
}

/// The most consecutive halvings of `on_divergence = halve`.
pub const MAX_HALVINGS: u32 = 10;

/// Everything a training run is told. Defaults are theanets' (downhill's).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// `algo` (default `rmsprop`).
    pub algo: Optimizer,
    /// `learning_rate` (1e-4).
    pub learning_rate: f32,
    /// `momentum` (0).
    pub momentum: f32,
    /// `batch_size` (32; at most the trainer's `B`).
    pub batch_size: usize,
    /// `patience` (5 validations).
    pub patience: u32,
    /// `validate_every` (10 passes).
    pub validate_every: u32,
    /// `min_improvement` (0, relative).
    pub min_improvement: f32,
    /// `max_gradient_norm` (0 = off).
    pub max_gradient_norm: f32,
    /// `max_gradient_elem` (0 = off).
    pub max_gradient_elem: f32,
    /// `max_updates`: passes at most (0 = until patience runs out).
    pub max_updates: u32,
    /// `rng`: the seed of weights, batch order, noise and dropout (13).
    pub rng: u64,
    /// `loss` (`mse`).
    pub loss: Loss,
    /// Threshold below which an activation or weight counts as zero in the sparsity monitors (0.01).
    pub sparsity_threshold: f32,
    /// The regularizers, in order.
    pub regs: heapless::Vec<RegSpec, MAX_REGS>,
    /// Names of custom regularizers, in registration order.
    pub customs: heapless::Vec<&'static str, MAX_CUSTOM>,
    /// `on_divergence`: `stop` (default) or `halve`.
    pub on_divergence: OnDivergence,
    /// `monitor_penalties` (true): whether each training step computes every penalty's value
    /// for the call's [`Report`](crate::train::Report). `false` leaves them out of the steps
    /// (their gradients are the same, so are the training bits): the training report's `loss`
    /// and `regs` are then NaN, its `err` still the data loss; validation computes them all.
    /// For a device that trains a fixed number of steps and reads no report: each penalty
    /// then costs only its gradient pass.
    pub monitor_penalties: bool,
    /// The largest `batch_size` the trainer's buffers hold (its `B`; unbounded for a
    /// configuration made with [`new`](Self::new)).
    batch_capacity: usize,
    /// The optimizer state slots the trainer has (its `S`).
    slot_capacity: usize,
    /// `frozen`: glob patterns over parameter names (`hid1.w`, `hid1.*`) whose parameters
    /// stay fixed (not a theanets key: fine-tuning). `frozen = hid1.*` trains only the layers
    /// after `hid1`; `frozen = none` clears it. Each pattern must match some parameter.
    pub frozen: Patterns,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// `v` as the setting `name`'s type; an f32 whose value its type cannot hold (`1e-50`, which
/// would be 0) is refused ([`parse_f32`]). (A whole number's text is never such an f32.)
fn num<T: core::str::FromStr>(name: &'static str, v: &str) -> Result<T, Error> {
    let x = v.trim().parse().map_err(|_| Error::BadValue { name })?;
    if let Err(e @ Error::NotAnF32 { .. }) = parse_f32(name, v) {
        return Err(e);
    }
    Ok(x)
}

/// The keys that choose the optimizer (and so which hyperparameter keys exist).
const ALGO_KEYS: [&str; 3] = ["algo", "algorithm", "optimize"];

impl TrainConfig {
    /// theanets' defaults, for no trainer in particular (no capacity limits).
    pub const fn new() -> Self {
        Self::with_capacity(usize::MAX, usize::MAX)
    }

    /// theanets' defaults for a trainer with batch capacity `batch` and `slots` optimizer
    /// state slots: `batch_size` and `algo` are then refused beyond them, when they are set.
    /// The default batch size is 32, or `batch` if that is smaller.
    pub const fn with_capacity(batch: usize, slots: usize) -> Self {
        TrainConfig {
            algo: Optimizer::RmsProp { halflife: 14.0 },
            learning_rate: 1e-4,
            momentum: 0.0,
            batch_size: if batch < 32 { batch } else { 32 },
            patience: 5,
            validate_every: 10,
            min_improvement: 0.0,
            max_gradient_norm: 0.0,
            max_gradient_elem: 0.0,
            max_updates: 0,
            rng: crate::rng::DEFAULT_SEED,
            loss: Loss::Mse,
            sparsity_threshold: 0.01,
            regs: heapless::Vec::new(),
            customs: heapless::Vec::new(),
            frozen: heapless::Vec::new(),
            on_divergence: OnDivergence::Stop,
            monitor_penalties: true,
            batch_capacity: batch,
            slot_capacity: slots,
        }
    }

    /// Every field zero (an invalid configuration, the placeholder in a zeroed trainer until
    /// [`Trainer::init_zeroed`](crate::train::Trainer::init_zeroed) sets the defaults).
    pub(crate) const fn zeroed() -> Self {
        TrainConfig {
            algo: Optimizer::Sgd,
            learning_rate: 0.0,
            momentum: 0.0,
            batch_size: 0,
            patience: 0,
            validate_every: 0,
            min_improvement: 0.0,
            max_gradient_norm: 0.0,
            max_gradient_elem: 0.0,
            max_updates: 0,
            rng: 0,
            loss: Loss::Mse,
            sparsity_threshold: 0.0,
            regs: heapless::Vec::new(),
            customs: heapless::Vec::new(),
            frozen: heapless::Vec::new(),
            on_divergence: OnDivergence::Stop,
            monitor_penalties: false,
            batch_capacity: 0,
            slot_capacity: 0,
        }
    }

    /// theanets' defaults with this configuration's capacities and custom regularizers: what
    /// a configuration text is parsed into to reproduce a configuration exactly.
    pub(crate) fn fresh(&self) -> Self {
        let mut c = Self::with_capacity(self.batch_capacity, self.slot_capacity);
        c.customs = self.customs.clone();
        c
    }

    /// The largest `batch_size` allowed (the trainer's batch capacity).
    pub fn batch_capacity(&self) -> usize {
        self.batch_capacity
    }

    /// Register a custom regularizer's name (case-insensitive in configurations); the trainer
    /// gets the regularizers themselves in the same order.
    pub fn register(&mut self, name: &'static str) -> Result<usize, Error> {
        self.customs
            .push(name)
            .map_err(|_| Error::CapacityExceeded {
                what: "custom regularizers",
                capacity: MAX_CUSTOM,
            })?;
        Ok(self.customs.len() - 1)
    }

    /// Add or replace a regularizer setting (the same key, or an alias of it, replaces it). A
    /// weight of 0 removes it (`weight_l2 = 0` is no weight decay: nothing computed, nothing
    /// reported), the one place this rule lives.
    ///
    /// ```
    /// use staticnets::train::TrainConfig;
    /// let mut c = TrainConfig::new();
    /// c.parse("weight_l2 = 0.1\nhidden_l1 = 0.2").unwrap();
    /// c.set("weight_decay", "0").unwrap();
    /// assert_eq!(c.regs.len(), 1);
    /// assert_eq!(c.regs[0].key, "hidden_l1");
    /// ```
    pub fn add_reg(&mut self, spec: RegSpec) -> Result<(), Error> {
        spec.validate()?;
        if spec.weight == 0.0 {
            self.regs.retain(|r| r.key != spec.key);
            return Ok(());
        }
        if let Some(old) = self.regs.iter_mut().find(|r| r.key == spec.key) {
            *old = spec;
            return Ok(());
        }
        self.regs.push(spec).map_err(|_| Error::CapacityExceeded {
            what: "regularizers",
            capacity: MAX_REGS,
        })
    }

    /// Remove the regularizer configured under `key` (any alias of a built-in).
    pub fn remove_reg(&mut self, key: &str) {
        let canonical = RegSpec::canonical_key(key).unwrap_or("");
        self.regs
            .retain(|r| r.key != canonical && !r.key.eq_ignore_ascii_case(key));
    }

    /// Set one key from its text value; each bad value gives its own error, and a refused
    /// value changes nothing. Setting a key again replaces its value (a live change).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let mut next = self.clone();
        next.apply(key, value)?;
        next.validate()?;
        *self = next;
        Ok(())
    }

    /// Apply `key = value` lines (blank lines and `#` comments skipped): all of them or, if
    /// any line is refused, none (the error names the line). A key given twice, or a key and
    /// its alias, is refused.
    pub fn parse(&mut self, text: &str) -> Result<(), Error> {
        let mut next = self.clone();
        let mut seen = heapless::Vec::<&'static str, 64>::new();
        // A configuration is a set, not a script: the optimizer's lines go first, so that its
        // hyperparameters (`beta1 = 0.8`) mean the same before `algo = adam` as after it.
        for algo_lines in [true, false] {
            for (i, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let at = |e: Error| e.at_line(i + 1);
                let (k, v) = line
                    .split_once('=')
                    .ok_or(Error::BadValue {
                        name: "configuration line (write key = value)",
                    })
                    .map_err(at)?;
                if ALGO_KEYS.contains(&k.trim()) != algo_lines {
                    continue;
                }
                let key = next.apply(k, v).map_err(at)?;
                if seen.contains(&key) {
                    return Err(at(Error::GivenTwice { key }));
                }
                // More distinct keys than exist cannot be given: the list never fills.
                let _ = seen.push(key);
                next.validate().map_err(at)?;
            }
        }
        *self = next;
        Ok(())
    }

    /// Apply one key to `self` without the final validation; returns its canonical name.
    fn apply(&mut self, key: &str, value: &str) -> Result<&'static str, Error> {
        let v = value.trim();
        let key = key.trim();
        macro_rules! number {
            ($field:ident, $name:literal) => {{
                self.$field = num($name, v)?;
                $name
            }};
        }
        Ok(match key {
            k if ALGO_KEYS.contains(&k) => {
                // a new algorithm keeps the values of the keys it shares with the old one
                // (rms_halflife between rmsprop and adadelta)
                let old = self.algo;
                self.algo = Optimizer::from_name(v)?;
                for h in self.algo.algo().hyper {
                    if let Some(o) = old.algo().hyper.iter().find(|o| o.key == h.key) {
                        (h.set)(&mut self.algo, (o.get)(old));
                    }
                }
                "algo"
            }
            "learning_rate" => number!(learning_rate, "learning_rate"),
            "momentum" => number!(momentum, "momentum"),
            "batch_size" => number!(batch_size, "batch_size"),
            "patience" => number!(patience, "patience"),
            "validate_every" => number!(validate_every, "validate_every"),
            "min_improvement" => number!(min_improvement, "min_improvement"),
            "max_gradient_norm" => number!(max_gradient_norm, "max_gradient_norm"),
            "max_gradient_elem" => number!(max_gradient_elem, "max_gradient_elem"),
            "max_updates" => number!(max_updates, "max_updates"),
            "rng" | "seed" => number!(rng, "rng"),
            "sparsity_threshold" => number!(sparsity_threshold, "sparsity_threshold"),
            "loss" => {
                self.loss = Loss::from_name(v)?;
                "loss"
            }
            "on_divergence" => {
                self.on_divergence = match v {
                    "stop" => OnDivergence::Stop,
                    "halve" => OnDivergence::Halve,
                    _ => {
                        return Err(Error::BadValue {
                            name: "on_divergence (stop or halve)",
                        });
                    }
                };
                "on_divergence"
            }
            "monitor_penalties" => {
                self.monitor_penalties = match v {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(Error::BadValue {
                            name: "monitor_penalties (true or false)",
                        });
                    }
                };
                "monitor_penalties"
            }
            "frozen" => {
                let mut pats = Patterns::new();
                for p in v
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty() && *p != "none")
                {
                    let p = Pattern::try_from(p).map_err(|_| Error::BadValue {
                        name: "frozen pattern (at most 24 bytes)",
                    })?;
                    pats.push(p).map_err(|_| Error::CapacityExceeded {
                        what: "frozen patterns",
                        capacity: 4,
                    })?;
                }
                self.frozen = pats;
                "frozen"
            }
            k if ALGOS.iter().any(|a| a.hyper.iter().any(|h| h.key == k)) => {
                // an algorithm's hyperparameter: the one in force must have it
                match self.algo.algo().hyper.iter().find(|h| h.key == k) {
                    Some(h) => {
                        (h.set)(&mut self.algo, num(h.key, v)?);
                        h.key
                    }
                    None => {
                        let elsewhere = ALGOS
                            .iter()
                            .flat_map(|a| a.hyper.iter())
                            .find(|h| h.key == k)
                            .map_or("hyperparameter", |h| h.elsewhere);
                        return Err(Error::BadValue { name: elsewhere });
                    }
                }
            }
            k => {
                if let Some(i) = self.customs.iter().position(|c| c.eq_ignore_ascii_case(k)) {
                    let (w, pats) = split_value(v)?;
                    if pats.is_some() {
                        return Err(Error::BadValue {
                            name: "patterns (a custom regularizer chooses its own targets)",
                        });
                    }
                    let key = self.customs[i];
                    self.add_reg(RegSpec {
                        kind: RegKind::Custom(i),
                        weight: w,
                        patterns: Patterns::new(),
                        key,
                    })?;
                    return Ok(key);
                }
                let spec = RegSpec::parse(k, v)?;
                let key = spec.key;
                self.add_reg(spec)?;
                key
            }
        })
    }

    /// Check every value's range.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |name, value: f32, allowed| {
            Err(Error::OutOfRange {
                name,
                value,
                allowed,
            })
        };
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad("learning_rate", self.learning_rate, "finite and > 0");
        }
        if !(self.momentum.is_finite() && (0.0..1.0).contains(&self.momentum)) {
            return bad("momentum", self.momentum, "0 <= momentum < 1");
        }
        if self.batch_size == 0 {
            return bad("batch_size", 0.0, ">= 1");
        }
        if self.batch_size > self.batch_capacity {
            return Err(Error::CapacityExceeded {
                what: "rows in a batch (batch_size above the trainer's batch capacity B)",
                capacity: self.batch_capacity,
            });
        }
        let slots = self.algo.slots(self.momentum);
        if slots > self.slot_capacity {
            return Err(Error::WorkspaceTooSmall {
                what: "optimizer state slots (S)",
                needed: slots,
                have: self.slot_capacity,
            });
        }
        if self.validate_every == 0 {
            return bad("validate_every", 0.0, ">= 1");
        }
        if !(self.min_improvement.is_finite() && self.min_improvement >= 0.0) {
            return bad("min_improvement", self.min_improvement, "finite and >= 0");
        }
        if !(self.max_gradient_norm.is_finite() && self.max_gradient_norm >= 0.0) {
            return bad(
                "max_gradient_norm",
                self.max_gradient_norm,
                "finite and >= 0",
            );
        }
        if !(self.max_gradient_elem.is_finite() && self.max_gradient_elem >= 0.0) {
            return bad(
                "max_gradient_elem",
                self.max_gradient_elem,
                "finite and >= 0",
            );
        }
        if !(self.sparsity_threshold.is_finite() && self.sparsity_threshold >= 0.0) {
            return bad(
                "sparsity_threshold",
                self.sparsity_threshold,
                "finite and >= 0",
            );
        }
        self.algo.validate()?;
        for r in &self.regs {
            r.validate()?;
        }
        Ok(())
    }
}

/// The configuration as the text [`TrainConfig::parse`] reads: every setting on its own
/// `key = value` line, in a fixed order, each number written so that it parses back to the
/// same bits. Parsing it into a configuration with the same custom regularizers registered
/// gives an equal configuration (a checkpoint stores this text).
///
/// ```
/// use staticnets::train::TrainConfig;
/// let mut c = TrainConfig::new();
/// c.parse("algo = adam\nbeta2 = 0.99\nlearning_rate = 0.001\nhidden_dropout = 0.2 @ hid1:out").unwrap();
/// let text = c.to_string();
/// assert!(text.contains("learning_rate = 0.001\n"));
/// let mut d = TrainConfig::new();
/// d.parse(&text).unwrap();
/// assert_eq!(c, d);
/// ```
impl core::fmt::Display for TrainConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(f, "algo = {}", self.algo.name())?;
        for h in self.algo.algo().hyper {
            writeln!(f, "{} = {:?}", h.key, (h.get)(self.algo))?;
        }
        writeln!(f, "learning_rate = {:?}", self.learning_rate)?;
        writeln!(f, "momentum = {:?}", self.momentum)?;
        writeln!(f, "batch_size = {}", self.batch_size)?;
        writeln!(f, "patience = {}", self.patience)?;
        writeln!(f, "validate_every = {}", self.validate_every)?;
        writeln!(f, "min_improvement = {:?}", self.min_improvement)?;
        writeln!(f, "max_gradient_norm = {:?}", self.max_gradient_norm)?;
        writeln!(f, "max_gradient_elem = {:?}", self.max_gradient_elem)?;
        writeln!(f, "max_updates = {}", self.max_updates)?;
        writeln!(f, "rng = {}", self.rng)?;
        writeln!(f, "loss = {}", self.loss.name())?;
        writeln!(f, "sparsity_threshold = {:?}", self.sparsity_threshold)?;
        let on = match self.on_divergence {
            OnDivergence::Stop => "stop",
            OnDivergence::Halve => "halve",
        };
        writeln!(f, "on_divergence = {on}")?;
        // (written only when not the default, so that the configuration text a checkpoint
        // stores, and with it the file's bytes, are what they were before the key existed)
        if !self.monitor_penalties {
            writeln!(f, "monitor_penalties = false")?;
        }
        if !self.frozen.is_empty() {
            write!(f, "frozen = ")?;
            write_list(f, &self.frozen)?;
            writeln!(f)?;
        }
        for r in &self.regs {
            write!(f, "{} = {:?}", r.key, r.weight)?;
            if !r.patterns.is_empty() {
                write!(f, " @ ")?;
                write_list(f, &r.patterns)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

fn write_list(f: &mut core::fmt::Formatter<'_>, items: &[Pattern]) -> core::fmt::Result {
    for (k, p) in items.iter().enumerate() {
        if k > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{p}")?;
    }
    Ok(())
}
