//! Training configuration, with theanets' keyword names, validated up front.
//!
//! ```
//! use staticnets::train::TrainConfig;
//! let mut c = TrainConfig::new();
//! c.parse("algo = adam\nlearning_rate = 0.001\nweight_l2 = 1e-4\nhidden_dropout = 0.2").unwrap();
//! assert_eq!(c.learning_rate, 0.001);
//! assert_eq!(c.regs.len(), 2);
//! assert!(c.set("learning_rate", "-1").is_err());
//! assert!(c.set("wieght_l2", "0.1").is_err()); // unknown key
//! ```

use crate::error::Error;
use crate::losses::Loss;
use crate::optim::Optimizer;
use crate::regularizers::{Pattern, Patterns, RegKind, RegSpec, split_value};
use crate::train::objective::MAX_REGS;

/// The most custom regularizers one configuration can name.
pub const MAX_CUSTOM: usize = 4;

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

fn num<T: core::str::FromStr>(name: &'static str, v: &str) -> Result<T, Error> {
    v.trim().parse().map_err(|_| Error::BadValue { name })
}

impl TrainConfig {
    /// theanets' defaults.
    pub const fn new() -> Self {
        TrainConfig {
            algo: Optimizer::RmsProp { halflife: 14.0 },
            learning_rate: 1e-4,
            momentum: 0.0,
            batch_size: 32,
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
        }
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

    /// Add or replace a regularizer setting (the same key twice keeps the last).
    pub fn add_reg(&mut self, spec: RegSpec) -> Result<(), Error> {
        spec.validate()?;
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
        let canonical = RegSpec::new(key, 0.0).map(|s| s.key).unwrap_or("");
        self.regs
            .retain(|r| r.key != canonical && !r.key.eq_ignore_ascii_case(key));
    }

    /// Set one key from its text value; each bad value gives its own error.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let v = value.trim();
        match key.trim() {
            "algo" | "algorithm" | "optimize" => {
                let halflife = match self.algo {
                    Optimizer::RmsProp { halflife } | Optimizer::Adadelta { halflife } => halflife,
                    _ => 14.0,
                };
                self.algo = Optimizer::from_name(v)?;
                if let Optimizer::RmsProp { halflife: h } | Optimizer::Adadelta { halflife: h } =
                    &mut self.algo
                {
                    *h = halflife;
                }
            }
            "learning_rate" => self.learning_rate = num("learning_rate", v)?,
            "momentum" => self.momentum = num("momentum", v)?,
            "batch_size" => self.batch_size = num("batch_size", v)?,
            "patience" => self.patience = num("patience", v)?,
            "validate_every" => self.validate_every = num("validate_every", v)?,
            "min_improvement" => self.min_improvement = num("min_improvement", v)?,
            "max_gradient_norm" => self.max_gradient_norm = num("max_gradient_norm", v)?,
            "max_gradient_elem" => self.max_gradient_elem = num("max_gradient_elem", v)?,
            "max_updates" => self.max_updates = num("max_updates", v)?,
            "rng" | "seed" => self.rng = num("rng", v)?,
            "loss" => self.loss = Loss::from_name(v)?,
            "sparsity_threshold" => self.sparsity_threshold = num("sparsity_threshold", v)?,
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
            }
            "rms_halflife" => match &mut self.algo {
                Optimizer::RmsProp { halflife } | Optimizer::Adadelta { halflife } => {
                    *halflife = num("rms_halflife", v)?
                }
                _ => {
                    return Err(Error::BadValue {
                        name: "rms_halflife (only for rmsprop and adadelta)",
                    });
                }
            },
            "beta1" | "beta2" => match &mut self.algo {
                Optimizer::Adam { beta1, beta2 } => {
                    let b = if key.trim() == "beta1" { beta1 } else { beta2 };
                    *b = num("beta", v)?;
                }
                _ => {
                    return Err(Error::BadValue {
                        name: "beta1/beta2 (only for adam)",
                    });
                }
            },
            k => {
                if let Some(i) = self.customs.iter().position(|c| c.eq_ignore_ascii_case(k)) {
                    let (w, pats) = split_value(v)?;
                    if pats.is_some() {
                        return Err(Error::BadValue {
                            name: "patterns (a custom regularizer chooses its own targets)",
                        });
                    }
                    return self.add_reg(RegSpec {
                        kind: RegKind::Custom(i),
                        weight: w,
                        patterns: Patterns::new(),
                        key: self.customs[i],
                    });
                }
                return self.add_reg(RegSpec::parse(k, v)?);
            }
        }
        self.validate()
    }

    /// Apply `key = value` lines (blank lines and `#` comments skipped).
    pub fn parse(&mut self, text: &str) -> Result<(), Error> {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (k, v) = line.split_once('=').ok_or(Error::BadValue {
                name: "configuration line (key = value)",
            })?;
            self.set(k, v)?;
        }
        Ok(())
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
