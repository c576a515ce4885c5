//! Using a trained network: outputs, classes and scores, computed clean in batch-sized chunks.

use super::best::BestCopy;
use super::data::{Data, input_rows};
use super::reference::Reference;
use super::trainer::Trainer;
use crate::error::Error;
use crate::layers::{Corruptor, Layers};
use crate::losses::Target;

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>, R: Reference<L>>
    Trainer<L, B, JD, S, K, R>
{
    /// Predict `x` (`rows * NIN`) into `out` (`rows * NOUT`), clean, `B` rows at a time.
    pub fn predict(&mut self, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        let rows = input_rows::<L>(x)?;
        if out.len() != rows * L::NOUT {
            return Err(Error::WrongLength {
                what: "outputs",
                expected: rows * L::NOUT,
                got: out.len(),
            });
        }
        self.for_each_chunk(x, |start, o| {
            out[start * L::NOUT..start * L::NOUT + o.len()].copy_from_slice(o)
        })
    }

    /// Run the clean network over `x` in chunks of `B` rows, handing each chunk's first row
    /// index and outputs to `each`.
    pub(super) fn for_each_chunk(
        &mut self,
        x: &[f32],
        mut each: impl FnMut(usize, &[f32]),
    ) -> Result<(), Error> {
        let rows = x.len() / L::NIN;
        let mut off = Corruptor::off();
        let mut start = 0;
        while start < rows {
            let n = B.min(rows - start);
            self.net.forward(
                &x[start * L::NIN..(start + n) * L::NIN],
                n,
                &mut self.ws,
                &mut off,
            )?;
            each(start, self.ws.output());
            start += n;
        }
        Ok(())
    }

    /// A classifier's predictions: the most probable class of each row of `x` into `classes`
    /// (theanets' `Classifier.predict`; [`predict`](Self::predict) gives the probabilities).
    pub fn predict_classes(&mut self, x: &[f32], classes: &mut [u32]) -> Result<(), Error> {
        let rows = input_rows::<L>(x)?;
        if classes.len() != rows * L::STEPS {
            return Err(Error::WrongLength {
                what: "classes (one per input row and time step)",
                expected: rows * L::STEPS,
                got: classes.len(),
            });
        }
        let per_step = L::NOUT / L::STEPS;
        self.for_each_chunk(x, |start, out| {
            for (k, step) in out.chunks_exact(per_step).enumerate() {
                classes[start * L::STEPS + k] = crate::losses::argmax(step) as u32;
            }
        })
    }

    /// theanets' `score` on clean outputs: for real-valued targets (an autoencoder's target
    /// is its input) `R^2 = 1 - sum w (y - p)^2 / sum w (y - mean(y))^2`, with `mean(y)` the
    /// mean of all target values; for labels, the (weighted) fraction classified correctly.
    ///
    /// ```
    /// use staticnets::layers::{Activation::*, Dense};
    /// use staticnets::train::{Data, Trainer};
    /// let mut t: Trainer<Dense<1, 1>, 4, 0, 0> = Trainer::new(Dense::new(Linear));
    /// t.net.body.w = [[2.0]];
    /// let (x, y) = ([0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 7.0]);
    /// // residuals 0,0,0,1 against a spread of 26.75 around the mean 3.25
    /// let r2 = t.score(&Data::regression(&x, &y)).unwrap();
    /// assert!((r2 - (1.0 - 1.0 / 26.75)).abs() < 1e-6);
    /// ```
    pub fn score(&mut self, data: &Data<'_>) -> Result<f32, Error> {
        let rows = self.check_data(data)?;
        let x = data.x;
        let w = data.weights;
        if let Some(Target::Labels(t)) = data.target {
            let (mut right, mut all) = (0.0f64, 0.0f64);
            self.for_each_chunk(x, |start, out| {
                for (r, row) in out.chunks_exact(L::NOUT / L::STEPS).enumerate() {
                    let i = start * L::STEPS + r;
                    let wi = w.map_or(1.0, |w| w[i] as f64);
                    all += wi;
                    if crate::losses::argmax(row) as u32 == t[i] {
                        right += wi;
                    }
                }
            })?;
            return if all > 0.0 {
                Ok((right / all) as f32)
            } else {
                Err(Error::BadValue {
                    name: "score's loss weights: all 0, so no row counts",
                })
            };
        }
        let y = match data.target {
            Some(Target::Values(y)) => y,
            _ => x,
        };
        let mean = y.iter().map(|&v| v as f64).sum::<f64>() / (rows * L::NOUT) as f64;
        let (mut res, mut tot) = (0.0f64, 0.0f64);
        self.for_each_chunk(x, |start, out| {
            let base = start * L::NOUT;
            for (k, &p) in out.iter().enumerate() {
                let wi = w.map_or(1.0, |w| w[base + k] as f64);
                let yi = y[base + k] as f64;
                res += wi * (yi - p as f64) * (yi - p as f64);
                tot += wi * (yi - mean) * (yi - mean);
            }
        })?;
        if tot > 0.0 {
            Ok((1.0 - res / tot) as f32)
        } else {
            Err(Error::BadValue {
                name: "score's targets: all equal (or weighted 0), where R^2 is undefined",
            })
        }
    }
}
