//! Two-dimensional pooling (theanets' `pool2`), max or mean over non-overlapping windows of
//! `PH x PW` per map (window = stride, a partial last row or column of windows dropped:
//! PyTorch's `MaxPool2d` / `AvgPool2d` defaults), then an activation (`linear` by default).
//!
//! Layout: as [`Conv2`](super::Conv2): `x[(c * H + y) * W + x]` in, `out[(c * HO + i) * WO +
//! j]` out, `HO = floor(H / PH)`, `WO = floor(W / PW)`.
//!
//! Forward:  `pre[c, i, j]` = the window's max, or its mean; `out = act(pre)`.
//! Backward: max sends `d_pre[c, i, j]` to the window's first maximum in scan order (rows,
//!           then columns: ties go to the first, on every target); mean spreads
//!           `d_pre / (PH PW)` over the window. No parameters.
//! Jacobian: not implemented yet, so `contractive` through a pool2 layer is refused by name.

use super::activation::Activation;
use super::buffers::{Dim, LayerBuf, Tensor};
use super::layer::{Layer, NoJacobian};
use super::sliding::Geometry;
use super::stack::Arch;
use crate::rng::XorShift;

/// Max or mean pooling of `C` maps of `H x W` over `PH x PW` windows; `HO = H / PH`, `WO = W
/// / PW`, `NIN = C H W`, `NOUT = C HO WO`. Write the type with [`pool2!`](crate::pool2).
#[derive(Clone, Debug, PartialEq)]
pub struct Pool2<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const MAX: bool,
    const HO: usize,
    const WO: usize,
    const NIN: usize,
    const NOUT: usize,
> {
    /// Activation after pooling (`linear` by default).
    pub act: Activation,
}

/// The [`Pool2`] type with its derived sizes: `pool2!(channels, height, width, ph, pw, max)`
/// or `.., mean)`.
///
/// ```
/// use staticnets::pool2;
/// use staticnets::layers::Layers;
/// type P = pool2!(6, 6, 6, 2, 2, max);
/// assert_eq!(<P as Layers>::NOUT, 6 * 3 * 3);
/// ```
#[macro_export]
macro_rules! pool2 {
    ($c:expr, $h:expr, $w:expr, $ph:expr, $pw:expr, $kind:ident) => {
        $crate::layers::pool2::Pool2<
            { $c }, { $h }, { $w }, { $ph }, { $pw },
            { $crate::pool2!(@max $kind) },
            { $h / $ph }, { $w / $pw }, { $c * $h * $w }, { $c * ($h / $ph) * ($w / $pw) }
        >
    };
    (@max max) => { true };
    (@max mean) => { false };
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const MAX: bool,
    const HO: usize,
    const WO: usize,
    const NIN: usize,
    const NOUT: usize,
> Pool2<C, H, W, PH, PW, MAX, HO, WO, NIN, NOUT>
{
    const GEOMETRY: Geometry = Geometry {
        c: C,
        h: H,
        w: W,
        f: C,
        kh: PH,
        kw: PW,
        sh: PH,
        sw: PW,
        dh: 1,
        dw: 1,
        top: 0,
        left: 0,
        ho: HO,
        wo: WO,
    };

    /// A pooling layer with activation `act` (`Activation::Linear` for plain pooling).
    pub const fn new(act: Activation) -> Self {
        const {
            assert!(
                C > 0 && PH > 0 && PW > 0 && H >= PH && W >= PW,
                "pool2: a window must fit in the map"
            );
            assert!(
                HO == H / PH && WO == W / PW && NIN == C * H * W && NOUT == C * HO * WO,
                "pool2: HO = H / PH, WO = W / PW, NIN = C H W, NOUT = C HO WO (write the type with pool2!)"
            );
        };
        Pool2 { act }
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const MAX: bool,
    const HO: usize,
    const WO: usize,
    const NIN: usize,
    const NOUT: usize,
> Layer for Pool2<C, H, W, PH, PW, MAX, HO, WO, NIN, NOUT>
{
    type Input = Dim<NIN>;
    type Output = Dim<NOUT>;
    const NIN: usize = NIN;
    const NOUT: usize = NOUT;
    const TENSORS: usize = 0;
    const PARAMS: usize = 0;
    const ZERO: Self = Pool2::new(Activation::Linear);
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
        arch.layer("pool2", &[C, H, W, PH, PW, MAX as usize], self.act);
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
