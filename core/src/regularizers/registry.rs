//! The registry of built-in regularizers: each one's file defines its [`Builtin`] entry (its
//! keys and aliases, default targets, weight rule, how it resolves its targets against a
//! network, and its term), and [`BUILTINS`] lists the entries, one line each. Configuration
//! parsing, validation, resolution and the objective all read the entries; nothing else
//! knows a built-in by name.

use super::view::JacobianPasses;
use super::{NetGrads, NetView, Pattern, Patterns, RegKind, RegSpec, Selection, select_outputs};
use crate::error::Error;
use crate::layers::{Activation, Corruptor, Layers};
use crate::regularizers::view::ParamsOf;

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
        }
    }

    /// Whether it matched nothing at all.
    pub fn is_empty(&self) -> bool {
        self.tensors.count() + self.outs.count() + self.pres.count() == 0
    }
}

/// One key a built-in is configured under.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The key as written (case-insensitive).
    pub key: &'static str,
    /// The key monitors and errors show (`weight_decay` shows `weight_l2`; a corruption's
    /// group keys show themselves).
    pub canonical: &'static str,
    /// A group key's default targets (`input_dropout`: `in:out`); empty for none.
    pub targets: &'static str,
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

/// The built-ins, one line each.
pub const BUILTINS: [&Builtin; 8] = [
    &super::weight_l2::ENTRY,
    &super::weight_l1::ENTRY,
    &super::hidden_l1::ENTRY,
    &super::contractive::ENTRY,
    &super::recurrent_norm::ENTRY,
    &super::recurrent_state::ENTRY,
    &super::dropout::ENTRY,
    &super::noise::ENTRY,
];

/// The entry of `kind` (`None` for a custom regularizer).
pub fn entry(kind: RegKind) -> Option<&'static Builtin> {
    BUILTINS.iter().copied().find(|b| b.kind == kind)
}

/// The entry and key a configuration key names (any alias, case-insensitive).
pub fn lookup(key: &str) -> Option<(&'static Builtin, &'static Key)> {
    BUILTINS.iter().find_map(|b| {
        b.keys
            .iter()
            .find(|k| k.key.eq_ignore_ascii_case(key))
            .map(|k| (*b, k))
    })
}

/// What resolving a setting needs of a network, without its type: the names of its tensors
/// and outputs ([`NetView`]) and its layers' kinds.
pub trait Topology: NetView {
    /// Whether global output `k` runs over time steps (for `k = 0`, a sequence model's input).
    fn sequence(&self, k: usize) -> bool;
    /// Whether layer `k >= 1` is recurrent.
    fn recurrent(&self, k: usize) -> bool;
    /// Layer `k >= 1`'s activation.
    fn activation(&self, k: usize) -> Option<Activation>;
    /// The network's input width.
    fn input_width(&self) -> usize;
    /// The workspace's Jacobian width (`JD`).
    fn jacobian_width(&self) -> usize;
    /// Whether layer `k >= 1` has the Jacobian `contractive` needs.
    fn has_jacobian(&self, k: usize) -> bool;
}

/// A network's parameters know its topology; `JD` is the width of the workspace's Jacobian
/// buffers resolution checks `contractive` against.
impl<L: Layers, const JD: usize> Topology for ParamsOf<'_, L, JD> {
    fn sequence(&self, k: usize) -> bool {
        if k == 0 {
            L::IN_STEPS >= 2
        } else {
            self.0.body.sequence(k - 1)
        }
    }
    fn recurrent(&self, k: usize) -> bool {
        k >= 1 && self.0.body.recurrent(k - 1)
    }
    fn activation(&self, k: usize) -> Option<Activation> {
        k.checked_sub(1).and_then(|k| self.0.body.activation(k))
    }
    fn input_width(&self) -> usize {
        L::NIN
    }
    fn jacobian_width(&self) -> usize {
        JD
    }
    fn has_jacobian(&self, k: usize) -> bool {
        k >= 1 && self.0.body.has_jacobian(k - 1)
    }
}

/// The targets of a setting: its patterns, or, while it has none, its group key's default.
pub(crate) fn patterns_or_default(spec: &RegSpec) -> Patterns {
    let mut p = spec.patterns.clone();
    if p.is_empty()
        && let Some(g) = spec.group_default()
        && let Ok(g) = Pattern::try_from(g)
    {
        // A default is a short constant: it always fits.
        let _ = p.push(g);
    }
    p
}

/// The `:out`s and second outputs the patterns match (default: the hidden `:out`s).
pub(crate) fn outputs(spec: &RegSpec, net: &dyn Topology, a: &mut Active) {
    (a.outs, a.pres) = select_outputs(net, &spec.patterns);
}

/// The targets of `recurrent_norm` and `recurrent_state`: by default every recurrent
/// layer's `:out`; with patterns, any sequence-valued output they match (a sequence layer's
/// `:out` or second output, or a sequence model's input); a match that is not a sequence
/// is refused (docs/contract.md).
pub(crate) fn sequence_outputs(
    spec: &RegSpec,
    net: &dyn Topology,
    a: &mut Active,
    _: &mut Corruptor,
) -> Result<(), Error> {
    if spec.patterns.is_empty() {
        for k in 1..=net.layers() {
            if net.recurrent(k) {
                a.outs.insert(k);
            }
        }
        return Ok(());
    }
    outputs(spec, net, a);
    if !a.outs.iter().chain(a.pres.iter()).all(|k| net.sequence(k)) {
        return Err(Error::BadValue {
            name: "recurrent_norm / recurrent_state target (an output over time steps)",
        });
    }
    Ok(())
}

/// The targets of dropout and noise: the `:out`s the patterns (or the group key's default)
/// match, and an LSTM's `:cell`; a `:pre` is refused, since corrupting it alone would change
/// nothing but the penalties on it (docs/contract.md).
pub(crate) fn corruption_targets(
    spec: &RegSpec,
    net: &dyn Topology,
    a: &mut Active,
) -> Result<(), Error> {
    (a.outs, a.pres) = select_outputs(net, &patterns_or_default(spec));
    if a.pres
        .iter()
        .any(|k| k == 0 || net.second_port(k) != "cell")
    {
        return Err(Error::BadValue {
            name: "noise/dropout target: an :out, or an LSTM's :cell (not a :pre)",
        });
    }
    Ok(())
}
