//! A gated recurrent unit layer over `T` time steps (theanets' `gru`).
//!
//! Rows are sequences as for [`Rnn`](super::Rnn): `T` blocks of `I` inputs, `T` blocks of `H`
//! outputs. With `h_{-1} = 0`, for each step (as theanets defines it):
//!
//! ```text
//! r_t   = sigmoid(x_t W_r + b_r + h_{t-1} W_hr)          (the reset gate)
//! z_t   = sigmoid(x_t W_z + b_z + h_{t-1} W_hz)          (the rate)
//! pre_t = x_t W_h + b_h + (r_t * h_{t-1}) W_hh
//! c_t   = act(pre_t)                                      (the candidate)
//! h_t   = (1 - z_t) * h_{t-1} + z_t * c_t
//! ```
//!
//! The outputs are `:out`, `h` (then dropout and noise per element and step, which the
//! recurrence does not see), and `:pre`, the candidate's pre-activation (theanets' `:hid` and
//! `:rate` are not exposed). Backward, for `t = T-1 .. 0` (from `bptt_limit`'s window start),
//! with `dh` the gradient reaching the clean `h_t` (directly, through the mask, and from step
//! `t+1`), `hp = h_{t-1}`:
//!
//! ```text
//! dc  = dh * z;     dz = dh * (c - hp)
//! dpre = dc * act'(pre) + (dR/dpre from the penalties on :pre)
//! da_z = dz * z (1 - z);   drh = dpre W_hh^T;   da_r = drh * hp * r (1 - r)
//! dhp  = dh * (1 - z) + drh * r + da_z W_hz^T + da_r W_hr^T
//! dW_h += x^T dpre;  dW_r += x^T da_r;  dW_z += x^T da_z;  db += (dpre, da_r, da_z)
//! dW_hh += (r * hp)^T dpre;  dW_hr += hp^T da_r;  dW_hz += hp^T da_z
//! dx_t += dpre W_h^T + da_r W_r^T + da_z W_z^T
//! ```
//!
//! Parameters (theanets' names): `w` (`I x 3H`, the blocks in the order h, r, z), `b` (`3H`),
//! `hh`, `hr`, `hz` (`H x H` each). Biases start at zero.
//!
//! For `contractive`, the Jacobian of every step with respect to the network input is carried
//! forward through the same equations, differentiated (`Ja_r`, `Ja_z`, `Jpre`, `Jh`), and its
//! gradient is taken exactly in reverse: into the weights, into the input's Jacobian, and,
//! through the gates' and the activation's second derivatives, into per-step injections
//! `dR/dpre`, `dR/da_r`, `dR/da_z` and `dR/dh_{t-1}` that the ordinary backward pass adds in.

use super::activation::Activation;
use super::activation::sigmoid;
use super::buffers::{Dim, JacBuf, LayerBuf, OutputGrads, OutputView, ParamKind, Tensor, Zeroed};
use super::corrupt::Corruptor;
use super::dense::init_weights;
use super::layer::{Buffers, JacBuffers, Jacobian, Layer};
use super::rnn::window_start;
use super::stack::Arch;
use crate::kernels;
use crate::rng::XorShift;

/// The kinds of the GRU's own matrices: `hr` (hidden to reset gate), `hz` (hidden to rate).
const RESET: ParamKind = ParamKind::Other {
    suffix: "hr",
    matrix: true,
};
const RATE: ParamKind = ParamKind::Other {
    suffix: "hz",
    matrix: true,
};

