//! Layers and how they chain into a network.
//!
//! A network body is a value of a type that implements [`Layers`]: a single [`Dense`] layer,
//! a [`Tied`] encoder/decoder pair (the decoder reuses the encoder's weight, transposed), or
//! a tuple of such values, whose sizes must chain: `(Dense<64, 32>, Dense<32, 64>)` compiles,
//! `(Dense<64, 32>, Dense<16, 64>)` does not, because each layer's `Input` type must equal
//! the previous layer's `Output` type:
//!
//! ```compile_fail
//! use staticnets::layers::{Dense, Layers};
//! fn nin<L: Layers>() -> usize { L::NIN }
//! nin::<(Dense<64, 32>, Dense<16, 64>)>();
//! ```
//!
//! ```
//! use staticnets::layers::{Dense, Layers, Tied};
//! type Body = (Dense<64, 32>, Tied<32, 16>, Dense<32, 64>);
//! assert_eq!(<Body as Layers>::LAYERS, 4); // hid1, hid2, hid3 (tied), out
//! assert_eq!(<Body as Layers>::PARAMS, 64 * 32 + 32 + 32 * 16 + 16 + 32 + 32 * 64 + 64);
//! ```
//!
//! Layers know nothing of training: a layer computes its clean forward pass into its
//! buffers (the stack then applies dropout and noise to them), and its backward pass from
//! the gradients found in its buffers. Every layer's buffers are a
//! [`LayerBuf`]: `pre` and `out` (after activation, dropout and noise: what later layers,
//! losses and regularizers see), the dropout `mask`, and the gradient buffers `d_out` and
//! `d_pre`, into which losses and regularizers write before the backward pass runs.
//!
//! Layers are numbered as in theanets: the input is layer 0 (`in`), then `hid1`, `hid2`, ...,
//! and the last is `out`.

pub mod activation;
mod chain;
pub mod dense;
pub mod gru;
pub mod input;
mod layer;
pub mod lstm;
pub mod rnn;
pub mod sequence;
pub mod softmax;
pub mod tied;
pub mod time_dense;

pub use activation::Activation;
pub use dense::Dense;
pub use gru::{Gru, GruBuf};
pub use input::InputBuf;
pub use layer::{Buffers, JacBuffers, Jacobian, JacobianOf, Layer, NoJacobian, Width};
pub use lstm::{Lstm, LstmBuf};
pub use rnn::Rnn;
pub use tied::{Identity, Tied};
pub use time_dense::TimeDense;

use crate::rng::XorShift;

/// A size at the type level: `Dim<N>` is the shape marker of an `N`-wide layer boundary.
pub struct Dim<const N: usize>;

/// Types with an all-zero value usable in `const` and `static` initialisers.
pub trait Zeroed: Sized {
    /// The all-zero value.
    const ZERO: Self;
}

impl Zeroed for () {
    const ZERO: Self = ();
}
impl<A: Zeroed, B: Zeroed> Zeroed for (A, B) {
    const ZERO: Self = (A::ZERO, B::ZERO);
}
impl<A: Zeroed, B: Zeroed, C: Zeroed> Zeroed for (A, B, C) {
    const ZERO: Self = (A::ZERO, B::ZERO, C::ZERO);
}

/// The most layers (input included) a network may have: the size of per-layer tables.
pub const MAX_LAYERS: usize = 16;

/// What a parameter tensor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix `w` (`nin x nout`, two dimensions).
    Weight,
    /// A bias vector `b` (one dimension).
    Bias,
    /// A recurrent layer's input-to-hidden matrix `xh` (two dimensions).
    InputWeight,
    /// A recurrent layer's hidden-to-hidden matrix `hh` (two dimensions).
    RecurrentWeight,
    /// An LSTM's peephole vector on the input gate, `ci` (one dimension).
    PeepholeIn,
    /// An LSTM's peephole vector on the forget gate, `cf` (one dimension).
    PeepholeForget,
    /// An LSTM's peephole vector on the output gate, `co` (one dimension).
    PeepholeOut,
    /// Any other layer's own tensor: its name suffix and whether it is a matrix (what the
    /// weight penalties cover). A new layer names its tensors here, needing no variant of
    /// its own; a GRU's `hr` and `hz` are `Other { suffix: "hr", matrix: true }`, ...
    Other {
        /// The suffix of its name (`hid1.<suffix>`).
        suffix: &'static str,
        /// More than one dimension.
        matrix: bool,
    },
}

