//! A dense layer applied at every time step with the same weights (a per-step read-out after
//! a recurrent layer): rows are `T` blocks of `I` inputs (`TI = T * I`), outputs `T` blocks
//! of `O` (`TO = T * O`). With `softmax`, each step is its own distribution, and losses,
//! labels and accuracy work per step (`Layers::STEPS = T`).
//!
//! Forward:  `pre_t = x_t W + b`, `out_t = act(pre_t)` (then dropout and noise).
//! Backward: `d_pre_t = act'(pre_t) * mask_t * d_out_t` (softmax: per step);
//!           `dW += sum_t x_t^T d_pre_t`; `db += sum_t d_pre_t`; `dx_t += d_pre_t W^T`.
//! Jacobian (for `contractive`): `J_out_t = diag(act'(pre_t) * mask_t) W^T J_in_t` per step,
//! the dense layer's with a block-diagonal weight, and its exact gradient likewise.

use super::activation::Activation;
use super::buffers::{Dim, JacBuf, LayerBuf, Tensor};
use super::dense::{
    affine_backward, init_weights, jac_backward_affine, jac_forward_affine, weight_and_bias,
    weight_and_bias_mut,
};
use super::layer::{Jacobian, Layer};
use super::stack::Arch;
use crate::kernels;
use crate::rng::XorShift;

/// `O` outputs from `I` inputs at each of `T` steps, one shared weight; `TI = T * I`, `TO = T * O`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeDense<
    const I: usize,
    const O: usize,
    const T: usize,
    const TI: usize,
    const TO: usize,
> {
    /// Weights, `w[i][o]`, shared by every step.
    pub w: [[f32; O]; I],
    /// Biases.
    pub b: [f32; O],
    /// Activation (softmax is per step).
    pub act: Activation,
}

impl<const I: usize, const O: usize, const T: usize, const TI: usize, const TO: usize>
    TimeDense<I, O, T, TI, TO>
{
    /// A layer with zero parameters; [`Layer::init`] draws them.
    pub const fn new(act: Activation) -> Self {
        const {
            assert!(
                TI == T * I && TO == T * O && T > 0,
                "TimeDense<I, O, T, TI, TO> needs TI = T * I and TO = T * O"
            )
        };
        TimeDense {
            w: [[0.0; O]; I],
            b: [0.0; O],
            act,
        }
    }
}

impl<const I: usize, const O: usize, const T: usize, const TI: usize, const TO: usize> Layer
    for TimeDense<I, O, T, TI, TO>
{
    type Input = Dim<TI>;
    type Output = Dim<TO>;
    const NIN: usize = TI;
    const NOUT: usize = TO;
    const TENSORS: usize = 2;
    const PARAMS: usize = I * O + O;
    const ZERO: Self = TimeDense::new(Activation::Linear);
    const STEPS: usize = T;
    const IN_STEPS: usize = T;
    const SEQUENCE: bool = true;
    type Jacobian = Self;
    type Buf<const B: usize> = LayerBuf<B, TO>;

    fn activation(&self) -> Activation {
        self.act
    }

    fn set_activation(&mut self, act: Activation) -> bool {
        self.act = act;
        true
    }

    fn describe(&self, arch: &mut Arch) {
        arch.layer("time_dense", &[I, O, T], self.act);
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

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut LayerBuf<B, TO>) {
        bufs.rows = rows;
        bufs.steps = T;
        kernels::affine(
            x,
            self.w.as_flattened(),
            &self.b,
            &mut bufs.pre.as_flattened_mut()[..rows * TO],
            rows * T,
            I,
            O,
        );
        bufs.activate(self.act);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LayerBuf<B, TO>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let rows = bufs.rows;
        bufs.backward_activation(self.act);
        let d = &bufs.d_pre.as_flattened()[..rows * TO];
        let (gw, gb) = (grads.w.as_flattened_mut(), &mut grads.b);
        affine_backward(x, self.w.as_flattened(), d, gw, gb, dx, rows * T, I, O);
    }
}

/// Its exact per-example Jacobian and the Jacobian's gradient (for `contractive`).
impl<const I: usize, const O: usize, const T: usize, const TI: usize, const TO: usize> Jacobian
    for TimeDense<I, O, T, TI, TO>
{
    type Jac<const D: usize> = JacBuf<D, TO>;

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &LayerBuf<B, TO>,
        row: usize,
        j_in: &[f32],
        jacs: &mut JacBuf<D, TO>,
    ) {
        let w = self.w.as_flattened();
        jac_forward_affine(
            w,
            |a, j| Some(a * O + j),
            I,
            T,
            bufs,
            self.act,
            row,
            j_in,
            jacs,
        );
    }

    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut LayerBuf<B, TO>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut JacBuf<D, TO>,
        grads: &mut Self,
    ) {
        let (w, dw) = (self.w.as_flattened(), grads.w.as_flattened_mut());
        let idx = |a, j| Some(a * O + j);
        jac_backward_affine(w, dw, idx, I, T, bufs, self.act, row, j_in, g_in, jacs);
    }
}
