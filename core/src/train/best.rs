//! Where a trainer keeps its known-good parameters: a full copy ([`Network`], the default),
//! or none ([`NoBestCopy`]) for fine-tuning with a fixed number of updates on a device whose
//! RAM cannot spare a second copy of the weights.
//!
//! | | `Network<L>` (default) | `NoBestCopy` |
//! |---|---|---|
//! | RAM | `4 * PARAMS` bytes | none |
//! | a step whose result is not finite | not applied; the parameters return to the best validation's | not applied; the parameters stay as before the step |
//! | steps that make the weights explode but stay finite | undone by the next refused step | kept: there is nothing to go back to (reload the checkpoint) |
//! | the end of [`Trainer::train`](super::Trainer::train) | the best validation's parameters | the last ones |
//!
//! Either way no parameter ever becomes non-finite: the optimizer checks every updated value
//! before it writes any ([`update`](crate::optim::update)).
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::train::{Data, NoBestCopy, Trainer};
//! type Body = (Dense<8, 4>, Dense<4, 8>);
//! type Lean = Trainer<Body, 4, 0, 2, NoBestCopy>;
//! let saved = Trainer::<Body, 4, 0, 2>::BYTES - Lean::BYTES;
//! assert!(saved >= 4 * 68); // one copy of the 68 weights (and perhaps alignment padding)
//! let mut t: Box<Lean> = Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
//! t.config.parse("algo = sgd\nlearning_rate = 1e30\nbatch_size = 4").unwrap();
//! let x = [0.5f32; 8 * 4];
//! let data = Data::autoencoder(&x);
//! t.start(&data).unwrap();
//! let mut refused = false;
//! for _ in 0..20 {
//!     let before = t.net.clone();
//!     if t.steps(&data, 1).is_err() {
//!         assert_eq!(t.net, before); // the refused step wrote nothing
//!         refused = true;
//!         break;
//!     }
//! }
//! assert!(refused && t.net.is_finite());
//! ```

use crate::layers::Layers;
use crate::network::Network;

/// Storage for a trainer's known-good parameters.
pub trait BestCopy<L: Layers> {
    /// The value of a new trainer (all zero bytes, so a trainer can sit in `.bss`).
    const EMPTY: Self;
    /// Record `net`'s parameters as known-good.
    fn keep(&mut self, net: &Network<L>);
    /// Put the known-good parameters back into `net`; `false` (and `net` unchanged) if there
    /// is no copy.
    fn restore(&self, net: &mut Network<L>) -> bool;
    /// The copy, if there is one.
    fn copy(&self) -> Option<&Network<L>>;
    /// The copy, mutable, if there is one.
    fn copy_mut(&mut self) -> Option<&mut Network<L>>;
}

impl<L: Layers> BestCopy<L> for Network<L> {
    const EMPTY: Self = Network::zero();
    fn keep(&mut self, net: &Network<L>) {
        self.copy_params_from(net);
    }
    fn restore(&self, net: &mut Network<L>) -> bool {
        net.copy_params_from(self);
        true
    }
    fn copy(&self) -> Option<&Network<L>> {
        Some(self)
    }
    fn copy_mut(&mut self) -> Option<&mut Network<L>> {
        Some(self)
    }
}

/// No copy of known-good parameters: a trainer `4 * PARAMS` bytes smaller (see the module
/// docs for what changes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoBestCopy;

impl<L: Layers> BestCopy<L> for NoBestCopy {
    const EMPTY: Self = NoBestCopy;
    fn keep(&mut self, _net: &Network<L>) {}
    fn restore(&self, _net: &mut Network<L>) -> bool {
        false
    }
    fn copy(&self) -> Option<&Network<L>> {
        None
    }
    fn copy_mut(&mut self) -> Option<&mut Network<L>> {
        None
    }
}