impl ParamKind {
    /// The suffix of the parameter's name: `w`, `b`, `xh`, `hh`, `ci`, `cf`, `co`, or an
    /// [`Other`](Self::Other)'s own.
    pub const fn suffix(self) -> &'static str {
        match self {
            ParamKind::Weight => "w",
            ParamKind::Bias => "b",
            ParamKind::InputWeight => "xh",
            ParamKind::RecurrentWeight => "hh",
            ParamKind::PeepholeIn => "ci",
            ParamKind::PeepholeForget => "cf",
            ParamKind::PeepholeOut => "co",
            ParamKind::Other { suffix, .. } => suffix,
        }
    }

    /// Whether this is a matrix (more than one dimension): what the weight penalties and
    /// the weight-sparsity monitor cover, as theanets' `ndim > 1`.
    pub const fn is_matrix(self) -> bool {
        match self {
            ParamKind::Weight | ParamKind::InputWeight | ParamKind::RecurrentWeight => true,
            ParamKind::Other { matrix, .. } => matrix,
            _ => false,
        }
    }
}

/// A read-only view of one parameter tensor.
#[derive(Clone, Copy, Debug)]
pub struct Tensor<'a> {
    /// The layer that owns it (global index: 1 is the first layer after the input).
    pub layer: usize,
    /// Weight or bias.
    pub kind: ParamKind,
    /// Rows (1 for a bias).
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Row-major values, `rows * cols` of them.
    pub data: &'a [f32],
}

/// One layer's buffers for a batch of up to `B` rows of `O` units.
///
/// Invariant: only the first `rows` rows are meaningful after a forward pass.
#[derive(Clone, Debug)]
pub struct LayerBuf<const B: usize, const O: usize> {
    /// Pre-activation values.
    pub pre: [[f32; O]; B],
    /// Output values after activation, dropout and noise.
    pub out: [[f32; O]; B],
    /// Dropout multipliers `m / (1 - p)`; meaningful only when `dropped` is set (zero until
    /// then, so an idle buffer is all zeros and a `static` of it sits in `.bss`).
    pub mask: [[f32; O]; B],
    /// Gradient of the objective with respect to `out`.
    pub d_out: [[f32; O]; B],
    /// Gradient of the objective with respect to `pre`.
    pub d_pre: [[f32; O]; B],
    /// Whether dropout was applied in the last forward pass.
    pub dropped: bool,
    /// Whether the last forward pass corrupted `pre` (the logits a fused loss reads) rather
    /// than `out`; then `mask` applies to `pre`.
    pub corrupted_pre: bool,
    /// Rows filled by the last forward pass.
    pub rows: usize,
    /// Time steps per row (0 or 1: feedforward); set by sequence layers.
    pub steps: usize,
    /// Set by recurrent layers.
    pub recurrent: bool,
}

impl<const B: usize, const O: usize> Zeroed for LayerBuf<B, O> {
    const ZERO: Self = LayerBuf {
        pre: [[0.0; O]; B],
        out: [[0.0; O]; B],
        mask: [[0.0; O]; B],
        d_out: [[0.0; O]; B],
        d_pre: [[0.0; O]; B],
        dropped: false,
        corrupted_pre: false,
        rows: 0,
        // 0 reads as 1 (feedforward); zero keeps an idle buffer all zeros (.bss, small wasm)
        steps: 0,
        recurrent: false,
    };
}

/// A read-only view of one layer's buffers, for losses, regularizers and monitors.
#[derive(Clone, Copy, Debug)]
pub struct OutputView<'a> {
    /// Global layer index (0 is the input).
    pub layer: usize,
    /// Rows filled.
    pub rows: usize,
    /// Units.
    pub cols: usize,
    /// Pre-activation values (`rows * cols`; for the input, the clean input).
    pub pre: &'a [f32],
    /// Output values as later layers see them.
    pub out: &'a [f32],
    /// Dropout multipliers, if dropout was applied.
    pub mask: Option<&'a [f32]>,
    /// The layer's activation.
    pub activation: Activation,
    /// Time steps in a row: each row is `steps` blocks of `cols / steps` units (1 for a
    /// feedforward layer; `T` for a recurrent or time-distributed one).
    pub steps: usize,
    /// Whether the layer is recurrent (`rnn`, `lstm`): the default target of the recurrent
    /// regularizers.
    pub recurrent: bool,
}

