//! The one error type of the core. Every fallible call returns [`Error`]; nothing in the core
//! panics on bad input.

use core::fmt;
use core::fmt::Write;

/// A key or name as given by the caller, kept for the message (cut at 24 bytes).
pub type Given = heapless::String<24>;

/// Copy `s` into a [`Given`], cutting it at a character boundary if it is too long.
pub fn given(s: &str) -> Given {
    let mut g = Given::new();
    for c in s.chars() {
        if g.push(c).is_err() {
            break;
        }
    }
    g
}

/// `text` as an f32 setting named `name`: refused if it is no number ([`Error::BadValue`]) or
/// if its f32 is 0 or infinite although its value is neither ([`Error::NotAnF32`]: `1e-50`
/// would silently be 0).
///
/// ```
/// use staticnets::error::{Error, parse_f32};
/// assert_eq!(parse_f32("learning_rate", " 1e-3 "), Ok(1e-3));
/// assert!(matches!(parse_f32("learning_rate", "1e-50"), Err(Error::NotAnF32 { .. })));
/// assert!(matches!(parse_f32("learning_rate", "1e39"), Err(Error::NotAnF32 { .. })));
/// assert!(matches!(parse_f32("learning_rate", "1e400"), Err(Error::NotAnF32 { .. })));
/// assert_eq!(parse_f32("learning_rate", "0.0e7"), Ok(0.0)); // a range check's to refuse
/// assert_eq!(parse_f32("learning_rate", "-Infinity"), Ok(f32::NEG_INFINITY)); // and this
/// assert_eq!(parse_f32("learning_rate", "x"), Err(Error::BadValue { name: "learning_rate" }));
/// ```
pub fn parse_f32(name: &'static str, text: &str) -> Result<f32, Error> {
    let t = text.trim();
    let x: f32 = t.parse().map_err(|_| Error::BadValue { name })?;
    // Read from the text itself (an f64 parse would do, but adds 1.3 KB to the page's wasm):
    // a nonzero digit before the exponent means the value is not 0; only `inf` and
    // `infinity` (Rust's parser takes them in any case, signed) mean infinity.
    let mantissa = t.split(['e', 'E']).next().unwrap_or("");
    let to_zero = x == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let word = t.trim_start_matches(['+', '-']);
    let infinite = word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("infinity");
    if to_zero || (x.is_infinite() && !infinite) {
        return Err(Error::NotAnF32 {
            name,
            value: given(t),
        });
    }
    Ok(x)
}

