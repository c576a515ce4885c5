//! The buffers layers compute into and read from: a layer's [`LayerBuf`] (`pre`, `out`, the
//! dropout mask and the gradients written before its backward pass), the views regularizers and
//! losses read ([`OutputView`], [`OutputGrads`]), parameter tensors ([`Tensor`], [`ParamKind`]),
//! the Jacobian buffers of `contractive` ([`JacBuf`], [`JacInBuf`]) and the all-zero values that
//! let all of them sit in a `static` ([`Zeroed`]).

use super::activation::{Activation, softmax_row, softmax_row_backward};

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
    /// A convolution's filters, `w` (`out` rows of `in * taps`), stored in PyTorch's order
    /// `(out, in, k)` or `(out, in, kh, kw)`: `kernel` is `[k, 0]` or `[kh, kw]`. A weight
    /// for the weight penalties; files keep its order (nothing is transposed).
    Filter {
        /// The kernel's extent: `[k, 0]` (one dimension) or `[kh, kw]`.
        kernel: [usize; 2],
    },
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
            ParamKind::Weight | ParamKind::Filter { .. } => "w",
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
            ParamKind::Filter { .. } => true,
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
    pub(super) fn view(&self, layer: usize, activation: Activation) -> OutputView<'_> {
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

    pub(super) fn grads(&mut self, layer: usize, activation: Activation) -> OutputGrads<'_> {
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

    pub(super) fn clear_grads(&mut self) {
        let n = self.rows * O;
        self.d_out.as_flattened_mut()[..n].fill(0.0);
        self.d_pre.as_flattened_mut()[..n].fill(0.0);
    }

    /// `out = act(pre)` for the filled rows (after the layer's map wrote `pre` and set
    /// `rows`): the clean outputs, what a layer's forward pass ends with. Corruption is the
    /// network's, after the layer ([`Buffers::corrupt`](super::Buffers::corrupt)).
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
                    softmax_row(p, o);
                }
            } else {
                act.apply_slice(&self.pre[r], &mut self.out[r]);
            }
        }
    }

    /// The outputs of the last forward pass (`rows * O`).
    pub(super) fn output(&self) -> &[f32] {
        &self.out.as_flattened()[..self.rows * O]
    }

    /// The outputs and their gradient buffer.
    pub(super) fn output_and_grad(&mut self) -> (&[f32], &mut [f32]) {
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
                    softmax_row(&self.pre[r][span.clone()], pk);
                    softmax_row_backward(pk, &g[span.clone()], &mut self.d_pre[r][span]);
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
    pub(super) fn jac_scale(&self, row: usize, act: Activation, s: &mut [f32; O]) {
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
