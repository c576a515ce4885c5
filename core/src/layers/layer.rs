//! One layer: the small trait a layer's file implements, and the buffer traits its buffers
//! implement. Everything a stack needs beyond it ([`Layers`]: local layer indices, the
//! network's view of outputs and gradients, the Jacobian buffers' plumbing) is written once,
//! here, for every `T: Layer`.
//!
//! A layer's file then holds only what is its own: its parameters (through a visitor by
//! index), its math (forward and backward side by side) and its exact Jacobian for
//! `contractive`. Dropout and noise are not a layer's business: the stack applies them to a
//! layer's buffers after its clean forward pass ([`Buffers::corrupt`]), before the next
//! layer reads them. Adding a layer is that file plus one `pub mod` line in `layers/mod.rs`.

use super::activation::Activation;
use super::buffers::{
    Dim, JacBuf, JacInBuf, JacInput, LayerBuf, OutputGrads, OutputView, Tensor, Zeroed,
};
use super::corrupt::Corruptor;
use super::input::InputBuf;
use super::stack::{Arch, InputStage, LayerFacts, Layers};
use crate::rng::XorShift;

/// A layer boundary's width at the type level, and the input buffers a stack starting there
/// needs (so a layer names only its `Input`).
pub trait Width {
    /// The input layer's buffers for batches of `B` rows.
    type InBuf<const B: usize>: InputStage + Zeroed;
    /// The input's Jacobian with respect to a `D`-wide network input.
    type JacIn<const D: usize>: JacInput + Zeroed;
}

impl<const N: usize> Width for Dim<N> {
    type InBuf<const B: usize> = InputBuf<B, N>;
    type JacIn<const D: usize> = JacInBuf<N, D>;
}

/// One layer's buffers for a batch: what the network, the losses and the regularizers read
/// after its forward pass, and where they write gradients before its backward pass.
pub trait Buffers: Zeroed {
    /// The outputs later layers read (`rows * width`).
    fn output(&self) -> &[f32];
    /// The outputs and their gradient buffer.
    fn output_and_grad(&mut self) -> (&[f32], &mut [f32]);
    /// The view penalties read: `:out` and the second port (`:pre`, or an LSTM's `:cell`),
    /// as global layer `layer` with activation `act`.
    fn view(&self, layer: usize, act: Activation) -> OutputView<'_>;
    /// The same with the gradient buffers penalties write into.
    fn grads(&mut self, layer: usize, act: Activation) -> OutputGrads<'_>;
    /// Zero every gradient buffer of the filled rows.
    fn clear_grads(&mut self);
    /// Dropout and noise as global layer `layer` (activation `act`), after the layer's clean
    /// forward pass: on what later layers see (or, for logits a fused loss reads, before the
    /// activation), and on a second output that is a state of its own (an LSTM's `:cell`).
    fn corrupt(&mut self, layer: usize, act: Activation, corrupt: &mut Corruptor);
}

/// One layer of a stack forward: its clean pass (`forward`, into `bufs`), then the corruption
/// between it and the next layer, as global layer `layer` with activation `act` (dropout and
/// noise, docs/contract.md). Every stack runs each of its layers through here (a layer of its
/// own through [`Layer`](super::Layer), a tied decoder through [`Tied`](super::Tied)), so
/// corruption happens in one place and no layer corrupts itself.
#[inline(always)]
pub(super) fn forward_layer<Bf: Buffers>(
    bufs: &mut Bf,
    layer: usize,
    act: Activation,
    corrupt: &mut Corruptor,
    forward: impl FnOnce(&mut Bf),
) {
    forward(bufs);
    bufs.corrupt(layer, act, corrupt);
}

/// One layer's per-example Jacobian buffers (`contractive`): its output Jacobian `j` and
/// the penalty's gradient `g` with respect to it, each `width x D`.
pub trait JacBuffers: Zeroed {
    /// `j`, flat.
    fn output(&self) -> &[f32];
    /// `j` and `g`.
    fn grads(&mut self) -> (&[f32], &mut [f32]);
    /// Zero `g`.
    fn clear(&mut self);
}

