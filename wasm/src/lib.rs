//! staticnets-wasm: the wasm-bindgen API over the staticnets core.
//!
//! This first cut exposes one preset, a 64-16-64 autoencoder, with its configuration in
//! theanets' keywords, a step-by-step training call and the monitors. Every misuse is a
//! JavaScript exception with the core's message; nothing panics. The presets, views of the
//! weights, save/load and the page come with the browser issue.

use staticnets::layers::{Activation, Dense, Layers};
use staticnets::train::{Data, Report, Trainer};
use wasm_bindgen::prelude::*;

type Ae16 = (Dense<64, 16>, Dense<16, 64>);

/// The input width of the presets: 8x8 images.
pub const INPUTS: usize = 64;

fn js_err(e: staticnets::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// A 64-16-64 autoencoder trainer (batch capacity 64, contractive-capable, 3 optimizer slots).
#[wasm_bindgen]
pub struct Autoencoder {
    trainer: Box<Trainer<Ae16, 64, 64, 3>>,
    data: Vec<f32>,
    last: Report,
}

#[wasm_bindgen]
impl Autoencoder {
    /// A new autoencoder; `config` holds `key = value` lines in theanets' keywords.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> Result<Autoencoder, JsError> {
        let mut trainer = Box::new(Trainer::new((
            Dense::new(Activation::Relu),
            Dense::new(Activation::Linear),
        )));
        trainer.config.parse(config).map_err(js_err)?;
        Ok(Autoencoder {
            trainer,
            data: Vec::new(),
            last: Report::default(),
        })
    }

    /// Set the training data (`rows * 64` values) and draw the initial weights.
    #[wasm_bindgen(js_name = setData)]
    pub fn set_data(&mut self, x: &[f32]) -> Result<(), JsError> {
        self.data = x.to_vec();
        self.trainer
            .start(&Data::autoencoder(&self.data), &[])
            .map_err(js_err)
    }

    /// Change one setting while training (`learning_rate`, `weight_l2`, ...).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), JsError> {
        let saved = self.trainer.config.clone();
        let applied = self
            .trainer
            .config
            .set(key, value)
            .and_then(|_| self.trainer.reconfigure(&[]));
        if let Err(e) = applied {
            self.trainer.config = saved;
            return Err(js_err(e));
        }
        Ok(())
    }

    /// Run `passes` passes over the data; returns the last pass's loss.
    pub fn train(&mut self, passes: u32) -> Result<f64, JsError> {
        if self.data.is_empty() {
            return Err(JsError::new("no data: call setData first"));
        }
        for _ in 0..passes {
            self.last = self
                .trainer
                .pass(&Data::autoencoder(&self.data), &[])
                .map_err(js_err)?;
        }
        Ok(self.last.loss)
    }

    /// The clean (validation) loss over the data.
    #[wasm_bindgen(js_name = validLoss)]
    pub fn valid_loss(&mut self) -> Result<f64, JsError> {
        let data = std::mem::take(&mut self.data);
        let r = self.trainer.validate(&Data::autoencoder(&data), &[]);
        self.data = data;
        r.map(|r| r.loss).map_err(js_err)
    }

    /// Each regularizer's term of the last pass, in configuration order.
    #[wasm_bindgen(js_name = regularizerTerms)]
    pub fn regularizer_terms(&self) -> Vec<f64> {
        self.last.regs[..self.trainer.config.regs.len()].to_vec()
    }

    /// Reconstructions of `x` (`rows * 64`).
    pub fn reconstruct(&mut self, x: &[f32]) -> Result<Vec<f32>, JsError> {
        let mut out = vec![0.0; x.len()];
        self.trainer.predict(x, &mut out).map_err(js_err)?;
        Ok(out)
    }

    /// Number of parameters.
    #[wasm_bindgen(js_name = parameterCount)]
    pub fn parameter_count(&self) -> usize {
        <Ae16 as Layers>::PARAMS
    }
}

/// Whether this build uses WASM SIMD (`+simd128`).
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    cfg!(target_feature = "simd128")
}
