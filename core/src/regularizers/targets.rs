//! How the built-ins resolve their targets against a network: the activity penalties' outputs,
//! the recurrent penalties' sequences, dropout's and noise's `:out`s (or an LSTM's `:cell`).

use super::entry::Active;
use super::selection::select_outputs;
use super::spec::{Pattern, Patterns, RegSpec};
use super::topology::Topology;
use crate::error::Error;
use crate::layers::Corruptor;

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
