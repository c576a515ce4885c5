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
pub mod nag;
pub mod rmsprop;
pub mod rprop;
pub mod sgd;

/// Every algorithm's entry, one line each, in the order menus list them. Adding one is its
/// file (the step, its `ALGO`), an [`Optimizer`] variant for its hyperparameters, and a line
/// here: names, slots, configuration keys, validation, checkpoint codes and the page's menu
/// all read this table.
pub const ALGOS: [&Algo; 7] = [
    &sgd::ALGO,
    &nag::ALGO,
    &rmsprop::ALGO,
    &adam::ALGO,
    &adagrad::ALGO,
    &adadelta::ALGO,
    &rprop::ALGO,
];

/// Everything the library knows of one algorithm (its file's `ALGO`).
#[derive(Clone, Copy)]
pub struct Algo {
    /// Its configuration name (`algo = NAME`, case-insensitive).
    pub name: &'static str,
    /// Its number in a checkpoint's optimizer section (never reused).
    pub code: u32,
    /// State slots it needs without momentum.
    pub slots: usize,
    /// It with its default hyperparameters.
    pub default: Optimizer,
    /// Its hyperparameters' configuration keys.
    pub hyper: &'static [Hyper],
    /// Check its hyperparameters.
    pub validate: fn(Optimizer) -> Result<(), Error>,
    /// Turn gradients into steps in place.
    pub steps: Steps,
    /// Whether its step is plain `lr g` (sgd, nag): the update then computes it where it
    /// reads it, one pass over the gradients fewer, and `steps` is not called.
    pub plain_step: bool,
}

/// An algorithm's step function: `(it, g, a, b, lr, t)` turns the gradients `g` into steps
/// in place, updating its slots `a` and `b`, with learning rate `lr` at the 1-based update
/// count `t`.
pub type Steps = fn(Optimizer, &mut [f32], &mut [f32], &mut [f32], f32, u32);

/// One hyperparameter's configuration key.
#[derive(Clone, Copy)]
pub struct Hyper {
    /// The key (`beta1`, ...).
    pub key: &'static str,
    /// The error when the algorithm in force has no such key (`beta1/beta2 (only for adam)`).
    pub elsewhere: &'static str,
    /// Its value in an optimizer of this algorithm.
    pub get: fn(Optimizer) -> f32,
    /// Set it in an optimizer of this algorithm.
    pub set: fn(&mut Optimizer, f32),
}

/// The slots algorithm `name` needs without momentum, or for `any` what every algorithm
/// with momentum needs; in a constant, an unknown name stops the build (what
/// [`trainer!`](crate::trainer) sizes a trainer by).
///
/// ```
/// use staticnets::optim::slots_of;
/// const ADAM: usize = slots_of("adam");
/// assert_eq!(ADAM, 2);
/// assert_eq!(slots_of("any"), 3);
/// ```
pub const fn slots_of(name: &str) -> usize {
    let mut i = 0;
    let mut most = 0;
    while i < ALGOS.len() {
        let a = ALGOS[i];
        if same(a.name.as_bytes(), name.as_bytes()) {
            return a.slots;
        }
        if a.slots > most {
            most = a.slots;
        }
        i += 1;
    }
    if same(name.as_bytes(), b"any") {
        return most + 1;
    }
    panic!("unknown optimizer (sgd, nag, rmsprop, adam, adagrad, adadelta, rprop or any)")
}

/// Byte-wise equality, in a constant.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

