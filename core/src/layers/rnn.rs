//! An Elman recurrent layer over `T` time steps (theanets' `rnn`).
//!
//! A row is one sequence, time-major: `x` is `T` blocks of `I` inputs (`TI = T * I` values),
//! the output `T` blocks of `H` units (`TH = T * H`). Stable Rust cannot write `T * I` in a
//! type, so both products are parameters too, checked when the layer is made (a mismatch is
//! a compile error where `new` is used in a `const` or `static`).
//!
//! Forward, for each sequence, with `h_{-1} = 0`:
//!   `pre_t = b + x_t W_xh + h_{t-1} W_hh`, `h_t = act(pre_t)`;
//!   `out = act(pre)`, then dropout and noise per element and time step. The recurrence uses
//!   the clean `h_t` (corruption acts on what later layers and losses see).
//! Backward (full backpropagation through time), with `g_t` the gradient reaching `out_t`:
//!   `d_pre_t = act'(pre_t) * (mask_t * g_t + d_pre_{t+1} W_hh^T)` for `t = T-1 .. 0`;
//!   `dW_xh += sum_t x_t^T d_pre_t`, `dW_hh += sum_{t>=1} h_{t-1}^T d_pre_t`,
//!   `db += sum_t d_pre_t`, `dx_t += d_pre_t W_xh^T`.
//! Parameters: `xh` (`I x H`), `hh` (`H x H`), `b` (`H`), named `hidN.xh`, `hidN.hh`, `hidN.b`.
//! Jacobian (for `contractive`, one sequence, with respect to the `D`-wide network input):
//!   `M_t = W_xh^T J_{x_t} + W_hh^T Jc_{t-1}`, `Jc_t = diag(act'(pre_t)) M_t` (the clean
//!   state's), and the output's `J_t = diag(mask_t) Jc_t`. Its backward, given `G = dR/dJ`,
//!   from `t = T-1` down, with `Gc_t = diag(mask_t) G_t + W_hh Gm_{t+1}` and
//!   `Gm_t = diag(act'(pre_t)) Gc_t`: `d_pre_t += act''(pre_t) * rowsum(Gc_t * M_t)`,
//!   `dW_xh += J_{x_t} Gm_t^T`, `dW_hh += Jc_{t-1} Gm_t^T`, `G_{x_t} += W_xh Gm_t`.

use super::activation::Activation;
use super::buffers::{Dim, JacBuf, LayerBuf, ParamKind, Tensor};
use super::dense::{affine_backward, init_weights};
use super::layer::{Jacobian, Layer};
use super::stack::Arch;
use crate::kernels;
use crate::rng::XorShift;

/// The first step backpropagation through time reaches with `bptt_limit` (0: no limit).
pub(crate) const fn window_start(steps: usize, limit: usize) -> usize {
    if limit == 0 || limit >= steps {
        0
    } else {
        steps - limit
    }
}

/// An Elman layer: `I` inputs and `H` units per step, `T` steps; `TI = T * I`, `TH = T * H`.
///
/// ```
/// use staticnets::layers::{Activation, Layers, Rnn, TimeDense};
/// // 20 steps of 1 input -> 8 tanh units -> 1 linear output per step
/// type Body = (Rnn<1, 8, 20, 20, 160>, TimeDense<8, 1, 20, 160, 20>);
/// static NET: Body = (Rnn::new(Activation::Tanh), TimeDense::new(Activation::Linear));
/// assert_eq!(<Body as Layers>::NIN, 20);
/// assert_eq!(<Body as Layers>::PARAMS, (1 * 8 + 8 * 8 + 8) + (8 + 1));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Rnn<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> {
    /// Input-to-hidden weights, `xh[i][j]`.
    pub xh: [[f32; H]; I],
    /// Hidden-to-hidden weights, `hh[k][j]` (from unit `k` at `t-1` to unit `j` at `t`).
    pub hh: [[f32; H]; H],
    /// Biases.
    pub b: [f32; H],
    /// Activation (not softmax).
    pub act: Activation,
    /// theanets' `bptt_limit`: when non-zero, backpropagation through time covers only the
    /// last `bptt_limit` steps of each sequence (the state entering them is taken as given,
    /// and whatever gradient reaches earlier steps, from losses or penalties, is dropped), as
    /// Theano's `truncate_gradient`. 0: full BPTT.
    pub bptt_limit: usize,
}

impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize>
    Rnn<I, H, T, TI, TH>
{
    /// A layer with zero parameters; [`Layer::init`] draws them.
    pub const fn new(act: Activation) -> Self {
        const {
            assert!(
                TI == T * I && TH == T * H && T > 0,
                "Rnn<I, H, T, TI, TH> needs TI = T * I and TH = T * H"
            )
        };
        Rnn {
            xh: [[0.0; H]; I],
            hh: [[0.0; H]; H],
            b: [0.0; H],
            act,
            bptt_limit: 0,
        }
    }

    /// The same layer with truncated backpropagation through time (see `bptt_limit`).
    pub const fn with_bptt_limit(mut self, steps: usize) -> Self {
        self.bptt_limit = steps;
        self
    }
}

impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> Layer
    for Rnn<I, H, T, TI, TH>
{
    type Input = Dim<TI>;
    type Output = Dim<TH>;
    const NIN: usize = TI;
    const NOUT: usize = TH;
    const TENSORS: usize = 3;
    const PARAMS: usize = I * H + H * H + H;
    const ZERO: Self = Rnn::new(Activation::Linear);
    const STEPS: usize = T;
    const IN_STEPS: usize = T;
    const SEQUENCE: bool = true;
    const RECURRENT: bool = true;
    type Jacobian = Self;
    type Buf<const B: usize> = LayerBuf<B, TH>;

    fn activation(&self) -> Activation {
        self.act
    }

    fn set_activation(&mut self, act: Activation) -> bool {
        self.act = act;
        true
    }

    fn describe(&self, arch: &mut Arch) {
        arch.layer("rnn", &[I, H, T], self.act);
    }

    fn init(&mut self, rng: &mut XorShift) {
        init_weights(self.xh.as_flattened_mut(), I, H, rng);
        init_weights(self.hh.as_flattened_mut(), H, H, rng);
        self.b = [0.0; H];
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
            0 => Some(t(ParamKind::InputWeight, I, H, self.xh.as_flattened())),
            1 => Some(t(ParamKind::RecurrentWeight, H, H, self.hh.as_flattened())),
            2 => Some(t(ParamKind::Bias, 1, H, &self.b)),
            _ => None,
        }
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        match i {
            0 => Some(self.xh.as_flattened_mut()),
            1 => Some(self.hh.as_flattened_mut()),
            2 => Some(&mut self.b),
            _ => None,
        }
    }

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut LayerBuf<B, TH>) {
        bufs.rows = rows;
        bufs.steps = T;
        bufs.recurrent = true;
        // One time step of every sequence at once: pre_t (rows x H, rows TH apart) =
        // b + X_t W_xh (X_t: rows TI apart), then += H_{t-1} W_hh, with the clean
        // H_{t-1} = act(pre_{t-1}) kept in `out` meanwhile (`activate` rewrites `out` from
        // `pre` below, then corrupts it). Each element sums b, then over i, then over k.
        let (pre, out) = (bufs.pre.as_flattened_mut(), bufs.out.as_flattened_mut());
        let xh = kernels::Operand::rows(self.xh.as_flattened(), H);
        let hh = kernels::Operand::rows(self.hh.as_flattened(), H);
        for t in 0..T {
            let step = kernels::Product {
                m: rows,
                n: H,
                k: I,
                a: kernels::Operand::rows(&x[t * I..], TI),
                b: xh,
                bias: Some(&self.b),
                ldc: TH,
            };
            kernels::product(&step, &mut pre[t * H..]);
            if t > 0 {
                let recur = kernels::Product {
                    m: rows,
                    n: H,
                    k: H,
                    a: kernels::Operand::rows(&out[(t - 1) * H..], TH),
                    b: hh,
                    bias: None,
                    ldc: TH,
                };
                kernels::product(&recur, &mut pre[t * H..]);
            }
            for r in 0..rows {
                let span = r * TH + t * H..r * TH + (t + 1) * H;
                self.act.apply_slice(&pre[span.clone()], &mut out[span]);
            }
        }
        bufs.activate(self.act);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LayerBuf<B, TH>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let rows = bufs.rows;
        // The direct part, every step: d_pre += act'(pre) * mask * d_out.
        bufs.backward_activation(self.act);
        let t0 = window_start(T, self.bptt_limit);
        // Time steps of every sequence at once, from the last down: the gradient reaching
        // h_{t-1} through the recurrence is G = d_pre_t W_hh^T (rows x H), then
        // d_pre_{t-1} += act'(pre_{t-1}) * G. `d_out` is free scratch for G by now: its
        // contribution went into `d_pre` above and nothing reads it after this pass.
        let hh = self.hh.as_flattened();
        let (pre, d_pre, scratch) = (
            bufs.pre.as_flattened(),
            bufs.d_pre.as_flattened_mut(),
            bufs.d_out.as_flattened_mut(),
        );
        for r in 0..rows {
            d_pre[r * TH..r * TH + t0 * H].fill(0.0); // steps before the window pass nothing
        }
        for t in (t0 + 1..T).rev() {
            for r in 0..rows {
                scratch[r * H..(r + 1) * H].fill(0.0);
            }
            let through = kernels::Product {
                m: rows,
                n: H,
                k: H,
                a: kernels::Operand::rows(&d_pre[t * H..], TH),
                b: kernels::Operand::transposed(hh, H),
                bias: None,
                ldc: H,
            };
            kernels::product(&through, scratch);
            for r in 0..rows {
                let before = r * TH + (t - 1) * H;
                for k in 0..H {
                    d_pre[before + k] += self.act.d1(pre[before + k]) * scratch[r * H + k];
                }
            }
        }
        // dW_hh += sum_t h_{t-1}^T d_pre_t, with the clean h_{t-1} = act(pre_{t-1}) made in
        // the scratch (`out` holds the corrupted outputs, which the monitors still read).
        let h = scratch;
        for r in 0..rows {
            let span = r * TH..(r + 1) * TH;
            self.act.apply_slice(&pre[span.clone()], &mut h[span]);
        }
        for t in t0.max(1)..T {
            let outer = kernels::Product {
                m: H,
                n: H,
                k: rows,
                a: kernels::Operand::transposed(&h[(t - 1) * H..], TH),
                b: kernels::Operand::rows(&d_pre[t * H..], TH),
                bias: None,
                ldc: H,
            };
            kernels::product(&outer, grads.hh.as_flattened_mut());
        }
        let n = rows * T;
        let d = &bufs.d_pre.as_flattened()[..rows * TH];
        let (gw, gb) = (grads.xh.as_flattened_mut(), &mut grads.b);
        affine_backward(x, self.xh.as_flattened(), d, gw, gb, dx, n, I, H);
    }
}

