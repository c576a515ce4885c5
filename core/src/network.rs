//! A network: a [`Layers`] body, its names, and the workspace its passes run in.
//!
//! The workspace holds every activation, gradient-of-activation and Jacobian buffer; the
//! network value holds only parameters. Both are plain values of a size known at compile
//! time, with `const fn new()`, so either can be a `static`.
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense, Layers};
//! use staticnets::network::{Network, Workspace};
//! type Body = (Dense<4, 3>, Dense<3, 4>);
//! static NET: Network<Body> = Network::new((Dense::new(Relu), Dense::new(Linear)));
//! // batch size 8; 0 = no Jacobian buffers (no contractive penalty)
//! static WS: Workspace<Body, 8, 0> = Workspace::new();
//! assert_eq!(Network::<Body>::PARAM_BYTES, 4 * (4 * 3 + 3 + 3 * 4 + 4));
//! assert_eq!(Workspace::<Body, 8, 0>::BYTES, core::mem::size_of::<Workspace<Body, 8, 0>>());
//! ```

use core::fmt::Write;

use crate::error::Error;

use crate::layers::{
    Corruptor, InputStage, JacInput, Layers, OutputGrads, OutputView, ParamKind, Tensor, Zeroed,
};

/// A layer, parameter or output name, e.g. `hid1`, `hid1.w`, `out:pre`.
pub type Name = heapless::String<24>;

/// The name of global layer `k` in a network of `layers` layers after the input.
pub fn layer_name(k: usize, layers: usize) -> Name {
    let mut s = Name::new();
    let _ = match k {
        0 => s.push_str("in").map_err(|_| core::fmt::Error),
        k if k == layers => s.push_str("out").map_err(|_| core::fmt::Error),
        k => write!(s, "hid{k}"),
    };
    s
}

/// `<layer>.<w|b>`.
pub fn param_name(layer: usize, kind: ParamKind, layers: usize) -> Name {
    let mut s = layer_name(layer, layers);
    let _ = write!(s, ".{}", kind.suffix());
    s
}

/// `<layer>:<port>` (`out`, `pre`, `cell`).
pub fn output_name(layer: usize, port: &str, layers: usize) -> Name {
    let mut s = layer_name(layer, layers);
    let _ = write!(s, ":{port}");
    s
}

/// A network's parameter tensors as a trait object: code that only walks tensors (the file
/// formats) is compiled once rather than once per architecture, which keeps a page that
/// holds several architectures small.
pub trait Params {
    /// Layers after the input.
    fn layers(&self) -> usize;
    /// Parameter tensors.
    fn tensors(&self) -> usize;
    /// Tensor `i` with its shape.
    fn tensor(&self, i: usize) -> Option<Tensor<'_>>;
    /// Tensor `i`'s values, mutable.
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]>;
}

impl<L: Layers> Params for Network<L> {
    fn layers(&self) -> usize {
        L::LAYERS
    }
    fn tensors(&self) -> usize {
        L::TENSORS
    }
    fn tensor(&self, i: usize) -> Option<Tensor<'_>> {
        Network::tensor(self, i)
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        Network::tensor_mut(self, i)
    }
}

/// A network's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Network<L> {
    /// The layers, which own the parameters.
    pub body: L,
}

impl<L: Layers> Network<L> {
    /// Bytes of parameters (a gradient buffer and each optimizer slot take as many).
    pub const PARAM_BYTES: usize = 4 * L::PARAMS;
    /// Layers after the input (the last is `out`).
    pub const LAYERS: usize = L::LAYERS;

    /// A network around `body` (whose parameters are usually zero until [`init`](Self::init)).
    pub const fn new(body: L) -> Self {
        Network { body }
    }

    /// All-zero parameters: the value of gradient buffers.
    pub const fn zero() -> Self {
        Network { body: L::ZERO }
    }

    /// Draw the weights from N(0, 1/(nin+nout)) and zero the biases, with a generator seeded by `seed`.
    pub fn init(&mut self, seed: u64) {
        let mut rng = crate::rng::XorShift::new(seed);
        self.body.init(&mut rng);
    }

