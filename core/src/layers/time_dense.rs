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

use super::Arch;
use super::plumbing::{affine_jacobian, jac_buf_methods, layer_buf_methods};
use super::{
    Activation, Corruptor, Dim, InputBuf, JacBuf, JacInBuf, LayerBuf, Layers, OutputGrads,
    OutputView, Tensor,
    dense::{affine_backward, init_weights, weight_and_bias, weight_and_bias_mut},
};
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
    /// A layer with zero parameters; [`Layers::init`] draws them.
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

impl<const I: usize, const O: usize, const T: usize, const TI: usize, const TO: usize> Layers
    for TimeDense<I, O, T, TI, TO>
{
    type Input = Dim<TI>;
    type Output = Dim<TO>;
    const NIN: usize = TI;
    const NOUT: usize = TO;
    const LAYERS: usize = 1;
    const TENSORS: usize = 2;
    const PARAMS: usize = I * O + O;
    const ZERO: Self = TimeDense::new(Activation::Linear);
    const STEPS: usize = T;
    const IN_STEPS: usize = T;
    type Bufs<const B: usize> = LayerBuf<B, TO>;
    type Jacs<const D: usize> = JacBuf<D, TO>;
    type InBuf<const B: usize> = InputBuf<B, TI>;
    type JacIn<const D: usize> = JacInBuf<TI, D>;

    layer_buf_methods!();
    jac_buf_methods!();

    fn describe(&self, arch: &mut Arch) {
        arch.layer("time_dense", &[I, O, T], self.act);
    }

    fn init(&mut self, rng: &mut XorShift) {
        init_weights(self.w.as_flattened_mut(), I, O, rng);
        self.b = [0.0; O];
    }

    fn sequence(&self, k: usize) -> bool {
        k == 0
    }

    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        weight_and_bias(self.w.as_flattened(), &self.b, i, layer0, I)
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        weight_and_bias_mut(self.w.as_flattened_mut(), &mut self.b, i)
    }

    fn forward<const B: usize>(
        &self,
        x: &[f32],
        rows: usize,
        bufs: &mut LayerBuf<B, TO>,
        layer0: usize,
        corrupt: &mut Corruptor,
    ) {
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
        bufs.activate(self.act, layer0, corrupt);
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

    affine_jacobian!(T);
}