/// A GRU layer: `I` inputs and `H` units per step, `T` steps; `TI = T * I`, `TH = T * H`.
///
/// ```
/// use staticnets::layers::{Activation, Gru, Layers, TimeDense};
/// type Body = (Gru<1, 8, 20, 20, 160>, TimeDense<8, 1, 20, 160, 20>);
/// static NET: Body = (Gru::new(Activation::Tanh), TimeDense::new(Activation::Linear));
/// assert_eq!(<Body as Layers>::PARAMS, (1 * 24 + 24 + 3 * 8 * 8) + (8 + 1));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Gru<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> {
    /// Input weights `w[i][gate][j]`, gates in the order (h, r, z).
    pub w: [[[f32; H]; 3]; I],
    /// Biases `b[gate][j]`.
    pub b: [[f32; H]; 3],
    /// Hidden-to-candidate weights `hh[k][j]`, applied to `r * h_{t-1}`.
    pub hh: [[f32; H]; H],
    /// Hidden-to-reset-gate weights `hr[k][j]`.
    pub hr: [[f32; H]; H],
    /// Hidden-to-rate weights `hz[k][j]`.
    pub hz: [[f32; H]; H],
    /// The candidate's activation (not softmax).
    pub act: Activation,
    /// theanets' `bptt_limit`, as for [`Rnn`](super::Rnn): 0 is full BPTT.
    pub bptt_limit: usize,
}

impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize>
    Gru<I, H, T, TI, TH>
{
    /// A layer with zero parameters; [`Layer::init`] draws them.
    pub const fn new(act: Activation) -> Self {
        const {
            assert!(
                TI == T * I && TH == T * H && T > 0,
                "Gru<I, H, T, TI, TH> needs TI = T * I and TH = T * H"
            )
        };
        Gru {
            w: [[[0.0; H]; 3]; I],
            b: [[0.0; H]; 3],
            hh: [[0.0; H]; H],
            hr: [[0.0; H]; H],
            hz: [[0.0; H]; H],
            act,
            bptt_limit: 0,
        }
    }

    /// The same layer with truncated backpropagation through time.
    pub const fn with_bptt_limit(mut self, steps: usize) -> Self {
        self.bptt_limit = steps;
        self
    }
}

/// The GRU's buffers: the usual [`LayerBuf`] (its `pre` holds the clean `h`, as the LSTM's
/// does) plus every step's candidate pre-activation, candidate, gates, and the gradients the
/// penalties and `contractive` leave for the backward pass.
#[derive(Clone, Debug)]
pub struct GruBuf<const B: usize, const H: usize, const T: usize, const TH: usize> {
    /// Outputs and their gradients (`base.pre`: the clean `h_t`).
    pub base: LayerBuf<B, TH>,
    /// `pre[row][t]`: the candidate's pre-activation, the `:pre` output.
    pub pre: [[[f32; H]; T]; B],
    /// `gates[row][t] = [c, r, z]`: the candidate and the gates.
    pub gates: [[[[f32; H]; 3]; T]; B],
    /// `dR/dpre` from the penalties on `:pre`.
    pub d_pre: [[[f32; H]; T]; B],
    /// What `contractive` adds to each step's `(dpre, da_r, da_z)`.
    pub inject: [[[[f32; H]; 3]; T]; B],
}

impl<const B: usize, const H: usize, const T: usize, const TH: usize> Zeroed
    for GruBuf<B, H, T, TH>
{
    const ZERO: Self = GruBuf {
        base: LayerBuf::ZERO,
        pre: [[[0.0; H]; T]; B],
        gates: [[[[0.0; H]; 3]; T]; B],
        d_pre: [[[0.0; H]; T]; B],
        inject: [[[[0.0; H]; 3]; T]; B],
    };
}

/// The GRU's per-example Jacobian buffers with respect to a `D`-wide network input: the
/// output's ([`JacBuf`]) and, per step, those of `a_r`, `a_z`, `pre` and the clean `h`.
#[derive(Clone, Debug)]
pub struct GruJacs<const D: usize, const H: usize, const T: usize, const TH: usize> {
    /// Output Jacobian and its gradient.
    pub base: JacBuf<D, TH>,
    /// `d a_r / d input`.
    pub jar: [[[f32; D]; H]; T],
    /// `d a_z / d input`.
    pub jaz: [[[f32; D]; H]; T],
    /// `d pre / d input`.
    pub jpre: [[[f32; D]; H]; T],
    /// `d h / d input` (clean).
    pub jh: [[[f32; D]; H]; T],
}

impl<const D: usize, const H: usize, const T: usize, const TH: usize> Zeroed
    for GruJacs<D, H, T, TH>
{
    const ZERO: Self = GruJacs {
        base: JacBuf::ZERO,
        jar: [[[0.0; D]; H]; T],
        jaz: [[[0.0; D]; H]; T],
        jpre: [[[0.0; D]; H]; T],
        jh: [[[0.0; D]; H]; T],
    };
}

