//! Tied weights: an encoder `Dense<I, H>`, an inner stack `M` from `H` to `H`, and a decoder
//! back to `I` that reuses the encoder's weight, transposed, and owns only its bias.
//!
//! This is theanets' `tied` layer with its partner found structurally: `[in, h1, h2, tied,
//! tied]` is `Tied<I, H1, Tied<H1, H2>>`, and a size mismatch is a compile error.
//!
//! Decoder forward:  `pre[r, i] = b[i] + sum_h h[r, h] W[i, h]`, `out = act(pre)`.
//! Decoder backward: `dW[i, h] += sum_r d_pre[r, i] h[r, h]` (into the encoder's gradient,
//! so the shared weight gets both contributions), `db += sum_r d_pre`, `dh += d_pre W`.
//! Jacobian: `M = W J_h`, i.e. the weight entry for (input `h`, unit `i`) is `W[i, h]`.

use super::activation::Activation;
use super::buffers::{Dim, JacBuf, JacInBuf, LayerBuf, OutputGrads, OutputView, ParamKind, Tensor};
use super::corrupt::Corruptor;
use super::dense::Dense;
use super::dense::{jac_backward_affine, jac_forward_affine};
use super::input::InputBuf;
use super::layer::forward_layer;
use super::stack::Arch;
use super::stack::{LayerFacts, Layers};
use crate::kernels;
use crate::rng::XorShift;

/// The empty stack from `N` to `N`: the inner part of a [`Tied`] pair with nothing between
/// encoder and decoder. It has no layers and is not meant to stand in a tuple.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Identity<const N: usize>;

impl<const N: usize> Layers for Identity<N> {
    type Input = Dim<N>;
    type Output = Dim<N>;
    const NIN: usize = N;
    const NOUT: usize = N;
    const LAYERS: usize = 0;
    const TENSORS: usize = 0;
    const PARAMS: usize = 0;
    const ZERO: Self = Identity;
    type Bufs<const B: usize> = ();
    type Jacs<const D: usize> = ();
    type InBuf<const B: usize> = InputBuf<B, N>;
    type JacIn<const D: usize> = JacInBuf<N, D>;

    fn init(&mut self, _rng: &mut XorShift) {}
    fn describe(&self, arch: &mut Arch) {
        arch.fact("identity", N);
    }
    fn facts(&self, _k: usize) -> Option<LayerFacts> {
        None
    }
    fn set_activation(&mut self, _k: usize, _act: Activation) -> bool {
        false
    }
    fn tensor(&self, _i: usize, _layer0: usize) -> Option<Tensor<'_>> {
        None
    }
    fn tensor_mut(&mut self, _i: usize) -> Option<&mut [f32]> {
        None
    }
    fn forward<const B: usize>(
        &self,
        _x: &[f32],
        _rows: usize,
        _bufs: &mut (),
        _layer0: usize,
        _c: &mut Corruptor,
    ) {
    }
    fn output<'a, const B: usize>(_bufs: &'a (), x: &'a [f32]) -> &'a [f32] {
        x
    }
    fn backward<const B: usize>(
        &self,
        _x: &[f32],
        _bufs: &mut (),
        _grads: &mut Self,
        _dx: &mut [f32],
    ) {
    }
    fn output_and_grad<const B: usize>(_bufs: &mut ()) -> Option<(&[f32], &mut [f32])> {
        None
    }
    fn view<'a, const B: usize>(
        &self,
        _bufs: &'a (),
        _k: usize,
        _layer0: usize,
    ) -> Option<OutputView<'a>> {
        None
    }
    fn grads<'a, const B: usize>(
        &self,
        _bufs: &'a mut (),
        _k: usize,
        _layer0: usize,
    ) -> Option<OutputGrads<'a>> {
        None
    }
    fn clear_grads<const B: usize>(_bufs: &mut ()) {}
    fn jac_forward<const B: usize, const D: usize>(
        &self,
        _b: &(),
        _row: usize,
        _j: &[f32],
        _jacs: &mut (),
        _upto: usize,
    ) {
    }
    fn jac_output<'a, const D: usize>(_jacs: &'a (), j_in: &'a [f32]) -> &'a [f32] {
        j_in
    }
    fn jac_grads<const D: usize>(_jacs: &mut (), _k: usize) -> Option<(&[f32], &mut [f32])> {
        None
    }
    fn clear_jac_grads<const D: usize>(_jacs: &mut (), _upto: usize) {}
    fn jac_backward<const B: usize, const D: usize>(
        &self,
        _bufs: &mut (),
        _row: usize,
        _j_in: &[f32],
        _g_in: &mut [f32],
        _jacs: &mut (),
        _grads: &mut Self,
        _upto: usize,
    ) {
    }
}

