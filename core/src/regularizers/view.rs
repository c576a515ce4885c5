//! What a regularizer sees of a network: each parameter and output by name, with its shape,
//! read-only, plus the gradient buffers it adds into. Built-in and custom regularizers use
//! the same view.

use crate::layers::{InputStage, JacInput, OutputGrads, OutputView, Tensor};
use crate::network::{Name, layer_name, output_name, param_name};

/// Read-only access to a network's parameters and the outputs of the last forward pass.
pub trait NetView {
    /// Layers after the input (the last is `out`).
    fn layers(&self) -> usize;
    /// Parameter tensors.
    fn tensors(&self) -> usize;
    /// Tensor `i` with its shape.
    fn tensor(&self, i: usize) -> Option<Tensor<'_>>;
    /// Global layer `k`'s values (0 is the input).
    fn output(&self, k: usize) -> Option<OutputView<'_>>;

    /// Tensor `i`'s reference values (`prox`), if the trainer holds reference weights.
    fn reference(&self, _i: usize) -> Option<RefValues<'_>> {
        None
    }

    /// Tensor `i`'s name, e.g. `hid1.w`.
    fn tensor_name(&self, i: usize) -> Name {
        self.tensor(i)
            .map(|t| param_name(t.layer, t.kind, self.layers()))
            .unwrap_or_default()
    }
    /// Layer `k`'s name, e.g. `hid1`.
    fn layer_name(&self, k: usize) -> Name {
        layer_name(k, self.layers())
    }
    /// The name of layer `k`'s second output: `pre`, or `cell` for an LSTM.
    fn second_port(&self, _k: usize) -> &'static str {
        "pre"
    }
    /// Output name of layer `k`: `<layer>:out`, or its second output (`<layer>:pre`,
    /// `<layer>:cell`).
    fn output_name(&self, k: usize, pre: bool) -> Name {
        output_name(
            k,
            if pre { self.second_port(k) } else { "out" },
            self.layers(),
        )
    }
}

/// One tensor's reference values: `f32`s in RAM, or the little-endian bytes of a checkpoint
/// read in place (in flash, say: 4 bytes a value, any alignment).
#[derive(Clone, Copy, Debug)]
pub enum RefValues<'a> {
    /// Values in memory.
    F32(&'a [f32]),
    /// Little-endian `f32` bytes.
    Le(&'a [u8]),
}

/// Reference weights a penalty pulls towards (`prox`): tensor `i` of them, in the network's
/// own tensor order. Implemented by [`Network`] (a copy in RAM); see
/// [`train::reference`](crate::train::reference) for where a trainer keeps them.
pub trait ReferenceWeights {
    /// Tensor `i`'s reference values (as many as the network's tensor `i` has).
    fn reference(&self, i: usize) -> Option<RefValues<'_>>;
}

impl<L: Layers> ReferenceWeights for Network<L> {
    fn reference(&self, i: usize) -> Option<RefValues<'_>> {
        self.tensor(i).map(|t| RefValues::F32(t.data))
    }
}

/// A [`NetView`] that also takes gradients.
pub trait NetGrads: NetView {
    /// Tensor `i`'s values and its gradient buffer (add into it).
    fn tensor_grad(&mut self, i: usize) -> Option<(Tensor<'_>, &mut [f32])>;
    /// Layer `k`'s values and gradient buffers (add into `d_out` or `d_pre`); `None` for the input.
    fn output_grads(&mut self, k: usize) -> Option<OutputGrads<'_>>;
    /// Tensor `i`'s values, its reference values (`prox`) and its gradient buffer; `None`
    /// without reference weights.
    fn tensor_grad_with_reference(
        &mut self,
        _i: usize,
    ) -> Option<(Tensor<'_>, RefValues<'_>, &mut [f32])> {
        None
    }
}

use crate::layers::Layers;
use crate::network::{Network, Workspace};

/// The [`NetGrads`] of a network, its workspace and a gradient buffer.
pub struct Ctx<'a, L: Layers, const B: usize, const JD: usize> {
    /// Parameters.
    pub net: &'a Network<L>,
    /// Outputs of the last forward pass.
    pub ws: &'a mut Workspace<L, B, JD>,
    /// Parameter gradients.
    pub grads: &'a mut Network<L>,
}