impl<'a> OutputView<'a> {
    /// A feedforward view of `rows x cols` values (no dropout mask, one time step): for
    /// losses and regularizers written and tested outside a network.
    pub const fn new(
        layer: usize,
        rows: usize,
        cols: usize,
        pre: &'a [f32],
        out: &'a [f32],
        activation: Activation,
    ) -> Self {
        OutputView {
            layer,
            rows,
            cols,
            pre,
            out,
            mask: None,
            activation,
            steps: 1,
            recurrent: false,
        }
    }
}

/// Mutable access to one layer's gradient buffers, with its values, for losses and regularizers.
#[derive(Debug)]
pub struct OutputGrads<'a> {
    /// The layer's values.
    pub view: OutputView<'a>,
    /// Gradient with respect to `out` (`rows * cols` used).
    pub d_out: &'a mut [f32],
    /// Gradient with respect to `pre` (`rows * cols` used).
    pub d_pre: &'a mut [f32],
}

impl<const B: usize, const O: usize> LayerBuf<B, O> {
    fn view(&self, layer: usize, activation: Activation) -> OutputView<'_> {
        let n = self.rows * O;
        OutputView {
            layer,
            rows: self.rows,
            cols: O,
            pre: &self.pre.as_flattened()[..n],
            out: &self.out.as_flattened()[..n],
            mask: if self.dropped {
                Some(&self.mask.as_flattened()[..n])
            } else {
                None
            },
            activation,
            steps: self.steps.max(1),
            recurrent: self.recurrent,
        }
    }

    fn grads(&mut self, layer: usize, activation: Activation) -> OutputGrads<'_> {
        let n = self.rows * O;
        let LayerBuf {
            pre,
            out,
            mask,
            d_out,
            d_pre,
            dropped,
            rows,
            steps,
            recurrent,
            ..
        } = self;
        OutputGrads {
            view: OutputView {
                layer,
                rows: *rows,
                cols: O,
                pre: &pre.as_flattened()[..n],
                out: &out.as_flattened()[..n],
                mask: if *dropped {
                    Some(&mask.as_flattened()[..n])
                } else {
                    None
                },
                activation,
                steps: (*steps).max(1),
                recurrent: *recurrent,
            },
            d_out: &mut d_out.as_flattened_mut()[..n],
            d_pre: &mut d_pre.as_flattened_mut()[..n],
        }
    }

    fn clear_grads(&mut self) {
        let n = self.rows * O;
        self.d_out.as_flattened_mut()[..n].fill(0.0);
        self.d_pre.as_flattened_mut()[..n].fill(0.0);
    }

    /// `out = act(pre)` for the filled rows (after the layer's map wrote `pre` and set
    /// `rows`): the clean outputs, what a layer's forward pass ends with. Corruption is the
    /// network's, after the layer ([`Buffers::corrupt`]).
    pub fn activate(&mut self, act: Activation) {
        self.corrupted_pre = false;
        self.dropped = false;
        for r in 0..self.rows {
            if act == Activation::Softmax {
                // one distribution per time step (the whole row when steps = 1)
                let w = O / self.steps.max(1);
                for (p, o) in self.pre[r]
                    .chunks_exact(w)
                    .zip(self.out[r].chunks_exact_mut(w))
                {
                    softmax::softmax_row(p, o);
                }
            } else {
                act.apply_slice(&self.pre[r], &mut self.out[r]);
            }
        }
    }

    /// Dropout and noise on what later layers see, as global layer `layer`: `out =
    /// corrupt(act(pre))`; for the layer whose logits a fused loss reads
    /// ([`Corruptor::logits`]), `out = act(corrupt(pre))` (the activation is applied again).
    fn corrupt(&mut self, layer: usize, act: Activation, corrupt: &mut Corruptor) {
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

    /// The outputs of the last forward pass (`rows * O`).
    fn output(&self) -> &[f32] {
        &self.out.as_flattened()[..self.rows * O]
    }

    /// The outputs and their gradient buffer.
    fn output_and_grad(&mut self) -> (&[f32], &mut [f32]) {
        let n = self.rows * O;
        (
            &self.out.as_flattened()[..n],
            &mut self.d_out.as_flattened_mut()[..n],
        )
    }

    /// `d_pre += d(out)/d(pre) * d_out` through dropout and the activation. When the logits
    /// were corrupted, `d_pre` (the loss's part too) is with respect to the corrupted `pre`:
    /// the dropout mask then carries all of it back to the clean one.
    pub fn backward_activation(&mut self, act: Activation) {
        for r in 0..self.rows {
            let mut g = self.d_out[r];
            if self.dropped && !self.corrupted_pre {
                for (gj, &m) in g.iter_mut().zip(&self.mask[r]) {
                    *gj *= m;
                }
            }
            if act == Activation::Softmax {
                let w = O / self.steps.max(1);
                let mut p = [0.0f32; O];
                for (k, pk) in p.chunks_exact_mut(w).enumerate() {
                    let span = k * w..(k + 1) * w;
                    softmax::softmax_row(&self.pre[r][span.clone()], pk);
                    softmax::softmax_row_backward(pk, &g[span.clone()], &mut self.d_pre[r][span]);
                }
            } else {
                act.d1_slice(&self.pre[r], &g, &mut self.d_pre[r]);
            }
            if self.dropped && self.corrupted_pre {
                for (d, &m) in self.d_pre[r].iter_mut().zip(&self.mask[r]) {
                    *d *= m;
                }
            }
        }
    }

    /// `s[j] = mask[j] * f'(pre[j])` for one row: the diagonal of `d out / d pre`.
    fn jac_scale(&self, row: usize, act: Activation, s: &mut [f32; O]) {
        for j in 0..O {
            let m = if self.dropped { self.mask[row][j] } else { 1.0 };
            s[j] = m * act.d1(self.pre[row][j]);
        }
    }
}

