//! A dense layer applied at every time step with the same weights (a per-step read-out after
//! a recurrent layer): rows are `T` blocks of `I` inputs (`TI = T * I`), outputs `T` blocks
//! of `O` (`TO = T * O`). With `softmax`, each step is its own distribution, and losses,
//! labels and accuracy work per step (`Layers::STEPS = T`).
//!
//! Forward:  `pre_t = x_t W + b`, `out_t = act(pre_t)` (then dropout and noise).
//! Backward: `d_pre_t = act'(pre_t) * mask_t * d_out_t` (softmax: per step);
//!           `dW += sum_t x_t^T d_pre_t`; `db += sum_t d_pre_t`; `dx_t += d_pre_t W^T`.

use super::{
    Activation, Corruptor, Dim, InputBuf, JacBuf, JacInBuf, LayerBuf, Layers, OutputGrads,
    OutputView, ParamKind, Tensor, dense::init_weights,
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
    const ACT_FLOATS_PER_ROW: usize = 5 * TO;
    const JAC_ROWS: usize = TO;
    const ZERO: Self = TimeDense::new(Activation::Linear);
    const STEPS: usize = T;
    type Bufs<const B: usize> = LayerBuf<B, TO>;
    type Jacs<const D: usize> = JacBuf<D, TO>;
    type InBuf<const B: usize> = InputBuf<B, TI>;
    type JacIn<const D: usize> = JacInBuf<TI, D>;

    fn init(&mut self, rng: &mut XorShift) {
        init_weights(self.w.as_flattened_mut(), I, O, rng);
        self.b = [0.0; O];
    }

    fn activation(&self, k: usize) -> Option<Activation> {
        (k == 0).then_some(self.act)
    }

    fn sequence(&self, k: usize) -> bool {
        k == 0
    }

    fn set_activation(&mut self, k: usize, act: Activation) -> bool {
        if k == 0 {
            self.act = act;
        }
        k == 0
    }

    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        match i {
            0 => Some(Tensor {
                layer: layer0,
                kind: ParamKind::Weight,
                rows: I,
                cols: O,
                data: self.w.as_flattened(),
            }),
            1 => Some(Tensor {
                layer: layer0,
                kind: ParamKind::Bias,
                rows: 1,
                cols: O,
                data: &self.b,
            }),
            _ => None,
        }
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        match i {
            0 => Some(self.w.as_flattened_mut()),
            1 => Some(&mut self.b),
            _ => None,
        }
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

    fn output<'a, const B: usize>(bufs: &'a LayerBuf<B, TO>, _x: &'a [f32]) -> &'a [f32] {
        &bufs.out.as_flattened()[..bufs.rows * TO]
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
        kernels::acc_outer(x, d, grads.w.as_flattened_mut(), rows * T, I, O);
        kernels::acc_rows(d, &mut grads.b, rows * T, O);
        kernels::back_affine(self.w.as_flattened(), d, dx, rows * T, I, O);
    }

    fn output_and_grad<const B: usize>(bufs: &mut LayerBuf<B, TO>) -> Option<(&[f32], &mut [f32])> {
        let n = bufs.rows * TO;
        Some((
            &bufs.out.as_flattened()[..n],
            &mut bufs.d_out.as_flattened_mut()[..n],
        ))
    }

    fn view<'a, const B: usize>(
        &self,
        bufs: &'a LayerBuf<B, TO>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputView<'a>> {
        (k == 0).then(|| bufs.view(layer0, self.act))
    }

    fn grads<'a, const B: usize>(
        &self,
        bufs: &'a mut LayerBuf<B, TO>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputGrads<'a>> {
        (k == 0).then(|| bufs.grads(layer0, self.act))
    }

    fn clear_grads<const B: usize>(bufs: &mut LayerBuf<B, TO>) {
        bufs.clear_grads();
    }

    // The contractive penalty refuses sequence layers, so no Jacobian runs through here.
    fn jac_forward<const B: usize, const D: usize>(
        &self,
        _bufs: &LayerBuf<B, TO>,
        _row: usize,
        _j_in: &[f32],
        _jacs: &mut JacBuf<D, TO>,
        _upto: usize,
    ) {
    }

    fn jac_output<'a, const D: usize>(jacs: &'a JacBuf<D, TO>, _j_in: &'a [f32]) -> &'a [f32] {
        jacs.j.as_flattened()
    }

    fn jac_grads<const D: usize>(
        jacs: &mut JacBuf<D, TO>,
        k: usize,
    ) -> Option<(&[f32], &mut [f32])> {
        (k == 0).then_some((jacs.j.as_flattened(), jacs.g.as_flattened_mut()))
    }

    fn clear_jac_grads<const D: usize>(jacs: &mut JacBuf<D, TO>, upto: usize) {
        if upto > 0 {
            for g in jacs.g.iter_mut() {
                g.fill(0.0);
            }
        }
    }

    fn jac_backward<const B: usize, const D: usize>(
        &self,
        _bufs: &mut LayerBuf<B, TO>,
        _row: usize,
        _j_in: &[f32],
        _g_in: &mut [f32],
        _jacs: &mut JacBuf<D, TO>,
        _grads: &mut Self,
        _upto: usize,
    ) {
    }
}
