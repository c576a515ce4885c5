//! A fully connected layer: `pre = x W + b`, `out = act(pre)` (then dropout and noise).
//!
//! Forward:  `pre[r, o] = b[o] + sum_i x[r, i] W[i, o]`, `out = act(pre)`.
//! Backward: `d_pre += act'(pre) * (mask * d_out)`; `dW += x^T d_pre`; `db += sum_r d_pre`;
//!           `dx += d_pre W^T`.
//! Jacobian (for `contractive`, one example): `M = W^T J_in`, `J = diag(mask * act'(pre)) M`.
//! Its backward, given `G = dR/dJ`: `d_pre[j] += mask[j] act''(pre[j]) sum_i G[j, i] M[j, i]`;
//! with `GM = diag(mask act'(pre)) G`: `dW[a, j] += sum_i GM[j, i] J_in[a, i]` and
//! `G_in[a, :] += sum_j W[a, j] GM[j, :]`.

use super::activation::Activation;
use super::buffers::{Dim, JacBuf, LayerBuf, ParamKind, Tensor};
use super::layer::{Jacobian, Layer};
use super::stack::Arch;
use crate::kernels;
use crate::rng::XorShift;
#[cfg(feature = "nalgebra")]
use nalgebra::Const;

/// A dense layer from `I` inputs to `O` units. Parameters `w` (`I x O`) and `b` (`O`).
///
/// ```
/// use staticnets::layers::{Activation, Dense};
/// static LAYER: Dense<4, 3> = Dense::new(Activation::Tanh);
/// assert_eq!(LAYER.w.len(), 4);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<const I: usize, const O: usize> {
    /// Weights, `w[i][o]`.
    pub w: [[f32; O]; I],
    /// Biases.
    pub b: [f32; O],
    /// Activation.
    pub act: Activation,
}

impl<const I: usize, const O: usize> Dense<I, O> {
    /// A layer with zero parameters and activation `act`; call [`Layer::init`] to draw weights.
    pub const fn new(act: Activation) -> Self {
        Dense {
            w: [[0.0; O]; I],
            b: [0.0; O],
            act,
        }
    }
}

/// A zero-copy nalgebra view of a dense weight: `I x O`, row-major underneath (feature
/// `nalgebra`).
#[cfg(feature = "nalgebra")]
pub type WeightView<'a, const I: usize, const O: usize> =
    nalgebra::MatrixView<'a, f32, Const<I>, Const<O>, Const<O>, Const<1>>;
/// A mutable zero-copy nalgebra view of a dense weight (feature `nalgebra`).
#[cfg(feature = "nalgebra")]
pub type WeightViewMut<'a, const I: usize, const O: usize> =
    nalgebra::MatrixViewMut<'a, f32, Const<I>, Const<O>, Const<O>, Const<1>>;

/// nalgebra views (feature `nalgebra`).
#[cfg(feature = "nalgebra")]
impl<const I: usize, const O: usize> Dense<I, O> {
    /// The weight as an `I x O` nalgebra matrix view, without copying: the shape is in the
    /// type, so `layer.weights() * x` only compiles for a fitting `x`.
    ///
    /// ```
    /// use staticnets::layers::{Activation, Dense};
    /// use nalgebra::SMatrix;
    /// let mut d: Dense<3, 2> = Dense::new(Activation::Linear);
    /// d.weights_mut()[(2, 1)] = 5.0; // row = input 2, column = unit 1
    /// assert_eq!(d.w[2][1], 5.0);
    /// let x = SMatrix::<f32, 1, 3>::new(0.0, 0.0, 1.0);
    /// assert_eq!((x * d.weights())[(0, 1)], 5.0); // the layer's x W
    /// ```
    pub fn weights(&self) -> WeightView<'_, I, O> {
        WeightView::from_slice_with_strides_generic(
            self.w.as_flattened(),
            Const::<I>,
            Const::<O>,
            Const::<O>,
            Const::<1>,
        )
    }

    /// The weight as a mutable `I x O` nalgebra view.
    pub fn weights_mut(&mut self) -> WeightViewMut<'_, I, O> {
        WeightViewMut::from_slice_with_strides_generic(
            self.w.as_flattened_mut(),
            Const::<I>,
            Const::<O>,
            Const::<O>,
            Const::<1>,
        )
    }

    /// The bias as a length-`O` nalgebra row vector view.
    pub fn bias(&self) -> nalgebra::MatrixView<'_, f32, Const<1>, Const<O>> {
        nalgebra::MatrixView::from_slice_generic(&self.b, Const::<1>, Const::<O>)
    }
}

