//! Gaussian noise (`input_noise`, `hidden_noise`, `output_noise`, `noise`): during training
//! steps each matched `:out` value gets `+ e`, `e ~ N(0, sigma^2)` drawn per element. After
//! dropout when both apply. Additive, so the backward pass passes gradients through
//! unchanged; it adds no term to the objective (`weight` is `sigma`). An autoencoder's target
//! stays the clean input: with input noise it is a denoising autoencoder. On an LSTM's
//! `:cell` it perturbs a copy of the cell states, which only the penalties on `:cell` see.

use super::entry::{Builtin, Key, WeightRule};
use super::targets::corruption_targets;
use crate::error::Error;
use crate::layers::{Corruptor, MAX_LAYERS};

/// Set noise standard deviation `sigma` on the `:out` of every layer in `layers` and on the
/// `:cell` of every LSTM in `cells`.
pub fn configure(
    corrupt: &mut Corruptor,
    layers: super::Selection,
    cells: super::Selection,
    sigma: f32,
) -> Result<(), Error> {
    if !(sigma.is_finite() && sigma >= 0.0) {
        return Err(Error::OutOfRange {
            name: "noise",
            value: sigma,
            allowed: "sigma >= 0 and finite",
        });
    }
    for k in layers.iter().filter(|&k| k < MAX_LAYERS) {
        corrupt.sigma[k] = sigma;
    }
    for k in cells.iter().filter(|&k| k < MAX_LAYERS) {
        corrupt.cell_sigma[k] = sigma;
    }
    Ok(())
}

/// The registry's entry: the group keys with their default targets and `noise` (patterns
/// required), the weight rule; it adds no term: resolving it configures the [`Corruptor`].
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::Noise,
    keys: &[
        Key::group(
            "input_noise",
            "in:out",
            "x̃ = x + N(0, σ²)",
            "Input noise (denoising): trains on inputs with Gaussian noise added, targets clean; the model must learn the data's structure to undo the noise.",
        ),
        Key::group(
            "hidden_noise",
            "hid*:out",
            "h̃ = h + N(0, σ²)",
            "Hidden noise: adds Gaussian noise to the code during training, so the decoder cannot rely on tiny differences between codes.",
        ),
        Key::group(
            "output_noise",
            "out:out",
            "õ = o + N(0, σ²)",
            "Output noise: adds Gaussian noise to the outputs during training (the logits, with xe or bce).",
        ),
        Key::main(
            "noise",
            "x̃ = x + N(0, σ²) on what the patterns match",
            "Gaussian noise on any outputs the patterns name (noise = 0.1 @ hid1:out).",
        ),
    ],
    weight: WeightRule::NonNegative,
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
    fn adds_noise_of_the_given_spread_after_dropout() {
        let mut c = Corruptor::off();
        c.active = true;
        let mut sel = Selection::default();
        sel.insert(0);
        configure(&mut c, sel, Selection::default(), 0.5).unwrap();
        let mut v = [2.0f32; 20_000];
        let mut m = [0.0f32; 20_000];
        c.apply(0, &mut v, &mut m);
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!((mean - 2.0).abs() < 0.01, "{mean}");
        assert!((var.sqrt() - 0.5).abs() < 0.01, "{var}");
        // dropout first: dropped elements get noise around 0
        super::super::dropout::configure(&mut c, sel, Selection::default(), 0.5).unwrap();
        let mut v = [2.0f32; 20_000];
        c.apply(0, &mut v, &mut m);
        let near_zero = v
            .iter()
            .zip(&m)
            .filter(|(_, mk)| **mk == 0.0)
            .all(|(x, _)| x.abs() < 3.0);
        assert!(near_zero);
        assert!(configure(&mut c, sel, Selection::default(), -0.1).is_err());
    }
}
