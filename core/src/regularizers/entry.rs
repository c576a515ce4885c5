//! What a built-in regularizer's file declares about itself ([`Builtin`]: its keys, weight
//! rule, how it resolves its targets, its term), and a setting bound to a network
//! ([`Active`]). The registry (`registry.rs`) lists the entries; the built-ins' files define
//! them from these types alone, so nothing here points back at either.

use super::selection::Selection;
use super::spec::{RegKind, RegSpec};
use super::topology::Topology;
use super::view::{JacobianPasses, NetGrads, NetView};
use crate::error::Error;
use crate::layers::Corruptor;

/// A regularizer bound to a network: what it is, how strong, and its targets resolved
/// (the setting's patterns are not kept: the selections say everything the step needs).
#[derive(Clone, Debug, PartialEq)]
pub struct Active {
    /// Which regularizer.
    pub kind: RegKind,
    /// Its weight (`p` for dropout, `sigma` for noise).
    pub weight: f32,
    /// Matched tensors (weight penalties).
    pub tensors: Selection,
    /// Matched `:out`s.
    pub outs: Selection,
    /// Matched second outputs (`:pre`, an LSTM's `:cell`).
    pub pres: Selection,
    /// Its registry entry (`None` for a custom regularizer), found once when the setting is
    /// resolved: a step reads its term from here.
    pub entry: Option<&'static Builtin>,
}

impl Active {
    /// A setting with nothing resolved yet.
    pub const fn new(kind: RegKind, weight: f32) -> Self {
        Active {
            kind,
            weight,
            tensors: Selection(0),
            outs: Selection(0),
            pres: Selection(0),
            entry: None,
        }
    }

    /// Whether it matched nothing at all.
    pub fn is_empty(&self) -> bool {
        self.tensors.count() + self.outs.count() + self.pres.count() == 0
    }
}

/// One key a built-in is configured under, and what a person reading a menu should know of it.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The key as written (case-insensitive).
    pub key: &'static str,
    /// The key monitors and errors show (`weight_decay` shows `weight_l2`; a corruption's
    /// group keys show themselves).
    pub canonical: &'static str,
    /// A group key's default targets (`input_dropout`: `in:out`); empty for none.
    pub targets: &'static str,
    /// What it computes, in one line (`λ · mean(W²)`); empty for an alias.
    pub formula: &'static str,
    /// What it does to a model, for a person choosing it (the page shows it under its
    /// slider); empty for an alias.
    pub about: &'static str,
}

impl Key {
    /// A key of its own, on the regularizer's default targets.
    pub const fn main(key: &'static str, formula: &'static str, about: &'static str) -> Self {
        Key {
            key,
            canonical: key,
            targets: "",
            formula,
            about,
        }
    }

    /// A group key of a corruption, with its default targets (`input_dropout`: `in:out`).
    pub const fn group(
        key: &'static str,
        targets: &'static str,
        formula: &'static str,
        about: &'static str,
    ) -> Self {
        Key {
            targets,
            ..Key::main(key, formula, about)
        }
    }

    /// Another name of `canonical` (theanets' aliases).
    pub const fn alias(key: &'static str, canonical: &'static str) -> Self {
        Key {
            key,
            canonical,
            targets: "",
            formula: "",
            about: "",
        }
    }
}

/// What a built-in's weight may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightRule {
    /// Finite and `>= 0`.
    NonNegative,
    /// A dropout probability, `0 <= p < 1`.
    Probability,
}

/// A built-in's term of the objective, given its resolved targets.
#[derive(Clone, Copy)]
pub struct Term {
    /// The unweighted `R`.
    pub loss: fn(&Active, &dyn NetView) -> f64,
    /// Add `weight * dR/d(...)`.
    pub grad: fn(&Active, &mut dyn NetGrads, f32),
}

/// Everything the library knows of one built-in regularizer.
#[derive(Clone, Copy)]
pub struct Builtin {
    /// Which one.
    pub kind: RegKind,
    /// Its keys: the canonical first, then aliases and group keys.
    pub keys: &'static [Key],
    /// Its weight's range.
    pub weight: WeightRule,
    /// Whether it must be given targets (patterns, or a group key's default).
    pub needs_targets: bool,
    /// Resolve a setting's targets against a network into `active` (and configure the
    /// corruption, for dropout and noise). An empty result is refused by the caller.
    pub resolve: fn(&RegSpec, &dyn Topology, &mut Active, &mut Corruptor) -> Result<(), Error>,
    /// Its term; `None` for one that adds none (dropout, noise) or whose term reads the
    /// network's Jacobian passes instead.
    pub term: Option<Term>,
    /// A term over the network's per-example Jacobian passes (contractive).
    pub jacobian_term: Option<JacobianTerm>,
}

/// A term over the network's per-example Jacobian passes: its unweighted value, with
/// `weight * dR/d(...)` added when the passes take gradients.
pub type JacobianTerm = fn(&Active, &mut dyn JacobianPasses, f32) -> f64;

/// One entry per kind: two entries are the same if their kinds are.
impl PartialEq for Builtin {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl core::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Builtin({:?})", self.kind)
    }
}