/// Tensor `i` of a layer with one weight `w` (`nin x nout`) and one bias `b` (`nout`).
pub(crate) fn weight_and_bias<'a>(
    w: &'a [f32],
    b: &'a [f32],
    i: usize,
    layer0: usize,
    nin: usize,
) -> Option<Tensor<'a>> {
    let (kind, rows, data) = match i {
        0 => (ParamKind::Weight, nin, w),
        1 => (ParamKind::Bias, 1, b),
        _ => return None,
    };
    Some(Tensor {
        layer: layer0,
        kind,
        rows,
        cols: b.len(),
        data,
    })
}

/// Tensor `i` of a `w`-and-`b` layer, mutable.
pub(crate) fn weight_and_bias_mut<'a>(
    w: &'a mut [f32],
    b: &'a mut [f32],
    i: usize,
) -> Option<&'a mut [f32]> {
    match i {
        0 => Some(w),
        1 => Some(b),
        _ => None,
    }
}

/// The parameter and input gradients of `pre = x W + b` over `n` rows, given `d = d pre`:
/// `dW += x^T d`, `db += sum_rows d`, `dx += d W^T`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn affine_backward(
    x: &[f32],
    w: &[f32],
    d: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: &mut [f32],
    n: usize,
    nin: usize,
    nout: usize,
) {
    kernels::acc_outer(x, d, dw, n, nin, nout);
    kernels::acc_rows(d, db, n, nout);
    kernels::back_affine(w, d, dx, n, nin, nout);
}

/// Draw `w` from N(0, 1 / (nin + nout)), the theanets default.
pub(crate) fn init_weights(w: &mut [f32], nin: usize, nout: usize, rng: &mut XorShift) {
    let std = 1.0 / libm::sqrtf((nin + nout) as f32);
    for v in w.iter_mut() {
        *v = std * rng.gaussian();
    }
}

#[allow(clippy::too_many_arguments)]
/// One example's Jacobian through an affine map whose weight entry for (input `a`, unit `j`)
/// is `w[widx(a, j)]` (`None`: no connection, a zero of a sparse map such as a convolution),
/// then through the layer's activation and dropout. With `steps > 1` the
/// map is applied per time step (a time-distributed layer: a block-diagonal weight, `nin`
/// inputs and `O / steps` units per step): `m[t, j] = sum_a w(a, j) J_in[t, a]`.
pub(crate) fn jac_forward_affine<const B: usize, const D: usize, const O: usize>(
    w: &[f32],
    widx: impl Fn(usize, usize) -> Option<usize>,
    nin: usize,
    steps: usize,
    buf: &LayerBuf<B, O>,
    act: Activation,
    row: usize,
    j_in: &[f32],
    jac: &mut JacBuf<D, O>,
) {
    for m in jac.m.iter_mut() {
        m.fill(0.0);
    }
    let per = O / steps;
    for t in 0..steps {
        for a in 0..nin {
            let jin = &j_in[(t * nin + a) * D..(t * nin + a + 1) * D];
            for j in 0..per {
                let c = widx(a, j).map_or(0.0, |k| w[k]);
                if c != 0.0 {
                    kernels::axpy(c, jin, &mut jac.m[t * per + j]);
                }
            }
        }
    }
    let mut s = [0.0f32; O];
    buf.jac_scale(row, act, &mut s);
    for j in 0..O {
        for (jj, &mm) in jac.j[j].iter_mut().zip(&jac.m[j]) {
            *jj = s[j] * mm;
        }
    }
}