/// The per-example Jacobian buffers of one layer with respect to a `D`-wide network input,
/// used by `contractive`. `j = diag(s) m` where `m = W^T J_prev`, and `g` is `dR/dJ`.
#[derive(Clone, Debug)]
pub struct JacBuf<const D: usize, const O: usize> {
    /// `W^T J_prev` (`O x D`).
    pub m: [[f32; D]; O],
    /// `d out / d input` for the current example (`O x D`).
    pub j: [[f32; D]; O],
    /// Gradient of the penalty with respect to `j` (`O x D`).
    pub g: [[f32; D]; O],
}

impl<const D: usize, const O: usize> Zeroed for JacBuf<D, O> {
    const ZERO: Self = JacBuf {
        m: [[0.0; D]; O],
        j: [[0.0; D]; O],
        g: [[0.0; D]; O],
    };
}

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
            dropout: [0.0; MAX_LAYERS],
            sigma: [0.0; MAX_LAYERS],
            cell_dropout: [0.0; MAX_LAYERS],
            cell_sigma: [0.0; MAX_LAYERS],
            active: false,
            logits: 0,
            rng: XorShift::zeroed(),
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

/// What [`Layers::describe`] tells: a running FNV-1a hash of architectural facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arch {
    /// The hash so far.
    pub hash: u32,
    /// Whether a layer with options the first checkpoint fingerprint did not cover (an LSTM's
    /// peepholes) is present, so a file with that older fingerprint is ambiguous.
    pub has_options: bool,
}

impl Arch {
    /// Continue the hash `hash`.
    pub const fn new(hash: u32) -> Self {
        Arch {
            hash,
            has_options: false,
        }
    }

    /// Add one fact: a label (`dense`, `act`, ...) and a number.
    pub fn fact(&mut self, label: &str, value: usize) {
        self.bytes(label.as_bytes());
        self.bytes(&(value as u64).to_le_bytes());
    }

    /// Add raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.hash ^= b as u32;
            self.hash = self.hash.wrapping_mul(0x0100_0193);
        }
    }

    /// Add a layer's kind, sizes and activation.
    pub fn layer(&mut self, kind: &str, sizes: &[usize], act: Activation) {
        self.bytes(kind.as_bytes());
        for &n in sizes {
            self.fact(",", n);
        }
        self.bytes(act.name().as_bytes());
        self.bytes(b";");
    }
}

