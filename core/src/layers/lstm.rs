//! A long short-term memory layer over `T` time steps (theanets' `lstm`).
//!
//! Rows are sequences as for [`Rnn`](super::Rnn): `T` blocks of `I` inputs, `T` blocks of
//! `H` outputs. Gate order in every `4H` block is (i, f, c, o). With `h_{-1} = c_{-1} = 0`
//! and `z_t = b + x_t W_xh + h_{t-1} W_hh`:
//!
//! ```text
//! i_t = sigmoid(z_i + c_{t-1} * ci)      (peephole terms only when `peepholes`)
//! f_t = sigmoid(z_f + c_{t-1} * cf)
//! g_t = tanh(z_c)
//! c_t = f_t * c_{t-1} + i_t * g_t
//! o_t = sigmoid(z_o + c_t * co)
//! h_t = o_t * tanh(c_t)
//! ```
//!
//! The layer's output is `h` (then dropout and noise per element and step); its `:pre` is the
//! clean `h`, since the LSTM has no single pre-activation. Backward, for `t = T-1 .. 0`, with
//! `dh = (gradient reaching out_t) * mask + dz_{t+1} W_hh^T` and `dc` carried back:
//!
//! ```text
//! dz_o = dh * tanh(c_t) * o (1 - o)
//! dc   = dh * o (1 - tanh(c_t)^2) + dc_{from t+1} + dz_o * co
//! dz_i = dc * g * i (1 - i);  dz_f = dc * c_{t-1} * f (1 - f);  dz_c = dc * i (1 - g^2)
//! dc_{to t-1} = dc * f + dz_i * ci + dz_f * cf
//! dW_xh += x_t^T dz;  dW_hh += h_{t-1}^T dz;  db += dz;  dx_t += dz W_xh^T
//! dci += dz_i * c_{t-1};  dcf += dz_f * c_{t-1};  dco += dz_o * c_t
//! ```
//!
//! Parameters: `xh` (`I x 4H`), `hh` (`H x 4H`), `b` (`4H`), `p` (the peepholes `ci, cf, co`,
//! `3H`; held at zero when `peepholes` is off). Biases and peepholes start at zero.

use super::plumbing::no_jacobian;
use super::{
    Activation, Corruptor, Dim, InputBuf, JacBuf, JacInBuf, LayerBuf, Layers, OutputGrads,
    OutputView, ParamKind, Tensor, Zeroed, activation::sigmoid, dense::init_weights,
};
use crate::kernels;
use crate::rng::XorShift;

/// An LSTM layer: `I` inputs and `H` units per step, `T` steps; `TI = T * I`, `TH = T * H`.
///
/// ```
/// use staticnets::layers::{Activation, Layers, Lstm, TimeDense};
/// type Body = (Lstm<1, 8, 20, 20, 160>, TimeDense<8, 1, 20, 160, 20>);
/// let body: Body = (Lstm::new(true), TimeDense::new(Activation::Linear));
/// assert_eq!(<Body as Layers>::PARAMS, (1 * 32 + 8 * 32 + 32 + 24) + (8 + 1));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Lstm<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> {
    /// Input weights `xh[i][gate][j]`.
    pub xh: [[[f32; H]; 4]; I],
    /// Recurrent weights `hh[k][gate][j]`.
    pub hh: [[[f32; H]; 4]; H],
    /// Biases `b[gate][j]`.
    pub b: [[f32; H]; 4],
    /// Peepholes `p[0] = ci`, `p[1] = cf`, `p[2] = co`.
    pub p: [[f32; H]; 3],
    /// Whether the peepholes are used (and trained).
    pub peepholes: bool,
}

impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize>
    Lstm<I, H, T, TI, TH>
{
    /// A layer with zero parameters; [`Layers::init`] draws them.
    pub const fn new(peepholes: bool) -> Self {
        const {
            assert!(
                TI == T * I && TH == T * H && T > 0,
                "Lstm<I, H, T, TI, TH> needs TI = T * I and TH = T * H"
            )
        };
        Lstm {
            xh: [[[0.0; H]; 4]; I],
            hh: [[[0.0; H]; 4]; H],
            b: [[0.0; H]; 4],
            p: [[0.0; H]; 3],
            peepholes,
        }
    }
}

/// The LSTM's buffers: the usual [`LayerBuf`] (its `pre` is the clean `h`) plus every step's
/// gates (after their nonlinearities: i, f, g, o) and cell state, kept for backpropagation
/// through time.
#[derive(Clone, Debug)]
pub struct LstmBuf<const B: usize, const H: usize, const T: usize, const TH: usize> {
    /// Outputs and their gradients.
    pub base: LayerBuf<B, TH>,
    /// `gates[row][t] = [i, f, g, o]`.
    pub gates: [[[[f32; H]; 4]; T]; B],
    /// `cell[row][t] = c_t`.
    pub cell: [[[f32; H]; T]; B],
}

