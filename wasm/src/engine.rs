//! One object-safe face over trainers of every architecture, so the JavaScript API is written
//! once: each preset and each class a page defines with [`model!`](macro@crate::model) is a
//! `Trainer<Body, B, JD, S>` behind a `Box<dyn Engine>`.

use staticnets::Error;
use staticnets::layers::{Corruptor, Layers, Tensor};
use staticnets::train::{Data, Report, TrainConfig, Trainer};

/// What the JavaScript API needs of a trainer.
pub trait Engine {
    fn config(&mut self) -> &mut TrainConfig;
    fn start(&mut self, data: &Data<'_>) -> Result<(), Error>;
    fn reconfigure(&mut self) -> Result<(), Error>;
    fn check_data(&self, data: &Data<'_>) -> Result<usize, Error>;
    fn steps(&mut self, data: &Data<'_>, n: usize) -> Result<Report, Error>;
    fn validate(&mut self, data: &Data<'_>) -> Result<Report, Error>;
    fn score(&mut self, data: &Data<'_>) -> Result<f32, Error>;
    fn predict(&mut self, x: &[f32], out: &mut [f32]) -> Result<(), Error>;
    fn predict_classes(&mut self, x: &[f32], out: &mut [u32]) -> Result<(), Error>;
    /// Clean outputs of global layer `k` for every row of `x`, appended to `out`.
    fn layer_outputs(&mut self, x: &[f32], k: usize, out: &mut Vec<f32>) -> Result<(), Error>;
    /// `x` as the input noise and dropout would corrupt it in a training step (drawn from a
    /// copy of the generator, so training is not disturbed).
    fn corrupt(&mut self, x: &[f32], out: &mut Vec<f32>) -> Result<(), Error>;
    /// Layer widths, input first.
    fn sizes(&self) -> Vec<usize>;
    /// Input width.
    fn inputs(&self) -> usize;
    /// Output width.
    fn outputs(&self) -> usize;
    fn tensor(&self, i: usize) -> Option<Tensor<'_>>;
    fn tensor_name(&self, i: usize) -> String;
    fn tensors(&self) -> usize;
    fn params(&self) -> usize;
    fn bytes(&self) -> usize;
    fn passes(&self) -> u32;
    fn updates(&self) -> u64;
    /// A checkpoint of the whole run (format 2, every section).
    fn save(&mut self) -> Result<Vec<u8>, Error>;
    /// Resume a checkpoint (a parameters-only one restarts the optimizer).
    fn load(&mut self, bytes: &[u8]) -> Result<(), Error>;
    fn save_safetensors(&self) -> Vec<u8>;
    /// Take a safetensors file's parameters and restart on `data` (configuration kept).
    fn load_safetensors(&mut self, bytes: &[u8], data: Option<&Data<'_>>) -> Result<(), Error>;
    /// Set parameter tensor `i` to `values` (its length, all finite) and restart on `data`
    /// (configuration kept; nothing changes on a refusal).
    fn set_tensor(
        &mut self,
        i: usize,
        values: &[f32],
        data: Option<&Data<'_>>,
    ) -> Result<(), Error>;
    /// The parameters as they are now become the reference weights `prox` pulls towards.
    fn set_reference(&mut self) -> Result<(), Error>;
}

/// The trainers behind the API: a best copy and a copy of `prox`'s reference weights.
pub type EngineTrainer<L, const B: usize, const JD: usize, const S: usize> =
    Trainer<L, B, JD, S, staticnets::network::Network<L>, staticnets::train::ReferenceCopy<L>>;

impl<L: Layers, const B: usize, const JD: usize, const S: usize> Engine
    for EngineTrainer<L, B, JD, S>
{
    fn config(&mut self) -> &mut TrainConfig {
        &mut self.config
    }
    fn start(&mut self, data: &Data<'_>) -> Result<(), Error> {
        Trainer::start(self, data)
    }
    fn reconfigure(&mut self) -> Result<(), Error> {
        Trainer::reconfigure(self)
    }
    fn check_data(&self, data: &Data<'_>) -> Result<usize, Error> {
        Trainer::check_data(self, data)
    }
    fn steps(&mut self, data: &Data<'_>, n: usize) -> Result<Report, Error> {
        Trainer::steps(self, data, n)
    }
    fn validate(&mut self, data: &Data<'_>) -> Result<Report, Error> {
        Trainer::validate(self, data)
    }
    fn score(&mut self, data: &Data<'_>) -> Result<f32, Error> {
        Trainer::score(self, data)
    }
    fn predict(&mut self, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        Trainer::predict(self, x, out)
    }
    fn predict_classes(&mut self, x: &[f32], out: &mut [u32]) -> Result<(), Error> {
        Trainer::predict_classes(self, x, out)
    }
    fn layer_outputs(&mut self, x: &[f32], k: usize, out: &mut Vec<f32>) -> Result<(), Error> {
        if k > L::LAYERS {
            return Err(Error::BadValue {
                name: "layer index (0 is the input, the last is the output)",
            });
        }
        staticnets::error::check_finite("inputs", x, L::NIN)?;
        let rows = x.len() / L::NIN;
        let mut off = Corruptor::off();
        for start in (0..rows).step_by(B) {
            let n = B.min(rows - start);
            self.net.forward(
                &x[start * L::NIN..(start + n) * L::NIN],
                n,
                &mut self.ws,
                &mut off,
            )?;
            if let Some(v) = self.ws.view(&self.net, k) {
                out.extend_from_slice(v.out);
            }
        }
        Ok(())
    }
    fn corrupt(&mut self, x: &[f32], out: &mut Vec<f32>) -> Result<(), Error> {
        staticnets::error::check_finite("inputs", x, L::NIN)?;
        let rows = x.len() / L::NIN;
        let mut c = self.corrupt.clone();
        c.active = true;
        for start in (0..rows).step_by(B) {
            let n = B.min(rows - start);
            self.net.forward(
                &x[start * L::NIN..(start + n) * L::NIN],
                n,
                &mut self.ws,
                &mut c,
            )?;
            if let Some(v) = self.ws.view(&self.net, 0) {
                out.extend_from_slice(v.out);
            }
        }
        Ok(())
    }
    fn sizes(&self) -> Vec<usize> {
        (0..=L::LAYERS)
            .filter_map(|k| self.ws.view(&self.net, k).map(|v| v.cols))
            .collect()
    }
    fn inputs(&self) -> usize {
        L::NIN
    }
    fn outputs(&self) -> usize {
        L::NOUT
    }
    fn tensor(&self, i: usize) -> Option<Tensor<'_>> {
        self.net.tensor(i)
    }
    fn tensor_name(&self, i: usize) -> String {
        self.net.tensor_name(i).as_str().to_string()
    }
    fn tensors(&self) -> usize {
        L::TENSORS
    }
    fn params(&self) -> usize {
        L::PARAMS
    }
    fn bytes(&self) -> usize {
        Self::BYTES
    }
    fn passes(&self) -> u32 {
        Trainer::passes(self)
    }
    fn updates(&self) -> u64 {
        Trainer::updates(self)
    }
    fn save(&mut self) -> Result<Vec<u8>, Error> {
        let mut out = vec![0u8; self.checkpoint_len()];
        Trainer::save(self, &mut out)?;
        Ok(out)
    }
    fn load(&mut self, bytes: &[u8]) -> Result<(), Error> {
        Trainer::resume(self, bytes)
    }
    fn save_safetensors(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.net.safetensors_len()];
        // The buffer has exactly the size the export needs, so this cannot fail.
        let _ = self.net.save_safetensors(&mut out);
        out
    }
    fn load_safetensors(&mut self, bytes: &[u8], data: Option<&Data<'_>>) -> Result<(), Error> {
        replace_params(self, data, |net| net.load_safetensors(bytes))
    }
    fn set_tensor(
        &mut self,
        i: usize,
        values: &[f32],
        data: Option<&Data<'_>>,
    ) -> Result<(), Error> {
        let n = self.net.tensor(i).map_or(0, |t| t.data.len());
        if values.len() != n {
            return Err(Error::WrongLength {
                what: "parameter tensor values",
                expected: n,
                got: values.len(),
            });
        }
        if let Some(k) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFiniteData {
                what: "parameter tensor values",
                row: 0,
                col: k,
            });
        }
        replace_params(self, data, |net| {
            if let Some(t) = net.tensor_mut(i) {
                t.copy_from_slice(values);
            }
            Ok(())
        })
    }
    fn set_reference(&mut self) -> Result<(), Error> {
        let now = self.net.clone();
        Trainer::set_reference(self, &now)
    }
}

/// New parameters for `t` (`change` writes them, or refuses writing nothing), then a restart
/// on `data` with the configuration kept; without data they become the known-good ones. The
/// data and the configuration are checked first, so a refusal changes nothing.
fn replace_params<L: Layers, const B: usize, const JD: usize, const S: usize>(
    t: &mut EngineTrainer<L, B, JD, S>,
    data: Option<&Data<'_>>,
    change: impl FnOnce(&mut staticnets::network::Network<L>) -> Result<(), Error>,
) -> Result<(), Error> {
    if let Some(d) = data {
        Trainer::check_data(t, d)?;
        Trainer::reconfigure(t)?;
    }
    change(&mut t.net)?;
    match data {
        Some(d) => Trainer::restart(t, d),
        None => {
            t.best.copy_params_from(&t.net);
            Ok(())
        }
    }
}

/// A trainer for `body` on the heap, with theanets' defaults (the trainers are large: they
/// live on the heap here, where the browser has one, and in statics on firmware).
pub fn boxed<L: Layers + 'static, const B: usize, const JD: usize, const S: usize>(
    body: L,
) -> Box<dyn Engine> {
    Box::new(EngineTrainer::<L, B, JD, S>::new(body))
}