/// A stack of layers with sizes fixed at compile time.
///
/// Implemented by every [`Layer`] (a stack of one: [`Dense`], [`TimeDense`], [`Rnn`],
/// [`Lstm`], [`Gru`], or a user's own), by [`Tied`], [`Identity`] and by tuples of up to six
/// stacks. A layer's file implements the small [`Layer`]; this trait is the stack's side of
/// it (local indices, views, corruption between layers, the Jacobian buffers' plumbing).
/// Local layer indices `k` count from 0 within the stack; the network adds its offset to get the
/// global index (the input is 0). All slices are row-major; `rows <= B` everywhere.
pub trait Layers: Clone {
    /// Shape marker of the input: `Dim<NIN>`.
    type Input;
    /// Shape marker of the output: `Dim<NOUT>`.
    type Output;
    /// Input width.
    const NIN: usize;
    /// Output width.
    const NOUT: usize;
    /// Number of layers (each with its own outputs).
    const LAYERS: usize;
    /// Number of parameter tensors.
    const TENSORS: usize;
    /// Number of scalar parameters (a tied decoder's weight is its partner's and counts once).
    const PARAMS: usize;
    /// All parameters zero (activations `linear`): the value of gradient and optimizer-state buffers.
    const ZERO: Self;
    /// Time steps of the output: `NOUT = STEPS * (outputs per step)`. 1 for feedforward
    /// stacks; `T` when the last layer is recurrent or time-distributed, so losses, labels and
    /// accuracy work per time step.
    const STEPS: usize = 1;
    /// Time steps of the input: `NIN = IN_STEPS * (inputs per step)`. 1 for feedforward
    /// stacks; `T` when the first layer runs over time steps (a sequence model), so the
    /// input `in:out` is a sequence the recurrent penalties may target (docs/contract.md).
    const IN_STEPS: usize = 1;
    /// Whether every layer has the exact Jacobian `contractive` needs ([`Layer::Jacobian`]):
    /// [`trainer!`](crate::trainer)'s `contractive` option refuses to build without it.
    const JACOBIANS: bool = true;
    /// Buffers for a batch of `B` rows.
    type Bufs<const B: usize>: Zeroed;
    /// Jacobian buffers with respect to a `D`-wide input.
    type Jacs<const D: usize>: Zeroed;
    /// The input layer's buffers for this stack: `InputBuf<B, NIN>`.
    type InBuf<const B: usize>: InputStage + Zeroed;
    /// The input's Jacobian and its gradient: `NIN x D` each.
    type JacIn<const D: usize>: JacInput + Zeroed;

    /// Draw weights from N(0, 1/(nin + nout)) and set biases to 0.
    fn init(&mut self, rng: &mut XorShift);
    /// Tell `arch` every architectural fact of these layers, in order: each layer's kind,
    /// sizes, activation and options (peepholes, ...). A checkpoint's fingerprint hashes them,
    /// so a file loads only into the architecture it was saved from.
    fn describe(&self, arch: &mut Arch);
    /// The activation of local layer `k`.
    fn activation(&self, k: usize) -> Option<Activation>;
    /// Set the activation of local layer `k`; `false` if there is no such layer.
    fn set_activation(&mut self, k: usize, act: Activation) -> bool;
    /// Whether local layer `k` runs over time steps (`rnn`, `lstm`, time-distributed dense):
    /// the layers whose `:out` the recurrent penalties may target.
    fn sequence(&self, _k: usize) -> bool {
        false
    }
    /// The name of local layer `k`'s second output, the one [`OutputView::pre`] shows: `pre`
    /// (before the activation), or `cell` for an LSTM, which has no `:pre` (docs/contract.md).
    fn second_port(&self, _k: usize) -> &'static str {
        "pre"
    }
    /// Whether local layer `k` is recurrent (`rnn`, `lstm`): the default targets of
    /// `recurrent_norm` and `recurrent_state`.
    fn recurrent(&self, _k: usize) -> bool {
        false
    }
    /// Whether local layer `k` has the exact Jacobian `contractive` needs of every layer up
    /// to its target ([`Layer::Jacobian`]).
    fn has_jacobian(&self, _k: usize) -> bool {
        true
    }
    /// Parameter tensor `i` (local index), with `layer0` added to its layer index.
    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>>;
    /// Mutable values of parameter tensor `i`.
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]>;

    /// Forward pass of `rows` rows of `x` (`rows * NIN`). `layer0` is the global index of the
    /// first layer here, for corruption settings.
    fn forward<const B: usize>(
        &self,
        x: &[f32],
        rows: usize,
        bufs: &mut Self::Bufs<B>,
        layer0: usize,
        corrupt: &mut Corruptor,
    );
    /// The final output after a forward pass, or `x` itself for an empty stack.
    fn output<'a, const B: usize>(bufs: &'a Self::Bufs<B>, x: &'a [f32]) -> &'a [f32];
    /// Backward pass. Before it, each layer's `d_out` and `d_pre` hold what losses and
    /// regularizers put there (the last layer's `d_out` holds the loss gradient).
    /// Accumulates parameter gradients into `grads` and adds `d/dx` into `dx`. An empty `dx`
    /// means nothing reads the input's gradient (the network's first layer): skip it.
    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut Self::Bufs<B>,
        grads: &mut Self,
        dx: &mut [f32],
    );
    /// The last layer's output values and output gradient buffer; `None` for an empty stack.
    fn output_and_grad<const B: usize>(bufs: &mut Self::Bufs<B>) -> Option<(&[f32], &mut [f32])>;
    /// Layer `k`'s buffers.
    fn view<'a, const B: usize>(
        &self,
        bufs: &'a Self::Bufs<B>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputView<'a>>;
    /// Layer `k`'s gradient buffers (the values come with them).
    fn grads<'a, const B: usize>(
        &self,
        bufs: &'a mut Self::Bufs<B>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputGrads<'a>>;
    /// Zero every `d_out` and `d_pre`.
    fn clear_grads<const B: usize>(bufs: &mut Self::Bufs<B>);

    /// Per-example Jacobians for row `row`: `j_in` (`NIN x D`) is `d x / d input`; fills the
    /// `m` and `j` of local layers `0..upto`.
    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &Self::Bufs<B>,
        row: usize,
        j_in: &[f32],
        jacs: &mut Self::Jacs<D>,
        upto: usize,
    );
    /// The last computed Jacobian (`NOUT x D`), or `j_in` for an empty stack.
    fn jac_output<'a, const D: usize>(jacs: &'a Self::Jacs<D>, j_in: &'a [f32]) -> &'a [f32];
    /// Layer `k`'s Jacobian buffers as (`j`, `g`) slices, each `width(k) x D`.
    fn jac_grads<const D: usize>(
        jacs: &mut Self::Jacs<D>,
        k: usize,
    ) -> Option<(&[f32], &mut [f32])>;
    /// Zero every `g` of local layers `0..upto`.
    fn clear_jac_grads<const D: usize>(jacs: &mut Self::Jacs<D>, upto: usize);
    /// Backward through the Jacobian chain of row `row`: with each layer's `g` seeded,
    /// propagate from layer `upto - 1` down, adding to parameter gradients, to `d_pre`
    /// (through `f''`) and to `g_in` (`dR / d j_in`).
    #[allow(clippy::too_many_arguments)]
    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut Self::Bufs<B>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut Self::Jacs<D>,
        grads: &mut Self,
        upto: usize,
    );
}

