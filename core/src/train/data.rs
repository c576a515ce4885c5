//! Training data: [`Data`] (inputs, targets and optional loss weights), and how many rows
//! inputs hold. The checks every call makes on data are the trainer's (`checks.rs`).

use crate::error::{Error, check_finite};
use crate::layers::Layers;
use crate::losses::Target;

/// Training or validation data: inputs and, unless it is an autoencoder's, targets.
#[derive(Clone, Copy, Debug)]
pub struct Data<'a> {
    /// Inputs, `rows * NIN`, row-major.
    pub x: &'a [f32],
    /// `None` for an autoencoder (the target is the clean input).
    pub target: Option<Target<'a>>,
    /// Optional loss weights (per element, or per row for labels).
    pub weights: Option<&'a [f32]>,
}

impl<'a> Data<'a> {
    /// An autoencoder's data: the target is the input.
    pub const fn autoencoder(x: &'a [f32]) -> Self {
        Data {
            x,
            target: None,
            weights: None,
        }
    }
    /// A regressor's data.
    pub const fn regression(x: &'a [f32], y: &'a [f32]) -> Self {
        Data {
            x,
            target: Some(Target::Values(y)),
            weights: None,
        }
    }
    /// A classifier's data.
    pub const fn classification(x: &'a [f32], labels: &'a [u32]) -> Self {
        Data {
            x,
            target: Some(Target::Labels(labels)),
            weights: None,
        }
    }
}

/// Rows of prediction inputs `x`: a whole number of finite rows.
pub(super) fn input_rows<L: Layers>(x: &[f32]) -> Result<usize, Error> {
    let rows = x.len() / L::NIN;
    if x.len() != rows * L::NIN {
        return Err(Error::WrongLength {
            what: "inputs (a multiple of the input width)",
            expected: (rows + 1) * L::NIN,
            got: x.len(),
        });
    }
    check_finite("inputs", x, L::NIN)?;
    Ok(rows)
}
