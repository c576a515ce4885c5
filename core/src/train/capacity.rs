//! Named capacities: [`trainer!`](crate::trainer) writes a trainer's type from what it is for,
//! so its const parameters cannot be mis-sized or swapped.
//!
//! `Trainer<Body, B, JD, S>` takes three numbers in a row: the batch capacity `B`, the Jacobian
//! width `JD` (the input width if `contractive` will be used, else 0) and the optimizer's state
//! slots `S`. Written by position, `Trainer<Body, 32, 64, 3>` does not say which is which, and
//! a wrong `JD` or `S` is found only when training starts. The macro reads:
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense, Layers};
//! use staticnets::train::Trainer;
//! type Body = (Dense<64, 16>, Dense<16, 64>);
//! // batches of up to 32, Jacobian buffers for contractive, Adam with momentum
//! type T = staticnets::trainer!(Body, batch = 32, contractive, optimizer = adam + momentum);
//! let t: Box<T> = Box::new(T::new((Dense::new(Relu), Dense::new(Sigmoid))));
//! // the same type, by position
//! let _: &Trainer<Body, 32, 64, 3> = &t;
//! // the leanest: plain sgd, no contractive, no copy of the best parameters (firmware)
//! type Lean = staticnets::trainer!(Body, batch = 4, optimizer = sgd, no_best_copy);
//! assert!(Lean::BYTES < T::BYTES / 2);
//! ```
//!
//! The options, after `batch = N` and in any order: `contractive`; `optimizer = NAME` (an
//! algorithm of [`optim::ALGOS`](crate::optim::ALGOS): `sgd`, `nag`, `adagrad`, `rmsprop`,
//! `adam`, `adadelta`, `rprop`, or `any`; [`slots_of`](crate::optim::slots_of) sizes it, and
//! an unknown name stops the build), optionally `+ momentum`; `reference` (a copy of the
//! reference weights `prox` pulls towards, [`reference`](super::reference)) or
//! `reference_in_place` (read from a checkpoint where it lies); `no_best_copy`
//! ([`NoBestCopy`](super::NoBestCopy)). Without `optimizer`, the slots are `any`'s.
//!
//! `contractive` with a layer that has no Jacobian does not build (the layer here is a
//! stub: only its types matter):
//!
//! ```compile_fail
//! use staticnets::layers::*;
//! #[derive(Clone)]
//! struct NoJac;
//! impl Layer for NoJac {
//!     type Input = Dim<4>;
//!     type Output = Dim<4>;
//!     const NIN: usize = 4;
//!     const NOUT: usize = 4;
//!     const TENSORS: usize = 0;
//!     const PARAMS: usize = 0;
//!     const ZERO: Self = NoJac;
//!     type Buf<const B: usize> = LayerBuf<B, 4>;
//!     type Jacobian = NoJacobian;
//!     fn init(&mut self, _: &mut staticnets::rng::XorShift) {}
//!     fn describe(&self, _: &mut Arch) {}
//!     fn activation(&self) -> Activation { Activation::Linear }
//!     fn set_activation(&mut self, _: Activation) -> bool { false }
//!     fn tensor(&self, _: usize, _: usize) -> Option<Tensor<'_>> { None }
//!     fn tensor_mut(&mut self, _: usize) -> Option<&mut [f32]> { None }
//!     fn forward<const B: usize>(&self, _: &[f32], _: usize, _: &mut LayerBuf<B, 4>) {}
//!     fn backward<const B: usize>(&self, _: &[f32], _: &mut LayerBuf<B, 4>, _: &mut Self, _: &mut [f32]) {}
//! }
//! type T = staticnets::trainer!((Dense<4, 4>, NoJac), batch = 4, contractive);
//! let _ = core::mem::size_of::<T>();
//! ```
//!
//! A name no algorithm has does not build:
//!
//! ```compile_fail
//! type Body = staticnets::layers::Dense<4, 4>;
//! type T = staticnets::trainer!(Body, batch = 4, optimizer = adamw);
//! let _ = core::mem::size_of::<T>();
//! ```

