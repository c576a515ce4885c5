//! Optimizers (downhill's, as theanets uses them) and per-parameter gradient clipping.
//!
//! Each algorithm turns a gradient `g` into a step `s` elementwise, using its own state
//! slots; then the shared update applies it: without momentum `theta -= s`; with momentum
//! `mu`, `v = mu v - s; theta += v`; with Nesterov momentum (`nag`),
//! `v = mu^2 v - (1 + mu) s; theta += v`. State lives in [`OptimState`], whose slot count
//! `S` is a const generic: [`Optimizer::slots`] says how many an algorithm needs.

pub mod adadelta;
pub mod adagrad;
pub mod adam;
pub mod clip;
pub mod rmsprop;
pub mod rprop;
pub mod sgd;

/// Optimizer state slots each algorithm needs without momentum, by its configuration name
/// (with momentum, one more): what [`trainer!`](crate::trainer) sizes a trainer by.
/// `any` is enough for every algorithm with momentum.
#[allow(non_upper_case_globals)]
pub mod slots {
    /// `sgd`.
    pub const sgd: usize = 0;
    /// `nag`.
    pub const nag: usize = 0;
    /// `adagrad`.
    pub const adagrad: usize = 1;
    /// `rmsprop`.
    pub const rmsprop: usize = 2;
    /// `adam`.
    pub const adam: usize = 2;
    /// `adadelta`.
    pub const adadelta: usize = 2;
    /// `rprop`.
    pub const rprop: usize = 2;
    /// Every algorithm, momentum included (do not add `+ momentum` to it).
    pub const any: usize = 3;
}

use crate::error::Error;
use crate::layers::Layers;
use crate::network::Network;

/// An optimization algorithm with its hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// `step = lr g`.
    Sgd,
    /// sgd with Nesterov momentum.
    Nag,
    /// Centred RMSProp with this half-life (theanets: 14).
    RmsProp {
        /// Half-life of the moving averages, in updates.
        halflife: f32,
    },
    /// Adam with bias correction.
    Adam {
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
    },
    /// Adagrad.
    Adagrad,
    /// Adadelta (ignores the learning rate), with this half-life.
    Adadelta {
        /// Half-life of the moving averages.
        halflife: f32,
    },
    /// Rprop.
    Rprop {
        /// Step growth factor (1.01).
        increase: f32,
        /// Step shrink factor (0.99).
        decrease: f32,
        /// Smallest step (0).
        min_step: f32,
        /// Largest step (100).
        max_step: f32,
    },
}

/// The epsilon of every adaptive method (`rms_regularizer` in downhill).
pub const EPS: f32 = 1e-8;

impl Optimizer {
    /// Every algorithm's name, in the order menus list them (what [`from_name`](Self::from_name)
    /// takes and [`name`](Self::name) gives).
    pub const NAMES: [&'static str; 7] = [
        "sgd", "nag", "rmsprop", "adam", "adagrad", "adadelta", "rprop",
    ];

