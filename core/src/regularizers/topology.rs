//! What resolving a setting needs of a network without its type ([`Topology`]).

use super::view::{NetView, ParamsOf};
use crate::layers::{Activation, Layers};

/// What resolving a setting needs of a network, without its type: the names of its tensors
/// and outputs ([`NetView`]) and its layers' kinds.
pub trait Topology: NetView {
    /// Whether global output `k` runs over time steps (for `k = 0`, a sequence model's input).
    fn sequence(&self, k: usize) -> bool;
    /// Whether layer `k >= 1` is recurrent.
    fn recurrent(&self, k: usize) -> bool;
    /// Layer `k >= 1`'s activation.
    fn activation(&self, k: usize) -> Option<Activation>;
    /// The network's input width.
    fn input_width(&self) -> usize;
    /// The workspace's Jacobian width (`JD`).
    fn jacobian_width(&self) -> usize;
    /// Whether layer `k >= 1` has the Jacobian `contractive` needs.
    fn has_jacobian(&self, k: usize) -> bool;
}

/// A network's parameters know its topology; `JD` is the width of the workspace's Jacobian
/// buffers resolution checks `contractive` against.
impl<L: Layers, const JD: usize> Topology for ParamsOf<'_, L, JD> {
    fn sequence(&self, k: usize) -> bool {
        if k == 0 {
            L::IN_STEPS >= 2
        } else {
            self.0.body.sequence(k - 1)
        }
    }
    fn recurrent(&self, k: usize) -> bool {
        k >= 1 && self.0.body.recurrent(k - 1)
    }
    fn activation(&self, k: usize) -> Option<Activation> {
        k.checked_sub(1).and_then(|k| self.0.body.activation(k))
    }
    fn input_width(&self) -> usize {
        L::NIN
    }
    fn jacobian_width(&self) -> usize {
        JD
    }
    fn has_jacobian(&self, k: usize) -> bool {
        k >= 1 && self.0.body.has_jacobian(k - 1)
    }
}