/// Its exact per-example Jacobian and the Jacobian's gradient (for `contractive`).
impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> Jacobian
    for Rnn<I, H, T, TI, TH>
{
    type Jac<const D: usize> = JacBuf<D, TH>;

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &LayerBuf<B, TH>,
        row: usize,
        j_in: &[f32],
        jacs: &mut JacBuf<D, TH>,
    ) {
        let pre = &bufs.pre[row];
        for t in 0..T {
            let (done, now) = jacs.m.split_at_mut(t * H);
            for j in 0..H {
                let m = &mut now[j];
                m.fill(0.0);
                for i in 0..I {
                    let c = self.xh[i][j];
                    if c != 0.0 {
                        kernels::axpy(c, &j_in[(t * I + i) * D..(t * I + i + 1) * D], m);
                    }
                }
                if t > 0 {
                    for k in 0..H {
                        // Jc_{t-1}[k] = act'(pre_{t-1,k}) M_{t-1}[k]
                        let c = self.hh[k][j] * self.act.d1(pre[(t - 1) * H + k]);
                        if c != 0.0 {
                            kernels::axpy(c, &done[(t - 1) * H + k], m);
                        }
                    }
                }
            }
        }
        let mut s = [0.0f32; TH];
        bufs.jac_scale(row, self.act, &mut s);
        for (u, (jj, mm)) in jacs.j.iter_mut().zip(&jacs.m).enumerate() {
            for (a, &b) in jj.iter_mut().zip(mm) {
                *a = s[u] * b;
            }
        }
    }

    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut LayerBuf<B, TH>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut JacBuf<D, TH>,
        grads: &mut Self,
    ) {
        // g becomes Gc (through the mask), then Gm in place, step by step from the end.
        if bufs.dropped {
            for (u, g) in jacs.g.iter_mut().enumerate() {
                let m = bufs.mask[row][u];
                for v in g.iter_mut() {
                    *v *= m;
                }
            }
        }
        for t in (0..T).rev() {
            for j in 0..H {
                let u = t * H + j;
                let p = bufs.pre[row][u];
                if !self.act.is_piecewise_linear() {
                    let dot = kernels::dot(&jacs.g[u], &jacs.m[u]);
                    bufs.d_pre[row][u] += self.act.d2(p) * dot;
                }
                let d1 = self.act.d1(p);
                for v in jacs.g[u].iter_mut() {
                    *v *= d1;
                }
            }
            let (before, now) = jacs.g.split_at_mut(t * H);
            let gm = &now[..H];
            for i in 0..I {
                let jx = &j_in[(t * I + i) * D..(t * I + i + 1) * D];
                for j in 0..H {
                    grads.xh[i][j] += kernels::dot(&gm[j], jx);
                }
                let gx = &mut g_in[(t * I + i) * D..(t * I + i + 1) * D];
                for j in 0..H {
                    let c = self.xh[i][j];
                    if c != 0.0 {
                        kernels::axpy(c, &gm[j], gx);
                    }
                }
            }
            if t > 0 {
                let mut jc = [0.0f32; D];
                for k in 0..H {
                    let u = (t - 1) * H + k;
                    let d1 = self.act.d1(bufs.pre[row][u]);
                    for (a, &b) in jc.iter_mut().zip(&jacs.m[u]) {
                        *a = d1 * b;
                    }
                    for j in 0..H {
                        grads.hh[k][j] += kernels::dot(&gm[j], &jc);
                        let c = self.hh[k][j];
                        if c != 0.0 {
                            kernels::axpy(c, &gm[j], &mut before[u]);
                        }
                    }
                }
            }
        }
    }
}