    /// Parameter tensor `i` (0 to `L::TENSORS - 1`).
    pub fn tensor(&self, i: usize) -> Option<Tensor<'_>> {
        self.body.tensor(i, 1)
    }

    /// Parameter tensor `i`, mutable.
    pub fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        self.body.tensor_mut(i)
    }

    /// The name of tensor `i`, e.g. `hid1.w`.
    pub fn tensor_name(&self, i: usize) -> Name {
        match self.tensor(i) {
            Some(t) => param_name(t.layer, t.kind, L::LAYERS),
            None => Name::new(),
        }
    }

    /// The name of global layer `k`'s second output: `pre`, or `cell` for an LSTM.
    pub fn second_port(&self, k: usize) -> &'static str {
        if k == 0 {
            "pre"
        } else {
            self.body.second_port(k - 1)
        }
    }

    /// Set every parameter to zero, keeping the activations.
    pub fn fill_zero(&mut self) {
        for i in 0..L::TENSORS {
            if let Some(t) = self.body.tensor_mut(i) {
                t.fill(0.0);
            }
        }
    }

    /// Copy parameters from `other` (activations stay).
    pub fn copy_params_from(&mut self, other: &Self) {
        for i in 0..L::TENSORS {
            if let (Some(d), Some(s)) = (self.body.tensor_mut(i), other.body.tensor(i, 1)) {
                d.copy_from_slice(s.data);
            }
        }
    }

    /// Whether every parameter is finite.
    pub fn is_finite(&self) -> bool {
        (0..L::TENSORS).all(|i| {
            self.tensor(i)
                .is_some_and(|t| crate::error::all_finite(t.data))
        })
    }

    /// Forward `rows` rows of `x` (`rows * NIN`) through the network into `ws`.
    /// Corruption (noise, dropout) applies when `corrupt.active`. More rows than the
    /// workspace holds (`B`), or an `x` of another length, is an error.
    pub fn forward<const B: usize, const JD: usize>(
        &self,
        x: &[f32],
        rows: usize,
        ws: &mut Workspace<L, B, JD>,
        corrupt: &mut Corruptor,
    ) -> Result<(), Error> {
        if rows > B {
            return Err(Error::CapacityExceeded {
                what: "rows in one forward pass (the workspace's batch capacity B)",
                capacity: B,
            });
        }
        if x.len() != rows * L::NIN {
            return Err(Error::WrongLength {
                what: "inputs (rows * inputs)",
                expected: rows * L::NIN,
                got: x.len(),
            });
        }
        ws.input.load(x, rows, corrupt);
        self.body
            .forward(ws.input.out(), rows, &mut ws.bufs, 1, corrupt);
        Ok(())
    }

    /// Backward pass: with the output gradient and any injections in `ws`, add every
    /// parameter's gradient into `grads`.
    pub fn backward<const B: usize, const JD: usize>(
        &self,
        ws: &mut Workspace<L, B, JD>,
        grads: &mut Self,
    ) {
        let Workspace {
            input,
            bufs,
            input_gradient,
            ..
        } = ws;
        if *input_gradient {
            let (x, dx) = input.out_and_sink();
            self.body.backward(x, bufs, &mut grads.body, dx);
        } else {
            // Training never reads the input's gradient (the input has no parameters): an
            // empty sink tells the first layer to skip that product.
            self.body
                .backward(input.out(), bufs, &mut grads.body, &mut []);
        }
    }
}

/// Every buffer a network's passes need for batches of up to `B` rows: the input, each
/// layer's [`LayerBuf`](crate::layers::LayerBuf), and, when `JD > 0`, the per-example
/// Jacobian buffers of the `contractive` penalty (`JD` must then equal the input width).
pub struct Workspace<L: Layers, const B: usize, const JD: usize> {
    /// The input layer.
    pub input: L::InBuf<B>,
    /// Every other layer.
    pub bufs: L::Bufs<B>,
    /// Per-layer Jacobians.
    pub jacs: L::Jacs<JD>,
    /// The input's Jacobian.
    pub jac_in: L::JacIn<JD>,
    /// Whether [`Network::backward`] also fills the gradient with respect to the input (the
    /// input layer's `d_out`): off by default, since training never reads it and it costs
    /// one matrix product per step; gradient checks and saliency maps turn it on.
    pub input_gradient: bool,
}

impl<L: Layers, const B: usize, const JD: usize> Workspace<L, B, JD> {
    /// Bytes of the whole workspace.
    pub const BYTES: usize = core::mem::size_of::<Self>();
    /// Bytes of the activation buffers (input and layers).
    pub const ACTIVATION_BYTES: usize =
        core::mem::size_of::<L::InBuf<B>>() + core::mem::size_of::<L::Bufs<B>>();
    /// Bytes of the Jacobian buffers.
    pub const JACOBIAN_BYTES: usize =
        core::mem::size_of::<L::Jacs<JD>>() + core::mem::size_of::<L::JacIn<JD>>();

    /// A zeroed workspace.
    pub const fn new() -> Self {
        Workspace {
            input: <L::InBuf<B> as Zeroed>::ZERO,
            bufs: <L::Bufs<B> as Zeroed>::ZERO,
            jacs: <L::Jacs<JD> as Zeroed>::ZERO,
            jac_in: <L::JacIn<JD> as Zeroed>::ZERO,
            input_gradient: false,
        }
    }

    /// Rows of the last forward pass.
    pub fn rows(&self) -> usize {
        self.input.rows()
    }

    /// The network output of the last forward pass (`rows * NOUT`).
    pub fn output(&self) -> &[f32] {
        L::output(&self.bufs, self.input.out())
    }

    /// View of global layer `k` (0 is the input).
    pub fn view<'a>(&'a self, net: &Network<L>, k: usize) -> Option<OutputView<'a>> {
        if k == 0 {
            let mut v = self.input.view();
            v.steps = L::IN_STEPS;
            Some(v)
        } else {
            net.body.view(&self.bufs, k - 1, 1)
        }
    }

    /// Gradient buffers of global layer `k >= 1`.
    pub fn grads<'a>(&'a mut self, net: &Network<L>, k: usize) -> Option<OutputGrads<'a>> {
        if k == 0 {
            None
        } else {
            net.body.grads(&mut self.bufs, k - 1, 1)
        }
    }

    /// Zero every activation gradient (before a step's losses and regularizers write).
    pub fn clear_grads(&mut self) {
        L::clear_grads(&mut self.bufs);
        self.input.d_out_mut().fill(0.0);
    }

    /// The input Jacobian buffers (`j`, `g`).
    pub fn jac_in(&mut self) -> (&mut [f32], &mut [f32]) {
        self.jac_in.split()
    }
}

impl<L: Layers, const B: usize, const JD: usize> Default for Workspace<L, B, JD> {
    fn default() -> Self {
        Self::new()
    }
}