/// What went wrong, with enough detail for the caller to act on it.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// A data value is NaN or infinite: `row` and `col` locate it in the array named `what`.
    NonFiniteData {
        what: &'static str,
        row: usize,
        col: usize,
    },
    /// An array has the wrong length.
    WrongLength {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// A class label is out of range.
    LabelOutOfRange {
        row: usize,
        label: usize,
        classes: usize,
    },
    /// A hyperparameter is out of its allowed range.
    OutOfRange {
        name: &'static str,
        value: f32,
        allowed: &'static str,
    },
    /// A number whose text is neither 0 nor infinite but whose f32 is (`1e-50`, `1e39`):
    /// refused rather than taken as 0 or infinity.
    NotAnF32 { name: &'static str, value: Given },
    /// A configuration key that names no setting and no registered regularizer.
    UnknownKey { key: Given },
    /// A key (or an alias of it) given twice in one configuration text.
    GivenTwice { key: &'static str },
    /// A configuration text's line `line` (1-based) was refused; nothing of the text was applied.
    ConfigLine {
        line: usize,
        message: heapless::String<88>,
    },
    /// The trainer was asked to train or validate before [`start`](crate::train::Trainer::start)
    /// or [`restart`](crate::train::Trainer::restart).
    NotStarted,
    /// Training diverged (a non-finite loss, gradient or parameter) and the trainer stopped:
    /// the parameters were rolled back to the last known-good ones.
    Diverged {
        pass: usize,
        batch: usize,
        halvings: u32,
        learning_rate: f32,
    },
    /// A value that could not be parsed, or a name that names nothing (activation, loss, optimizer).
    BadValue { name: &'static str },
    /// A regularizer's pattern matches no parameter or output of this network.
    PatternMatchesNothing { regularizer: &'static str },
    /// The configuration names a custom regularizer the trainer was not given
    /// (`Trainer::add_regularizer`).
    MissingRegularizer { name: &'static str },
    /// A fixed-capacity table is full (too many regularizers or patterns).
    CapacityExceeded { what: &'static str, capacity: usize },
    /// The workspace was built without room this setting needs (e.g. contractive with no Jacobian buffers).
    WorkspaceTooSmall {
        what: &'static str,
        needed: usize,
        have: usize,
    },
    /// The loss or a gradient of this step is not finite, or the update made a parameter
    /// non-finite; the step was not applied (see [`Trainer::step`](crate::train::Trainer::step)).
    NonFiniteStep { pass: usize, batch: usize },
    /// The loss does not fit the model (e.g. `xe` on a network whose output is not softmax).
    LossMismatch {
        loss: &'static str,
        needs: &'static str,
    },
    /// A checkpoint is damaged or belongs to another model.
    BadCheckpoint { reason: &'static str },
    /// A checkpoint's configuration text was refused by this trainer (the message says why).
    CheckpointConfig { message: heapless::String<88> },
    /// A safetensors file's tensor (or, with an empty name, its header) is damaged or does not
    /// fit the model.
    Tensor {
        tensor: heapless::String<40>,
        reason: &'static str,
    },
    /// A bundled or user-supplied data file is damaged.
    BadDataFile { reason: &'static str },
    /// No data was given.
    EmptyData,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NonFiniteData { what, row, col } => {
                write!(
                    f,
                    "{what} has a non-finite value at row {row}, column {col}"
                )
            }
            Error::WrongLength {
                what,
                expected,
                got,
            } => {
                write!(f, "{what} has length {got}, expected {expected}")
            }
            Error::LabelOutOfRange {
                row,
                label,
                classes,
            } => {
                write!(
                    f,
                    "label {label} at row {row} is out of range: the model has {classes} classes"
                )
            }
            Error::OutOfRange {
                name,
                value,
                allowed,
            } => {
                write!(f, "{name} = {value} is out of range: it must be {allowed}")
            }
            // (0 or infinite is read again from the text: a third field in the variant changed
            // the enum's layout, which cost the page's wasm 4 KB)
            Error::NotAnF32 { name, value } => write!(
                f,
                "{name} = {value} is out of range: as an f32 (the settings' type) it is {}",
                if value.parse::<f32>().is_ok_and(|x| x == 0.0) {
                    "0"
                } else {
                    "infinite"
                }
            ),
            Error::UnknownKey { key } => write!(
                f,
                "unknown key {key:?}: no setting or regularizer has this name"
            ),
            Error::GivenTwice { key } => write!(
                f,
                "{key} is given twice (an alias names the same setting): give each key once"
            ),
            Error::ConfigLine { line, message } => write!(f, "line {line}: {message}"),
            Error::NotStarted => write!(
                f,
                "the trainer has not been started: call start (fresh weights) or restart (keep \
                 the weights) with the training data first"
            ),
            Error::Diverged {
                pass,
                batch,
                halvings,
                learning_rate,
            } => {
                write!(
                    f,
                    "training diverged at pass {pass}, batch {batch} (a non-finite loss, \
                     gradient or parameter); the parameters were rolled back to the last \
                     known-good values and the optimizer restarted. "
                )?;
                // Halvings only happen under `on_divergence = halve`: then the advice to set
                // it would be no advice.
                if *halvings > 0 {
                    write!(
                        f,
                        "The learning rate was halved {halvings} times in a row without \
                         recovering; learning_rate is {learning_rate:e}: lower it"
                    )
                } else {
                    write!(
                        f,
                        "learning_rate is {learning_rate:e}: lower it, or set on_divergence = halve"
                    )
                }
            }
            Error::BadValue { name } => write!(f, "bad value for {name}"),
            Error::PatternMatchesNothing { regularizer } => write!(
                f,
                "the pattern of regularizer {regularizer} matches nothing in this network"
            ),
            Error::CapacityExceeded { what, capacity } => {
                write!(f, "too many {what}: at most {capacity}")
            }
            Error::MissingRegularizer { name } => write!(
                f,
                "custom regularizer {name} is configured but the trainer lacks it (add_regularizer)"
            ),
            Error::WorkspaceTooSmall { what, needed, have } => {
                write!(
                    f,
                    "the workspace has room for {have} {what}, this needs {needed}"
                )
            }
            Error::NonFiniteStep { pass, batch } => write!(
                f,
                "pass {pass}, batch {batch}: the loss, a gradient or an updated parameter is not \
                 finite; the step was not applied (lower the learning rate or set \
                 max_gradient_norm)"
            ),
            Error::LossMismatch { loss, needs } => write!(f, "loss {loss} needs {needs}"),
            Error::BadCheckpoint { reason } => write!(f, "bad checkpoint: {reason}"),
            Error::CheckpointConfig { message } => {
                write!(f, "bad checkpoint: its configuration is refused: {message}")
            }
            Error::Tensor { tensor, reason } if tensor.is_empty() => {
                write!(f, "bad safetensors file: {reason}")
            }
            Error::Tensor { tensor, reason } => {
                write!(f, "bad safetensors file: tensor {tensor:?} {reason}")
            }
            Error::BadDataFile { reason } => write!(f, "bad data file: {reason}"),
            Error::EmptyData => write!(f, "no data"),
        }
    }
}

impl core::error::Error for Error {}

impl Error {
    /// This error as the reason a checkpoint's configuration was refused.
    pub fn in_checkpoint_config(&self) -> Error {
        let mut message = heapless::String::new();
        let mut w = Cut(&mut message);
        let _ = write!(w, "{self}");
        Error::CheckpointConfig { message }
    }

    /// This error as the error of line `line` of a configuration text.
    pub fn at_line(&self, line: usize) -> Error {
        if let Error::ConfigLine { .. } = self {
            return self.clone();
        }
        let mut message = heapless::String::new();
        let mut w = Cut(&mut message);
        let _ = write!(w, "{self}");
        Error::ConfigLine { line, message }
    }
}

/// A writer that keeps what fits and drops the rest (messages are cut, never refused).
struct Cut<'a, const N: usize>(&'a mut heapless::String<N>);

impl<const N: usize> Write for Cut<'_, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Check that every value is finite; name the first bad one by row and column.
pub fn check_finite(what: &'static str, data: &[f32], cols: usize) -> Result<(), Error> {
    let Some(b) = first_bad_block(data) else {
        return Ok(());
    };
    match data[b * BLOCK..]
        .iter()
        .position(|v| !v.is_finite())
        .map(|i| i + b * BLOCK)
    {
        None => Ok(()),
        Some(i) => Err(Error::NonFiniteData {
            what,
            row: i / cols.max(1),
            col: i % cols.max(1),
        }),
    }
}

/// Whether every value is finite (no NaN, no infinity), scanned without early exits inside
/// blocks so that it vectorizes: the trainer checks every gradient and parameter each step.
pub fn all_finite(data: &[f32]) -> bool {
    first_bad_block(data).is_none()
}

const BLOCK: usize = 256;

crate::elementwise! {
    /// The first block of `BLOCK` values holding a NaN or an infinity (exponent bits all
    /// ones), at the kernels' level: the trainer scans all its data on each call.
    fn first_bad_block(data: &[f32]) -> Option<usize> {
        data.chunks(BLOCK).position(|block| {
            let mut check = crate::kernels::FiniteCheck::default();
            for &v in block {
                check.see(v);
            }
            !check.ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_finite_finds_the_first_bad_value_in_any_block() {
        let mut v = [0.5f32; 1000];
        assert_eq!(check_finite("x", &v, 10), Ok(()));
        for (i, bad) in [
            (999, f32::NAN),
            (700, f32::INFINITY),
            (256, f32::NEG_INFINITY),
            (255, f32::NAN),
            (0, f32::NAN),
        ] {
            v[i] = bad;
            let want = Error::NonFiniteData {
                what: "x",
                row: i / 10,
                col: i % 10,
            };
            assert_eq!(check_finite("x", &v, 10), Err(want), "index {i}");
        }
        // the largest finite values and subnormals are finite
        let ok = [f32::MAX, f32::MIN, f32::MIN_POSITIVE / 4.0, -0.0];
        assert_eq!(check_finite("x", &ok, 2), Ok(()));
    }
}