    /// Parse a name with default hyperparameters: `sgd`, `nag`, `rmsprop`, `adam`,
    /// `adagrad`, `adadelta`, `rprop` (case-insensitive).
    pub fn from_name(name: &str) -> Result<Self, Error> {
        let n = |s: &str| name.eq_ignore_ascii_case(s);
        Ok(if n("sgd") {
            Optimizer::Sgd
        } else if n("nag") {
            Optimizer::Nag
        } else if n("rmsprop") {
            Optimizer::RmsProp { halflife: 14.0 }
        } else if n("adam") {
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
            }
        } else if n("adagrad") {
            Optimizer::Adagrad
        } else if n("adadelta") {
            Optimizer::Adadelta { halflife: 14.0 }
        } else if n("rprop") {
            Optimizer::Rprop {
                increase: 1.01,
                decrease: 0.99,
                min_step: 0.0,
                max_step: 100.0,
            }
        } else {
            return Err(Error::BadValue {
                name: "algo (sgd, nag, rmsprop, adam, adagrad, adadelta, rprop)",
            });
        })
    }

    /// The canonical name.
    pub const fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Nag => "nag",
            Optimizer::RmsProp { .. } => "rmsprop",
            Optimizer::Adam { .. } => "adam",
            Optimizer::Adagrad => "adagrad",
            Optimizer::Adadelta { .. } => "adadelta",
            Optimizer::Rprop { .. } => "rprop",
        }
    }

    /// State slots the algorithm needs, plus one for a velocity when `momentum > 0`.
    pub const fn slots(self, momentum: f32) -> usize {
        let own = match self {
            Optimizer::Sgd | Optimizer::Nag => 0,
            Optimizer::Adagrad => 1,
            Optimizer::RmsProp { .. }
            | Optimizer::Adam { .. }
            | Optimizer::Adadelta { .. }
            | Optimizer::Rprop { .. } => 2,
        };
        own + if momentum > 0.0 { 1 } else { 0 }
    }

    /// Check the hyperparameters.
    pub fn validate(self) -> Result<(), Error> {
        let bad = |name, value, allowed| {
            Err(Error::OutOfRange {
                name,
                value,
                allowed,
            })
        };
        match self {
            Optimizer::RmsProp { halflife } | Optimizer::Adadelta { halflife }
                if !(halflife.is_finite() && halflife > 0.0) =>
            {
                bad("halflife", halflife, "> 0")
            }
            Optimizer::Adam { beta1, .. } if !(0.0..1.0).contains(&beta1) => {
                bad("beta1", beta1, "0 <= beta1 < 1")
            }
            Optimizer::Adam { beta2, .. } if !(0.0..1.0).contains(&beta2) => {
                bad("beta2", beta2, "0 <= beta2 < 1")
            }
            Optimizer::Rprop { increase, .. } if !(increase.is_finite() && increase >= 1.0) => {
                bad("rprop_increase", increase, ">= 1")
            }
            Optimizer::Rprop { decrease, .. } if !(decrease > 0.0 && decrease <= 1.0) => {
                bad("rprop_decrease", decrease, "0 < decrease <= 1")
            }
            Optimizer::Rprop {
                min_step, max_step, ..
            } if !(min_step >= 0.0 && max_step >= min_step && max_step.is_finite()) => {
                bad("rprop_max_step", max_step, ">= rprop_min_step >= 0, finite")
            }
            _ => Ok(()),
        }
    }

    /// Turn gradients `g` into steps in place, updating this algorithm's slots `a` and `b`.
    /// `t` is the 1-based update count.
    pub fn steps(self, g: &mut [f32], a: &mut [f32], b: &mut [f32], lr: f32, t: u32) {
        match self {
            Optimizer::Sgd | Optimizer::Nag => sgd::steps(g, lr),
            Optimizer::RmsProp { halflife } => rmsprop::steps(g, a, b, lr, halflife),
            Optimizer::Adam { beta1, beta2 } => adam::steps(g, a, b, lr, beta1, beta2, t),
            Optimizer::Adagrad => adagrad::steps(g, a, lr),
            Optimizer::Adadelta { halflife } => adadelta::steps(g, a, b, halflife),
            Optimizer::Rprop {
                increase,
                decrease,
                min_step,
                max_step,
            } => rprop::steps(g, a, b, lr, increase, decrease, min_step, max_step),
        }
    }
}

/// `lambda = exp(-ln 2 / halflife)`: the decay with that half-life.
pub fn decay(halflife: f32) -> f32 {
    libm::expf(-core::f32::consts::LN_2 / halflife)
}

/// Optimizer state: `S` parameter-shaped slots and the update count.
pub struct OptimState<L: Layers, const S: usize> {
    /// The slots (algorithm state, then the velocity).
    pub slots: [Network<L>; S],
    /// Updates made.
    pub t: u32,
}

impl<L: Layers, const S: usize> OptimState<L, S> {
    /// Bytes of state.
    pub const BYTES: usize = S * Network::<L>::PARAM_BYTES;

    /// Zeroed state.
    pub const fn new() -> Self {
        OptimState {
            slots: [const { Network::zero() }; S],
            t: 0,
        }
    }

    /// Zero every slot (when the algorithm changes or training restarts).
    pub fn reset(&mut self) {
        for s in self.slots.iter_mut() {
            s.fill_zero();
        }
        self.t = 0;
    }
}

impl<L: Layers, const S: usize> Default for OptimState<L, S> {
    fn default() -> Self {
        Self::new()
    }
}

