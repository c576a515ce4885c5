//! The checks every training, validation and prediction call makes on its data before it
//! changes anything, and the batches a pass cuts from the data.

use super::best::BestCopy;
use super::data::Data;
use super::objective::Batch;
use super::reference::Reference;
use super::trainer::Trainer;
use crate::error::{Error, check_finite};
use crate::layers::Layers;
use crate::losses::Target;

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>, R: Reference<L>>
    Trainer<L, B, JD, S, K, R>
{
    /// Check lengths, finiteness and labels of `data`; its rows.
    pub fn check_data(&self, data: &Data<'_>) -> Result<usize, Error> {
        let rows = self.check_shape(data)?;
        self.check_rows(data, 0, rows)?;
        Ok(rows)
    }

    /// The values of rows `start .. start + rows` of `data`, whose shape
    /// [`check_shape`](Self::check_shape) accepted: finite inputs, targets and loss weights,
    /// weights not negative, labels in range. An error names the row within the whole data.
    pub(super) fn check_rows(
        &self,
        data: &Data<'_>,
        start: usize,
        rows: usize,
    ) -> Result<(), Error> {
        let widths = (L::NIN, L::NOUT, L::STEPS);
        check_values(data, self.batch(data, start, rows), widths).map_err(|e| match e {
            Error::NonFiniteData { what, row, col } => Error::NonFiniteData {
                what,
                row: row + start,
                col,
            },
            Error::LabelOutOfRange {
                row,
                label,
                classes,
            } => Error::LabelOutOfRange {
                row: row + start,
                label,
                classes,
            },
            other => other,
        })
    }

    /// Lengths of `data` and whether its kind fits the loss; its rows.
    pub(super) fn check_shape(&self, data: &Data<'_>) -> Result<usize, Error> {
        let nin = L::NIN;
        if data.x.is_empty() {
            return Err(Error::EmptyData);
        }
        if !data.x.len().is_multiple_of(nin) {
            return Err(Error::WrongLength {
                what: "inputs (a multiple of the input width)",
                expected: (data.x.len() / nin + 1) * nin,
                got: data.x.len(),
            });
        }
        let rows = data.x.len() / nin;
        let labels = self.config.loss.uses_labels();
        match data.target {
            None if labels => {
                return Err(Error::LossMismatch {
                    loss: self.config.loss.name(),
                    needs: "labels",
                });
            }
            None => {
                if L::NOUT != nin {
                    return Err(Error::LossMismatch {
                        loss: "autoencoder",
                        needs: "as many outputs as inputs",
                    });
                }
            }
            Some(Target::Values(y)) => {
                if labels {
                    return Err(Error::LossMismatch {
                        loss: self.config.loss.name(),
                        needs: "labels, not values",
                    });
                }
                if y.len() != rows * L::NOUT {
                    return Err(Error::WrongLength {
                        what: "targets",
                        expected: rows * L::NOUT,
                        got: y.len(),
                    });
                }
            }
            Some(Target::Labels(t)) => {
                if !labels {
                    return Err(Error::LossMismatch {
                        loss: self.config.loss.name(),
                        needs: "real-valued targets",
                    });
                }
                if t.len() != rows * L::STEPS {
                    return Err(Error::WrongLength {
                        what: "labels (one per row and time step)",
                        expected: rows * L::STEPS,
                        got: t.len(),
                    });
                }
            }
        }
        if let Some(w) = data.weights {
            let per_row = matches!(data.target, Some(Target::Labels(_)));
            let expected = if per_row {
                rows * L::STEPS
            } else {
                rows * L::NOUT
            };
            if w.len() != expected {
                return Err(Error::WrongLength {
                    what: "loss weights",
                    expected,
                    got: w.len(),
                });
            }
            if w.iter().all(|&v| v == 0.0) {
                // (every loss would be 0 and train nothing, in silence)
                return Err(Error::BadValue {
                    name: "loss weights: all 0, so no value counts",
                });
            }
        }
        Ok(rows)
    }

    pub(super) fn batch<'a>(&self, data: &Data<'a>, start: usize, rows: usize) -> Batch<'a> {
        let (nin, nout) = (L::NIN, L::NOUT);
        let x = &data.x[start * nin..(start + rows) * nin];
        let target = match data.target {
            None => Target::Values(x),
            Some(Target::Values(y)) => Target::Values(&y[start * nout..(start + rows) * nout]),
            Some(Target::Labels(t)) => {
                Target::Labels(&t[start * L::STEPS..(start + rows) * L::STEPS])
            }
        };
        let weights = data.weights.map(|w| match data.target {
            Some(Target::Labels(_)) => &w[start * L::STEPS..(start + rows) * L::STEPS],
            _ => &w[start * nout..(start + rows) * nout],
        });
        Batch {
            x,
            rows,
            target,
            weights,
        }
    }
}

/// [`Trainer::check_rows`] for the rows of `part` (of `data`), without the layer types (one
/// copy for every trainer a program has): rows counted from the part's first.
fn check_values(
    data: &Data<'_>,
    part: Batch<'_>,
    (nin, nout, steps): (usize, usize, usize),
) -> Result<(), Error> {
    check_finite("inputs", part.x, nin)?;
    match (data.target, part.target) {
        (Some(Target::Values(_)), Target::Values(y)) => check_finite("targets", y, nout)?,
        (_, Target::Labels(t)) => {
            let classes = nout / steps;
            if let Some(r) = t.iter().position(|&l| l as usize >= classes) {
                return Err(Error::LabelOutOfRange {
                    row: r / steps,
                    label: t[r] as usize,
                    classes,
                });
            }
        }
        _ => {}
    }
    if let Some(w) = part.weights {
        let per_row = matches!(data.target, Some(Target::Labels(_)));
        check_finite("loss weights", w, if per_row { 1 } else { nout })?;
        if let Some(i) = w.iter().position(|&v| v < 0.0) {
            return Err(Error::OutOfRange {
                name: "loss weight",
                value: w[i],
                allowed: ">= 0",
            });
        }
    }
    Ok(())
}
