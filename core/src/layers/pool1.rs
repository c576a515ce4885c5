//! One-dimensional pooling (theanets' `pool1`), max or mean over non-overlapping windows of
//! `W` samples per channel (window = stride, a trailing partial window dropped: PyTorch's
//! `MaxPool1d(W)` / `AvgPool1d(W)`), then an activation (`linear` by default).
//!
//! Layout: as [`Conv1`](super::Conv1): channel after channel, `x[c * L + p]` in,
//! `out[c * LO + i]` out, `LO = floor(L / W)`.
//!
//! Forward:  `pre[c, i] = max_j x[c, i W + j]` (max) or `(1/W) sum_j x[c, i W + j]` (mean),
//!           `out = act(pre)` (then dropout and noise).
//! Backward: `d_pre = act'(pre) * mask * d_out`; max: `dx[c, i W + j*] += d_pre[c, i]` with
//!           `j*` the first maximum in scan order (ties go to the first, on every target);
//!           mean: `dx[c, i W + j] += d_pre[c, i] / W` for every `j`. No parameters.
//! Jacobian: not implemented yet (max's is a selection), so `contractive` through a pool1
//! layer is refused by name.

use super::activation::Activation;
use super::buffers::{Dim, LayerBuf, Tensor};
use super::layer::{Layer, NoJacobian};
use super::sliding::Geometry;
use super::stack::Arch;
use crate::rng::XorShift;

/// Max or mean pooling of `C` channels of length `L` over windows of `W`; `LO = L / W`,
/// `NIN = C * L`, `NOUT = C * LO`. Write the type with [`pool1!`](crate::pool1).
#[derive(Clone, Debug, PartialEq)]
pub struct Pool1<
    const C: usize,
    const L: usize,
    const W: usize,
    const MAX: bool,
    const LO: usize,
    const NIN: usize,
    const NOUT: usize,
> {
    /// Activation after pooling (`linear` by default).
    pub act: Activation,
}

/// The [`Pool1`] type with its derived sizes: `pool1!(channels, length, window, max)` or
/// `.., mean)`.
///
/// ```
/// use staticnets::pool1;
/// use staticnets::layers::Layers;
/// type P = pool1!(4, 61, 2, max); // the last sample has no partner: dropped
/// assert_eq!(<P as Layers>::NOUT, 4 * 30);
/// assert_eq!(<P as Layers>::PARAMS, 0);
/// ```
#[macro_export]
macro_rules! pool1 {
    ($c:expr, $l:expr, $w:expr, max) => {
        $crate::layers::pool1::Pool1<{ $c }, { $l }, { $w }, true, { $l / $w }, { $c * $l }, { $c * ($l / $w) }>
    };
    ($c:expr, $l:expr, $w:expr, mean) => {
        $crate::layers::pool1::Pool1<{ $c }, { $l }, { $w }, false, { $l / $w }, { $c * $l }, { $c * ($l / $w) }>
    };
}

impl<
    const C: usize,
    const L: usize,
    const W: usize,
    const MAX: bool,
    const LO: usize,
    const NIN: usize,
    const NOUT: usize,
> Pool1<C, L, W, MAX, LO, NIN, NOUT>
{
    /// A pooling layer with activation `act` (`Activation::Linear` for plain pooling).
    pub const fn new(act: Activation) -> Self {
        const {
            assert!(
                C > 0 && W > 0 && L >= W,
                "pool1: a window must fit in the signal"
            );
            assert!(
                LO == L / W && NIN == C * L && NOUT == C * LO,
                "pool1: LO = L / W, NIN = C * L, NOUT = C * LO (write the type with pool1!)"
            );
        };
        Pool1 { act }
    }

    /// The pooling's geometry: a map of height 1, windows of `W`.
    const GEOMETRY: Geometry = Geometry {
        c: C,
        h: 1,
        w: L,
        f: C,
        kh: 1,
        kw: W,
        sh: 1,
        sw: W,
        dh: 1,
        dw: 1,
        top: 0,
        left: 0,
        ho: 1,
        wo: LO,
    };
}

impl<
    const C: usize,
    const L: usize,
    const W: usize,
    const MAX: bool,
    const LO: usize,
    const NIN: usize,
    const NOUT: usize,
> Layer for Pool1<C, L, W, MAX, LO, NIN, NOUT>
{
    type Input = Dim<NIN>;
    type Output = Dim<NOUT>;
    const NIN: usize = NIN;
    const NOUT: usize = NOUT;
    const TENSORS: usize = 0;
    const PARAMS: usize = 0;
    const ZERO: Self = Pool1::new(Activation::Linear);
    type Jacobian = NoJacobian;
    type Buf<const B: usize> = LayerBuf<B, NOUT>;

    fn activation(&self) -> Activation {
        self.act
    }

    fn set_activation(&mut self, act: Activation) -> bool {
        self.act = act;
        true
    }

    fn describe(&self, arch: &mut Arch) {
        arch.layer("pool1", &[C, L, W, MAX as usize], self.act);
    }

    fn init(&mut self, _rng: &mut XorShift) {}

    fn tensor(&self, _i: usize, _layer0: usize) -> Option<Tensor<'_>> {
        None
    }

    fn tensor_mut(&mut self, _i: usize) -> Option<&mut [f32]> {
        None
    }

    fn forward<const B: usize>(&self, x: &[f32], rows: usize, bufs: &mut LayerBuf<B, NOUT>) {
        Self::GEOMETRY.pool_layer_forward(MAX, self.act, x, rows, bufs);
    }

    fn backward<const B: usize>(
        &self,
        x: &[f32],
        bufs: &mut LayerBuf<B, NOUT>,
        _grads: &mut Self,
        dx: &mut [f32],
    ) {
        Self::GEOMETRY.pool_layer_backward(MAX, self.act, x, bufs, dx);
    }
}
