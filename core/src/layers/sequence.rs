//! [`sequence!`](crate::sequence): a sequence layer's type from its widths and its number of
//! steps. `Rnn`, `Lstm`, `Gru` and `TimeDense` take five const parameters, two of them derived
//! (`TI = T * I`, `TH = T * H`: a sequence's values in and out, which stable Rust cannot compute
//! inside the type); the macro computes them, so they cannot disagree with `T`.
//!
//! ```
//! use staticnets::layers::{Gru, Rnn, TimeDense};
//! type R = staticnets::sequence!(Rnn<1, 16>, steps = 24);
//! let _: Option<&Rnn<1, 16, 24, 24, 384>> = None::<&R>;
//! // a recurrent body: 24 steps of one value, 16 units, one prediction per step
//! type Body = (
//!     staticnets::sequence!(Gru<1, 16>, steps = 24),
//!     staticnets::sequence!(TimeDense<16, 1>, steps = 24),
//! );
//! let _: Option<&(Gru<1, 16, 24, 24, 384>, TimeDense<16, 1, 24, 384, 24>)> = None::<&Body>;
//! ```

/// A sequence layer's type: `sequence!(Rnn<I, H>, steps = T)` is `Rnn<I, H, T, {T * I}, {T *
/// H}>`; also `Lstm`, `Gru` and `TimeDense` (whose second width is its output's). See
/// [`layers::sequence`](crate::layers::sequence).
#[macro_export]
macro_rules! sequence {
    ($layer:ident < $i:tt, $h:tt >, steps = $t:tt) => {
        $crate::layers::$layer<{ $i }, { $h }, { $t }, { $t * $i }, { $t * $h }>
    };
}
