//! What a regularizer sees of a network: each parameter and output by name, with its shape,
//! read-only, plus the gradient buffers it adds into. Built-in and custom regularizers use
//! the same view.

use crate::layers::{OutputGrads, OutputView, Tensor};
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

/// A [`NetView`] that also takes gradients.
pub trait NetGrads: NetView {
    /// Tensor `i`'s values and its gradient buffer (add into it).
    fn tensor_grad(&mut self, i: usize) -> Option<(Tensor<'_>, &mut [f32])>;
    /// Layer `k`'s values and gradient buffers (add into `d_out` or `d_pre`); `None` for the input.
    fn output_grads(&mut self, k: usize) -> Option<OutputGrads<'_>>;
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
/// resolving a configuration ([`Topology`](super::registry::Topology), with `JD` the width of
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