use crate::error::Error;
use crate::kernels::FiniteCheck;
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
    pub const NAMES: [&'static str; ALGOS.len()] = {
        let mut names = [""; ALGOS.len()];
        let mut i = 0;
        while i < ALGOS.len() {
            names[i] = ALGOS[i].name;
            i += 1;
        }
        names
    };

    /// Its entry in [`ALGOS`].
    pub fn algo(self) -> &'static Algo {
        let d = core::mem::discriminant(&self);
        let found = ALGOS
            .iter()
            .copied()
            .find(|a| core::mem::discriminant(&a.default) == d);
        // every variant has its entry: a test holds the table to the enum
        found.unwrap_or(ALGOS[0])
    }

    /// Parse a name with default hyperparameters: `sgd`, `nag`, `rmsprop`, `adam`,
    /// `adagrad`, `adadelta`, `rprop` (case-insensitive).
    pub fn from_name(name: &str) -> Result<Self, Error> {
        ALGOS
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.default)
            .ok_or(Error::BadValue {
                name: "algo (sgd, nag, rmsprop, adam, adagrad, adadelta, rprop)",
            })
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        self.algo().name
    }

    /// State slots the algorithm needs, plus one for a velocity when `momentum > 0`.
    pub fn slots(self, momentum: f32) -> usize {
        self.algo().slots + if momentum > 0.0 { 1 } else { 0 }
    }

    /// Check the hyperparameters.
    pub fn validate(self) -> Result<(), Error> {
        (self.algo().validate)(self)
    }

    /// Turn gradients `g` into steps in place, updating this algorithm's slots `a` and `b`.
    /// `t` is the 1-based update count.
    pub fn steps(self, g: &mut [f32], a: &mut [f32], b: &mut [f32], lr: f32, t: u32) {
        (self.algo().steps)(self, g, a, b, lr, t)
    }
}

/// A hyperparameter's range error.
pub(crate) fn out_of_range(name: &'static str, value: f32, allowed: &'static str) -> Error {
    Error::OutOfRange {
        name,
        value,
        allowed,
    }
}

/// The `validate` of an algorithm without hyperparameters.
pub(crate) fn no_hyperparameters(_: Optimizer) -> Result<(), Error> {
    Ok(())
}

/// `rms_halflife`, the hyperparameter `rmsprop` and `adadelta` share.
pub(crate) const HALFLIFE: Hyper = Hyper {
    key: "rms_halflife",
    elsewhere: "rms_halflife (only for rmsprop and adadelta)",
    get: |o| match o {
        Optimizer::RmsProp { halflife } | Optimizer::Adadelta { halflife } => halflife,
        _ => 0.0,
    },
    set: |o, v| {
        if let Optimizer::RmsProp { halflife } | Optimizer::Adadelta { halflife } = o {
            *halflife = v;
        }
    },
};