impl<const B: usize, const O: usize> Buffers for LayerBuf<B, O> {
    fn output(&self) -> &[f32] {
        LayerBuf::output(self)
    }
    fn output_and_grad(&mut self) -> (&[f32], &mut [f32]) {
        LayerBuf::output_and_grad(self)
    }
    fn view(&self, layer: usize, act: Activation) -> OutputView<'_> {
        LayerBuf::view(self, layer, act)
    }
    fn grads(&mut self, layer: usize, act: Activation) -> OutputGrads<'_> {
        LayerBuf::grads(self, layer, act)
    }
    fn clear_grads(&mut self) {
        LayerBuf::clear_grads(self)
    }
    fn corrupt(&mut self, layer: usize, act: Activation, corrupt: &mut Corruptor) {
        LayerBuf::corrupt(self, layer, act, corrupt)
    }
}

impl<const D: usize, const O: usize> JacBuffers for JacBuf<D, O> {
    fn output(&self) -> &[f32] {
        self.j.as_flattened()
    }
    fn grads(&mut self) -> (&[f32], &mut [f32]) {
        (self.j.as_flattened(), self.g.as_flattened_mut())
    }
    fn clear(&mut self) {
        for g in self.g.iter_mut() {
            g.fill(0.0);
        }
    }
}

/// One layer with sizes fixed at compile time: what its file implements.
///
/// Its parameters are tensors visited by index ([`tensor`](Self::tensor) /
/// [`tensor_mut`](Self::tensor_mut)); [`forward`](Self::forward) fills its buffers from
/// `rows` rows of input; [`backward`](Self::backward) carries the gradients that losses and
/// regularizers left in its buffers to its parameters and to its input;
/// its exact per-example Jacobian and the Jacobian's gradient for `contractive` are the
/// optional [`Jacobian`] trait. A layer knows nothing of
/// training. Every `T: Layer` is a [`Layers`] stack of one, so it stands alone or in a tuple.
pub trait Layer: Clone {
    /// Shape marker of the input: `Dim<NIN>`.
    type Input: Width;
    /// Shape marker of the output: `Dim<NOUT>`.
    type Output;
    /// Input width.
    const NIN: usize;
    /// Output width.
    const NOUT: usize;
    /// Number of parameter tensors.
    const TENSORS: usize;
    /// Number of scalar parameters.
    const PARAMS: usize;
    /// All parameters zero (activation `linear`): gradient and optimizer-state buffers.
    const ZERO: Self;
    /// Time steps of the output (1 unless the layer runs over time steps).
    const STEPS: usize = 1;
    /// Time steps of the input.
    const IN_STEPS: usize = 1;
    /// Whether it runs over time steps (`rnn`, `lstm`, `gru`, time-distributed dense): its
    /// `:out` is a sequence the recurrent penalties may target.
    const SEQUENCE: bool = false;
    /// Whether it is recurrent (`rnn`, `lstm`, `gru`): a default target of
    /// `recurrent_norm` and `recurrent_state`.
    const RECURRENT: bool = false;
    /// The name of its second output, the one [`OutputView::pre`] shows: `pre`, or `cell`
    /// for an LSTM (docs/contract.md).
    const SECOND_PORT: &'static str = "pre";
    /// Buffers for a batch of `B` rows.
    type Buf<const B: usize>: Buffers;
    /// Its exact Jacobian: `Self` for a layer that implements [`Jacobian`], [`NoJacobian`]
    /// for one without (it trains with every other regularizer; `contractive` through it is
    /// refused: by the compiler with [`trainer!`](crate::trainer)'s `contractive`, by name
    /// in the configuration otherwise).
    type Jacobian: JacobianOf<Self>;

    /// Draw weights (theanets' N(0, 1/(nin + nout))) and set biases.
    fn init(&mut self, rng: &mut XorShift);
    /// Tell `arch` its kind, sizes, activation and options (the checkpoint fingerprint).
    fn describe(&self, arch: &mut Arch);
    /// Its activation (as penalties and losses see its output).
    fn activation(&self) -> Activation;
    /// Choose its activation; `false` if it has none to choose (an LSTM).
    fn set_activation(&mut self, act: Activation) -> bool;
    /// Parameter tensor `i`, owned by global layer `layer0`.
    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>>;
    /// Mutable values of parameter tensor `i`.
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]>;
    /// Forward pass of `rows` rows of `x` (`rows * NIN`) into `buf`: the clean outputs
    /// (dropout and noise are the network's, applied after it through [`Buffers::corrupt`]).
    fn forward<const B: usize>(&self, x: &[f32], rows: usize, buf: &mut Self::Buf<B>);
    /// Backward pass: accumulate parameter gradients into `grads` and add `d/dx` into `dx`
    /// (empty: nothing reads it, skip it).
    fn backward<const B: usize>(
        &self,
        x: &[f32],
        buf: &mut Self::Buf<B>,
        grads: &mut Self,
        dx: &mut [f32],
    );
}

