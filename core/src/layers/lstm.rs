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
//! The layer's outputs are `:out`, `h` (then dropout and noise per element and step), and
//! `:cell`, the cell states `c` (docs/contract.md; it has no `:pre`). A penalty on `:cell`
//! (hidden_l1, recurrent_norm, recurrent_state) adds `dR/dc_t` into `d_cell`, which the
//! backward pass adds to the gradient carried through `c_t`. Dropout and noise on `:cell`
//! corrupt a copy, `c~ = c * m / (1 - p) + e`, which is what the penalties on `:cell` see (no
//! later layer reads the cell, and the recurrence carries the clean state, as theanets' graph
//! rewrite does); their `dR/dc~` reaches `c_t` as `m / (1 - p) * dR/dc~`. Backward, for
//! `t = T-1 .. 0`, with
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
//! Parameters: `xh` (`I x 4H`), `hh` (`H x 4H`), `b` (`4H`), and the peepholes `ci`, `cf`,
//! `co` (`H` each, as three vectors named `<layer>.ci`, `.cf`, `.co`; held at zero when
//! `peepholes` is off). Biases and peepholes start at zero.
//!
//! For `contractive`, the Jacobian of every step with respect to the network input is carried
//! forward (`Jz_t`, `Jc_t`, `Jh_t` through the same equations, differentiated), and its
//! gradient is taken exactly in reverse: into the weights and peepholes directly, into the
//! input's Jacobian, and, through the gates' second derivatives, into per-step injections
//! `dR/da` and `dR/dc_t` that the ordinary backward pass adds in.

use super::activation::Activation;
use super::activation::sigmoid;
use super::buffers::{Dim, JacBuf, LayerBuf, OutputGrads, OutputView, ParamKind, Tensor, Zeroed};
use super::corrupt::Corruptor;
use super::dense::init_weights;
use super::layer::{Buffers, JacBuffers, Jacobian, Layer};
use super::stack::Arch;
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
    /// theanets' `bptt_limit`, as for [`Rnn`](super::Rnn): when non-zero, only the last
    /// `bptt_limit` steps are backpropagated through. 0: full BPTT.
    pub bptt_limit: usize,
}

impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize>
    Lstm<I, H, T, TI, TH>
{
    /// A layer with zero parameters; [`Layer::init`] draws them.
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
            bptt_limit: 0,
        }
    }

    /// The same layer with truncated backpropagation through time (see `bptt_limit`).
    pub const fn with_bptt_limit(mut self, steps: usize) -> Self {
        self.bptt_limit = steps;
        self
    }
}

/// Each gate's slope at unit `j`: `i(1-i)`, `f(1-f)`, `1-g^2`, `o(1-o)` (the derivatives of
/// sigmoid and tanh written in their outputs), shared by the Jacobian's forward and backward.
fn slopes<const H: usize>(
    ig: &[f32; H],
    fg: &[f32; H],
    gg: &[f32; H],
    og: &[f32; H],
    j: usize,
) -> [f32; 4] {
    [
        ig[j] * (1.0 - ig[j]),
        fg[j] * (1.0 - fg[j]),
        1.0 - gg[j] * gg[j],
        og[j] * (1.0 - og[j]),
    ]
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
    /// Gradients the contractive penalty adds to each step's gate pre-activations
    /// `(a_i, a_f, z_c, a_o)`, consumed by the backward pass.
    pub inject: [[[[f32; H]; 4]; T]; B],
    /// `dR/dc_t` from the penalties on `:cell` and from contractive, consumed likewise.
    pub d_cell: [[[f32; H]; T]; B],
    /// The cell states as dropout and noise on `:cell` left them (what penalties on `:cell`
    /// see); meaningful only when `cell_corrupted` is set.
    pub cell_seen: [[[f32; H]; T]; B],
    /// Their dropout multipliers `m / (1 - p)`; meaningful only when `cell_dropped` is set.
    pub cell_mask: [[[f32; H]; T]; B],
    /// `dR/dc~` from the penalties on the corrupted `:cell`, which the backward pass passes to
    /// `c_t` through the mask.
    pub d_cell_seen: [[[f32; H]; T]; B],
    /// Whether the last forward pass corrupted `:cell`.
    pub cell_corrupted: bool,
    /// Whether that corruption drew a dropout mask.
    pub cell_dropped: bool,
}

