//! Regularizers: every penalty and corruption of theanets, configured by a number or by a
//! weight plus glob patterns, with names as in `docs/contract.md`.
//!
//! | key (aliases) | default targets | effect |
//! |---|---|---|
//! | `weight_l2` (`weight_decay`) | `*.w` | `(1/|W|) sum mean(W^2)` |
//! | `weight_l1` (`weight_sparsity`) | `*.w` | `(1/|W|) sum mean(|W|)` |
//! | `hidden_l1` (`hidden_sparsity`) | `hid*:out` | `(1/|H|) sum mean(|h|)` |
//! | `contractive` | `hid*:out` | `(1/|H|) sum (1/B) sum_b ||dh_b/dx_b||_F^2` |
//! | `input_dropout`, `hidden_dropout`, `output_dropout` | `in:out`, `hid*:out`, `out:out` | `x * m / (1-p)` |
//! | `input_noise`, `hidden_noise`, `output_noise` | same | `x + N(0, sigma^2)` |
//! | `dropout`, `noise` | (patterns required) | as above, on the matched `:out` |
//! | a registered custom name | its own | its own |
//!
//! Each built-in's file holds its registry entry ([`registry::Builtin`]: keys, default
//! targets, weight rule, resolution, term); [`registry::BUILTINS`] lists them.
//!
//! A setting is written `key = weight` or `key = weight @ pattern, pattern`:
//!
//! ```
//! use staticnets::regularizers::{RegKind, RegSpec};
//! let s = RegSpec::parse("weight_decay", "0.1 @ hid[23].w").unwrap();
//! assert_eq!(s.kind, RegKind::WeightL2);
//! assert_eq!(s.weight, 0.1);
//! assert_eq!(s.patterns[0].as_str(), "hid[23].w");
//! assert!(RegSpec::parse("input_dropout", "1.0").is_err()); // p must be < 1
//! ```

pub mod contractive;
pub mod custom;
pub mod dropout;
pub mod hidden_l1;
pub mod noise;
pub mod pattern;
pub mod recurrent_norm;
pub mod recurrent_state;
pub mod registry;
pub mod view;
pub mod weight_l1;
pub mod weight_l2;

pub use custom::{GradCheck, check_gradient};
pub use hidden_l1::HiddenL1;
pub use recurrent_norm::RecurrentNorm;
pub use recurrent_state::RecurrentState;
pub use registry::{Active, BUILTINS, Builtin};
pub use view::{NetGrads, NetView};
pub use weight_l1::WeightL1;
pub use weight_l2::WeightL2;

use crate::error::Error;
use crate::layers::MAX_LAYERS;
use pattern::glob_match;

/// A regularizer that adds a term to the objective: built in or the user's own.
///
/// `loss` is the unweighted `R`; `grad` adds `weight * dR/d(...)` into the gradient buffers
/// of whatever it reads (parameters and/or outputs). The library's trainer calls `loss` and
/// then `grad` on the same forward pass. See [`custom`] for a worked example and
/// [`check_gradient`] to verify a gradient in one call.
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

/// A pattern as written in a configuration.
pub type Pattern = heapless::String<24>;
/// Up to four patterns of one regularizer.
pub type Patterns = heapless::Vec<Pattern, 4>;

/// Which regularizer a setting names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegKind {
    /// `weight_l2`
    WeightL2,
    /// `weight_l1`
    WeightL1,
    /// `hidden_l1`
    HiddenL1,
    /// `contractive`
    Contractive,
    /// `recurrent_norm`
    RecurrentNorm,
    /// `recurrent_state`
    RecurrentState,
    /// dropout on the matched `:out` values (`weight` is `p`)
    Dropout,
    /// Gaussian noise on the matched `:out` values (`weight` is `sigma`)
    Noise,
    /// the custom regularizer registered at this index
    Custom(usize),
}

impl RegKind {
    /// The canonical key.
    pub const fn key(self) -> &'static str {
        match self {
            RegKind::WeightL2 => "weight_l2",
            RegKind::WeightL1 => "weight_l1",
            RegKind::HiddenL1 => "hidden_l1",
            RegKind::Contractive => "contractive",
            RegKind::RecurrentNorm => "recurrent_norm",
            RegKind::RecurrentState => "recurrent_state",
            RegKind::Dropout => "dropout",
            RegKind::Noise => "noise",
            RegKind::Custom(_) => "custom",
        }
    }
}

/// One regularizer setting: what, how strong, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct RegSpec {
    /// Which regularizer.
    pub kind: RegKind,
    /// Its weight (for dropout: `p`; for noise: `sigma`).
    pub weight: f32,
    /// Its patterns; empty means the default targets.
    pub patterns: Patterns,
    /// The key it was configured under (for monitors and errors).
    pub key: &'static str,
}

impl RegSpec {
    /// A built-in regularizer by key (any alias) with weight `weight` and default targets.
    /// Its [`key`](Self::key) is the canonical one (`weight_decay` gives `weight_l2`), so that
    /// an alias and its key name the same setting.
    pub fn new(key: &str, weight: f32) -> Result<Self, Error> {
        let spec = Self::unchecked(key, weight)?;
        spec.validate()?;
        Ok(spec)
    }

