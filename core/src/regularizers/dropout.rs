//! Dropout (`input_dropout`, `hidden_dropout`, `output_dropout`, `dropout`): during training
//! steps each matched `:out` value is multiplied by `m / (1 - p)` with `m ~ Bernoulli(1 - p)`
//! drawn per element (and per time step): inverted dropout, so nothing changes at evaluation.
//! Later layers, the loss and the activity penalties see the dropped value; the backward pass
//! multiplies by the same mask. It adds no term to the objective (`weight` is `p`). On an
//! LSTM's `:cell` it drops a copy of the cell states, which only the penalties on `:cell` see
//! (docs/contract.md; see [`Lstm`](crate::layers::Lstm)).
//!
//! The mechanism is [`Corruptor`]; this module configures it.

use super::entry::{Builtin, Key, WeightRule};
use super::targets::corruption_targets;
use crate::error::Error;
use crate::layers::{Corruptor, MAX_LAYERS};

/// Set dropout probability `p` on the `:out` of every layer in `layers` and on the `:cell`
/// of every LSTM in `cells` (bit sets of global indices).
pub fn configure(
    corrupt: &mut Corruptor,
    layers: super::Selection,
    cells: super::Selection,
    p: f32,
) -> Result<(), Error> {
    if !(p.is_finite() && (0.0..1.0).contains(&p)) {
        return Err(Error::OutOfRange {
            name: "dropout",
            value: p,
            allowed: "0 <= p < 1",
        });
    }
    for k in layers.iter().filter(|&k| k < MAX_LAYERS) {
        corrupt.dropout[k] = p;
    }
    for k in cells.iter().filter(|&k| k < MAX_LAYERS) {
        corrupt.cell_dropout[k] = p;
    }
    Ok(())
}

/// The registry's entry: the group keys with their default targets and `dropout` (patterns
/// required), the weight rule; it adds no term: resolving it configures the [`Corruptor`].
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::Dropout,
    keys: &[
        Key::group(
            "input_dropout",
            "in:out",
            "x̃ = x · m / (1−p), m ~ Bernoulli(1−p)",
            "Input dropout (masking noise): zeroes a fraction p of the inputs at random in each training step; the model learns to fill them in.",
        ),
        Key::group(
            "hidden_dropout",
            "hid*:out",
            "h̃ = h · m / (1−p)",
            "Hidden dropout: zeroes a fraction p of the hidden units in each training step, so no unit can count on another: redundant, more robust features.",
        ),
        Key::group(
            "output_dropout",
            "out:out",
            "õ = o · m / (1−p)",
            "Output dropout: zeroes a fraction p of the outputs in each training step (the logits, with xe or bce).",
        ),
        Key::main(
            "dropout",
            "x̃ = x · m / (1−p) on what the patterns match",
            "Dropout on any outputs the patterns name (dropout = 0.2 @ hid2:out).",
        ),
    ],
    weight: WeightRule::Probability,
    needs_targets: true,
    resolve: |spec, net, a, corrupt| {
        corruption_targets(spec, net, a)?;
        configure(corrupt, a.outs, a.pres, spec.weight)
    },
    term: None,
    jacobian_term: None,
};

#[cfg(test)]
mod tests {
    use super::super::Selection;
    use super::*;

    #[test]
    fn keeps_the_mean_and_drops_the_right_fraction() {
        let mut c = Corruptor::off();
        c.active = true;
        let mut sel = Selection::default();
        sel.insert(1);
        configure(&mut c, sel, Selection::default(), 0.3).unwrap();
        let mut v = [1.0f32; 20_000];
        let mut m = [0.0f32; 20_000];
        assert!(c.apply(1, &mut v, &mut m));
        let zeros = v.iter().filter(|&&x| x == 0.0).count() as f32 / v.len() as f32;
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        assert!((zeros - 0.3).abs() < 0.015, "{zeros}");
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
        assert!(v.iter().all(|&x| x == 0.0 || (x - 1.0 / 0.7).abs() < 1e-6));
        // other layers and evaluation are untouched
        let mut w = [1.0f32; 4];
        assert!(!c.apply(2, &mut w, &mut m[..4]));
        c.active = false;
        assert!(!c.apply(1, &mut w, &mut m[..4]));
        assert_eq!(w, [1.0; 4]);
        assert!(configure(&mut c, sel, Selection::default(), 1.0).is_err());
    }
}