/// Apply one update: `grads` (consumed: turned into steps, except by SGD and NAG) to `net` with `opt`, momentum `mu`
/// (Nesterov for `nag`), learning rate `lr`. Rprop initialises its step sizes to `lr`.
/// Tensors for which `trainable(i)` is false are left exactly as they are (frozen layers).
///
/// Two phases: every step is computed (and the optimizer's slots updated) first, and the
/// parameters are written only if every updated parameter (and velocity) would be finite;
/// otherwise the error is [`Error::NonFiniteStep`], `net` is untouched and the slots have
/// followed the diverging step (the caller resets them). So a trainer without a copy of
/// known-good parameters still never holds a non-finite one.
pub fn update<L: Layers, const S: usize>(
    opt: Optimizer,
    mu: f32,
    lr: f32,
    net: &mut Network<L>,
    grads: &mut Network<L>,
    state: &mut OptimState<L, S>,
    trainable: impl Fn(usize) -> bool,
) -> Result<(), Error> {
    let need = opt.slots(mu);
    if need > S {
        return Err(Error::WorkspaceTooSmall {
            what: "optimizer state slots",
            needed: need,
            have: S,
        });
    }
    state.t = state.t.saturating_add(1);
    let own = opt.slots(0.0);
    let nesterov = opt == Optimizer::Nag;
    let velocity = |v: f32, s: f32| {
        if nesterov {
            mu * mu * v - (1.0 + mu) * s
        } else {
            mu * v - s
        }
    };
    // 1. The steps, into the gradient buffer. Not for SGD and NAG, whose step `lr g` is
    // computed where phases 2 and 3 read it (`scale * g`: the same product, the same bits,
    // one pass over every gradient fewer); for the others `scale` is 1, an exact no-op.
    let inline_step = matches!(opt, Optimizer::Sgd | Optimizer::Nag);
    let scale = if inline_step { lr } else { 1.0 };
    let mut empty_a = [0.0f32; 0];
    let mut empty_b = [0.0f32; 0];
    for i in (0..L::TENSORS).filter(|&i| trainable(i) && !inline_step) {
        let Some(g) = grads.tensor_mut(i) else {
            continue;
        };
        let (s0, rest) = state.slots.split_at_mut(own.min(1));
        let (s1, _) = rest.split_at_mut(own.saturating_sub(1));
        let a = s0
            .first_mut()
            .and_then(|s| s.tensor_mut(i))
            .unwrap_or(&mut empty_a);
        let b = s1
            .first_mut()
            .and_then(|s| s.tensor_mut(i))
            .unwrap_or(&mut empty_b);
        if state.t == 1 && matches!(opt, Optimizer::Rprop { .. }) {
            a.fill(lr);
        }
        opt.steps(g, a, b, lr, state.t);
    }
    // 2. Would every result be finite? (The same arithmetic as the write below.)
    for i in (0..L::TENSORS).filter(|&i| trainable(i)) {
        let (Some(p), Some(g)) = (net.tensor(i), grads.tensor(i)) else {
            continue;
        };
        // Blocks without early exits inside, so the scan vectorizes (this pass reads every
        // parameter each step).
        const BLOCK: usize = 256;
        let finite = if mu > 0.0 {
            let v = state.slots[own].tensor(i).map_or(&[][..], |t| t.data);
            let blocks = p.data.chunks(BLOCK).zip(v.chunks(BLOCK));
            blocks.zip(g.data.chunks(BLOCK)).all(|((pb, vb), gb)| {
                let terms = pb.iter().zip(vb).zip(gb);
                !terms.fold(false, |any, ((&pk, &vk), &gk)| {
                    let vn = velocity(vk, scale * gk);
                    any | not_finite(vn) | not_finite(pk + vn)
                })
            })
        } else {
            let mut blocks = p.data.chunks(BLOCK).zip(g.data.chunks(BLOCK));
            blocks.all(|(pb, gb)| {
                !pb.iter()
                    .zip(gb)
                    .fold(false, |any, (&pk, &gk)| any | not_finite(pk - scale * gk))
            })
        };
        if !finite {
            return Err(Error::NonFiniteStep { pass: 0, batch: 0 });
        }
    }
    // 3. Write.
    for i in (0..L::TENSORS).filter(|&i| trainable(i)) {
        let (Some(p), Some(g)) = (net.tensor_mut(i), grads.tensor_mut(i)) else {
            continue;
        };
        if mu > 0.0 {
            let Some(v) = state.slots[own].tensor_mut(i) else {
                continue;
            };
            for ((pk, vk), &gk) in p.iter_mut().zip(v.iter_mut()).zip(g.iter()) {
                *vk = velocity(*vk, scale * gk);
                *pk += *vk;
            }
        } else {
            for (pk, &gk) in p.iter_mut().zip(g.iter()) {
                *pk -= scale * gk;
            }
        }
    }
    Ok(())
}

/// NaN or an infinity (exponent bits all ones), as a branch-free test.
#[inline(always)]
fn not_finite(v: f32) -> bool {
    v.to_bits() & 0x7f80_0000 == 0x7f80_0000
}