/// `h_{t-1}` of one sequence (zero before the first step).
fn prev<const H: usize, const TH: usize>(h: &[f32; TH], t: usize) -> [f32; H] {
    let mut p = [0.0f32; H];
    if t > 0 {
        p.copy_from_slice(&h[(t - 1) * H..t * H]);
    }
    p
}

impl<const B: usize, const H: usize, const T: usize, const TH: usize> Buffers
    for GruBuf<B, H, T, TH>
{
    fn output(&self) -> &[f32] {
        self.base.output()
    }

    fn output_and_grad(&mut self) -> (&[f32], &mut [f32]) {
        self.base.output_and_grad()
    }

    // h is linear in `:out` (its `pre` holds the clean h); `:pre` is never corrupted.
    fn corrupt(&mut self, layer: usize, _act: Activation, corrupt: &mut Corruptor) {
        self.base.corrupt(layer, Activation::Linear, corrupt);
    }

    // The second port is `:pre`, the candidate's pre-activation: `pre` views it, `d_pre` is
    // the GRU's own `d_pre` (the base buffer's `pre` holds the clean h).
    fn view(&self, layer0: usize, _act: Activation) -> OutputView<'_> {
        let bufs = self;
        {
            let mut v = bufs.base.view(layer0, Activation::Linear);
            v.pre = &bufs.pre.as_flattened().as_flattened()[..bufs.base.rows * TH];
            v
        }
    }

    fn grads(&mut self, layer0: usize, _act: Activation) -> OutputGrads<'_> {
        let bufs = self;
        {
            let n = bufs.base.rows * TH;
            let GruBuf {
                base, pre, d_pre, ..
            } = bufs;
            let mut g = base.grads(layer0, Activation::Linear);
            g.view.pre = &pre.as_flattened().as_flattened()[..n];
            g.d_pre = &mut d_pre.as_flattened_mut().as_flattened_mut()[..n];
            g
        }
    }

    fn clear_grads(&mut self) {
        let bufs = self;
        bufs.base.clear_grads();
        let rows = bufs.base.rows;
        for r in bufs.inject.iter_mut().take(rows) {
            *r = [[[0.0; H]; 3]; T];
        }
        for r in bufs.d_pre.iter_mut().take(rows) {
            *r = [[0.0; H]; T];
        }
    }
}

impl<const D: usize, const H: usize, const T: usize, const TH: usize> JacBuffers
    for GruJacs<D, H, T, TH>
{
    fn output(&self) -> &[f32] {
        self.base.output()
    }

    fn grads(&mut self) -> (&[f32], &mut [f32]) {
        self.base.grads()
    }

    fn clear(&mut self) {
        self.base.clear()
    }
}

impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> Layer
    for Gru<I, H, T, TI, TH>
{
    type Input = Dim<TI>;
    type Output = Dim<TH>;
    const NIN: usize = TI;
    const NOUT: usize = TH;
    const TENSORS: usize = 5;
    const PARAMS: usize = I * 3 * H + 3 * H + 3 * H * H;
    const ZERO: Self = Gru::new(Activation::Linear);
    const STEPS: usize = T;
    const IN_STEPS: usize = T;
    const SEQUENCE: bool = true;
    const RECURRENT: bool = true;
    type Jacobian = Self;
    type Buf<const B: usize> = GruBuf<B, H, T, TH>;

    fn describe(&self, arch: &mut Arch) {
        arch.layer("gru", &[I, H, T], self.act);
    }

    fn init(&mut self, rng: &mut XorShift) {
        init_weights(self.w.as_flattened_mut().as_flattened_mut(), I, 3 * H, rng);
        init_weights(self.hh.as_flattened_mut(), H, H, rng);
        init_weights(self.hr.as_flattened_mut(), H, H, rng);
        init_weights(self.hz.as_flattened_mut(), H, H, rng);
        self.b = [[0.0; H]; 3];
    }

    fn activation(&self) -> Activation {
        self.act
    }

    fn set_activation(&mut self, act: Activation) -> bool {
        self.act = act;
        true
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
                ParamKind::Weight,
                I,
                3 * H,
                self.w.as_flattened().as_flattened(),
            )),
            1 => Some(t(ParamKind::Bias, 1, 3 * H, self.b.as_flattened())),
            2 => Some(t(ParamKind::RecurrentWeight, H, H, self.hh.as_flattened())),
            3 => Some(t(RESET, H, H, self.hr.as_flattened())),
            4 => Some(t(RATE, H, H, self.hz.as_flattened())),
            _ => None,
        }
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        match i {
            0 => Some(self.w.as_flattened_mut().as_flattened_mut()),
            1 => Some(self.b.as_flattened_mut()),
            2 => Some(self.hh.as_flattened_mut()),
            3 => Some(self.hr.as_flattened_mut()),
            4 => Some(self.hz.as_flattened_mut()),
            _ => None,
        }
    }

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut GruBuf<B, H, T, TH>) {
        let GruBuf {
            base, pre, gates, ..
        } = bufs;
        base.rows = rows;
        base.steps = T;
        base.recurrent = true;
        let w = self.w.as_flattened().as_flattened();
        let (g3, ldg) = (3 * H, 3 * H * T);
        for t in 0..T {
            // Every sequence's step t at once: a_r, a_z (in `gates`, rows 3TH apart) and the
            // candidate's x-part (in `pre`, rows TH apart) = b + x_t W, then the recurrent
            // products with the clean h_{t-1} (`base.pre`, rows TH apart). Each element sums
            // b, then over i, then over k, as a per-sequence loop would.
            let x_t = kernels::Operand::rows(&x[t * I..], TI);
            let gates_t = &mut gates
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut()[t * g3..];
            for g in 1..3 {
                let input = kernels::Product {
                    m: rows,
                    n: H,
                    k: I,
                    a: x_t,
                    b: kernels::Operand::rows(&w[g * H..], 3 * H),
                    bias: Some(&self.b[g]),
                    ldc: ldg,
                };
                kernels::product(&input, &mut gates_t[g * H..]);
                if t > 0 {
                    let wh = if g == 1 { &self.hr } else { &self.hz };
                    let recur = kernels::Product {
                        m: rows,
                        n: H,
                        k: H,
                        a: kernels::Operand::rows(&base.pre.as_flattened()[(t - 1) * H..], TH),
                        b: kernels::Operand::rows(wh.as_flattened(), H),
                        bias: None,
                        ldc: ldg,
                    };
                    kernels::product(&recur, &mut gates_t[g * H..]);
                }
            }
            let pre_t = &mut pre.as_flattened_mut().as_flattened_mut()[t * H..];
            let input = kernels::Product {
                m: rows,
                n: H,
                k: I,
                a: x_t,
                b: kernels::Operand::rows(w, 3 * H),
                bias: Some(&self.b[0]),
                ldc: TH,
            };
            kernels::product(&input, pre_t);
            // r = sigmoid(a_r), z = sigmoid(a_z); r * h_{t-1} into `base.out` (free until
            // `activate` below), then pre += (r * h_{t-1}) W_hh.
            for r in 0..rows {
                let hp = prev::<H, TH>(&base.pre[r], t);
                let g = &mut gates[r][t];
                for j in 0..H {
                    g[1][j] = sigmoid(g[1][j]);
                    g[2][j] = sigmoid(g[2][j]);
                    base.out[r][j] = g[1][j] * hp[j];
                }
            }
            if t > 0 {
                let recur = kernels::Product {
                    m: rows,
                    n: H,
                    k: H,
                    a: kernels::Operand::rows(base.out.as_flattened(), TH),
                    b: kernels::Operand::rows(self.hh.as_flattened(), H),
                    bias: None,
                    ldc: TH,
                };
                kernels::product(
                    &recur,
                    &mut pre.as_flattened_mut().as_flattened_mut()[t * H..],
                );
            }
            for r in 0..rows {
                let hp = prev::<H, TH>(&base.pre[r], t);
                let g = &mut gates[r][t];
                for j in 0..H {
                    let c = self.act.apply(pre[r][t][j]);
                    g[0][j] = c;
                    base.pre[r][t * H + j] = (1.0 - g[2][j]) * hp[j] + g[2][j] * c;
                }
            }
        }
        base.activate(Activation::Linear);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut GruBuf<B, H, T, TH>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        let GruBuf {
            base,
            pre,
            gates,
            d_pre,
            inject,
        } = bufs;
        // base.d_pre += mask * d_out: the direct gradient reaching each clean h_t.
        base.backward_activation(Activation::Linear);
        let t0 = window_start(T, self.bptt_limit);
        for r in 0..base.rows {
            let xrow = &x[r * TI..(r + 1) * TI];
            let mut dh_rec = [0.0f32; H];
            for t in (t0..T).rev() {
                let hp = prev::<H, TH>(&base.pre[r], t);
                let [c, rg, z] = &gates[r][t];
                let inj = &inject[r][t];
                let (mut dpre, mut dar, mut daz) = ([0.0f32; H], [0.0f32; H], [0.0f32; H]);
                let mut dhp = [0.0f32; H];
                for j in 0..H {
                    let dh = base.d_pre[r][t * H + j] + dh_rec[j];
                    dpre[j] = dh * z[j] * self.act.d1(pre[r][t][j]) + d_pre[r][t][j] + inj[0][j];
                    daz[j] = dh * (c[j] - hp[j]) * z[j] * (1.0 - z[j]) + inj[2][j];
                    dhp[j] = dh * (1.0 - z[j]);
                }
                // Through pre = ... + (r * hp) W_hh: drh = dpre W_hh^T.
                for k in 0..H {
                    let drh = kernels::dot(&self.hh[k], &dpre);
                    dar[k] = drh * hp[k] * rg[k] * (1.0 - rg[k]) + inj[1][k];
                    dhp[k] += drh * rg[k];
                }
                for k in 0..H {
                    dhp[k] += kernels::dot(&self.hz[k], &daz) + kernels::dot(&self.hr[k], &dar);
                }
                let d = [dpre, dar, daz];
                for (g, dg) in d.iter().enumerate() {
                    kernels::axpy(1.0, dg, &mut grads.b[g]);
                }
                for i in 0..I {
                    let xi = xrow[t * I + i];
                    for (g, dg) in d.iter().enumerate() {
                        if xi != 0.0 {
                            kernels::axpy(xi, dg, &mut grads.w[i][g]);
                        }
                        if !dx.is_empty() {
                            dx[r * TI + t * I + i] += kernels::dot(&self.w[i][g], dg);
                        }
                    }
                }
                if t > 0 {
                    for k in 0..H {
                        let (rh, h) = (rg[k] * hp[k], hp[k]);
                        if rh != 0.0 {
                            kernels::axpy(rh, &dpre, &mut grads.hh[k]);
                        }
                        if h != 0.0 {
                            kernels::axpy(h, &dar, &mut grads.hr[k]);
                            kernels::axpy(h, &daz, &mut grads.hz[k]);
                        }
                    }
                }
                dh_rec = dhp;
            }
        }
    }
}

