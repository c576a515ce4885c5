//! The registry of built-in regularizers: each one's file defines its [`Builtin`] entry (its
//! keys and aliases, default targets, weight rule, how it resolves its targets against a
//! network, and its term), and [`BUILTINS`] lists the entries, one line each. Configuration
//! parsing and checking (here, on [`RegSpec`]), resolution and the objective all read the
//! entries; nothing else knows a built-in by name.

use super::entry::{Builtin, Key, WeightRule};
use super::spec::{Patterns, RegKind, RegSpec, split_value};
use crate::error::Error;

/// The built-ins, one line each.
pub const BUILTINS: [&Builtin; 9] = [
    &super::weight_l2::ENTRY,
    &super::weight_l1::ENTRY,
    &super::hidden_l1::ENTRY,
    &super::contractive::ENTRY,
    &super::recurrent_norm::ENTRY,
    &super::recurrent_state::ENTRY,
    &super::dropout::ENTRY,
    &super::noise::ENTRY,
    &super::prox::ENTRY,
];

/// The entry of `kind` (`None` for a custom regularizer).
pub fn entry(kind: RegKind) -> Option<&'static Builtin> {
    BUILTINS.iter().copied().find(|b| b.kind == kind)
}

/// The entry and key a configuration key names (any alias, case-insensitive).
pub fn lookup(key: &str) -> Option<(&'static Builtin, &'static Key)> {
    BUILTINS.iter().find_map(|b| {
        b.keys
            .iter()
            .find(|k| k.key.eq_ignore_ascii_case(key))
            .map(|k| (*b, k))
    })
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
        let (entry, k) = lookup(key.trim()).ok_or_else(|| Error::UnknownKey {
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
        lookup(self.key)
            .map(|(_, k)| k.targets)
            .filter(|g| !g.is_empty())
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
        let entry = entry(self.kind);
        let rule = entry.map_or(WeightRule::NonNegative, |e| e.weight);
        if rule == WeightRule::Probability && !(w.is_finite() && (0.0..1.0).contains(&w)) {
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
