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
//! The options, after `batch = N` and in any order: `contractive`; `optimizer = NAME` (one of
//! [`optim::slots`](crate::optim::slots): `sgd`, `nag`, `adagrad`, `rmsprop`, `adam`,
//! `adadelta`, `rprop`, or `any`), optionally `+ momentum`; `no_best_copy`
//! ([`NoBestCopy`](super::NoBestCopy)). Without `optimizer`, the slots are `any`'s.

/// A trainer's type from named capacities: `trainer!(Body, batch = 32, contractive,
/// optimizer = adam)`. See [`train::capacity`](crate::train::capacity).
#[macro_export]
macro_rules! trainer {
    ($body:ty, batch = $batch:expr $(, $($option:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, 0, $crate::optim::slots::any, $crate::network::Network<$body>;
            $($($option)*)?
        )
    };
}

/// [`trainer!`]'s options, one at a time.
#[doc(hidden)]
#[macro_export]
macro_rules! __trainer_options {
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty;) => {
        $crate::train::Trainer<$body, { $batch }, { $jd }, { $slots }, $best>
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty; contractive $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, <$body as $crate::layers::Layers>::NIN, $slots, $best;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty;
        optimizer = $name:ident + momentum $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $crate::optim::slots::$name + 1, $best;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty;
        optimizer = $name:ident $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $crate::optim::slots::$name, $best;
            $($($rest)*)?
        )
    };
    ($body:ty, $batch:expr, $jd:expr, $slots:expr, $best:ty; no_best_copy $(, $($rest:tt)*)?) => {
        $crate::__trainer_options!(
            $body, $batch, $jd, $slots, $crate::train::NoBestCopy;
            $($($rest)*)?
        )
    };
}

#[cfg(test)]
mod tests {
    use crate::layers::{Activation::*, Dense, Layers};
    use crate::optim::{Optimizer, slots};

    /// The slot table agrees with what each algorithm asks for.
    #[test]
    fn the_named_slots_are_each_algorithms() {
        for (name, n) in [
            ("sgd", slots::sgd),
            ("nag", slots::nag),
            ("adagrad", slots::adagrad),
            ("rmsprop", slots::rmsprop),
            ("adam", slots::adam),
            ("adadelta", slots::adadelta),
            ("rprop", slots::rprop),
        ] {
            let o = Optimizer::from_name(name).unwrap();
            assert_eq!(o.slots(0.0), n, "{name}");
            assert!(o.slots(0.9) <= slots::any, "{name}");
        }
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