/// A layer's exact per-example Jacobian with respect to the network input, and the
/// Jacobian's gradient: what `contractive` needs of every layer up to its target. Optional:
/// a layer that implements it says `type Jacobian = Self;` in its [`Layer`] impl.
pub trait Jacobian: Layer {
    /// Its Jacobian buffers with respect to a `D`-wide network input.
    type Jac<const D: usize>: JacBuffers;
    /// The Jacobian of row `row`'s output given `j_in` (`NIN x D`, `d x / d input`).
    fn jac_forward<const B: usize, const D: usize>(
        &self,
        buf: &Self::Buf<B>,
        row: usize,
        j_in: &[f32],
        jac: &mut Self::Jac<D>,
    );
    /// Its backward, with `jac`'s `g` seeded: add to parameter gradients, to the buffers'
    /// pre-activation gradients and to `g_in` (`dR / d j_in`).
    #[allow(clippy::too_many_arguments)]
    fn jac_backward<const B: usize, const D: usize>(
        &self,
        buf: &mut Self::Buf<B>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jac: &mut Self::Jac<D>,
        grads: &mut Self,
    );
}

/// How a stack reaches layer `L`'s Jacobian, if it has one: implemented for every
/// [`Jacobian`] layer (itself) and for [`NoJacobian`].
pub trait JacobianOf<L: Layer> {
    /// Whether there is one.
    const HAS: bool;
    /// Its buffers.
    type Jac<const D: usize>: JacBuffers;
    /// [`Jacobian::jac_forward`], or nothing.
    fn forward<const B: usize, const D: usize>(
        layer: &L,
        buf: &L::Buf<B>,
        row: usize,
        j_in: &[f32],
        jac: &mut Self::Jac<D>,
    );
    /// [`Jacobian::jac_backward`], or nothing.
    #[allow(clippy::too_many_arguments)]
    fn backward<const B: usize, const D: usize>(
        layer: &L,
        buf: &mut L::Buf<B>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jac: &mut Self::Jac<D>,
        grads: &mut L,
    );
}

impl<L: Jacobian> JacobianOf<L> for L {
    const HAS: bool = true;
    type Jac<const D: usize> = <L as Jacobian>::Jac<D>;
    fn forward<const B: usize, const D: usize>(
        layer: &L,
        buf: &L::Buf<B>,
        row: usize,
        j_in: &[f32],
        jac: &mut Self::Jac<D>,
    ) {
        layer.jac_forward(buf, row, j_in, jac)
    }
    fn backward<const B: usize, const D: usize>(
        layer: &L,
        buf: &mut L::Buf<B>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jac: &mut Self::Jac<D>,
        grads: &mut L,
    ) {
        layer.jac_backward(buf, row, j_in, g_in, jac, grads)
    }
}

impl<L: Layer> JacobianOf<L> for NoJacobian {
    const HAS: bool = false;
    type Jac<const D: usize> = NoJacobian;
    fn forward<const B: usize, const D: usize>(
        _: &L,
        _: &L::Buf<B>,
        _: usize,
        _: &[f32],
        _: &mut NoJacobian,
    ) {
    }
    fn backward<const B: usize, const D: usize>(
        _: &L,
        _: &mut L::Buf<B>,
        _: usize,
        _: &[f32],
        _: &mut [f32],
        _: &mut NoJacobian,
        _: &mut L,
    ) {
    }
}

/// A layer without a Jacobian (its [`Layer::Jacobian`]), and its empty Jacobian buffers.
#[derive(Clone, Copy, Debug)]
pub struct NoJacobian;

impl Zeroed for NoJacobian {
    const ZERO: Self = NoJacobian;
}

impl JacBuffers for NoJacobian {
    fn output(&self) -> &[f32] {
        &[]
    }
    fn grads(&mut self) -> (&[f32], &mut [f32]) {
        (&[], &mut [])
    }
    fn clear(&mut self) {}
}