/// Backward of [`jac_forward_affine`]: consumes `jac.g` (overwritten with `GM`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn jac_backward_affine<const B: usize, const D: usize, const O: usize>(
    w: &[f32],
    dw: &mut [f32],
    widx: impl Fn(usize, usize) -> Option<usize>,
    nin: usize,
    steps: usize,
    buf: &mut LayerBuf<B, O>,
    act: Activation,
    row: usize,
    j_in: &[f32],
    g_in: &mut [f32],
    jac: &mut JacBuf<D, O>,
) {
    let mut s = [0.0f32; O];
    buf.jac_scale(row, act, &mut s);
    for j in 0..O {
        if !act.is_piecewise_linear() {
            let m = if buf.dropped { buf.mask[row][j] } else { 1.0 };
            let t = kernels::dot(&jac.g[j], &jac.m[j]);
            buf.d_pre[row][j] += m * act.d2(buf.pre[row][j]) * t;
        }
        for g in jac.g[j].iter_mut() {
            *g *= s[j];
        }
    }
    let per = O / steps;
    for t in 0..steps {
        for a in 0..nin {
            let at = t * nin + a;
            let jin = &j_in[at * D..(at + 1) * D];
            for j in 0..per {
                if let Some(k) = widx(a, j) {
                    dw[k] += kernels::dot(&jac.g[t * per + j], jin);
                }
            }
            let gin = &mut g_in[at * D..(at + 1) * D];
            for j in 0..per {
                let c = widx(a, j).map_or(0.0, |k| w[k]);
                if c != 0.0 {
                    kernels::axpy(c, &jac.g[t * per + j], gin);
                }
            }
        }
    }
}

impl<const I: usize, const O: usize> Layer for Dense<I, O> {
    type Input = Dim<I>;
    type Output = Dim<O>;
    const NIN: usize = I;
    const NOUT: usize = O;
    const TENSORS: usize = 2;
    const PARAMS: usize = I * O + O;
    const ZERO: Self = Dense::new(Activation::Linear);
    type Jacobian = Self;
    type Buf<const B: usize> = LayerBuf<B, O>;

    fn activation(&self) -> Activation {
        self.act
    }

    fn set_activation(&mut self, act: Activation) -> bool {
        self.act = act;
        true
    }

    fn describe(&self, arch: &mut Arch) {
        arch.layer("dense", &[I, O], self.act);
    }

    fn init(&mut self, rng: &mut XorShift) {
        init_weights(self.w.as_flattened_mut(), I, O, rng);
        self.b = [0.0; O];
    }

    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        weight_and_bias(self.w.as_flattened(), &self.b, i, layer0, I)
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        weight_and_bias_mut(self.w.as_flattened_mut(), &mut self.b, i)
    }

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut LayerBuf<B, O>) {
        bufs.rows = rows;
        kernels::affine(
            x,
            self.w.as_flattened(),
            &self.b,
            bufs.pre.as_flattened_mut(),
            rows,
            I,
            O,
        );
        bufs.activate(self.act);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LayerBuf<B, O>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let rows = bufs.rows;
        bufs.backward_activation(self.act);
        let d = &bufs.d_pre.as_flattened()[..rows * O];
        let (gw, gb) = (grads.w.as_flattened_mut(), &mut grads.b);
        affine_backward(x, self.w.as_flattened(), d, gw, gb, dx, rows, I, O);
    }
}

/// Its exact per-example Jacobian and the Jacobian's gradient (for `contractive`).
impl<const I: usize, const O: usize> Jacobian for Dense<I, O> {
    type Jac<const D: usize> = JacBuf<D, O>;

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &LayerBuf<B, O>,
        row: usize,
        j_in: &[f32],
        jacs: &mut JacBuf<D, O>,
    ) {
        let w = self.w.as_flattened();
        jac_forward_affine(
            w,
            |a, j| Some(a * O + j),
            I,
            1,
            bufs,
            self.act,
            row,
            j_in,
            jacs,
        );
    }

    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut LayerBuf<B, O>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut JacBuf<D, O>,
        grads: &mut Self,
    ) {
        let (w, dw) = (self.w.as_flattened(), grads.w.as_flattened_mut());
        let idx = |a, j| Some(a * O + j);
        jac_backward_affine(w, dw, idx, I, 1, bufs, self.act, row, j_in, g_in, jacs);
    }
}
