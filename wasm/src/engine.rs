//! One object-safe face over trainers of every preset architecture, so the JavaScript API is
//! written once. Each preset is a `Trainer<Body, BATCH, INPUTS, SLOTS>`: batches of up to 64
//! rows, Jacobian buffers for `contractive`, three optimizer slots (enough for every
//! optimizer with momentum).

use staticnets::Error;
use staticnets::layers::{Activation::*, Corruptor, Dense, Identity, Layers, Tensor, Tied};
use staticnets::train::{Data, Report, TrainConfig, Trainer};

/// Largest batch the presets accept.
pub const BATCH: usize = 64;
/// Input width of every preset: 8x8 images.
pub const INPUTS: usize = 64;
/// Optimizer slots.
pub const SLOTS: usize = 3;

type Ae16 = (Dense<64, 16>, Dense<16, 64>);
type Tied32 = Tied<64, 32>;
type Ae64 = (Dense<64, 64>, Dense<64, 64>);
type Code2 = (Dense<64, 32>, Dense<32, 2>, Dense<2, 32>, Dense<32, 64>);
type Clf10 = (Dense<64, 32>, Dense<32, 10>);

/// One preset architecture: what the page shows, and the Rust that builds it (for the
/// page's "reproduce this", which must stay the same as [`build`]'s).
pub struct Preset {
    /// The name the API takes.
    pub name: &'static str,
    /// What the page's menu says.
    pub description: &'static str,
    /// Layer widths, input first.
    pub sizes: &'static [usize],
    /// Whether it classifies (softmax output, `xe`, labels).
    pub classify: bool,
    /// The body's type, as Rust.
    pub body_type: &'static str,
    /// The body's value, as Rust.
    pub body_new: &'static str,
}

/// The presets.
pub const PRESETS: [Preset; 5] = [
    Preset {
        name: "ae-64-16-64",
        description: "64-16-64 autoencoder",
        sizes: &[64, 16, 64],
        classify: false,
        body_type: "(Dense<64, 16>, Dense<16, 64>)",
        body_new: "(Dense::new(Relu), Dense::new(Sigmoid))",
    },
    Preset {
        name: "ae-64-32-64-tied",
        description: "64-32-64 autoencoder, tied weights",
        sizes: &[64, 32, 64],
        classify: false,
        body_type: "Tied<64, 32>",
        body_new: "Tied::new(Dense::new(Relu), Identity, Sigmoid)",
    },
    Preset {
        name: "ae-64-64-64",
        description: "64-64-64 overcomplete autoencoder",
        sizes: &[64, 64, 64],
        classify: false,
        body_type: "(Dense<64, 64>, Dense<64, 64>)",
        body_new: "(Dense::new(Relu), Dense::new(Sigmoid))",
    },
    Preset {
        name: "ae-64-32-2-32-64",
        description: "64-32-2-32-64 autoencoder with a 2-D code",
        sizes: &[64, 32, 2, 32, 64],
        classify: false,
        body_type: "(Dense<64, 32>, Dense<32, 2>, Dense<2, 32>, Dense<32, 64>)",
        body_new: "(Dense::new(Relu), Dense::new(Linear), Dense::new(Relu), Dense::new(Sigmoid))",
    },
    Preset {
        name: "clf-64-32-10",
        description: "64-32-10 classifier (softmax, xe)",
        sizes: &[64, 32, 10],
        classify: true,
        body_type: "(Dense<64, 32>, Dense<32, 10>)",
        body_new: "(Dense::new(Relu), Dense::new(Softmax))",
    },
];

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
}

impl<L: Layers> Engine for Trainer<L, BATCH, INPUTS, SLOTS> {
    fn config(&mut self) -> &mut TrainConfig {
        &mut self.config
    }
    fn start(&mut self, data: &Data<'_>) -> Result<(), Error> {
        Trainer::start(self, data, &[])
    }
    fn reconfigure(&mut self) -> Result<(), Error> {
        Trainer::reconfigure(self, &[])
    }
    fn check_data(&self, data: &Data<'_>) -> Result<usize, Error> {
        Trainer::check_data(self, data)
    }
    fn steps(&mut self, data: &Data<'_>, n: usize) -> Result<Report, Error> {
        Trainer::steps(self, data, n, &[])
    }
    fn validate(&mut self, data: &Data<'_>) -> Result<Report, Error> {
        Trainer::validate(self, data, &[])
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
        staticnets::error::check_finite("inputs", x, INPUTS)?;
        let rows = x.len() / INPUTS;
        let mut off = Corruptor::off();
        for start in (0..rows).step_by(BATCH) {
            let n = BATCH.min(rows - start);
            self.net.forward(
                &x[start * INPUTS..(start + n) * INPUTS],
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
        staticnets::error::check_finite("inputs", x, INPUTS)?;
        let rows = x.len() / INPUTS;
        let mut c = self.corrupt.clone();
        c.active = true;
        for start in (0..rows).step_by(BATCH) {
            let n = BATCH.min(rows - start);
            self.net.forward(
                &x[start * INPUTS..(start + n) * INPUTS],
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
        Trainer::save(self, &mut out, &[])?;
        Ok(out)
    }
    fn load(&mut self, bytes: &[u8]) -> Result<(), Error> {
        Trainer::resume(self, bytes, &[])
    }
    fn save_safetensors(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.net.safetensors_len()];
        // The buffer has exactly the size the export needs, so this cannot fail.
        let _ = self.net.save_safetensors(&mut out);
        out
    }
    fn load_safetensors(&mut self, bytes: &[u8], data: Option<&Data<'_>>) -> Result<(), Error> {
        if let Some(d) = data {
            // Checked first, so that a refusal below cannot leave new weights half-started.
            Trainer::check_data(self, d)?;
            Trainer::reconfigure(self, &[])?;
        }
        self.net.load_safetensors(bytes)?;
        match data {
            Some(d) => Trainer::restart(self, d, &[]),
            None => {
                self.best.copy_params_from(&self.net);
                Ok(())
            }
        }
    }
}

/// A boxed trainer for preset `name` (the trainers are large; they live on the heap here,
/// where the browser has one, and in statics on firmware).
pub fn build(name: &str) -> Option<Box<dyn Engine>> {
    let e: Box<dyn Engine> =
        match name {
            "ae-64-16-64" => Box::new(Trainer::<Ae16, BATCH, INPUTS, SLOTS>::new((
                Dense::new(Relu),
                Dense::new(Sigmoid),
            ))),
            "ae-64-32-64-tied" => Box::new(Trainer::<Tied32, BATCH, INPUTS, SLOTS>::new(
                Tied::new(Dense::new(Relu), Identity, Sigmoid),
            )),
            "ae-64-64-64" => Box::new(Trainer::<Ae64, BATCH, INPUTS, SLOTS>::new((
                Dense::new(Relu),
                Dense::new(Sigmoid),
            ))),
            "ae-64-32-2-32-64" => Box::new(Trainer::<Code2, BATCH, INPUTS, SLOTS>::new((
                Dense::new(Relu),
                Dense::new(Linear),
                Dense::new(Relu),
                Dense::new(Sigmoid),
            ))),
            "clf-64-32-10" => {
                let mut t = Box::new(Trainer::<Clf10, BATCH, INPUTS, SLOTS>::new((
                    Dense::new(Relu),
                    Dense::new(Softmax),
                )));
                t.config.loss = staticnets::losses::Loss::Xe;
                t
            }
            _ => return None,
        };
    Some(e)
}