impl<const B: usize, const H: usize, const T: usize, const TH: usize> Zeroed
    for LstmBuf<B, H, T, TH>
{
    const ZERO: Self = LstmBuf {
        base: LayerBuf::ZERO,
        gates: [[[[0.0; H]; 4]; T]; B],
        cell: [[[0.0; H]; T]; B],
        inject: [[[[0.0; H]; 4]; T]; B],
        d_cell: [[[0.0; H]; T]; B],
        cell_seen: [[[0.0; H]; T]; B],
        cell_mask: [[[0.0; H]; T]; B],
        d_cell_seen: [[[0.0; H]; T]; B],
        cell_corrupted: false,
        cell_dropped: false,
    };
}

/// The LSTM's per-example Jacobian buffers with respect to a `D`-wide network input: the
/// output's ([`JacBuf`]: `j`, and its gradient `g`) and, per step, those of `z_t`, `c_t`
/// and the clean `h_t`, kept for the backward pass.
#[derive(Clone, Debug)]
pub struct LstmJacs<const D: usize, const H: usize, const T: usize, const TH: usize> {
    /// Output Jacobian and its gradient.
    pub base: JacBuf<D, TH>,
    /// `d z_t / d input`, per gate and unit.
    pub jz: [[[[f32; D]; H]; 4]; T],
    /// `d c_t / d input`.
    pub jc: [[[f32; D]; H]; T],
    /// `d h_t / d input` (clean).
    pub jh: [[[f32; D]; H]; T],
}

impl<const D: usize, const H: usize, const T: usize, const TH: usize> Zeroed
    for LstmJacs<D, H, T, TH>
{
    const ZERO: Self = LstmJacs {
        base: JacBuf::ZERO,
        jz: [[[[0.0; D]; H]; 4]; T],
        jc: [[[0.0; D]; H]; T],
        jh: [[[0.0; D]; H]; T],
    };
}

impl<const B: usize, const H: usize, const T: usize, const TH: usize> Buffers
    for LstmBuf<B, H, T, TH>
{
    fn output(&self) -> &[f32] {
        self.base.output()
    }

    fn output_and_grad(&mut self) -> (&[f32], &mut [f32]) {
        self.base.output_and_grad()
    }

    // `:out` as every layer's (h is linear in it), then a corrupted copy of the cell states
    // for the penalties on `:cell`; the recurrence and the next layer keep the clean ones.
    fn corrupt(&mut self, layer: usize, _act: Activation, corrupt: &mut Corruptor) {
        self.base.corrupt(layer, Activation::Linear, corrupt);
        self.cell_corrupted = corrupt.corrupts_cell(layer);
        if self.cell_corrupted {
            let n = self.base.rows * TH;
            let seen = &mut self.cell_seen.as_flattened_mut().as_flattened_mut()[..n];
            seen.copy_from_slice(&self.cell.as_flattened().as_flattened()[..n]);
            let mask = &mut self.cell_mask.as_flattened_mut().as_flattened_mut()[..n];
            self.cell_dropped = corrupt.apply_cell(layer, seen, mask);
        }
    }

    // The second port is `:cell`: `pre` views the cell states, `d_pre` is `d_cell` (the
    // corrupted copy and its own gradient when dropout or noise applies to `:cell`).
    fn view(&self, layer0: usize, _act: Activation) -> OutputView<'_> {
        let bufs = self;
        {
            let mut v = bufs.base.view(layer0, Activation::Linear);
            let cell = if bufs.cell_corrupted {
                &bufs.cell_seen
            } else {
                &bufs.cell
            };
            v.pre = &cell.as_flattened().as_flattened()[..bufs.base.rows * TH];
            v
        }
    }

    fn grads(&mut self, layer0: usize, _act: Activation) -> OutputGrads<'_> {
        let bufs = self;
        {
            let n = bufs.base.rows * TH;
            let LstmBuf {
                base,
                cell,
                d_cell,
                cell_seen,
                d_cell_seen,
                cell_corrupted,
                ..
            } = bufs;
            let mut g = base.grads(layer0, Activation::Linear);
            let (c, d) = if *cell_corrupted {
                (&*cell_seen, d_cell_seen)
            } else {
                (&*cell, d_cell)
            };
            g.view.pre = &c.as_flattened().as_flattened()[..n];
            g.d_pre = &mut d.as_flattened_mut().as_flattened_mut()[..n];
            g
        }
    }

    fn clear_grads(&mut self) {
        let bufs = self;
        bufs.base.clear_grads();
        let rows = bufs.base.rows;
        for r in bufs.inject.iter_mut().take(rows) {
            *r = [[[0.0; H]; 4]; T];
        }
        for r in bufs.d_cell.iter_mut().take(rows) {
            *r = [[0.0; H]; T];
        }
        if bufs.cell_corrupted {
            for r in bufs.d_cell_seen.iter_mut().take(rows) {
                *r = [[0.0; H]; T];
            }
        }
    }
}