/// What the network needs of its input buffers (implemented by [`InputBuf`]).
pub trait InputStage {
    /// Load `rows` rows of `x` and corrupt them as layer 0.
    fn load(&mut self, x: &[f32], rows: usize, corrupt: &mut Corruptor);
    /// The input as the first layer sees it.
    fn out(&self) -> &[f32];
    /// The input's output gradient buffer (a sink: nothing is upstream of the input).
    fn d_out_mut(&mut self) -> &mut [f32];
    /// The input values and the gradient sink together.
    fn out_and_sink(&mut self) -> (&[f32], &mut [f32]);
    /// View for regularizers.
    fn view(&self) -> OutputView<'_>;
    /// Rows filled.
    fn rows(&self) -> usize;
    /// Fill `j_in` with `d in:out / d input` for row `row` (a diagonal: the dropout mask or 1).
    fn jac_in(&self, row: usize, j_in: &mut [f32]);
}

/// The input's Jacobian buffers: `j` (`NIN x D`) and its gradient `g`.
pub trait JacInput {
    /// (`j`, `g`) as flat slices.
    fn split(&mut self) -> (&mut [f32], &mut [f32]);
}

/// The input Jacobian buffers of an `N`-wide input with respect to a `D`-wide input.
#[derive(Clone, Debug)]
pub struct JacInBuf<const N: usize, const D: usize> {
    /// `d in:out / d input`.
    pub j: [[f32; D]; N],
    /// Its gradient (a sink).
    pub g: [[f32; D]; N],
}

impl<const N: usize, const D: usize> Zeroed for JacInBuf<N, D> {
    const ZERO: Self = JacInBuf {
        j: [[0.0; D]; N],
        g: [[0.0; D]; N],
    };
}

impl<const N: usize, const D: usize> JacInput for JacInBuf<N, D> {
    fn split(&mut self) -> (&mut [f32], &mut [f32]) {
        (self.j.as_flattened_mut(), self.g.as_flattened_mut())
    }
}

/// Default activations: hidden layers `relu`, the output `linear`, as in theanets.
pub const DEFAULT_HIDDEN: Activation = Activation::Relu;
