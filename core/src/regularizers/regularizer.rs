//! The trait every regularizer implements, built in or the user's own ([`Regularizer`]), and
//! how a trainer holds a user's one ([`CustomRegularizer`]).

use super::view::{NetGrads, NetView};

/// A regularizer that adds a term to the objective: built in or the user's own.
///
/// `loss` is the unweighted `R`; `grad` adds `weight * dR/d(...)` into the gradient buffers
/// of whatever it reads (parameters and/or outputs). The library's trainer calls `loss` and
/// then `grad` on the same forward pass. See [`custom`](super::custom) for a worked example and
/// [`check_gradient`](super::check_gradient) to verify a gradient in one call.
pub trait Regularizer {
    /// The name shown in monitors.
    fn name(&self) -> &str;
    /// The unweighted penalty `R`.
    fn loss(&self, net: &dyn NetView) -> f64;
    /// Add `weight * dR/d(parameters and outputs)` into the gradient buffers.
    fn grad(&self, net: &mut dyn NetGrads, weight: f32);
}

/// A custom regularizer as a trainer holds it ([`Trainer::add_regularizer`]): a shared
/// reference for the whole program (a `static`, a constant, or `Box::leak` where there is a
/// heap), `Sync` so that a trainer in a `static` may hold it.
///
/// [`Trainer::add_regularizer`]: crate::train::Trainer::add_regularizer
pub type CustomRegularizer = &'static (dyn Regularizer + Sync);