impl<const D: usize, const H: usize, const T: usize, const TH: usize> JacBuffers
    for LstmJacs<D, H, T, TH>
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
    for Lstm<I, H, T, TI, TH>
{
    type Input = Dim<TI>;
    type Output = Dim<TH>;
    const NIN: usize = TI;
    const NOUT: usize = TH;
    const TENSORS: usize = 6;
    const PARAMS: usize = I * 4 * H + H * 4 * H + 4 * H + 3 * H;
    const ZERO: Self = Lstm::new(false);
    const STEPS: usize = T;
    const IN_STEPS: usize = T;
    const SEQUENCE: bool = true;
    const RECURRENT: bool = true;
    const SECOND_PORT: &'static str = "cell";
    type Jacobian = Self;
    type Buf<const B: usize> = LstmBuf<B, H, T, TH>;

    fn describe(&self, arch: &mut Arch) {
        arch.layer("lstm", &[I, H, T], Activation::Tanh);
        arch.fact("peepholes", self.peepholes as usize);
        arch.has_options = true;
    }

    fn init(&mut self, rng: &mut XorShift) {
        init_weights(self.xh.as_flattened_mut().as_flattened_mut(), I, 4 * H, rng);
        init_weights(self.hh.as_flattened_mut().as_flattened_mut(), H, 4 * H, rng);
        self.b = [[0.0; H]; 4];
        self.p = [[0.0; H]; 3];
    }

    fn activation(&self) -> Activation {
        // h is linear in what later layers see: the gates carry the nonlinearity.
        Activation::Linear
    }

    fn set_activation(&mut self, _act: Activation) -> bool {
        false // an LSTM has no activation to choose
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
            3 => Some(t(ParamKind::PeepholeIn, 1, H, &self.p[0])),
            4 => Some(t(ParamKind::PeepholeForget, 1, H, &self.p[1])),
            5 => Some(t(ParamKind::PeepholeOut, 1, H, &self.p[2])),
            _ => None,
        }
    }

    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        match i {
            0 => Some(self.xh.as_flattened_mut().as_flattened_mut()),
            1 => Some(self.hh.as_flattened_mut().as_flattened_mut()),
            2 => Some(self.b.as_flattened_mut()),
            3..=5 => Some(&mut self.p[i - 3]),
            _ => None,
        }
    }

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut LstmBuf<B, H, T, TH>) {
        let LstmBuf {
            base, gates, cell, ..
        } = bufs;
        base.rows = rows;
        base.steps = T;
        base.recurrent = true;
        let peep = if self.peepholes { 1.0 } else { 0.0 };
        let (xh, hh) = (self.xh.as_flattened(), self.hh.as_flattened());
        let (g4, h4) = (4 * H, 4 * H * T);
        for t in 0..T {
            // The gate pre-activations of one step of every sequence at once, made in place
            // in `gates` (rows T * 4H apart): z = b + x_t W_xh, then += h_{t-1} W_hh with
            // h_{t-1} from `base.pre` (the clean output, rows TH apart). Each element sums
            // b, then over i, then over k, as a per-sequence loop would.
            let z = &mut gates
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut()[t * g4..];
            let step = kernels::Product {
                m: rows,
                n: g4,
                k: I,
                a: kernels::Operand::rows(&x[t * I..], TI),
                b: kernels::Operand::rows(xh.as_flattened(), g4),
                bias: Some(self.b.as_flattened()),
                ldc: h4,
            };
            kernels::product(&step, z);
            if t > 0 {
                let recur = kernels::Product {
                    m: rows,
                    n: g4,
                    k: H,
                    a: kernels::Operand::rows(&base.pre.as_flattened()[(t - 1) * H..], TH),
                    b: kernels::Operand::rows(hh.as_flattened(), g4),
                    bias: None,
                    ldc: h4,
                };
                kernels::product(&recur, z);
            }
            for r in 0..rows {
                let c_prev = if t > 0 { cell[r][t - 1] } else { [0.0f32; H] };
                let g = &mut gates[r][t];
                let mut h = [0.0f32; H];
                for j in 0..H {
                    let ig = sigmoid(g[0][j] + peep * c_prev[j] * self.p[0][j]);
                    let fg = sigmoid(g[1][j] + peep * c_prev[j] * self.p[1][j]);
                    let gg = libm::tanhf(g[2][j]);
                    let cj = fg * c_prev[j] + ig * gg;
                    let og = sigmoid(g[3][j] + peep * cj * self.p[2][j]);
                    (g[0][j], g[1][j], g[2][j], g[3][j]) = (ig, fg, gg, og);
                    cell[r][t][j] = cj;
                    h[j] = og * libm::tanhf(cj);
                }
                base.pre[r][t * H..(t + 1) * H].copy_from_slice(&h);
            }
        }
        base.activate(Activation::Linear);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LstmBuf<B, H, T, TH>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        // dR/dc_t += m / (1 - p) * dR/dc~_t: the penalties on the corrupted :cell.
        if bufs.cell_corrupted {
            let n = bufs.base.rows * TH;
            let d_cell = &mut bufs.d_cell.as_flattened_mut().as_flattened_mut()[..n];
            let seen = &bufs.d_cell_seen.as_flattened().as_flattened()[..n];
            if bufs.cell_dropped {
                let mask = &bufs.cell_mask.as_flattened().as_flattened()[..n];
                for ((d, &g), &m) in d_cell.iter_mut().zip(seen).zip(mask) {
                    *d += g * m;
                }
            } else {
                kernels::axpy(1.0, seen, d_cell);
            }
        }
        let LstmBuf {
            base,
            gates,
            cell,
            inject,
            d_cell,
            ..
        } = bufs;
        // d_pre += mask * d_out: the direct gradient reaching each clean h_t.
        base.backward_activation(Activation::Linear);
        let peep = if self.peepholes { 1.0 } else { 0.0 };
        let t0 = super::rnn::window_start(T, self.bptt_limit);
        for r in 0..base.rows {
            let xrow = &x[r * TI..(r + 1) * TI];
            let (mut dh_rec, mut dc_next) = ([0.0f32; H], [0.0f32; H]);
            for t in (t0..T).rev() {
                let [ig, fg, gg, og] = &gates[r][t];
                let c_t = &cell[r][t];
                let c_prev = if t > 0 { cell[r][t - 1] } else { [0.0; H] };
                let mut dz = [[0.0f32; H]; 4];
                for j in 0..H {
                    let dh = base.d_pre[r][t * H + j] + dh_rec[j];
                    let tc = libm::tanhf(c_t[j]);
                    let inj = &inject[r][t];
                    let dzo = dh * tc * og[j] * (1.0 - og[j]) + inj[3][j];
                    let dc = dh * og[j] * (1.0 - tc * tc)
                        + dc_next[j]
                        + peep * dzo * self.p[2][j]
                        + d_cell[r][t][j];
                    let dzi = dc * gg[j] * ig[j] * (1.0 - ig[j]) + inj[0][j];
                    let dzf = dc * c_prev[j] * fg[j] * (1.0 - fg[j]) + inj[1][j];
                    let dzc = dc * ig[j] * (1.0 - gg[j] * gg[j]) + inj[2][j];
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
                    if !dx.is_empty() {
                        dx[r * TI + t * I + i] += kernels::dot(self.xh[i].as_flattened(), dzf);
                    }
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
}

/// Its exact per-example Jacobian and the Jacobian's gradient (for `contractive`).
impl<const I: usize, const H: usize, const T: usize, const TI: usize, const TH: usize> Jacobian
    for Lstm<I, H, T, TI, TH>
{
    type Jac<const D: usize> = LstmJacs<D, H, T, TH>;

    fn jac_forward<const B: usize, const D: usize>(
        &self,
        bufs: &LstmBuf<B, H, T, TH>,
        row: usize,
        j_in: &[f32],
        jacs: &mut LstmJacs<D, H, T, TH>,
    ) {
        let peep = if self.peepholes { 1.0 } else { 0.0 };
        let base = &bufs.base;
        for t in 0..T {
            // Jz_t = sum_i xh[i] Jx_t[i] + sum_k hh[k] Jh_{t-1}[k]
            let jz = &mut jacs.jz[t];
            for (g, jzg) in jz.iter_mut().enumerate() {
                for (j, v) in jzg.iter_mut().enumerate() {
                    v.fill(0.0);
                    for i in 0..I {
                        let c = self.xh[i][g][j];
                        if c != 0.0 {
                            kernels::axpy(c, &j_in[(t * I + i) * D..(t * I + i + 1) * D], v);
                        }
                    }
                    if t > 0 {
                        for k in 0..H {
                            let c = self.hh[k][g][j];
                            if c != 0.0 {
                                kernels::axpy(c, &jacs.jh[t - 1][k], v);
                            }
                        }
                    }
                }
            }
            let [ig, fg, gg, og] = &bufs.gates[row][t];
            for j in 0..H {
                let c_prev = if t > 0 { bufs.cell[row][t - 1][j] } else { 0.0 };
                let tc = libm::tanhf(bufs.cell[row][t][j]);
                let [si, sf, sg, so] = slopes(ig, fg, gg, og, j);
                let jc_prev = if t > 0 { jacs.jc[t - 1][j] } else { [0.0; D] };
                let mut jc = [0.0f32; D];
                for d in 0..D {
                    let ji = si * (jacs.jz[t][0][j][d] + peep * self.p[0][j] * jc_prev[d]);
                    let jf = sf * (jacs.jz[t][1][j][d] + peep * self.p[1][j] * jc_prev[d]);
                    let jg = sg * jacs.jz[t][2][j][d];
                    jc[d] = c_prev * jf + fg[j] * jc_prev[d] + gg[j] * ji + ig[j] * jg;
                }
                let m = if base.dropped {
                    base.mask[row][t * H + j]
                } else {
                    1.0
                };
                for d in 0..D {
                    let jo = so * (jacs.jz[t][3][j][d] + peep * self.p[2][j] * jc[d]);
                    let jh = tc * jo + og[j] * (1.0 - tc * tc) * jc[d];
                    jacs.jh[t][j][d] = jh;
                    jacs.base.j[t * H + j][d] = m * jh;
                }
                jacs.jc[t][j] = jc;
            }
        }
    }

    fn jac_backward<const B: usize, const D: usize>(
        &self,
        bufs: &mut LstmBuf<B, H, T, TH>,
        row: usize,
        j_in: &[f32],
        g_in: &mut [f32],
        jacs: &mut LstmJacs<D, H, T, TH>,
        grads: &mut Self,
    ) {
        let peep = if self.peepholes { 1.0 } else { 0.0 };
        // Gradients carried to step t-1: of Jh (through hh) and of Jc (through f and peepholes).
        let mut carry_h = [[0.0f32; D]; H];
        let mut carry_c = [[0.0f32; D]; H];
        for t in (0..T).rev() {
            let [ig, fg, gg, og] = bufs.gates[row][t];
            let mut gjz = [[[0.0f32; D]; H]; 4];
            let mut next_c = [[0.0f32; D]; H];
            for j in 0..H {
                let c_t = bufs.cell[row][t][j];
                let c_prev = if t > 0 { bufs.cell[row][t - 1][j] } else { 0.0 };
                let tc = libm::tanhf(c_t);
                let u = 1.0 - tc * tc;
                let [si, sf, sg, so] = slopes(&ig, &fg, &gg, &og, j);
                let jc_prev = if t > 0 { jacs.jc[t - 1][j] } else { [0.0; D] };
                let jc_t = jacs.jc[t][j];
                let m = if bufs.base.dropped {
                    bufs.base.mask[row][t * H + j]
                } else {
                    1.0
                };
                // Recompute this step's vectors: Ja_*, Ji, Jf, Jg, Jo.
                let (mut ja_i, mut ja_f, mut ja_o) = ([0.0f32; D], [0.0f32; D], [0.0f32; D]);
                for d in 0..D {
                    ja_i[d] = jacs.jz[t][0][j][d] + peep * self.p[0][j] * jc_prev[d];
                    ja_f[d] = jacs.jz[t][1][j][d] + peep * self.p[1][j] * jc_prev[d];
                    ja_o[d] = jacs.jz[t][3][j][d] + peep * self.p[2][j] * jc_t[d];
                }
                let (mut da_i, mut da_f, mut dz_c, mut da_o, mut dc_t) = (0.0, 0.0, 0.0, 0.0, 0.0);
                let mut dc_prev = 0.0;
                // Jh_t = tc Jo + o u Jc_t, with Jo = so Ja_o
                let mut gjc = carry_c[j];
                let mut gja_o = [0.0f32; D];
                let (mut h_jo, mut h_jc) = (0.0f32, 0.0f32);
                let mut gjo_ja = 0.0f32; // dot(GJo, Ja_o), GJo = tc GJh
                for d in 0..D {
                    let gjh = m * jacs.base.g[t * H + j][d] + carry_h[j][d];
                    let jo = so * ja_o[d];
                    h_jo += gjh * jo;
                    h_jc += gjh * jc_t[d];
                    gjc[d] += og[j] * u * gjh;
                    gja_o[d] = so * tc * gjh; // through Jo = so Ja_o
                    gjo_ja += tc * gjh * ja_o[d];
                }
                dc_t += u * h_jo - 2.0 * tc * u * og[j] * h_jc;
                let d_o = u * h_jc;
                // Jo = so Ja_o: so depends on a_o; Ja_o = Jz_o + co Jc_t
                da_o += so * (1.0 - 2.0 * og[j]) * gjo_ja + so * d_o;
                gjz[3][j] = gja_o;
                kernels::axpy(peep * self.p[2][j], &gja_o, &mut gjc);
                if self.peepholes {
                    grads.p[2][j] += kernels::dot(&gja_o, &jc_t);
                }
                // Jc_t = c_prev Jf + f Jc_prev + g Ji + i Jg
                let (mut c_jf, mut c_jcp, mut c_ji, mut c_jg) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
                let (mut gji_ja, mut gjf_ja, mut gjg_jz) = (0.0f32, 0.0f32, 0.0f32);
                for d in 0..D {
                    let jf = sf * ja_f[d];
                    let ji = si * ja_i[d];
                    let jg = sg * jacs.jz[t][2][j][d];
                    c_jf += gjc[d] * jf;
                    c_jcp += gjc[d] * jc_prev[d];
                    c_ji += gjc[d] * ji;
                    c_jg += gjc[d] * jg;
                    let (gjf, gji, gjg) = (c_prev * gjc[d], gg[j] * gjc[d], ig[j] * gjc[d]);
                    gjf_ja += gjf * ja_f[d];
                    gji_ja += gji * ja_i[d];
                    gjg_jz += gjg * jacs.jz[t][2][j][d];
                    let (gja_f, gja_i) = (sf * gjf, si * gji);
                    gjz[0][j][d] = gja_i;
                    gjz[1][j][d] = gja_f;
                    gjz[2][j][d] = sg * gjg;
                    next_c[j][d] =
                        fg[j] * gjc[d] + peep * (self.p[0][j] * gja_i + self.p[1][j] * gja_f);
                }
                dc_prev += c_jf;
                da_f += sf * c_jcp + sf * (1.0 - 2.0 * fg[j]) * gjf_ja;
                dz_c += sg * c_ji - 2.0 * gg[j] * sg * gjg_jz;
                da_i += si * c_jg + si * (1.0 - 2.0 * ig[j]) * gji_ja;
                if self.peepholes {
                    grads.p[0][j] += kernels::dot(&gjz[0][j], &jc_prev);
                    grads.p[1][j] += kernels::dot(&gjz[1][j], &jc_prev);
                }
                let inj = &mut bufs.inject[row][t];
                inj[0][j] += da_i;
                inj[1][j] += da_f;
                inj[2][j] += dz_c;
                inj[3][j] += da_o;
                bufs.d_cell[row][t][j] += dc_t;
                if t > 0 {
                    bufs.d_cell[row][t - 1][j] += dc_prev;
                }
            }
            // Jz_t = sum_i xh[i] Jx_t[i] + sum_k hh[k] Jh_{t-1}[k]
            let mut next_h = [[0.0f32; D]; H];
            for (g, gz) in gjz.iter().enumerate() {
                for (j, v) in gz.iter().enumerate() {
                    for i in 0..I {
                        let jx = &j_in[(t * I + i) * D..(t * I + i + 1) * D];
                        grads.xh[i][g][j] += kernels::dot(v, jx);
                        let c = self.xh[i][g][j];
                        if c != 0.0 {
                            kernels::axpy(c, v, &mut g_in[(t * I + i) * D..(t * I + i + 1) * D]);
                        }
                    }
                    if t > 0 {
                        for k in 0..H {
                            grads.hh[k][g][j] += kernels::dot(v, &jacs.jh[t - 1][k]);
                            let c = self.hh[k][g][j];
                            if c != 0.0 {
                                kernels::axpy(c, v, &mut next_h[k]);
                            }
                        }
                    }
                }
            }
            carry_h = next_h;
            carry_c = next_c;
        }
    }
}
