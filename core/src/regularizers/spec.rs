//! A regularizer setting as configured: which one ([`RegKind`]), how strong, and its patterns
//! ([`RegSpec`]). Plain data: what a key means is the registry's (`registry.rs`, which
//! parses and checks a setting against the built-ins' entries).

use crate::error::Error;

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
    /// `prox`: the pull towards reference weights
    Prox,
    /// the custom regularizer registered at this index
    Custom(usize),
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
