//! The trait methods every single layer writes the same way, written once.
//!
//! `layer_buf_methods!()` is the buffer access of a layer whose `Bufs<B>` is a
//! [`LayerBuf`](super::LayerBuf) and whose activation is its `act` field (dense,
//! time-distributed dense, rnn). `jac_buf_methods!()` is the access to a [`JacBuf`](super::JacBuf)
//! (`jac_buf_methods!(base)` for a recurrent layer's), `base_output_methods!()` the output
//! access of a layer whose buffers wrap a `LayerBuf` in `base`. `affine_jacobian!(steps)` is the Jacobian pass of a dense
//! (`steps = 1`) or time-distributed (`steps = T`) layer.

macro_rules! layer_buf_methods {
    () => {
        fn activation(&self, k: usize) -> Option<Activation> {
            (k == 0).then_some(self.act)
        }

        fn set_activation(&mut self, k: usize, act: Activation) -> bool {
            if k == 0 {
                self.act = act;
            }
            k == 0
        }

        fn output<'a, const B: usize>(bufs: &'a Self::Bufs<B>, _x: &'a [f32]) -> &'a [f32] {
            bufs.output()
        }

        fn output_and_grad<const B: usize>(
            bufs: &mut Self::Bufs<B>,
        ) -> Option<(&[f32], &mut [f32])> {
            Some(bufs.output_and_grad())
        }

        fn view<'a, const B: usize>(
            &self,
            bufs: &'a Self::Bufs<B>,
            k: usize,
            layer0: usize,
        ) -> Option<OutputView<'a>> {
            (k == 0).then(|| bufs.view(layer0, self.act))
        }

        fn grads<'a, const B: usize>(
            &self,
            bufs: &'a mut Self::Bufs<B>,
            k: usize,
            layer0: usize,
        ) -> Option<OutputGrads<'a>> {
            (k == 0).then(|| bufs.grads(layer0, self.act))
        }

        fn clear_grads<const B: usize>(bufs: &mut Self::Bufs<B>) {
            bufs.clear_grads();
        }
    };
}

/// `jac_buf_methods!()` for `Jacs<D> = JacBuf`; `jac_buf_methods!(base)` for a layer whose
/// Jacobian buffers keep their output's `JacBuf` in a field `base` (the recurrent layers).
macro_rules! jac_buf_methods {
    ($($field:ident)?) => {
        fn jac_output<'a, const D: usize>(jacs: &'a Self::Jacs<D>, _j_in: &'a [f32]) -> &'a [f32] {
            jacs$(.$field)?.j.as_flattened()
        }

        fn jac_grads<const D: usize>(
            jacs: &mut Self::Jacs<D>,
            k: usize,
        ) -> Option<(&[f32], &mut [f32])> {
            (k == 0).then_some((
                jacs$(.$field)?.j.as_flattened(),
                jacs$(.$field)?.g.as_flattened_mut(),
            ))
        }

        fn clear_jac_grads<const D: usize>(jacs: &mut Self::Jacs<D>, upto: usize) {
            if upto > 0 {
                for g in jacs$(.$field)?.g.iter_mut() {
                    g.fill(0.0);
                }
            }
        }
    };
}

/// The output access of a layer whose buffers keep their outputs' [`LayerBuf`](super::LayerBuf)
/// in a field `base` (the LSTM and the GRU, whose second output is a buffer of their own).
macro_rules! base_output_methods {
    () => {
        fn output<'a, const B: usize>(bufs: &'a Self::Bufs<B>, _x: &'a [f32]) -> &'a [f32] {
            bufs.base.output()
        }

        fn output_and_grad<const B: usize>(
            bufs: &mut Self::Bufs<B>,
        ) -> Option<(&[f32], &mut [f32])> {
            Some(bufs.base.output_and_grad())
        }
    };
}

/// The Jacobian pass of a layer whose map is `pre = x W + b` applied per time step, with
/// `self.w: [[f32; O]; I]` and `self.act`: `affine_jacobian!(1)` for a dense layer,
/// `affine_jacobian!(T)` for a time-distributed one (a block-diagonal weight).
macro_rules! affine_jacobian {
    ($steps:expr) => {
        fn jac_forward<const B: usize, const D: usize>(
            &self,
            bufs: &Self::Bufs<B>,
            row: usize,
            j_in: &[f32],
            jacs: &mut Self::Jacs<D>,
            upto: usize,
        ) {
            if upto > 0 {
                $crate::layers::dense::jac_forward_affine(
                    self.w.as_flattened(),
                    |a, j| a * O + j,
                    I,
                    $steps,
                    bufs,
                    self.act,
                    row,
                    j_in,
                    jacs,
                );
            }
        }

        fn jac_backward<const B: usize, const D: usize>(
            &self,
            bufs: &mut Self::Bufs<B>,
            row: usize,
            j_in: &[f32],
            g_in: &mut [f32],
            jacs: &mut Self::Jacs<D>,
            grads: &mut Self,
            upto: usize,
        ) {
            if upto > 0 {
                $crate::layers::dense::jac_backward_affine(
                    self.w.as_flattened(),
                    grads.w.as_flattened_mut(),
                    |a, j| a * O + j,
                    I,
                    $steps,
                    bufs,
                    self.act,
                    row,
                    j_in,
                    g_in,
                    jacs,
                );
            }
        }
    };
}

pub(crate) use {affine_jacobian, base_output_methods, jac_buf_methods, layer_buf_methods};
