//! Tuples of layers: `(A, B, ...)` is the stack that runs `A`, then `B`, ... Each element's
//! `Input` must be the previous element's `Output`, so a size mismatch does not compile.
//! Tuples hold 2 to 6 elements; nest a tuple for more. [`Identity`](super::Identity) has no
//! layers and cannot stand in a tuple (using it there fails to compile).

use super::activation::Activation;
use super::buffers::{OutputGrads, OutputView, Tensor, Zeroed};
use super::corrupt::Corruptor;
use super::stack::Arch;
use super::stack::{LayerFacts, Layers};
use crate::rng::XorShift;

macro_rules! zeroed_tuple {
    ($($T:ident),+) => {
        impl<$($T: Zeroed),+> Zeroed for ($($T,)+) {
            const ZERO: Self = ($($T::ZERO,)+);
        }
    };
}
zeroed_tuple!(Z0, Z1, Z2, Z3);
zeroed_tuple!(Z0, Z1, Z2, Z3, Z4);
zeroed_tuple!(Z0, Z1, Z2, Z3, Z4, Z5);

macro_rules! chain {
    ($n:literal; $($T:ident $i:tt),+ ; back $(($Ti:ident $ii:tt <- $Tp:ident $ip:tt))+ ;
     first $T0:ident $i0:tt ; last $TL:ident $iL:tt) => {
        impl<$($T: Layers),+> Layers for ($($T,)+)
        where
            $($Ti: Layers<Input = <$Tp as Layers>::Output>,)+
        {
            type Input = $T0::Input;
            type Output = $TL::Output;
            const NIN: usize = $T0::NIN;
            const NOUT: usize = $TL::NOUT;
            const LAYERS: usize = {
                assert!($($T::LAYERS > 0 &&)+ true, "an empty stack (Identity) cannot stand in a tuple");
                0 $(+ $T::LAYERS)+
            };
            const TENSORS: usize = 0 $(+ $T::TENSORS)+;
            const PARAMS: usize = 0 $(+ $T::PARAMS)+;
            const ZERO: Self = ($($T::ZERO,)+);
            const STEPS: usize = $TL::STEPS;
            const IN_STEPS: usize = $T0::IN_STEPS;
            const JACOBIANS: bool = true $(&& $T::JACOBIANS)+;
            type Bufs<const B: usize> = ($($T::Bufs<B>,)+);
            type Jacs<const D: usize> = ($($T::Jacs<D>,)+);
            type InBuf<const B: usize> = $T0::InBuf<B>;
            type JacIn<const D: usize> = $T0::JacIn<D>;

            fn init(&mut self, rng: &mut XorShift) {
                $(self.$i.init(rng);)+
            }

            fn describe(&self, arch: &mut Arch) {
                $(self.$i.describe(arch);)+
            }

            fn facts(&self, k: usize) -> Option<LayerFacts> {
                let mut k = k;
                $(
                    if k < $T::LAYERS {
                        return self.$i.facts(k);
                    }
                    k -= $T::LAYERS;
                )+
                let _ = k;
                None
            }

            fn set_activation(&mut self, k: usize, act: Activation) -> bool {
                let mut k = k;
                $(
                    if k < $T::LAYERS {
                        return self.$i.set_activation(k, act);
                    }
                    k -= $T::LAYERS;
                )+
                let _ = k;
                false
            }

            fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
                let (mut i, mut l0) = (i, layer0);
                $(
                    if i < $T::TENSORS {
                        return self.$i.tensor(i, l0);
                    }
                    i -= $T::TENSORS;
                    l0 += $T::LAYERS;
                )+
                let _ = (i, l0);
                None
            }

            fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
                let mut i = i;
                $(
                    if i < $T::TENSORS {
                        return self.$i.tensor_mut(i);
                    }
                    i -= $T::TENSORS;
                )+
                let _ = i;
                None
            }

            fn forward<const B: usize>(
                &self,
                x: &[f32],
                rows: usize,
                bufs: &mut Self::Bufs<B>,
                layer0: usize,
                corrupt: &mut Corruptor,
            ) {
                let mut h: &[f32] = x;
                let mut l0 = layer0;
                $(
                    self.$i.forward(h, rows, &mut bufs.$i, l0, corrupt);
                    h = $T::output(&bufs.$i, h);
                    l0 += $T::LAYERS;
                )+
                let _ = (h, l0);
            }

            fn output<'a, const B: usize>(bufs: &'a Self::Bufs<B>, x: &'a [f32]) -> &'a [f32] {
                $TL::output(&bufs.$iL, x)
            }

            fn backward<const B: usize>(&self, x: &[f32], bufs: &mut Self::Bufs<B>, grads: &mut Self, dx: &mut [f32]) {
                $(
                    if let Some((h, dh)) = $Tp::output_and_grad(&mut bufs.$ip) {
                        self.$ii.backward(h, &mut bufs.$ii, &mut grads.$ii, dh);
                    }
                )+
                self.$i0.backward(x, &mut bufs.$i0, &mut grads.$i0, dx);
            }

            fn output_and_grad<const B: usize>(bufs: &mut Self::Bufs<B>) -> Option<(&[f32], &mut [f32])> {
                $TL::output_and_grad(&mut bufs.$iL)
            }

            fn view<'a, const B: usize>(&self, bufs: &'a Self::Bufs<B>, k: usize, layer0: usize) -> Option<OutputView<'a>> {
                let (mut k, mut l0) = (k, layer0);
                $(
                    if k < $T::LAYERS {
                        return self.$i.view(&bufs.$i, k, l0);
                    }
                    k -= $T::LAYERS;
                    l0 += $T::LAYERS;
                )+
                let _ = (k, l0);
                None
            }

            fn grads<'a, const B: usize>(&self, bufs: &'a mut Self::Bufs<B>, k: usize, layer0: usize) -> Option<OutputGrads<'a>> {
                let (mut k, mut l0) = (k, layer0);
                $(
                    if k < $T::LAYERS {
                        return self.$i.grads(&mut bufs.$i, k, l0);
                    }
                    k -= $T::LAYERS;
                    l0 += $T::LAYERS;
                )+
                let _ = (k, l0);
                None
            }

            fn clear_grads<const B: usize>(bufs: &mut Self::Bufs<B>) {
                $($T::clear_grads(&mut bufs.$i);)+
            }

            fn jac_forward<const B: usize, const D: usize>(
                &self,
                bufs: &Self::Bufs<B>,
                row: usize,
                j_in: &[f32],
                jacs: &mut Self::Jacs<D>,
                upto: usize,
            ) {
                let mut j: &[f32] = j_in;
                let mut up = upto;
                $(
                    self.$i.jac_forward(&bufs.$i, row, j, &mut jacs.$i, up);
                    j = $T::jac_output(&jacs.$i, j);
                    up = up.saturating_sub($T::LAYERS);
                )+
                let _ = (j, up);
            }

            fn jac_output<'a, const D: usize>(jacs: &'a Self::Jacs<D>, j_in: &'a [f32]) -> &'a [f32] {
                $TL::jac_output(&jacs.$iL, j_in)
            }

            fn jac_grads<const D: usize>(jacs: &mut Self::Jacs<D>, k: usize) -> Option<(&[f32], &mut [f32])> {
                let mut k = k;
                $(
                    if k < $T::LAYERS {
                        return $T::jac_grads(&mut jacs.$i, k);
                    }
                    k -= $T::LAYERS;
                )+
                let _ = k;
                None
            }

            fn clear_jac_grads<const D: usize>(jacs: &mut Self::Jacs<D>, upto: usize) {
                let mut up = upto;
                $(
                    $T::clear_jac_grads(&mut jacs.$i, up);
                    up = up.saturating_sub($T::LAYERS);
                )+
                let _ = up;
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
                // offsets[e]: layers before element e.
                let mut offsets = [0usize; $n];
                let mut acc = 0;
                $(
                    offsets[$i] = acc;
                    acc += $T::LAYERS;
                )+
                let _ = acc;
                $(
                    let up = upto.saturating_sub(offsets[$ii]);
                    if up > 0 {
                        if let Some((jp, gp)) = $Tp::jac_grads(&mut jacs.$ip, $Tp::LAYERS - 1) {
                            self.$ii.jac_backward(&mut bufs.$ii, row, jp, gp, &mut jacs.$ii, &mut grads.$ii, up);
                        }
                    }
                )+
                self.$i0.jac_backward(&mut bufs.$i0, row, j_in, g_in, &mut jacs.$i0, &mut grads.$i0, upto);
            }
        }
    };
}

chain!(2; L0 0, L1 1; back (L1 1 <- L0 0); first L0 0; last L1 1);
chain!(3; L0 0, L1 1, L2 2; back (L2 2 <- L1 1) (L1 1 <- L0 0); first L0 0; last L2 2);
chain!(4; L0 0, L1 1, L2 2, L3 3; back (L3 3 <- L2 2) (L2 2 <- L1 1) (L1 1 <- L0 0); first L0 0; last L3 3);
chain!(5; L0 0, L1 1, L2 2, L3 3, L4 4; back (L4 4 <- L3 3) (L3 3 <- L2 2) (L2 2 <- L1 1) (L1 1 <- L0 0); first L0 0; last L4 4);
chain!(6; L0 0, L1 1, L2 2, L3 3, L4 4, L5 5;
       back (L5 5 <- L4 4) (L4 4 <- L3 3) (L3 3 <- L2 2) (L2 2 <- L1 1) (L1 1 <- L0 0); first L0 0; last L5 5);