impl<T: Layer> Layers for T {
    type Input = T::Input;
    type Output = T::Output;
    const NIN: usize = T::NIN;
    const NOUT: usize = T::NOUT;
    const LAYERS: usize = 1;
    const TENSORS: usize = T::TENSORS;
    const PARAMS: usize = T::PARAMS;
    const ZERO: Self = T::ZERO;
    const STEPS: usize = T::STEPS;
    const IN_STEPS: usize = T::IN_STEPS;
    const JACOBIANS: bool = <T::Jacobian as JacobianOf<T>>::HAS;
    type Bufs<const B: usize> = T::Buf<B>;
    type Jacs<const D: usize> = <T::Jacobian as JacobianOf<T>>::Jac<D>;
    type InBuf<const B: usize> = <T::Input as Width>::InBuf<B>;
    type JacIn<const D: usize> = <T::Input as Width>::JacIn<D>;

    fn init(&mut self, rng: &mut XorShift) {
        Layer::init(self, rng)
    }
    fn describe(&self, arch: &mut Arch) {
        Layer::describe(self, arch)
    }
    fn facts(&self, k: usize) -> Option<LayerFacts> {
        (k == 0).then(|| LayerFacts {
            activation: Layer::activation(self),
            sequence: T::SEQUENCE,
            recurrent: T::RECURRENT,
            second_port: T::SECOND_PORT,
            has_jacobian: <T::Jacobian as JacobianOf<T>>::HAS,
        })
    }
    fn set_activation(&mut self, k: usize, act: Activation) -> bool {
        k == 0 && Layer::set_activation(self, act)
    }
    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        Layer::tensor(self, i, layer0)
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        Layer::tensor_mut(self, i)
    }
    fn forward<const B: usize>(
        &self,
        x: &[f32],
        rows: usize,
        bufs: &mut T::Buf<B>,
        layer0: usize,
        corrupt: &mut Corruptor,
    ) {
        let act = Layer::activation(self);
        forward_layer(bufs, layer0, act, corrupt, |b| {
            Layer::forward(self, x, rows, b)
        });
    }
    fn output<'a, const B: usize>(bufs: &'a T::Buf<B>, _x: &'a [f32]) -> &'a [f32] {
        bufs.output()
    }
    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut T::Buf<B>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        Layer::backward(self, x, bufs, grads, dx)
    }
    fn output_and_grad<const B: usize>(bufs: &mut T::Buf<B>) -> Option<(&[f32], &mut [f32])> {
        Some(bufs.output_and_grad())
    }
    fn view<'a, const B: usize>(
        &self,
        bufs: &'a T::Buf<B>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputView<'a>> {
        (k == 0).then(|| bufs.view(layer0, Layer::activation(self)))
    }
    fn grads<'a, const B: usize>(
        &self,
        bufs: &'a mut T::Buf<B>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputGrads<'a>> {
        (k == 0).then(|| bufs.grads(layer0, Layer::activation(self)))
    }
    fn clear_grads<const B: usize>(bufs: &mut T::Buf<B>) {
        bufs.clear_grads()
    }
    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &T::Buf<B>,
        row: usize,
        j_in: &[f32],
        jacs: &mut <T::Jacobian as JacobianOf<T>>::Jac<D>,
        upto: usize,
    ) {
        if upto > 0 {
            <T::Jacobian as JacobianOf<T>>::forward(self, bufs, row, j_in, jacs)
        }
    }
    fn jac_output<'a, const D: usize>(
        jacs: &'a <T::Jacobian as JacobianOf<T>>::Jac<D>,
        _j_in: &'a [f32],
    ) -> &'a [f32] {
        jacs.output()
    }
    fn jac_grads<const D: usize>(
        jacs: &mut <T::Jacobian as JacobianOf<T>>::Jac<D>,
        k: usize,
    ) -> Option<(&[f32], &mut [f32])> {
        (k == 0).then(|| jacs.grads())
    }
    fn clear_jac_grads<const D: usize>(
        jacs: &mut <T::Jacobian as JacobianOf<T>>::Jac<D>,
        upto: usize,
    ) {
        if upto > 0 {
            jacs.clear()
        }
    }
    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut T::Buf<B>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut <T::Jacobian as JacobianOf<T>>::Jac<D>,
        grads: &mut Self,
        upto: usize,
    ) {
        if upto > 0 {
            <T::Jacobian as JacobianOf<T>>::backward(self, bufs, row, j_in, g_in, jacs, grads)
        }
    }
}
