//! One-dimensional convolution (theanets' `conv1`), as PyTorch's `nn.Conv1d`: a
//! cross-correlation (no kernel flip) of `C` input channels of length `L` with `F` filters of
//! width `K`, stride `STRIDE`, dilation `DIL`, padding `valid` or `same` (docs/contract.md,
//! "Decided for the layers that come next").
//!
//! Layout: a row holds its channels one after another, `x[c * L + p]` (PyTorch's `(C, L)`
//! for one example), and the output likewise, `out[o * LO + i]`. The weight is PyTorch's
//! `(out, in, k)`: `w[o][c][k]`.
//!
//! With `pad` the padding before the signal (0 for `valid`; `floor((K - 1) / 2)` for `same`)
//! and `p(i, k) = i STRIDE + k DIL - pad` (positions outside `0..L` read 0):
//!
//! Forward:  `pre[o, i] = b[o] + sum_c sum_k w[o, c, k] x[c, p(i, k)]`, `out = act(pre)`
//!           (then dropout and noise), the sum over `c`, then `k`, in increasing order.
//! Backward: `d_pre = act'(pre) * mask * d_out`;
//!           `dw[o, c, k] += sum_rows sum_i d_pre[o, i] x[c, p(i, k)]`;
//!           `db[o] += sum_rows sum_i d_pre[o, i]`;
//!           `dx[c, p(i, k)] += sum_o sum_k d_pre[o, i] w[o, c, k]`.
//! Jacobian (for `contractive`): the convolution as a sparse matrix (`Geometry::weight_index`)
//! through the dense layer's affine Jacobian: `J_out = diag(act'(pre) * mask) M J_in`, with
//! `M[u, a]` the weight connecting input `a` to output `u` (0 where none does).
//!
//! The loops (`sliding.rs`, shared with `conv2` and pooling) are plain scalar code in a fixed
//! order: the same bits on every target.

use super::activation::Activation;
use super::buffers::JacBuf;
use super::buffers::{Dim, LayerBuf, Tensor};
use super::dense::{init_weights, weight_and_bias_mut};
use super::dense::{jac_backward_affine, jac_forward_affine};
use super::layer::{Jacobian, Layer};
use super::sliding::{Geometry, filters_and_bias, pad_before};
use super::stack::Arch;
use crate::rng::XorShift;

pub use super::sliding::conv_len;

/// `F` filters of width `K` over `C` channels of length `L`: `LO` outputs per filter
/// ([`conv_len`]), `NIN = C * L`, `NOUT = F * LO`. `SAME`: padding `same` (stride 1 only),
/// else `valid`. Write the type with [`conv1!`](crate::conv1), which derives the sizes.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1<
    const C: usize,
    const L: usize,
    const F: usize,
    const K: usize,
    const STRIDE: usize,
    const DIL: usize,
    const SAME: bool,
    const LO: usize,
    const NIN: usize,
    const NOUT: usize,
> {
    /// Filters, PyTorch's `(out, in, k)`: `w[o][c][k]`.
    pub w: [[[f32; K]; C]; F],
    /// Biases, one per filter.
    pub b: [f32; F],
    /// Activation.
    pub act: Activation,
}

/// The [`Conv1`] type with its derived sizes filled in:
/// `conv1!(channels, length, filters, kernel)` (stride 1, dilation 1, padding `valid`), or with
/// `stride = s`, `dilation = d` and `padding = same` after the four.
///
/// ```
/// use staticnets::conv1;
/// use staticnets::layers::{Activation, Layers};
/// // 1 channel of 128 samples, 4 filters of width 9, stride 2: 60 positions per filter
/// type C = conv1!(1, 128, 4, 9, stride = 2);
/// assert_eq!(<C as Layers>::NOUT, 4 * 60);
/// let layer = C::new(Activation::Relu);
/// assert_eq!(layer.w.len(), 4);
/// // padding `same` keeps the length
/// assert_eq!(<conv1!(2, 32, 3, 5, padding = same) as Layers>::NOUT, 3 * 32);
/// ```
#[macro_export]
macro_rules! conv1 {
    ($c:expr, $l:expr, $f:expr, $k:expr $(, stride = $s:expr)? $(, dilation = $d:expr)? $(, padding = $p:ident)? $(,)?) => {
        $crate::layers::conv1::Conv1<
            { $c },
            { $l },
            { $f },
            { $k },
            { $crate::conv1!(@or 1 $(, $s)?) },
            { $crate::conv1!(@or 1 $(, $d)?) },
            { $crate::conv1!(@same $($p)?) },
            { $crate::layers::conv1::conv_len($l, $k, $crate::conv1!(@or 1 $(, $s)?), $crate::conv1!(@or 1 $(, $d)?), $crate::conv1!(@same $($p)?)) },
            { $c * $l },
            { $f * $crate::layers::conv1::conv_len($l, $k, $crate::conv1!(@or 1 $(, $s)?), $crate::conv1!(@or 1 $(, $d)?), $crate::conv1!(@same $($p)?)) },
        >
    };
    (@or $default:expr) => { $default };
    (@or $default:expr, $v:expr) => { $v };
    (@same) => { false };
    (@same valid) => { false };
    (@same same) => { true };
}

impl<
    const C: usize,
    const L: usize,
    const F: usize,
    const K: usize,
    const STRIDE: usize,
    const DIL: usize,
    const SAME: bool,
    const LO: usize,
    const NIN: usize,
    const NOUT: usize,
