//! Where a trainer keeps the reference weights `prox` pulls towards (FedProx's global model,
//! L2-SP's pretrained one): nowhere ([`NoReference`], the default: `prox` is then refused),
//! a copy in RAM ([`ReferenceCopy`], `trainer!(.., reference)`: `4 * PARAMS` bytes more), or a
//! checkpoint read in place where it lies, in flash say ([`CheckpointReference`],
//! `trainer!(.., reference_in_place)`: 260 bytes of offsets, the weights cost no RAM).
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::train::{Data, Trainer};
//! type Body = (Dense<4, 2>, Dense<2, 4>);
//! let mut t: Box<staticnets::trainer!(Body, batch = 8, optimizer = sgd, reference)> =
//!     Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
//! let x = [0.5f32; 4 * 8];
//! let data = Data::autoencoder(&x);
//! t.config.parse("algo = sgd\nlearning_rate = 0.1\nprox = 1").unwrap();
//! assert!(t.start(&data).is_err()); // prox without reference weights is refused
//! t.config.parse("prox = 0").unwrap();
//! t.start(&data).unwrap();
//! let global = t.net.clone();
//! t.set_reference(&global).unwrap(); // e.g. the federation's global model
//! t.config.parse("prox = 1").unwrap();
//! t.restart(&data).unwrap();
//! let r = t.validate(&data).unwrap();
//! assert_eq!(r.regs[0], 0.0); // at the reference, the pull is zero
//! ```

use crate::layers::Layers;
use crate::network::Network;
use crate::regularizers::view::{RefValues, ReferenceWeights};

/// Storage for a trainer's reference weights.
pub trait Reference<L: Layers> {
    /// The value of a new trainer: no reference set (all zero bytes).
    const EMPTY: Self;
    /// The reference weights, if set.
    fn weights(&self) -> Option<&dyn ReferenceWeights>;
    /// Keep a copy of `net`'s parameters as the reference; `false` if there is no room.
    fn set(&mut self, net: &Network<L>) -> bool;
    /// Read the reference in place from a checkpoint's parameter bytes (`params`, verified by
    /// the caller), tensor `i` starting at byte `4 * starts[i]`; `false` if this storage
    /// cannot (only [`CheckpointReference`] can).
    fn set_in_place(&mut self, _params: &'static [u8], _starts: &[usize]) -> bool {
        false
    }
}

/// No reference weights (`prox` is refused): no RAM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoReference;

impl<L: Layers> Reference<L> for NoReference {
    const EMPTY: Self = NoReference;
    fn weights(&self) -> Option<&dyn ReferenceWeights> {
        None
    }
    fn set(&mut self, _net: &Network<L>) -> bool {
        false
    }
}

/// A copy of the reference weights in RAM (`4 * PARAMS` bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceCopy<L: Layers> {
    net: Network<L>,
    set: bool,
}

impl<L: Layers> Reference<L> for ReferenceCopy<L> {
    const EMPTY: Self = ReferenceCopy {
        net: Network::zero(),
        set: false,
    };
    fn weights(&self) -> Option<&dyn ReferenceWeights> {
        self.set.then_some(&self.net as &dyn ReferenceWeights)
    }
    fn set(&mut self, net: &Network<L>) -> bool {
        self.net.copy_params_from(net);
        self.set = true;
        true
    }
}

/// The most parameter tensors a [`CheckpointReference`] indexes (as selections hold).
const MAX_TENSORS: usize = 64;

/// Reference weights read in place from a verified checkpoint that stays where it is (a
/// `&'static` slice: flash, or a leaked buffer): per tensor, where its values start.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointReference {
    /// (`None` until set: all zero bytes, so a trainer in a `static` stays in `.bss`)
    params: Option<&'static [u8]>,
    /// Value index where tensor `i` starts (`starts[i + 1]` where it ends).
    starts: [u32; MAX_TENSORS + 1],
    tensors: usize,
}

impl<L: Layers> Reference<L> for CheckpointReference {
    const EMPTY: Self = CheckpointReference {
        params: None,
        starts: [0; MAX_TENSORS + 1],
        tensors: 0,
    };
    fn weights(&self) -> Option<&dyn ReferenceWeights> {
        (self.tensors > 0).then_some(self as &dyn ReferenceWeights)
    }
    fn set(&mut self, _net: &Network<L>) -> bool {
        false
    }
    fn set_in_place(&mut self, params: &'static [u8], starts: &[usize]) -> bool {
        if starts.len() > MAX_TENSORS + 1 || starts.is_empty() {
            return false;
        }
        for (s, &v) in self.starts.iter_mut().zip(starts) {
            *s = v as u32;
        }
        (self.params, self.tensors) = (Some(params), starts.len() - 1);
        true
    }
}

impl ReferenceWeights for CheckpointReference {
    fn reference(&self, i: usize) -> Option<RefValues<'_>> {
        if i >= self.tensors {
            return None;
        }
        let (a, b) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        self.params?.get(4 * a..4 * b).map(RefValues::Le)
    }
}