/// An encoder, an inner stack and a tied decoder: `I -> H -> (M) -> H -> I`.
///
/// Layers: the encoder, then `M`'s layers, then the decoder. Tensors: `enc.w`, `enc.b`,
/// `M`'s tensors, then the decoder's `b`.
///
/// ```
/// use staticnets::layers::{Activation, Dense, Identity, Tied};
/// // 64-32-64 with tied weights: 64*32 + 32 + 64 parameters.
/// static AE: Tied<64, 32> = Tied::new(Dense::new(Activation::Relu), Identity, Activation::Linear);
/// assert_eq!(AE.b.len(), 64);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tied<const I: usize, const H: usize, M = Identity<H>> {
    /// The encoder, whose `w` the decoder shares.
    pub enc: Dense<I, H>,
    /// The inner stack.
    pub inner: M,
    /// The decoder's bias.
    pub b: [f32; I],
    /// The decoder's activation.
    pub act: Activation,
}

impl<const I: usize, const H: usize, M> Tied<I, H, M> {
    /// A tied pair around `inner`, with zero decoder bias.
    pub const fn new(enc: Dense<I, H>, inner: M, act: Activation) -> Self {
        Tied {
            enc,
            inner,
            b: [0.0; I],
            act,
        }
    }
}

impl<const I: usize, const H: usize, M> Layers for Tied<I, H, M>
where
    M: Layers<Input = Dim<H>, Output = Dim<H>>,
{
    type Input = Dim<I>;
    type Output = Dim<I>;
    const NIN: usize = I;
    const NOUT: usize = I;
    const LAYERS: usize = M::LAYERS + 2;
    const TENSORS: usize = M::TENSORS + 3;
    const PARAMS: usize = I * H + H + M::PARAMS + I;
    const ZERO: Self = Tied {
        enc: Dense::ZERO,
        inner: M::ZERO,
        b: [0.0; I],
        act: Activation::Linear,
    };
    type Bufs<const B: usize> = (LayerBuf<B, H>, M::Bufs<B>, LayerBuf<B, I>);
    type Jacs<const D: usize> = (JacBuf<D, H>, M::Jacs<D>, JacBuf<D, I>);
    type InBuf<const B: usize> = InputBuf<B, I>;
    type JacIn<const D: usize> = JacInBuf<I, D>;
    const JACOBIANS: bool = M::JACOBIANS;

    fn describe(&self, arch: &mut Arch) {
        arch.bytes(b"tied(");
        self.enc.describe(arch);
        self.inner.describe(arch);
        arch.layer("decoder", &[H, I], self.act);
        arch.bytes(b")");
    }

    fn init(&mut self, rng: &mut XorShift) {
        self.enc.init(rng);
        self.inner.init(rng);
        self.b = [0.0; I];
    }

    fn facts(&self, k: usize) -> Option<LayerFacts> {
        match k {
            0 => Some(LayerFacts::dense(self.enc.act)),
            k if k == M::LAYERS + 1 => Some(LayerFacts::dense(self.act)),
            k if k > M::LAYERS + 1 => None,
            k => self.inner.facts(k - 1),
        }
    }

    fn set_activation(&mut self, k: usize, act: Activation) -> bool {
        match k {
            0 => self.enc.set_activation(0, act),
            k if k == M::LAYERS + 1 => {
                self.act = act;
                true
            }
            k if k > M::LAYERS + 1 => false,
            k => self.inner.set_activation(k - 1, act),
        }
    }

    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        match i {
            0 | 1 => self.enc.tensor(i, layer0),
            i if i == M::TENSORS + 2 => Some(Tensor {
                layer: layer0 + M::LAYERS + 1,
                kind: ParamKind::Bias,
                rows: 1,
                cols: I,
                data: &self.b,
            }),
            i if i > M::TENSORS + 2 => None,
            i => self.inner.tensor(i - 2, layer0 + 1),
        }
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        match i {
            0 | 1 => self.enc.tensor_mut(i),
            i if i == M::TENSORS + 2 => Some(&mut self.b),
            i if i > M::TENSORS + 2 => None,
            i => self.inner.tensor_mut(i - 2),
        }
    }

    fn forward<const B: usize>(
        &self,
        x: &[f32],
        rows: usize,
        bufs: &mut Self::Bufs<B>,
        layer0: usize,
        c: &mut Corruptor,
    ) {
        let (eb, mb, db) = bufs;
        self.enc.forward(x, rows, eb, layer0, c);
        let h = Dense::<I, H>::output(eb, x);
        self.inner.forward(h, rows, mb, layer0 + 1, c);
        let h = M::output(mb, h);
        // the decoder: `pre = b + h W^T`, `out = act(pre)`, as the stack's layer after `M`'s
        let w = self.enc.w.as_flattened();
        forward_layer(db, layer0 + 1 + M::LAYERS, self.act, c, |db| {
            db.rows = rows;
            kernels::affine_t(h, w, &self.b, db.pre.as_flattened_mut(), rows, H, I);
            db.activate(self.act);
        });
    }

    fn output<'a, const B: usize>(bufs: &'a Self::Bufs<B>, _x: &'a [f32]) -> &'a [f32] {
        &bufs.2.out.as_flattened()[..bufs.2.rows * I]
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut Self::Bufs<B>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let (eb, mb, db) = bufs;
        let rows = db.rows;
        db.backward_activation(self.act);
        let d = &db.d_pre.as_flattened()[..rows * I];
        kernels::acc_rows(d, &mut grads.b, rows, I);
        // The decoder's input h and its gradient: the inner stack's last layer, or the encoder.
        let (h, dh) = match M::output_and_grad(mb) {
            Some(pair) => pair,
            None => {
                let n = eb.rows * H;
                (
                    &eb.out.as_flattened()[..n],
                    &mut eb.d_out.as_flattened_mut()[..n],
                )
            }
        };
        kernels::acc_outer(d, h, grads.enc.w.as_flattened_mut(), rows, I, H);
        kernels::back_affine_t(self.enc.w.as_flattened(), d, dh, rows, H, I);
        let n = eb.rows * H;
        self.inner.backward(
            &eb.out.as_flattened()[..n],
            mb,
            &mut grads.inner,
            &mut eb.d_out.as_flattened_mut()[..n],
        );
        self.enc.backward(x, eb, &mut grads.enc, dx);
    }

    fn output_and_grad<const B: usize>(bufs: &mut Self::Bufs<B>) -> Option<(&[f32], &mut [f32])> {
        Dense::<H, I>::output_and_grad(&mut bufs.2)
    }

    fn view<'a, const B: usize>(
        &self,
        bufs: &'a Self::Bufs<B>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputView<'a>> {
        match k {
            0 => Some(bufs.0.view(layer0, self.enc.act)),
            k if k == M::LAYERS + 1 => Some(bufs.2.view(layer0 + k, self.act)),
            k if k > M::LAYERS + 1 => None,
            k => self.inner.view(&bufs.1, k - 1, layer0 + 1),
        }
    }

    fn grads<'a, const B: usize>(
        &self,
        bufs: &'a mut Self::Bufs<B>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputGrads<'a>> {
        match k {
            0 => Some(bufs.0.grads(layer0, self.enc.act)),
            k if k == M::LAYERS + 1 => Some(bufs.2.grads(layer0 + k, self.act)),
            k if k > M::LAYERS + 1 => None,
            k => self.inner.grads(&mut bufs.1, k - 1, layer0 + 1),
        }
    }

    fn clear_grads<const B: usize>(bufs: &mut Self::Bufs<B>) {
        bufs.0.clear_grads();
        M::clear_grads(&mut bufs.1);
        bufs.2.clear_grads();
    }

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &Self::Bufs<B>,
        row: usize,
        j_in: &[f32],
        jacs: &mut Self::Jacs<D>,
        upto: usize,
    ) {
        let (ej, mj, dj) = jacs;
        self.enc.jac_forward(&bufs.0, row, j_in, ej, upto);
        let jh = ej.j.as_flattened();
        self.inner
            .jac_forward(&bufs.1, row, jh, mj, upto.saturating_sub(1));
        if upto > M::LAYERS + 1 {
            let jh = M::jac_output(mj, jh);
            jac_forward_affine(
                self.enc.w.as_flattened(),
                |h, i| Some(i * H + h),
                H,
                1,
                &bufs.2,
                self.act,
                row,
                jh,
                dj,
            );
        }
    }

    fn jac_output<'a, const D: usize>(jacs: &'a Self::Jacs<D>, _j_in: &'a [f32]) -> &'a [f32] {
        jacs.2.j.as_flattened()
    }

    fn jac_grads<const D: usize>(
        jacs: &mut Self::Jacs<D>,
        k: usize,
    ) -> Option<(&[f32], &mut [f32])> {
        match k {
            0 => Some((jacs.0.j.as_flattened(), jacs.0.g.as_flattened_mut())),
            k if k == M::LAYERS + 1 => Some((jacs.2.j.as_flattened(), jacs.2.g.as_flattened_mut())),
            k if k > M::LAYERS + 1 => None,
            k => M::jac_grads(&mut jacs.1, k - 1),
        }
    }

    fn clear_jac_grads<const D: usize>(jacs: &mut Self::Jacs<D>, upto: usize) {
        Dense::<I, H>::clear_jac_grads(&mut jacs.0, upto);
        M::clear_jac_grads(&mut jacs.1, upto.saturating_sub(1));
        Dense::<H, I>::clear_jac_grads(&mut jacs.2, upto.saturating_sub(M::LAYERS + 1));
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
        let (ej, mj, dj) = jacs;
        if upto > M::LAYERS + 1 {
            let (jh, gh) = match M::jac_grads(mj, M::LAYERS.wrapping_sub(1)) {
                Some(pair) => pair,
                None => (ej.j.as_flattened(), ej.g.as_flattened_mut()),
            };
            jac_backward_affine(
                self.enc.w.as_flattened(),
                grads.enc.w.as_flattened_mut(),
                |h, i| Some(i * H + h),
                H,
                1,
                &mut bufs.2,
                self.act,
                row,
                jh,
                gh,
                dj,
            );
        }
        self.inner.jac_backward(
            &mut bufs.1,
            row,
            ej.j.as_flattened(),
            ej.g.as_flattened_mut(),
            mj,
            &mut grads.inner,
            upto.saturating_sub(1),
        );
        self.enc
            .jac_backward(&mut bufs.0, row, j_in, g_in, ej, &mut grads.enc, upto);
    }
}
