//! Two-dimensional convolution (theanets' `conv2`), as PyTorch's `nn.Conv2d`: a
//! cross-correlation of `C` input maps of `H x W` with `F` filters of `KH x KW`, the same
//! stride on both axes, padding `valid` or `same` (docs/contract.md, "Decided for the layers
//! that come next").
//!
//! Layout: channel after channel, each map row-major, `x[(c * H + y) * W + x]`; the output
//! likewise, `out[(o * HO + i) * WO + j]`. The weight is PyTorch's `(out, in, kh, kw)`.
//!
//! With `(top, left)` the padding before the map (`floor((k - 1) / 2)` per axis for `same`)
//! and `p(i, j, a, b) = (i S + a - top, j S + b - left)` (outside the map reads 0):
//!
//! Forward:  `pre[o, i, j] = b[o] + sum_c sum_a sum_b w[o, c, a, b] x[c, p(i, j, a, b)]`,
//!           `out = act(pre)` (then dropout and noise), summed over `c`, `a`, `b` in order.
//! Backward: `d_pre = act'(pre) * mask * d_out`;
//!           `dw[o, c, a, b] += sum_rows sum_ij d_pre[o, i, j] x[c, p(i, j, a, b)]`;
//!           `db[o] += sum_rows sum_ij d_pre[o, i, j]`;
//!           `dx[c, p(i, j, a, b)] += sum_o d_pre[o, i, j] w[o, c, a, b]`.
//! Jacobian (for `contractive`): the convolution as a sparse matrix (`Geometry::weight_index`)
//! through the dense layer's affine Jacobian: `J_out = diag(act'(pre) * mask) M J_in`.
//!
//! The loops are `sliding.rs`'s, shared with `conv1` and pooling: plain scalar code in a
//! fixed order, the same bits on every target.

use super::activation::Activation;
use super::buffers::JacBuf;
use super::buffers::{Dim, LayerBuf, Tensor};
use super::dense::{init_weights, weight_and_bias_mut};
use super::dense::{jac_backward_affine, jac_forward_affine};
use super::layer::{Jacobian, Layer};
use super::sliding::{Geometry, conv_len, filters_and_bias, pad_before};
use super::stack::Arch;
use crate::rng::XorShift;

/// `F` filters of `KH x KW` over `C` maps of `H x W`, stride `STRIDE`: `HO x WO` outputs per
/// filter, `NIN = C H W`, `NOUT = F HO WO`. `SAME`: padding `same` (stride 1 only), else
/// `valid`. Write the type with [`conv2!`](crate::conv2), which derives the sizes.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const STRIDE: usize,
    const SAME: bool,
    const HO: usize,
    const WO: usize,
    const NIN: usize,
    const NOUT: usize,
> {
    /// Filters, PyTorch's `(out, in, kh, kw)`: `w[o][c][a][b]`.
    pub w: [[[[f32; KW]; KH]; C]; F],
    /// Biases, one per filter.
    pub b: [f32; F],
    /// Activation.
    pub act: Activation,
}

