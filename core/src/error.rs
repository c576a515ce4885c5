//! The one error type of the core. Every fallible call returns [`Error`]; nothing in the core
//! panics on bad input.

use core::fmt;

/// What went wrong, with enough detail for the caller to act on it.
#[derive(Clone, Copy, Debug, PartialEq)]
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
    /// A configuration key that names no setting and no registered regularizer.
    UnknownKey,
    /// A value that could not be parsed, or a name that names nothing (activation, loss, optimizer).
    BadValue { name: &'static str },
    /// A regularizer's pattern matches no parameter or output of this network.
    PatternMatchesNothing { regularizer: &'static str },
    /// A fixed-capacity table is full (too many regularizers or patterns).
    CapacityExceeded { what: &'static str, capacity: usize },
    /// The workspace was built without room this setting needs (e.g. contractive with no Jacobian buffers).
    WorkspaceTooSmall {
        what: &'static str,
        needed: usize,
        have: usize,
    },
    /// The loss or a gradient of this step is not finite; the parameters were left unchanged.
    NonFiniteStep { pass: usize, batch: usize },
    /// The loss does not fit the model (e.g. `xe` on a network whose output is not softmax).
    LossMismatch {
        loss: &'static str,
        needs: &'static str,
    },
    /// A checkpoint is damaged or belongs to another model.
    BadCheckpoint { reason: &'static str },
    /// A bundled or user-supplied data file is damaged.
    BadDataFile { reason: &'static str },
    /// No data was given.
    EmptyData,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
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
            Error::UnknownKey => write!(f, "unknown configuration key"),
            Error::BadValue { name } => write!(f, "bad value for {name}"),
            Error::PatternMatchesNothing { regularizer } => write!(
                f,
                "the pattern of regularizer {regularizer} matches nothing in this network"
            ),
            Error::CapacityExceeded { what, capacity } => {
                write!(f, "too many {what}: at most {capacity}")
            }
            Error::WorkspaceTooSmall { what, needed, have } => {
                write!(
                    f,
                    "the workspace has room for {have} {what}, this needs {needed}"
                )
            }
            Error::NonFiniteStep { pass, batch } => write!(
                f,
                "pass {pass}, batch {batch}: the loss or a gradient is not finite; the step was \
                 rejected and the parameters keep their last finite values (lower the learning \
                 rate or set max_gradient_norm)"
            ),
            Error::LossMismatch { loss, needs } => write!(f, "loss {loss} needs {needs}"),
            Error::BadCheckpoint { reason } => write!(f, "bad checkpoint: {reason}"),
            Error::BadDataFile { reason } => write!(f, "bad data file: {reason}"),
            Error::EmptyData => write!(f, "no data"),
        }
    }
}

impl core::error::Error for Error {}

/// Check that every value is finite; name the first bad one by row and column.
pub fn check_finite(what: &'static str, data: &[f32], cols: usize) -> Result<(), Error> {
    match data.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::NonFiniteData {
            what,
            row: i / cols.max(1),
            col: i % cols.max(1),
        }),
    }
}