    /// The canonical key of a built-in key or alias (`weight_decay`: `weight_l2`).
    pub fn canonical_key(key: &str) -> Option<&'static str> {
        Self::unchecked(key, 0.0).ok().map(|s| s.key)
    }

    fn unchecked(key: &str, weight: f32) -> Result<Self, Error> {
        let (entry, k) = registry::lookup(key.trim()).ok_or_else(|| Error::UnknownKey {
            key: crate::error::given(key.trim()),
        })?;
        Ok(RegSpec {
            kind: entry.kind,
            weight,
            patterns: Patterns::new(),
            key: k.canonical,
        })
    }

    /// The default targets of a corruption group key (`input_dropout`: `in:out`), if any.
    pub fn group_default(&self) -> Option<&'static str> {
        registry::lookup(self.key)
            .map(|(_, k)| k.targets)
            .filter(|g| !g.is_empty())
    }

    /// Add a pattern. Patterns replace the default targets (for a corruption group too: the
    /// default applies only while no pattern is given).
    pub fn pattern(mut self, pattern: &str) -> Result<Self, Error> {
        let p = Pattern::try_from(pattern).map_err(|_| Error::BadValue {
            name: "pattern (at most 24 bytes)",
        })?;
        self.patterns.push(p).map_err(|_| Error::CapacityExceeded {
            what: "patterns per regularizer",
            capacity: 4,
        })?;
        Ok(self)
    }

    /// Parse `value` (`weight` or `weight @ pattern, pattern`) for built-in key `key`.
    pub fn parse(key: &str, value: &str) -> Result<Self, Error> {
        let (w, pats) = split_value(value)?;
        let mut spec = RegSpec::unchecked(key, w)?;
        if let Some(pats) = pats {
            for p in pats.split(',') {
                spec = spec.pattern(p.trim())?;
            }
        }
        spec.validate()?;
        Ok(spec)
    }

    /// Check the weight against the regularizer's rule (its registry entry; a custom one's
    /// weight is finite and `>= 0`), and that one that needs targets (`dropout`, `noise`)
    /// has them.
    pub fn validate(&self) -> Result<(), Error> {
        let w = self.weight;
        let entry = registry::entry(self.kind);
        let rule = entry.map_or(registry::WeightRule::NonNegative, |e| e.weight);
        if rule == registry::WeightRule::Probability && !(w.is_finite() && (0.0..1.0).contains(&w))
        {
            return Err(Error::OutOfRange {
                name: self.key,
                value: w,
                allowed: "a dropout probability p with 0 <= p < 1",
            });
        }
        if !(w.is_finite() && w >= 0.0) {
            return Err(Error::OutOfRange {
                name: self.key,
                value: w,
                allowed: "finite and >= 0",
            });
        }
        if entry.is_some_and(|e| e.needs_targets)
            && self.patterns.is_empty()
            && self.group_default().is_none()
        {
            return Err(Error::BadValue {
                name: "dropout/noise targets (write e.g. `0.1 @ hid1:out`)",
            });
        }
        Ok(())
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

/// `"0.1 @ a, b"` -> (0.1, Some("a, b")).
pub(crate) fn split_value(value: &str) -> Result<(f32, Option<&str>), Error> {
    let (num, pats) = match value.split_once('@') {
        Some((n, p)) => (n, Some(p)),
        None => (value, None),
    };
    let w = match crate::error::parse_f32("regularizer weight", num) {
        Err(Error::BadValue { .. }) => Err(Error::BadValue {
            name: "regularizer weight (a number)",
        }),
        w => w,
    }?;
    Ok((w, pats))
}

/// `(1/|W|) sum_W sum(W) / size(W)` over the selected tensors, with `sum` the sum of a penalty
/// over one tensor ([`sum_sq`](crate::kernels::sum_sq), [`sum_abs`](crate::kernels::sum_abs),
/// compensated `f32`): the shape of both weight penalties.
pub(crate) fn mean_over_tensors(
    net: &dyn NetView,
    targets: Selection,
    sum: fn(&[f32]) -> crate::kernels::Sum,
) -> f64 {
    let count = targets.count();
    if count == 0 {
        return 0.0;
    }
    let mut total = 0.0f64;
    for t in targets.iter().filter_map(|i| net.tensor(i)) {
        total += sum(t.data).value_f64() / t.data.len() as f64;
    }
    total / count as f64
}

/// Add `weight * f'(w) / (|W| size(W))` into each selected tensor's gradient: the gradient
/// of [`mean_over_tensors`]. `add(w, g, c)` does `g += c f'(w)` over one tensor (a loop at
/// the kernels' level, [`elementwise!`](crate::elementwise)).
pub(crate) fn add_tensor_grads(
    net: &mut dyn NetGrads,
    targets: Selection,
    weight: f32,
    add: fn(&[f32], &mut [f32], f32),
) {
    let count = targets.count() as f32;
    for i in targets.iter() {
        if let Some((t, g)) = net.tensor_grad(i) {
            let c = weight / (count * t.data.len() as f32);
            add(t.data, g, c);
        }
    }
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