/// The [`Conv2`] type with its derived sizes filled in: `conv2!(channels, height, width,
/// filters, kh, kw)` (stride 1, padding `valid`), or with `stride = s` or `padding = same`
/// after the six.
///
/// ```
/// use staticnets::conv2;
/// use staticnets::layers::{Activation, Layers};
/// // one 8x8 image, 6 filters of 3x3: 6 maps of 6x6
/// type C = conv2!(1, 8, 8, 6, 3, 3);
/// assert_eq!(<C as Layers>::NOUT, 6 * 6 * 6);
/// assert_eq!(<conv2!(2, 8, 8, 4, 3, 3, padding = same) as Layers>::NOUT, 4 * 8 * 8);
/// let layer = C::new(Activation::Relu);
/// assert_eq!(layer.w.len(), 6);
/// ```
#[macro_export]
macro_rules! conv2 {
    ($c:expr, $h:expr, $w:expr, $f:expr, $kh:expr, $kw:expr $(, stride = $s:expr)? $(, padding = $p:ident)? $(,)?) => {
        $crate::layers::conv2::Conv2<
            { $c },
            { $h },
            { $w },
            { $f },
            { $kh },
            { $kw },
            { $crate::conv1!(@or 1 $(, $s)?) },
            { $crate::conv1!(@same $($p)?) },
            { $crate::layers::conv1::conv_len($h, $kh, $crate::conv1!(@or 1 $(, $s)?), 1, $crate::conv1!(@same $($p)?)) },
            { $crate::layers::conv1::conv_len($w, $kw, $crate::conv1!(@or 1 $(, $s)?), 1, $crate::conv1!(@same $($p)?)) },
            { $c * $h * $w },
            { $f * $crate::layers::conv1::conv_len($h, $kh, $crate::conv1!(@or 1 $(, $s)?), 1, $crate::conv1!(@same $($p)?))
                 * $crate::layers::conv1::conv_len($w, $kw, $crate::conv1!(@or 1 $(, $s)?), 1, $crate::conv1!(@same $($p)?)) },
        >
    };
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const STRIDE: usize,
    const SAME: bool,
    const HO: usize,
    const WO: usize,
    const NIN: usize,
    const NOUT: usize,
> Conv2<C, H, W, F, KH, KW, STRIDE, SAME, HO, WO, NIN, NOUT>
{
    const GEOMETRY: Geometry = Geometry {
        c: C,
        h: H,
        w: W,
        f: F,
        kh: KH,
        kw: KW,
        sh: STRIDE,
        sw: STRIDE,
        dh: 1,
        dw: 1,
        top: pad_before(KH, SAME),
        left: pad_before(KW, SAME),
        ho: HO,
        wo: WO,
    };

    /// A layer with zero parameters; [`Layer::init`] draws them. The sizes are checked when
    /// the type is used: a mismatch fails to compile.
    pub const fn new(act: Activation) -> Self {
        const {
            assert!(
                C > 0 && H > 0 && W > 0 && F > 0 && KH > 0 && KW > 0,
                "conv2: every size must be positive"
            );
            assert!(STRIDE > 0, "conv2: the stride must be positive");
            assert!(!SAME || STRIDE == 1, "conv2: padding `same` needs stride 1");
            assert!(
                HO == conv_len(H, KH, STRIDE, 1, SAME)
                    && WO == conv_len(W, KW, STRIDE, 1, SAME)
                    && HO * WO > 0,
                "conv2: HO x WO must be the output size (write the type with conv2!)"
            );
            assert!(
                NIN == C * H * W && NOUT == F * HO * WO,
                "conv2: NIN = C H W and NOUT = F HO WO"
            );
        };
        Conv2 {
            w: [[[[0.0; KW]; KH]; C]; F],
            b: [0.0; F],
            act,
        }
    }

    fn filters(&self) -> &[f32] {
        self.w.as_flattened().as_flattened().as_flattened()
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const STRIDE: usize,
    const SAME: bool,
    const HO: usize,
    const WO: usize,
    const NIN: usize,
    const NOUT: usize,
> Layer for Conv2<C, H, W, F, KH, KW, STRIDE, SAME, HO, WO, NIN, NOUT>
{
    type Input = Dim<NIN>;
    type Output = Dim<NOUT>;
    const NIN: usize = NIN;
    const NOUT: usize = NOUT;
    const TENSORS: usize = 2;
    const PARAMS: usize = F * C * KH * KW + F;
    const ZERO: Self = Conv2::new(Activation::Linear);
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
        arch.layer(
            "conv2",
            &[C, H, W, F, KH, KW, STRIDE, SAME as usize],
            self.act,
        );
    }

    /// Weights from `N(0, 1/(C KH KW + F KH KW))`, biases 0.
    fn init(&mut self, rng: &mut XorShift) {
        let w = self
            .w
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut();
        init_weights(w, C * KH * KW, F * KH * KW, rng);
        self.b = [0.0; F];
    }

    /// Tensor 0: the filters, `F` rows of `C KH KW` (PyTorch's `(out, in, kh, kw)` in
    /// order); tensor 1: the biases.
    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        filters_and_bias(self.filters(), &self.b, i, layer0, [KH, KW])
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        weight_and_bias_mut(
            self.w
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut(),
            &mut self.b,
            i,
        )
    }

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut LayerBuf<B, NOUT>) {
        Self::GEOMETRY.conv_layer_forward((self.filters(), &self.b), self.act, x, rows, bufs);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LayerBuf<B, NOUT>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let gw = grads
            .w
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut();
        let g = Self::GEOMETRY;
        g.conv_layer_backward(self.filters(), (gw, &mut grads.b), self.act, x, bufs, dx);
    }
}

/// Its exact per-example Jacobian and the Jacobian's gradient (for `contractive`): the dense
/// layer's, on the convolution's sparse matrix.
impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const STRIDE: usize,
    const SAME: bool,
    const HO: usize,
    const WO: usize,
    const NIN: usize,
    const NOUT: usize,
> Jacobian for Conv2<C, H, W, F, KH, KW, STRIDE, SAME, HO, WO, NIN, NOUT>
{
    type Jac<const D: usize> = JacBuf<D, NOUT>;

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &LayerBuf<B, NOUT>,
        row: usize,
        j_in: &[f32],
        jacs: &mut JacBuf<D, NOUT>,
    ) {
        let (w, g) = (self.filters(), Self::GEOMETRY);
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
            self.filters(),
            grads
                .w
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut(),
            Self::GEOMETRY,
        );
        let idx = |a, u| g.weight_index(a, u);
        jac_backward_affine(w, dw, idx, NIN, 1, bufs, self.act, row, j_in, g_in, jacs);
    }
}