/// Its exact per-example Jacobian and the Jacobian's gradient (for `contractive`).
impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> Jacobian
    for Gru<I, H, T, TI, TH>
{
    type Jac<const D: usize> = GruJacs<D, H, T, TH>;

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &GruBuf<B, H, T, TH>,
        row: usize,
        j_in: &[f32],
        jacs: &mut GruJacs<D, H, T, TH>,
    ) {
        let base = &bufs.base;
        for t in 0..T {
            let hp = prev::<H, TH>(&base.pre[row], t);
            let [c, rg, z] = &bufs.gates[row][t];
            // Ja_g[j] = sum_i w[i][g][j] Jx_t[i] + sum_k W_hg[k][j] Jh_{t-1}[k] (g = r, z).
            for j in 0..H {
                for (g, ja) in [(1, &mut jacs.jar[t][j]), (2, &mut jacs.jaz[t][j])] {
                    ja.fill(0.0);
                    for i in 0..I {
                        let cw = self.w[i][g][j];
                        if cw != 0.0 {
                            kernels::axpy(cw, &j_in[(t * I + i) * D..(t * I + i + 1) * D], ja);
                        }
                    }
                    if t > 0 {
                        let wh = if g == 1 { &self.hr } else { &self.hz };
                        for k in 0..H {
                            let cw = wh[k][j];
                            if cw != 0.0 {
                                kernels::axpy(cw, &jacs.jh[t - 1][k], ja);
                            }
                        }
                    }
                }
            }
            // Jrh[k] = r(1-r) Ja_r[k] hp[k] + r[k] Jh_{t-1}[k];
            // Jpre[j] = sum_i w[i][0][j] Jx_t[i] + sum_k hh[k][j] Jrh[k].
            let mut jrh = [[0.0f32; D]; H];
            if t > 0 {
                for k in 0..H {
                    let s = rg[k] * (1.0 - rg[k]) * hp[k];
                    for d in 0..D {
                        jrh[k][d] = s * jacs.jar[t][k][d] + rg[k] * jacs.jh[t - 1][k][d];
                    }
                }
            }
            for j in 0..H {
                let jp = &mut jacs.jpre[t][j];
                jp.fill(0.0);
                for i in 0..I {
                    let cw = self.w[i][0][j];
                    if cw != 0.0 {
                        kernels::axpy(cw, &j_in[(t * I + i) * D..(t * I + i + 1) * D], jp);
                    }
                }
                if t > 0 {
                    for (k, jrk) in jrh.iter().enumerate() {
                        let cw = self.hh[k][j];
                        if cw != 0.0 {
                            kernels::axpy(cw, jrk, jp);
                        }
                    }
                }
            }
            // Jh_t = (1 - z) Jh_{t-1} + (c - hp) z(1-z) Ja_z + z act'(pre) Jpre.
            for j in 0..H {
                let a1 = self.act.d1(bufs.pre[row][t][j]);
                let sz = z[j] * (1.0 - z[j]);
                let m = if base.dropped {
                    base.mask[row][t * H + j]
                } else {
                    1.0
                };
                for d in 0..D {
                    let jhp = if t > 0 { jacs.jh[t - 1][j][d] } else { 0.0 };
                    let jh = (1.0 - z[j]) * jhp
                        + (c[j] - hp[j]) * sz * jacs.jaz[t][j][d]
                        + z[j] * a1 * jacs.jpre[t][j][d];
                    jacs.jh[t][j][d] = jh;
                    jacs.base.j[t * H + j][d] = m * jh;
                }
            }
        }
    }

    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut GruBuf<B, H, T, TH>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut GruJacs<D, H, T, TH>,
        grads: &mut Self,
    ) {
        // The gradient of Jh carried to step t-1.
        let mut carry = [[0.0f32; D]; H];
        for t in (0..T).rev() {
            let hp = prev::<H, TH>(&bufs.base.pre[row], t);
            let [c, rg, z] = bufs.gates[row][t];
            let zero = [[0.0f32; D]; H];
            let jhp = if t > 0 { &jacs.jh[t - 1] } else { &zero };
            let mut next = [[0.0f32; D]; H];
            let (mut gjpre, mut gjar, mut gjaz) =
                ([[0.0f32; D]; H], [[0.0f32; D]; H], [[0.0f32; D]; H]);
            let (mut dpre, mut dar, mut daz, mut dhp) =
                ([0.0f32; H], [0.0f32; H], [0.0f32; H], [0.0f32; H]);
            // Jh_t = (1 - z) Jhp + (c - hp) Jz + z Jc, with Jz = sz Ja_z, Jc = a1 Jpre.
            for j in 0..H {
                let p = bufs.pre[row][t][j];
                let (a1, sz) = (self.act.d1(p), z[j] * (1.0 - z[j]));
                let m = if bufs.base.dropped {
                    bufs.base.mask[row][t * H + j]
                } else {
                    1.0
                };
                let (mut gz_jaz, mut gc_jpre, mut g_jc_minus_jhp, mut g_jz) =
                    (0.0f32, 0.0f32, 0.0f32, 0.0f32);
                for d in 0..D {
                    let gh = m * jacs.base.g[t * H + j][d] + carry[j][d];
                    let (jaz, jpre) = (jacs.jaz[t][j][d], jacs.jpre[t][j][d]);
                    next[j][d] = (1.0 - z[j]) * gh;
                    let gjz = (c[j] - hp[j]) * gh;
                    let gjc = z[j] * gh;
                    gjaz[j][d] = sz * gjz;
                    gjpre[j][d] = a1 * gjc;
                    gz_jaz += gjz * jaz;
                    gc_jpre += gjc * jpre;
                    g_jc_minus_jhp += gh * (a1 * jpre - jhp[j][d]);
                    g_jz += gh * sz * jaz;
                }
                // The values: z (in its own term and through sz), c (through act'), pre (act''), hp.
                daz[j] += sz * (1.0 - 2.0 * z[j]) * gz_jaz + sz * g_jc_minus_jhp;
                dpre[j] += self.act.d2(p) * gc_jpre + a1 * g_jz;
                dhp[j] -= g_jz;
            }
            // Jpre = Jx W_h + Jrh W_hh, Jrh[k] = sr hp[k] Ja_r[k] + r[k] Jhp[k].
            for k in 0..H {
                let sr = rg[k] * (1.0 - rg[k]);
                let mut gjrh = [0.0f32; D];
                for j in 0..H {
                    let cw = self.hh[k][j];
                    if cw != 0.0 {
                        kernels::axpy(cw, &gjpre[j], &mut gjrh);
                    }
                }
                if t > 0 {
                    let (mut g_jar, mut g_jhp) = (0.0f32, 0.0f32);
                    let mut jrh = [0.0f32; D];
                    for d in 0..D {
                        let jar = jacs.jar[t][k][d];
                        jrh[d] = sr * hp[k] * jar + rg[k] * jhp[k][d];
                        g_jar += gjrh[d] * jar;
                        g_jhp += gjrh[d] * jhp[k][d];
                        gjar[k][d] = sr * hp[k] * gjrh[d];
                        next[k][d] += rg[k] * gjrh[d];
                    }
                    for j in 0..H {
                        grads.hh[k][j] += kernels::dot(&jrh, &gjpre[j]);
                    }
                    // Values: r (in r Jhp and through sr), hp (in sr hp Ja_r).
                    dar[k] += sr * (1.0 - 2.0 * rg[k]) * hp[k] * g_jar + sr * g_jhp;
                    dhp[k] += sr * g_jar;
                }
            }
            // The input parts: dW += Jx . GJa; g_in += W GJa; and the recurrent parts of
            // Ja_r, Ja_z: dW_hr += Jhp . GJa_r, carry += W_hr GJa_r (likewise z).
            for i in 0..I {
                let row_i = (t * I + i) * D..(t * I + i + 1) * D;
                for (g, gj) in [(0, &gjpre), (1, &gjar), (2, &gjaz)] {
                    for j in 0..H {
                        grads.w[i][g][j] += kernels::dot(&j_in[row_i.clone()], &gj[j]);
                        let cw = self.w[i][g][j];
                        if cw != 0.0 {
                            kernels::axpy(cw, &gj[j], &mut g_in[row_i.clone()]);
                        }
                    }
                }
            }
            if t > 0 {
                for k in 0..H {
                    for (wh, gw, gj) in [
                        (&self.hr, &mut grads.hr, &gjar),
                        (&self.hz, &mut grads.hz, &gjaz),
                    ] {
                        for j in 0..H {
                            gw[k][j] += kernels::dot(&jhp[k], &gj[j]);
                            let cw = wh[k][j];
                            if cw != 0.0 {
                                kernels::axpy(cw, &gj[j], &mut next[k]);
                            }
                        }
                    }
                    bufs.base.d_pre[row][(t - 1) * H + k] += dhp[k];
                }
            }
            let inj = &mut bufs.inject[row][t];
            for j in 0..H {
                inj[0][j] += dpre[j];
                inj[1][j] += dar[j];
                inj[2][j] += daz[j];
            }
            carry = next;
        }
    }
}