/// `rms_halflife`'s check.
pub(crate) fn check_halflife(halflife: f32) -> Result<(), Error> {
    if halflife.is_finite() && halflife > 0.0 {
        Ok(())
    } else {
        Err(out_of_range("halflife", halflife, "> 0"))
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
/// The parameters of tensors for which `trainable(i)` is false are left exactly as they are
/// (frozen layers).
///
/// Two phases: every step is computed (and the optimizer's slots updated) first, and the
/// parameters are written only if every updated parameter (and velocity) would be finite;
/// otherwise the error is [`Error::NonFiniteStep`], `net` is untouched and the slots have
/// followed the diverging step (the caller resets them). So a trainer without a copy of
/// known-good parameters still never holds a non-finite one.
///
/// A successful update leaves every gradient zero (the write pass clears what it read, while
/// the line is in cache; a frozen tensor's is cleared unread), ready to accumulate the next
/// step's; a refused one leaves the gradients in some state between.
///
/// `write_through`: the caller keeps a copy of known-good parameters and puts it back after
/// an error. Then each result is written as it is computed, one pass over the parameters
/// instead of two (they do not fit a cache in a large model); after an error `net` holds
/// some updated values (perhaps non-finite) until the caller restores it. The values
/// written are the same bits either way.
#[allow(clippy::too_many_arguments)] // (the optimizer's settings, its buffers, and two rules)
pub fn update<L: Layers, const S: usize>(
    opt: Optimizer,
    mu: f32,
    lr: f32,
    net: &mut Network<L>,
    grads: &mut Network<L>,
    state: &mut OptimState<L, S>,
    trainable: impl Fn(usize) -> bool,
    write_through: bool,
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
    // the velocity's two factors: v = keep * v - push * s (momentum: mu, 1; Nesterov:
    // mu^2, 1 + mu)
    let (keep, push) = if nesterov {
        (mu * mu, 1.0 + mu)
    } else {
        (mu, 1.0)
    };
    // 1. The steps, into the gradient buffer. Not for a plain step `lr g` (sgd, nag), which is
    // computed where phases 2 and 3 read it (`scale * g`: the same product, the same bits,
    // one pass over every gradient fewer); for the others `scale` is 1, an exact no-op.
    let algo = opt.algo(); // looked up once, not per tensor
    let inline_step = algo.plain_step;
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
        (algo.steps)(opt, g, a, b, lr, state.t);
    }
    let refused = Err(Error::NonFiniteStep { pass: 0, batch: 0 });
    // 2. Would every result be finite? (The same arithmetic as the write below.) With a
    // copy to go back to, the check is the write's.
    if !write_through {
        for i in (0..L::TENSORS).filter(|&i| trainable(i)) {
            let (Some(p), Some(g)) = (net.tensor(i), grads.tensor(i)) else {
                continue;
            };
            let bad = if mu > 0.0 {
                let v = state.slots[own].tensor(i).map_or(&[][..], |t| t.data);
                momentum_bad(p.data, v, g.data, keep, push, scale)
            } else {
                plain_bad(p.data, g.data, scale)
            };
            if bad {
                return refused;
            }
        }
    }
    // 3. Write.
    for i in 0..L::TENSORS {
        let (Some(p), Some(g)) = (net.tensor_mut(i), grads.tensor_mut(i)) else {
            continue;
        };
        if !trainable(i) {
            g.fill(0.0);
            continue;
        }
        let bad = if mu > 0.0 {
            let Some(v) = state.slots[own].tensor_mut(i) else {
                g.fill(0.0); // (no velocity for it: nothing to write, but cleared all the same)
                continue;
            };
            momentum_write(p, v, g, keep, push, scale)
        } else {
            plain_write(p, g, scale)
        };
        if bad && write_through {
            return refused;
        }
    }
    Ok(())
}

// The update's passes over every parameter, at the kernels' level (`elementwise!`): each
// returns whether some result is not finite, scanned in blocks without early exits so that
// the loops vectorize. `_bad` only looks; `_write` writes, and clears the gradient it read. Momentum: `v' = keep v - push s`
// and `p' = p + v'` with `s = scale g`; plain: `p' = p - scale g`.

const BLOCK: usize = 256;

crate::elementwise! {
    fn plain_bad(p: &[f32], g: &[f32], scale: f32) -> bool {
        p.chunks(BLOCK).zip(g.chunks(BLOCK)).any(|(pb, gb)| {
            let mut check = FiniteCheck::default();
            for (&pk, &gk) in pb.iter().zip(gb) {
                check.see(pk - scale * gk);
            }
            !check.ok()
        })
    }
}

crate::elementwise! {
    fn plain_write(p: &mut [f32], g: &mut [f32], scale: f32) -> bool {
        let mut check = FiniteCheck::default();
        for (pb, gb) in p.chunks_mut(BLOCK).zip(g.chunks_mut(BLOCK)) {
            for (pk, gk) in pb.iter_mut().zip(gb.iter_mut()) {
                *pk -= scale * *gk;
                *gk = 0.0;
                check.see(*pk);
            }
        }
        !check.ok()
    }
}

crate::elementwise! {
    fn momentum_bad(p: &[f32], v: &[f32], g: &[f32], keep: f32, push: f32, scale: f32) -> bool {
        let blocks = p.chunks(BLOCK).zip(v.chunks(BLOCK)).zip(g.chunks(BLOCK));
        blocks.into_iter().any(|((pb, vb), gb)| {
            let mut check = FiniteCheck::default();
            for ((&pk, &vk), &gk) in pb.iter().zip(vb).zip(gb) {
                let vn = keep * vk - push * (scale * gk);
                check.see(vn);
                check.see(pk + vn);
            }
            !check.ok()
        })
    }
}

crate::elementwise! {
    fn momentum_write(
        p: &mut [f32],
        v: &mut [f32],
        g: &mut [f32],
        keep: f32,
        push: f32,
        scale: f32,
    ) -> bool {
        let mut check = FiniteCheck::default();
        let blocks = p.chunks_mut(BLOCK).zip(v.chunks_mut(BLOCK)).zip(g.chunks_mut(BLOCK));
        for ((pb, vb), gb) in blocks {
            for ((pk, vk), gk) in pb.iter_mut().zip(vb.iter_mut()).zip(gb.iter_mut()) {
                *vk = keep * *vk - push * (scale * *gk);
                *gk = 0.0;
                *pk += *vk;
                check.see(*vk);
                check.see(*pk);
            }
        }
        !check.ok()
    }
}