impl<L: Layers, const B: usize, const JD: usize> NetView for Ctx<'_, L, B, JD> {
    fn second_port(&self, k: usize) -> &'static str {
        self.net.second_port(k)
    }

    fn layers(&self) -> usize {
        L::LAYERS
    }
    fn tensors(&self) -> usize {
        L::TENSORS
    }
    fn tensor(&self, i: usize) -> Option<Tensor<'_>> {
        self.net.tensor(i)
    }
    fn output(&self, k: usize) -> Option<OutputView<'_>> {
        self.ws.view(self.net, k)
    }
}

impl<L: Layers, const B: usize, const JD: usize> NetGrads for Ctx<'_, L, B, JD> {
    fn tensor_grad(&mut self, i: usize) -> Option<(Tensor<'_>, &mut [f32])> {
        Some((self.net.tensor(i)?, self.grads.tensor_mut(i)?))
    }
    fn output_grads(&mut self, k: usize) -> Option<OutputGrads<'_>> {
        self.ws.grads(self.net, k)
    }
}

/// A read-only [`NetView`] of a network and its workspace.
pub struct ViewOf<'a, L: Layers, const B: usize, const JD: usize> {
    /// Parameters.
    pub net: &'a Network<L>,
    /// Outputs of the last forward pass.
    pub ws: &'a Workspace<L, B, JD>,
}

impl<L: Layers, const B: usize, const JD: usize> NetView for ViewOf<'_, L, B, JD> {
    fn second_port(&self, k: usize) -> &'static str {
        self.net.second_port(k)
    }

    fn layers(&self) -> usize {
        L::LAYERS
    }
    fn tensors(&self) -> usize {
        L::TENSORS
    }
    fn tensor(&self, i: usize) -> Option<Tensor<'_>> {
        self.net.tensor(i)
    }
    fn output(&self, k: usize) -> Option<OutputView<'_>> {
        self.ws.view(self.net, k)
    }
}

/// A parameter-only [`NetView`] (no forward pass): for weight penalties, pattern checks and
/// resolving a configuration ([`Topology`](super::topology::Topology), with `JD` the width of
/// the workspace's Jacobian buffers).
pub struct ParamsOf<'a, L: Layers, const JD: usize = 0>(pub &'a Network<L>);

impl<L: Layers, const JD: usize> NetView for ParamsOf<'_, L, JD> {
    fn second_port(&self, k: usize) -> &'static str {
        self.0.second_port(k)
    }
    fn layers(&self) -> usize {
        L::LAYERS
    }
    fn tensors(&self) -> usize {
        L::TENSORS
    }
    fn tensor(&self, i: usize) -> Option<Tensor<'_>> {
        self.0.tensor(i)
    }
    fn output(&self, _k: usize) -> Option<OutputView<'_>> {
        None
    }
}

/// A network's per-example Jacobian passes, as a penalty on the Jacobians of its outputs
/// with respect to its input sees them (`contractive`): for each row of the last forward
/// pass, the Jacobian of every layer up to a depth, and the backward walk from the
/// penalty's gradient with respect to them. Object-safe, so such a term is plain code in
/// its own file, as the other regularizers are.
pub trait JacobianPasses {
    /// Rows of the last forward pass.
    fn rows(&self) -> usize;
    /// Whether the workspace has Jacobian buffers as wide as the network's input.
    fn ready(&self) -> bool;
    /// Whether the caller takes gradients (a training step) or only the value.
    fn taking_gradients(&self) -> bool;
    /// Row `row`'s Jacobians of global layers `1..=upto`.
    fn forward(&mut self, row: usize, upto: usize);
    /// Global layer `k`'s Jacobian (`width x input`) and the buffer of `dR/dJ` into which
    /// the penalty adds (zeroed by [`clear`](Self::clear)).
    fn jacobian(&mut self, k: usize) -> Option<(&[f32], &mut [f32])>;
    /// Zero every `dR/dJ` of layers `1..=upto`.
    fn clear(&mut self, upto: usize);
    /// Walk row `row`'s chain back from the `dR/dJ`s: into parameter gradients and each
    /// layer's pre-activation gradient (which the backward pass then carries down).
    fn backward(&mut self, row: usize, upto: usize);
}

