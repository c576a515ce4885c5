//! Dropout and noise between layers ([`Corruptor`]): the one place a training step's
//! corruption is drawn and applied; layers compute clean values and know nothing of it.

use super::activation::Activation;
use super::buffers::{LayerBuf, MAX_LAYERS};
use crate::rng::XorShift;

/// Per-layer noise and dropout settings plus the generator that draws them.
///
/// Layer `k` (global index, 0 = input) gets dropout with probability `dropout[k]` and then
/// Gaussian noise with standard deviation `sigma[k]`. Draw order (part of the determinism
/// contract): per layer, first one uniform per element for the dropout mask (row-major),
/// then one Gaussian per element for the noise.
#[derive(Clone, Debug)]
pub struct Corruptor {
    /// Dropout probability per layer.
    pub dropout: [f32; MAX_LAYERS],
    /// Noise standard deviation per layer.
    pub sigma: [f32; MAX_LAYERS],
    /// Dropout probability on each layer's second output, where that output is a state of
    /// its own (an LSTM's `:cell`): what the penalties on it see; no later layer reads it.
    pub cell_dropout: [f32; MAX_LAYERS],
    /// Noise standard deviation on each layer's second output, likewise.
    pub cell_sigma: [f32; MAX_LAYERS],
    /// Whether corruption is on (training steps) or off (evaluation).
    pub active: bool,
    /// The global index of the output layer whose logits (`:pre`) are corrupted instead of
    /// its `:out`, because a fused loss (`xe`, `bce`) reads the logits (docs/contract.md);
    /// 0 for none (layer 0 is the input, never logits).
    pub logits: usize,
    /// The generator.
    pub rng: XorShift,
}

impl Corruptor {
    /// No corruption anywhere.
    pub const fn off() -> Self {
        Corruptor {
            dropout: [0.0; MAX_LAYERS],
            sigma: [0.0; MAX_LAYERS],
            cell_dropout: [0.0; MAX_LAYERS],
            cell_sigma: [0.0; MAX_LAYERS],
            active: false,
            logits: 0,
            rng: XorShift::new(crate::rng::DEFAULT_SEED),
        }
    }

    /// No corruption, and every byte zero (its generator a placeholder, reseeded when
    /// training starts): the value of a zeroed trainer.
    pub const fn zeroed() -> Self {
        Corruptor {
            rng: XorShift::zeroed(),
            ..Self::off()
        }
    }

    /// Corrupt `values` of layer `layer` in place; returns whether a dropout mask was drawn
    /// (then `mask` holds it).
    pub fn apply(&mut self, layer: usize, values: &mut [f32], mask: &mut [f32]) -> bool {
        if !self.active || layer >= MAX_LAYERS {
            return false;
        }
        let (p, sigma) = (self.dropout[layer], self.sigma[layer]);
        corrupt(&mut self.rng, p, sigma, values, mask)
    }

    /// Whether a training step corrupts layer `layer`'s outputs.
    pub fn corrupts(&self, layer: usize) -> bool {
        self.active && layer < MAX_LAYERS && (self.dropout[layer] > 0.0 || self.sigma[layer] > 0.0)
    }

    /// Whether a training step corrupts layer `layer`'s second output (an LSTM's `:cell`).
    pub fn corrupts_cell(&self, layer: usize) -> bool {
        self.active
            && layer < MAX_LAYERS
            && (self.cell_dropout[layer] > 0.0 || self.cell_sigma[layer] > 0.0)
    }

    /// Corrupt `values` of layer `layer`'s second output in place, as [`apply`](Self::apply)
    /// does its `:out`; returns whether a dropout mask was drawn (then `mask` holds it).
    pub fn apply_cell(&mut self, layer: usize, values: &mut [f32], mask: &mut [f32]) -> bool {
        if !self.corrupts_cell(layer) {
            return false;
        }
        let (p, sigma) = (self.cell_dropout[layer], self.cell_sigma[layer]);
        corrupt(&mut self.rng, p, sigma, values, mask)
    }
}

/// Inverted dropout with probability `p` (the multipliers `m / (1 - p)` into `mask`), then
/// Gaussian noise of deviation `sigma`, in place, from `rng`; returns whether a mask was drawn.
fn corrupt(rng: &mut XorShift, p: f32, sigma: f32, values: &mut [f32], mask: &mut [f32]) -> bool {
    // (the dropout mask's draws in chunks as long as one run of the generator's lanes; 64
    // on microcontrollers, for the stack)
    const CHUNK: usize = crate::rng::GAUSSIAN_DRAWS;
    let dropped = p > 0.0;
    if dropped {
        let keep = 1.0 - p;
        let scale = 1.0 / keep;
        let mut draws = [0u32; CHUNK];
        for (values, mask) in values.chunks_mut(CHUNK).zip(mask.chunks_mut(CHUNK)) {
            let draws = &mut draws[..values.len()];
            rng.fill_u32(draws);
            for ((v, m), &d) in values.iter_mut().zip(mask.iter_mut()).zip(draws.iter()) {
                *m = if crate::rng::unit(d) < keep {
                    scale
                } else {
                    0.0
                };
                *v *= *m;
            }
        }
    }
    if sigma > 0.0 {
        rng.add_gaussian(values, sigma);
    }
    dropped
}

/// A layer's corruption, beside the corruptor (the buffers know nothing of it).
impl<const B: usize, const O: usize> LayerBuf<B, O> {
    /// Dropout and noise on what later layers see, as global layer `layer`: `out =
    /// corrupt(act(pre))`; for the layer whose logits a fused loss reads
    /// ([`Corruptor::logits`]), `out = act(corrupt(pre))` (the activation is applied again).
    pub(super) fn corrupt(&mut self, layer: usize, act: Activation, corrupt: &mut Corruptor) {
        let n = self.rows * O;
        if layer > 0 && corrupt.logits == layer {
            let dropped = corrupt.apply(
                layer,
                &mut self.pre.as_flattened_mut()[..n],
                &mut self.mask.as_flattened_mut()[..n],
            );
            if corrupt.corrupts(layer) {
                self.activate(act);
            }
            (self.corrupted_pre, self.dropped) = (true, dropped);
        } else {
            self.dropped = corrupt.apply(
                layer,
                &mut self.out.as_flattened_mut()[..n],
                &mut self.mask.as_flattened_mut()[..n],
            );
        }
    }
}
