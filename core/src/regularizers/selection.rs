//! Which tensors and outputs a regularizer acts on: a [`Selection`] of indices, chosen by glob
//! patterns over the network's names ([`select_tensors`], [`select_outputs`]).

use super::pattern::glob_match;
use super::spec::Pattern;
use super::view::NetView;
use crate::layers::MAX_LAYERS;

/// A set of small indices (layers or tensors), as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selection(pub u64);

impl Selection {
    /// Add index `i` (< 64).
    pub fn insert(&mut self, i: usize) {
        if i < 64 {
            self.0 |= 1 << i;
        }
    }
    /// Whether `i` is in the set.
    pub fn contains(&self, i: usize) -> bool {
        i < 64 && self.0 & (1 << i) != 0
    }
    /// How many indices.
    pub fn count(&self) -> usize {
        self.0.count_ones() as usize
    }
    /// The indices in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..64).filter(|&i| self.contains(i))
    }
    /// The largest index, if any.
    pub fn max(&self) -> Option<usize> {
        (self.0 != 0).then(|| 63 - self.0.leading_zeros() as usize)
    }
}

/// The targets of an activity penalty as `(layer, second)` pairs: the `:out`s in `outs`
/// first, then the second outputs (`:pre`, an LSTM's `:cell`) in `second`.
pub(crate) fn ports(outs: Selection, second: Selection) -> impl Iterator<Item = (usize, bool)> {
    (0..64)
        .filter(move |&k| outs.contains(k))
        .map(|k| (k, false))
        .chain(
            (0..64)
                .filter(move |&k| second.contains(k))
                .map(|k| (k, true)),
        )
}

/// Selection of parameter tensors: default `*.w`; only weight matrices (2-D) ever count.
pub fn select_tensors(net: &dyn NetView, patterns: &[Pattern]) -> Selection {
    let mut sel = Selection::default();
    for i in 0..net.tensors() {
        let Some(t) = net.tensor(i) else { continue };
        if !t.kind.is_matrix() {
            continue;
        }
        let name = net.tensor_name(i);
        if patterns.is_empty() || patterns.iter().any(|p| glob_match(p, &name)) {
            sel.insert(i);
        }
    }
    sel
}

/// Selection of outputs: `(out, pre)` layer sets. Default: the hidden `:out`s.
pub fn select_outputs(net: &dyn NetView, patterns: &[Pattern]) -> (Selection, Selection) {
    let (mut out, mut pre) = (Selection::default(), Selection::default());
    let layers = net.layers();
    for k in 0..=layers.min(MAX_LAYERS - 1) {
        if patterns.is_empty() {
            if k > 0 && k < layers {
                out.insert(k);
            }
            continue;
        }
        if patterns
            .iter()
            .any(|p| glob_match(p, &net.output_name(k, false)))
        {
            out.insert(k);
        }
        if k > 0
            && patterns
                .iter()
                .any(|p| glob_match(p, &net.output_name(k, true)))
        {
            pre.insert(k);
        }
    }
    (out, pre)
}