impl<const B: usize, const H: usize, const T: usize, const TH: usize> Zeroed
    for LstmBuf<B, H, T, TH>
{
    const ZERO: Self = LstmBuf {
        base: LayerBuf::ZERO,
        gates: [[[[0.0; H]; 4]; T]; B],
        cell: [[[0.0; H]; T]; B],
    };
}

impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> Layers
    for Lstm<I, H, T, TI, TH>
{
    type Input = Dim<TI>;
    type Output = Dim<TH>;
    const NIN: usize = TI;
    const NOUT: usize = TH;
    const LAYERS: usize = 1;
    const TENSORS: usize = 4;
    const PARAMS: usize = I * 4 * H + H * 4 * H + 4 * H + 3 * H;
    const ACT_FLOATS_PER_ROW: usize = 5 * TH + 5 * TH;
    const JAC_ROWS: usize = TH;
    const ZERO: Self = Lstm::new(false);
    const STEPS: usize = T;
    type Bufs<const B: usize> = LstmBuf<B, H, T, TH>;
    type Jacs<const D: usize> = JacBuf<D, TH>;
    type InBuf<const B: usize> = InputBuf<B, TI>;
    type JacIn<const D: usize> = JacInBuf<TI, D>;

    no_jacobian!();

    fn init(&mut self, rng: &mut XorShift) {
        init_weights(self.xh.as_flattened_mut().as_flattened_mut(), I, 4 * H, rng);
        init_weights(self.hh.as_flattened_mut().as_flattened_mut(), H, 4 * H, rng);
        self.b = [[0.0; H]; 4];
        self.p = [[0.0; H]; 3];
    }

    fn activation(&self, k: usize) -> Option<Activation> {
        // h is linear in what later layers see: the gates carry the nonlinearity.
        (k == 0).then_some(Activation::Linear)
    }

    fn set_activation(&mut self, _k: usize, _act: Activation) -> bool {
        false // an LSTM has no activation to choose
    }

    fn sequence(&self, k: usize) -> bool {
        k == 0
    }

    fn has_jacobian(&self, k: usize) -> bool {
        k != 0
    }

    fn recurrent(&self, k: usize) -> bool {
        k == 0
    }

    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        let t = |kind, rows, cols, data| Tensor {
            layer: layer0,
            kind,
            rows,
            cols,
            data,
        };
        match i {
            0 => Some(t(
                ParamKind::InputWeight,
                I,
                4 * H,
                self.xh.as_flattened().as_flattened(),
            )),
            1 => Some(t(
                ParamKind::RecurrentWeight,
                H,
                4 * H,
                self.hh.as_flattened().as_flattened(),
            )),
            2 => Some(t(ParamKind::Bias, 1, 4 * H, self.b.as_flattened())),
            3 => Some(t(ParamKind::Peephole, 1, 3 * H, self.p.as_flattened())),
            _ => None,
        }
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        match i {
            0 => Some(self.xh.as_flattened_mut().as_flattened_mut()),
            1 => Some(self.hh.as_flattened_mut().as_flattened_mut()),
            2 => Some(self.b.as_flattened_mut()),
            3 => Some(self.p.as_flattened_mut()),
            _ => None,
        }
    }

    fn forward<const B: usize>(
        &self,
        x: &[f32],
        rows: usize,
        bufs: &mut LstmBuf<B, H, T, TH>,
        layer0: usize,
        corrupt: &mut Corruptor,
    ) {
        let LstmBuf { base, gates, cell } = bufs;
        base.rows = rows;
        base.steps = T;
        base.recurrent = true;
        let peep = if self.peepholes { 1.0 } else { 0.0 };
        for r in 0..rows {
            let xrow = &x[r * TI..(r + 1) * TI];
            let (mut h, mut c) = ([0.0f32; H], [0.0f32; H]);
            for t in 0..T {
                let mut z = self.b;
                for i in 0..I {
                    kernels::axpy(
                        xrow[t * I + i],
                        self.xh[i].as_flattened(),
                        z.as_flattened_mut(),
                    );
                }
                if t > 0 {
                    for k in 0..H {
                        kernels::axpy(h[k], self.hh[k].as_flattened(), z.as_flattened_mut());
                    }
                }
                let g = &mut gates[r][t];
                for j in 0..H {
                    let ig = sigmoid(z[0][j] + peep * c[j] * self.p[0][j]);
                    let fg = sigmoid(z[1][j] + peep * c[j] * self.p[1][j]);
                    let gg = libm::tanhf(z[2][j]);
                    let cj = fg * c[j] + ig * gg;
                    let og = sigmoid(z[3][j] + peep * cj * self.p[2][j]);
                    (g[0][j], g[1][j], g[2][j], g[3][j]) = (ig, fg, gg, og);
                    c[j] = cj;
                    h[j] = og * libm::tanhf(cj);
                }
                cell[r][t] = c;
                base.pre[r][t * H..(t + 1) * H].copy_from_slice(&h);
            }
        }
        base.activate(Activation::Linear, layer0, corrupt);
    }

    fn output<'a, const B: usize>(bufs: &'a LstmBuf<B, H, T, TH>, _x: &'a [f32]) -> &'a [f32] {
        &bufs.base.out.as_flattened()[..bufs.base.rows * TH]
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LstmBuf<B, H, T, TH>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let LstmBuf { base, gates, cell } = bufs;
        // d_pre += mask * d_out: the direct gradient reaching each clean h_t.
        base.backward_activation(Activation::Linear);
        let peep = if self.peepholes { 1.0 } else { 0.0 };
        for r in 0..base.rows {
            let xrow = &x[r * TI..(r + 1) * TI];
            let (mut dh_rec, mut dc_next) = ([0.0f32; H], [0.0f32; H]);
            for t in (0..T).rev() {
                let [ig, fg, gg, og] = &gates[r][t];
                let c_t = &cell[r][t];
                let c_prev = if t > 0 { cell[r][t - 1] } else { [0.0; H] };
                let mut dz = [[0.0f32; H]; 4];
                for j in 0..H {
                    let dh = base.d_pre[r][t * H + j] + dh_rec[j];
                    let tc = libm::tanhf(c_t[j]);
                    let dzo = dh * tc * og[j] * (1.0 - og[j]);
                    let dc = dh * og[j] * (1.0 - tc * tc) + dc_next[j] + peep * dzo * self.p[2][j];
                    let dzi = dc * gg[j] * ig[j] * (1.0 - ig[j]);
                    let dzf = dc * c_prev[j] * fg[j] * (1.0 - fg[j]);
                    let dzc = dc * ig[j] * (1.0 - gg[j] * gg[j]);
                    dc_next[j] = dc * fg[j] + peep * (dzi * self.p[0][j] + dzf * self.p[1][j]);
                    if self.peepholes {
                        grads.p[0][j] += dzi * c_prev[j];
                        grads.p[1][j] += dzf * c_prev[j];
                        grads.p[2][j] += dzo * c_t[j];
                    }
                    (dz[0][j], dz[1][j], dz[2][j], dz[3][j]) = (dzi, dzf, dzc, dzo);
                }
                let dzf = dz.as_flattened();
                kernels::axpy(1.0, dzf, grads.b.as_flattened_mut());
                for i in 0..I {
                    let xi = xrow[t * I + i];
                    if xi != 0.0 {
                        kernels::axpy(xi, dzf, grads.xh[i].as_flattened_mut());
                    }
                    dx[r * TI + t * I + i] += kernels::dot(self.xh[i].as_flattened(), dzf);
                }
                if t > 0 {
                    for k in 0..H {
                        let hk = base.pre[r][(t - 1) * H + k];
                        if hk != 0.0 {
                            kernels::axpy(hk, dzf, grads.hh[k].as_flattened_mut());
                        }
                        dh_rec[k] = kernels::dot(self.hh[k].as_flattened(), dzf);
                    }
                }
            }
        }
    }

    fn output_and_grad<const B: usize>(
        bufs: &mut LstmBuf<B, H, T, TH>,
    ) -> Option<(&[f32], &mut [f32])> {
        let n = bufs.base.rows * TH;
        Some((
            &bufs.base.out.as_flattened()[..n],
            &mut bufs.base.d_out.as_flattened_mut()[..n],
        ))
    }

    fn view<'a, const B: usize>(
        &self,
        bufs: &'a LstmBuf<B, H, T, TH>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputView<'a>> {
        (k == 0).then(|| bufs.base.view(layer0, Activation::Linear))
    }

    fn grads<'a, const B: usize>(
        &self,
        bufs: &'a mut LstmBuf<B, H, T, TH>,
        k: usize,
        layer0: usize,
    ) -> Option<OutputGrads<'a>> {
        (k == 0).then(|| bufs.base.grads(layer0, Activation::Linear))
    }

    fn clear_grads<const B: usize>(bufs: &mut LstmBuf<B, H, T, TH>) {
        bufs.base.clear_grads();
    }
}