> Conv1<C, L, F, K, STRIDE, DIL, SAME, LO, NIN, NOUT>
{
    /// The convolution's geometry: a map of height 1.
    const GEOMETRY: Geometry = Geometry {
        c: C,
        h: 1,
        w: L,
        f: F,
        kh: 1,
        kw: K,
        sh: 1,
        sw: STRIDE,
        dh: 1,
        dw: DIL,
        top: 0,
        left: pad_before(K, SAME),
        ho: 1,
        wo: LO,
    };

    /// A layer with zero parameters; [`Layer::init`] draws them. The sizes are checked when
    /// the type is used: a mismatch fails to compile.
    pub const fn new(act: Activation) -> Self {
        const {
            assert!(
                C > 0 && L > 0 && F > 0 && K > 0,
                "conv1: every size must be positive"
            );
            assert!(
                STRIDE > 0 && DIL > 0,
                "conv1: stride and dilation must be positive"
            );
            assert!(!SAME || STRIDE == 1, "conv1: padding `same` needs stride 1");
            assert!(
                LO == conv_len(L, K, STRIDE, DIL, SAME) && LO > 0,
                "conv1: LO must be the output length (write the type with conv1!)"
            );
            assert!(
                NIN == C * L && NOUT == F * LO,
                "conv1: NIN = C * L and NOUT = F * LO"
            );
        };
        Conv1 {
            w: [[[0.0; K]; C]; F],
            b: [0.0; F],
            act,
        }
    }
}

impl<
    const C: usize,
    const L: usize,
    const F: usize,
    const K: usize,
    const STRIDE: usize,
    const DIL: usize,
    const SAME: bool,
    const LO: usize,
    const NIN: usize,
    const NOUT: usize,
> Layer for Conv1<C, L, F, K, STRIDE, DIL, SAME, LO, NIN, NOUT>
{
    type Input = Dim<NIN>;
    type Output = Dim<NOUT>;
    const NIN: usize = NIN;
    const NOUT: usize = NOUT;
    const TENSORS: usize = 2;
    const PARAMS: usize = F * C * K + F;
    const ZERO: Self = Conv1::new(Activation::Linear);
    type Jacobian = Self;
    type Buf<const B: usize> = LayerBuf<B, NOUT>;

    fn activation(&self) -> Activation {
        self.act
    }

    fn set_activation(&mut self, act: Activation) -> bool {
        self.act = act;
        true
    }

    fn describe(&self, arch: &mut Arch) {
        arch.layer("conv1", &[C, L, F, K, STRIDE, DIL, SAME as usize], self.act);
    }

    /// Weights from `N(0, 1/(C K + F K))` (each output sees `C K` inputs, each input feeds
    /// `F K` outputs), biases 0.
    fn init(&mut self, rng: &mut XorShift) {
        let w = self.w.as_flattened_mut().as_flattened_mut();
        init_weights(w, C * K, F * K, rng);
        self.b = [0.0; F];
    }

    /// Tensor 0: the filters, `F` rows of `C * K` (PyTorch's `(out, in, k)` in order);
    /// tensor 1: the biases.
    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        filters_and_bias(
            self.w.as_flattened().as_flattened(),
            &self.b,
            i,
            layer0,
            [K, 0],
        )
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        weight_and_bias_mut(self.w.as_flattened_mut().as_flattened_mut(), &mut self.b, i)
    }

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut LayerBuf<B, NOUT>) {
        let w = self.w.as_flattened().as_flattened();
        Self::GEOMETRY.conv_layer_forward((w, &self.b), self.act, x, rows, bufs);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LayerBuf<B, NOUT>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let w = self.w.as_flattened().as_flattened();
        let gw = grads.w.as_flattened_mut().as_flattened_mut();
        Self::GEOMETRY.conv_layer_backward(w, (gw, &mut grads.b), self.act, x, bufs, dx);
    }
}

/// Its exact per-example Jacobian and the Jacobian's gradient (for `contractive`): the dense
/// layer's, on the convolution's sparse matrix.
impl<
    const C: usize,
    const L: usize,
    const F: usize,
    const K: usize,
    const STRIDE: usize,
    const DIL: usize,
    const SAME: bool,
    const LO: usize,
    const NIN: usize,
    const NOUT: usize,
> Jacobian for Conv1<C, L, F, K, STRIDE, DIL, SAME, LO, NIN, NOUT>
{
    type Jac<const D: usize> = JacBuf<D, NOUT>;

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &LayerBuf<B, NOUT>,
        row: usize,
        j_in: &[f32],
        jacs: &mut JacBuf<D, NOUT>,
    ) {
        let (w, g) = (self.w.as_flattened().as_flattened(), Self::GEOMETRY);
        let idx = |a, u| g.weight_index(a, u);
        jac_forward_affine(w, idx, NIN, 1, bufs, self.act, row, j_in, jacs);
    }

    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut LayerBuf<B, NOUT>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut JacBuf<D, NOUT>,
        grads: &mut Self,
    ) {
        let (w, dw, g) = (
            self.w.as_flattened().as_flattened(),
            grads.w.as_flattened_mut().as_flattened_mut(),
            Self::GEOMETRY,
        );
        let idx = |a, u| g.weight_index(a, u);
        jac_backward_affine(w, dw, idx, NIN, 1, bufs, self.act, row, j_in, g_in, jacs);
    }
}