/// The [`JacobianPasses`] of a network and its workspace, with the gradient buffer when
/// gradients are taken.
pub struct JacobiansOf<'a, L: Layers, const B: usize, const JD: usize> {
    /// Parameters.
    pub net: &'a Network<L>,
    /// The last forward pass and the Jacobian buffers.
    pub ws: &'a mut Workspace<L, B, JD>,
    /// Parameter gradients (`None`: the value only).
    pub grads: Option<&'a mut Network<L>>,
}

impl<L: Layers, const B: usize, const JD: usize> JacobianPasses for JacobiansOf<'_, L, B, JD> {
    fn rows(&self) -> usize {
        self.ws.rows()
    }
    fn ready(&self) -> bool {
        JD == L::NIN
    }
    fn taking_gradients(&self) -> bool {
        self.grads.is_some()
    }
    fn forward(&mut self, row: usize, upto: usize) {
        let Workspace {
            input,
            bufs,
            jacs,
            jac_in,
            ..
        } = &mut *self.ws;
        let (j_in, _) = jac_in.split();
        input.jac_in(row, j_in);
        self.net.body.jac_forward(bufs, row, j_in, jacs, upto);
    }
    fn jacobian(&mut self, k: usize) -> Option<(&[f32], &mut [f32])> {
        L::jac_grads(&mut self.ws.jacs, k.checked_sub(1)?)
    }
    fn clear(&mut self, upto: usize) {
        L::clear_jac_grads(&mut self.ws.jacs, upto);
    }
    fn backward(&mut self, row: usize, upto: usize) {
        let Some(grads) = self.grads.as_deref_mut() else {
            return;
        };
        let Workspace {
            bufs, jacs, jac_in, ..
        } = &mut *self.ws;
        let (j_in, g_in) = jac_in.split();
        g_in.fill(0.0);
        self.net
            .body
            .jac_backward(bufs, row, j_in, g_in, jacs, &mut grads.body, upto);
    }
}

/// A view (`V`: a [`NetView`], or a [`NetGrads`]) with reference weights beside it: what
/// `prox` reads through [`NetView::reference`]; everything else is `V`'s.
pub struct Referenced<'a, V> {
    /// The view.
    pub view: V,
    /// The reference weights.
    pub reference: &'a dyn ReferenceWeights,
}

impl<V: NetView> NetView for Referenced<'_, V> {
    fn layers(&self) -> usize {
        self.view.layers()
    }
    fn tensors(&self) -> usize {
        self.view.tensors()
    }
    fn tensor(&self, i: usize) -> Option<Tensor<'_>> {
        self.view.tensor(i)
    }
    fn output(&self, k: usize) -> Option<OutputView<'_>> {
        self.view.output(k)
    }
    fn second_port(&self, k: usize) -> &'static str {
        self.view.second_port(k)
    }
    fn reference(&self, i: usize) -> Option<RefValues<'_>> {
        self.reference.reference(i)
    }
}

impl<V: NetGrads> NetGrads for Referenced<'_, V> {
    fn tensor_grad(&mut self, i: usize) -> Option<(Tensor<'_>, &mut [f32])> {
        self.view.tensor_grad(i)
    }
    fn output_grads(&mut self, k: usize) -> Option<OutputGrads<'_>> {
        self.view.output_grads(k)
    }
    fn tensor_grad_with_reference(
        &mut self,
        i: usize,
    ) -> Option<(Tensor<'_>, RefValues<'_>, &mut [f32])> {
        let w0 = self.reference.reference(i)?;
        let (t, g) = self.view.tensor_grad(i)?;
        Some((t, w0, g))
    }
}