/// The Jacobian width `contractive` needs of `L` (its input width); a build stops if a layer
/// of `L` has no Jacobian ([`Layer::Jacobian`](crate::layers::Layer::Jacobian)).
pub const fn jacobian_width<L: crate::layers::Layers>() -> usize {
    assert!(
        L::JACOBIANS,
        "contractive needs the Jacobian of every layer, and one of these layers has none"
    );
    L::NIN
}

/// A trainer's type from named capacities: `trainer!(Body, batch = 32, contractive,
/// optimizer = adam)`. See [`train::capacity`](crate::train::capacity).
#[macro_export]
macro_rules! trainer {
    ($body:ty, batch = $batch:expr $(, $($option:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, 0, $crate::optim::slots_of("any"), $crate::network::Network<$body>,
            $crate::train::NoReference;
            $($($option)*)?
        )
    };
}

/// [`trainer!`]'s options, one at a time.
#[doc(hidden)]
#[macro_export]
macro_rules! __trainer_options {
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty, $reference:ty;) => {
        $crate::train::Trainer<$body, { $batch }, { $jd }, { $slots }, $best, $reference>
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty, $reference:ty;
        contractive $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $crate::train::capacity::jacobian_width::<$body>(), $slots, $best,
            $reference;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty, $reference:ty;
        optimizer = $name:ident + momentum $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $crate::optim::slots_of(stringify!($name)) + 1, $best, $reference;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty, $reference:ty;
        optimizer = $name:ident $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $crate::optim::slots_of(stringify!($name)), $best, $reference;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty, $reference:ty;
        no_best_copy $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $slots, $crate::train::NoBestCopy, $reference;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty, $reference:ty;
        reference_in_place $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $slots, $best, $crate::train::reference::CheckpointReference;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty, $reference:ty;
        reference $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $slots, $best, $crate::train::ReferenceCopy<$body>;
            $($($rest)*)?
        )
    };
}

#[cfg(test)]
mod tests {
    use crate::layers::{Activation::*, Dense, Layers};
    use crate::optim::{ALGOS, Optimizer, slots_of};

    /// The table holds every variant once, under distinct names and checkpoint codes; each
    /// default round-trips through its name and validates; `slots_of` reads the table.
    #[test]
    fn the_algorithm_table_is_the_enum() {
        for (i, a) in ALGOS.iter().enumerate() {
            assert_eq!(Optimizer::from_name(a.name).unwrap(), a.default);
            assert_eq!(a.default.name(), a.name);
            assert!(a.default.validate().is_ok(), "{}", a.name);
            assert_eq!(slots_of(a.name), a.slots);
            assert_eq!(a.default.slots(0.0), a.slots);
            assert!(a.default.slots(0.9) <= slots_of("any"), "{}", a.name);
            for b in &ALGOS[i + 1..] {
                assert!(a.name != b.name && a.code != b.code);
                let (da, db) = (a.default, b.default);
                assert_ne!(core::mem::discriminant(&da), core::mem::discriminant(&db));
            }
        }
        assert_eq!(Optimizer::NAMES.len(), ALGOS.len());
    }

    #[test]
    fn each_option_sizes_its_parameter() {
        type Body = (Dense<5, 3>, Dense<3, 5>);
        type A = crate::trainer!(Body, batch = 8);
        type C = crate::trainer!(Body, batch = 8, optimizer = adagrad + momentum, contractive);
        type N = crate::trainer!(Body, batch = 2, no_best_copy, optimizer = sgd);
        let a: A = A::new((Dense::new(Tanh), Dense::new(Linear)));
        let _: &crate::train::Trainer<Body, 8, 0, 3> = &a;
        let c: C = C::new((Dense::new(Tanh), Dense::new(Linear)));
        let _: &crate::train::Trainer<Body, 8, { <Body as Layers>::NIN }, 2> = &c;
        let n: N = N::new((Dense::new(Tanh), Dense::new(Linear)));
        let _: &crate::train::Trainer<Body, 2, 0, 0, crate::train::NoBestCopy> = &n;
    }
}
