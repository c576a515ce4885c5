//! The stack: [`Layers`], implemented by every layer (a stack of one), by [`Tied`] and by
//! tuples of stacks; its architecture hash ([`Arch`]) and the network's input stage
//! ([`InputStage`]).
//!
//! [`Tied`]: super::Tied

use super::activation::Activation;
use super::buffers::{JacInput, OutputGrads, OutputView, Tensor, Zeroed};
use super::corrupt::Corruptor;
use crate::rng::XorShift;

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

/// What a stack tells of one of its layers ([`Layers::facts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerFacts {
    /// Its activation.
    pub activation: Activation,
    /// Whether it runs over time steps ([`Layers::sequence`]).
    pub sequence: bool,
    /// Whether it is recurrent ([`Layers::recurrent`]).
    pub recurrent: bool,
    /// The name of its second output ([`Layers::second_port`]).
    pub second_port: &'static str,
    /// Whether it has the exact Jacobian ([`Layers::has_jacobian`]).
    pub has_jacobian: bool,
}

impl LayerFacts {
    /// A feedforward layer with activation `act` and a Jacobian (a dense layer, or a tied decoder).
    pub const fn dense(act: Activation) -> Self {
        LayerFacts {
            activation: act,
            sequence: false,
            recurrent: false,
            second_port: "pre",
            has_jacobian: true,
        }
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
///
/// [`Layer`]: super::Layer
/// [`Dense`]: super::Dense
/// [`TimeDense`]: super::TimeDense
/// [`Rnn`]: super::Rnn
/// [`Lstm`]: super::Lstm
/// [`Gru`]: super::Gru
/// [`Tied`]: super::Tied
/// [`Identity`]: super::Identity
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
    /// Whether every layer has the exact Jacobian `contractive` needs ([`Layer::Jacobian`](super::Layer::Jacobian)):
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
    /// What local layer `k` is ([`LayerFacts`]), or `None` if there is no such layer: the one
    /// per-layer question a stack answers; the queries below read it.
    fn facts(&self, k: usize) -> Option<LayerFacts>;
    /// Set the activation of local layer `k`; `false` if there is no such layer.
    fn set_activation(&mut self, k: usize, act: Activation) -> bool;
    /// The activation of local layer `k`.
    fn activation(&self, k: usize) -> Option<Activation> {
        self.facts(k).map(|f| f.activation)
    }
    /// Whether local layer `k` runs over time steps (`rnn`, `lstm`, time-distributed dense):
    /// the layers whose `:out` the recurrent penalties may target.
    fn sequence(&self, k: usize) -> bool {
        self.facts(k).is_some_and(|f| f.sequence)
    }
    /// The name of local layer `k`'s second output, the one [`OutputView::pre`] shows: `pre`
    /// (before the activation), or `cell` for an LSTM, which has no `:pre` (docs/contract.md).
    fn second_port(&self, k: usize) -> &'static str {
        self.facts(k).map_or("pre", |f| f.second_port)
    }
    /// Whether local layer `k` is recurrent (`rnn`, `lstm`): the default targets of
    /// `recurrent_norm` and `recurrent_state`.
    fn recurrent(&self, k: usize) -> bool {
        self.facts(k).is_some_and(|f| f.recurrent)
    }
    /// Whether local layer `k` has the exact Jacobian `contractive` needs of every layer up
    /// to its target ([`Layer::Jacobian`](super::Layer::Jacobian)).
    fn has_jacobian(&self, k: usize) -> bool {
        self.facts(k).is_some_and(|f| f.has_jacobian)
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

/// What the network needs of its input buffers (implemented by [`InputBuf`](super::InputBuf)).
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

/// Default activations: hidden layers `relu`, the output `linear`, as in theanets.
pub const DEFAULT_HIDDEN: Activation = Activation::Relu;
