//! staticnets-wasm: the wasm-bindgen API over the staticnets core, for web pages.
//!
//! ```js
//! import init, { Model } from "./pkg/staticnets_wasm.js";
//! await init();
//! const model = new Model("ae-64-32-64-tied", "algo = adam\nlearning_rate = 0.003\nhidden_l1 = 0.05");
//! model.setData(images);                 // Float32Array, 64 values per image, 0..1
//! const m = model.train(50);             // 50 batches; the monitors come back
//! console.log(m.loss, m.regNames, m.regTerms);
//! model.set("input_noise", "0.2");       // any setting, while training
//! const bytes = model.save();            // Uint8Array checkpoint; model.load(bytes)
//! ```
//!
//! Every misuse (wrong array length, bad configuration value, non-finite data, a checkpoint
//! of another model) throws a JavaScript `Error` with the core's message; nothing panics.
//! Arrays come back as copies (`Float32Array`s that JavaScript owns): a view into wasm memory
//! would be invalidated the next time memory grows and needs `unsafe` to make.

mod engine;

use engine::{Engine, INPUTS, PRESETS};
use staticnets::train::{Data, Report};
use wasm_bindgen::prelude::*;

fn js_err(e: staticnets::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// What a call to [`Model::train`] or [`Model::validate`] measured.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct Monitors {
    /// Updates (batches) made since the data was set.
    pub steps: u32,
    /// Completed passes over the training data.
    pub passes: u32,
    /// Mean objective (data loss plus weighted regularizers) of these batches.
    pub loss: f64,
    /// Mean data loss.
    pub err: f64,
    /// Each regularizer's name, in configuration order.
    #[wasm_bindgen(js_name = regNames)]
    pub reg_names: Vec<String>,
    /// Each regularizer's (unweighted) term.
    #[wasm_bindgen(js_name = regTerms)]
    pub reg_terms: Vec<f64>,
    /// Accuracy on these batches (classifier), else NaN.
    pub accuracy: f64,
    /// Fraction of hidden activations below the sparsity threshold.
    #[wasm_bindgen(js_name = hiddenSparsity)]
    pub hidden_sparsity: f64,
    /// Fraction of weights below the sparsity threshold.
    #[wasm_bindgen(js_name = weightSparsity)]
    pub weight_sparsity: f64,
}

/// A trainer for one of the preset architectures, with its data.
#[wasm_bindgen]
pub struct Model {
    preset: usize,
    engine: Box<dyn Engine>,
    train_x: Vec<f32>,
    train_labels: Vec<u32>,
    valid_x: Vec<f32>,
    valid_labels: Vec<u32>,
    steps: u32,
}

fn data<'a>(x: &'a [f32], labels: &'a [u32], classify: bool) -> Data<'a> {
    if classify {
        Data::classification(x, labels)
    } else {
        Data::autoencoder(x)
    }
}

#[wasm_bindgen]
impl Model {
    /// A model of preset `preset` (see [`presets`]) with `config` in theanets' keywords
    /// (`key = value` lines). The weights are drawn when the data is set.
    #[wasm_bindgen(constructor)]
    pub fn new(preset: &str, config: &str) -> Result<Model, JsError> {
        let Some(index) = PRESETS.iter().position(|p| p.0 == preset) else {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
            return Err(JsError::new(&format!(
                "unknown preset {preset:?}: one of {}",
                names.join(", ")
            )));
        };
        let Some(mut engine) = engine::build(preset) else {
            return Err(JsError::new("preset table and builder disagree"));
        };
        engine.config().parse(config).map_err(js_err)?;
        engine.config().validate().map_err(js_err)?;
        Ok(Model {
            preset: index,
            engine,
            train_x: Vec::new(),
            train_labels: Vec::new(),
            valid_x: Vec::new(),
            valid_labels: Vec::new(),
            steps: 0,
        })
    }

    fn classify(&self) -> bool {
        PRESETS[self.preset].3
    }

    /// The preset's name.
    #[wasm_bindgen(getter)]
    pub fn preset(&self) -> String {
        PRESETS[self.preset].0.to_string()
    }

    /// Layer widths, input first.
    #[wasm_bindgen(js_name = layerSizes)]
    pub fn layer_sizes(&self) -> Vec<u32> {
        PRESETS[self.preset].2.iter().map(|&n| n as u32).collect()
    }

    /// Whether the model is a classifier (labels, accuracy) rather than an autoencoder.
    #[wasm_bindgen(getter, js_name = isClassifier)]
    pub fn is_classifier(&self) -> bool {
        self.classify()
    }

    /// Number of parameters.
    #[wasm_bindgen(getter, js_name = parameterCount)]
    pub fn parameter_count(&self) -> usize {
        self.engine.params()
    }

    /// Bytes the whole trainer takes (parameters, gradients, optimizer, activations).
    #[wasm_bindgen(getter, js_name = trainerBytes)]
    pub fn trainer_bytes(&self) -> usize {
        self.engine.bytes()
    }

    /// Set the training data (`rows * 64` values; `labels`, one per row, for the classifier)
    /// and draw fresh weights from the `rng` seed. Validation data defaults to the same.
    #[wasm_bindgen(js_name = setData)]
    pub fn set_data(&mut self, x: &[f32], labels: Option<Vec<u32>>) -> Result<(), JsError> {
        let labels = self.labels_for(x, labels)?;
        let d = data(x, &labels, self.classify());
        self.engine.start(&d).map_err(js_err)?;
        self.train_x = x.to_vec();
        self.train_labels = labels;
        if self.valid_x.is_empty() {
            self.valid_x = self.train_x.clone();
            self.valid_labels = self.train_labels.clone();
        }
        self.steps = 0;
        Ok(())
    }

    /// Set the validation data (same shape rules as [`setData`](Self::set_data)).
    #[wasm_bindgen(js_name = setValidation)]
    pub fn set_validation(&mut self, x: &[f32], labels: Option<Vec<u32>>) -> Result<(), JsError> {
        let labels = self.labels_for(x, labels)?;
        self.engine
            .check_data(&data(x, &labels, self.classify()))
            .map_err(js_err)?;
        self.valid_x = x.to_vec();
        self.valid_labels = labels;
        Ok(())
    }

    fn labels_for(&self, x: &[f32], labels: Option<Vec<u32>>) -> Result<Vec<u32>, JsError> {
        match (self.classify(), labels) {
            (true, Some(l)) => Ok(l),
            (true, None) => Err(JsError::new("the classifier needs labels, one per row")),
            (false, Some(_)) => Err(JsError::new(
                "an autoencoder takes no labels: its target is its input",
            )),
            (false, None) => self.check_rows(x).map(|_| Vec::new()),
        }
    }

    /// Draw fresh weights (from the current `rng` seed) and restart the optimizer.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.need_data()?;
        let d = data(&self.train_x, &self.train_labels, self.classify());
        self.engine.start(&d).map_err(js_err)?;
        self.steps = 0;
        Ok(())
    }

    fn need_data(&self) -> Result<(), JsError> {
        if self.train_x.is_empty() {
            return Err(JsError::new("no data: call setData first"));
        }
        Ok(())
    }

    /// Change one setting while training: a regularizer's strength (`0` removes it), the
    /// learning rate, the optimizer (its state restarts), the batch size (at most 64), ...
    /// A bad value throws and leaves the configuration as it was.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), JsError> {
        let saved = self.engine.config().clone();
        let old_algo = saved.algo;
        let zero = value.trim().parse::<f32>().is_ok_and(|v| v == 0.0);
        let applied = if zero && key_is_regularizer(key) {
            self.engine.config().remove_reg(key);
            Ok(())
        } else {
            self.engine.config().set(key, value)
        }
        .and_then(|_| self.engine.reconfigure());
        match applied {
            Err(e) => {
                *self.engine.config() = saved;
                // The old configuration was valid; re-resolving it cannot fail.
                let _ = self.engine.reconfigure();
                Err(js_err(e))
            }
            Ok(()) if self.engine.config().algo != old_algo && !self.train_x.is_empty() => {
                // A new optimizer starts from fresh state but keeps the weights.
                let d = data(&self.train_x, &self.train_labels, self.classify());
                self.engine.restart(&d).map_err(js_err)
            }
            Ok(()) => Ok(()),
        }
    }

    /// The configuration as `key = value` lines (the regularizers and main settings).
    #[wasm_bindgen(js_name = configText)]
    pub fn config_text(&mut self) -> String {
        let c = self.engine.config();
        let mut s = format!(
            "algo = {}\nlearning_rate = {}\nbatch_size = {}\nrng = {}\n",
            c.algo.name(),
            c.learning_rate,
            c.batch_size,
            c.rng
        );
        for r in c.regs.iter() {
            s.push_str(&format!("{} = {}\n", r.key, r.weight));
        }
        s
    }

    /// Run `batches` updates and return the monitors of those batches.
    pub fn train(&mut self, batches: u32) -> Result<Monitors, JsError> {
        self.need_data()?;
        let d = data(&self.train_x, &self.train_labels, self.classify());
        let r = self.engine.steps(&d, batches as usize).map_err(js_err)?;
        self.steps += batches;
        Ok(self.monitors(&r))
    }

    /// The clean objective on the validation data.
    pub fn validate(&mut self) -> Result<Monitors, JsError> {
        self.need_data()?;
        let (x, labels) = (
            std::mem::take(&mut self.valid_x),
            std::mem::take(&mut self.valid_labels),
        );
        let r = self.engine.validate(&data(&x, &labels, self.classify()));
        self.valid_x = x;
        self.valid_labels = labels;
        let r = r.map_err(js_err)?;
        Ok(self.monitors(&r))
    }

    fn monitors(&mut self, r: &Report) -> Monitors {
        let steps = self.steps;
        let passes = self.engine.passes();
        let c = self.engine.config();
        Monitors {
            steps,
            passes,
            loss: r.loss,
            err: r.err,
            reg_names: c.regs.iter().map(|r| r.key.to_string()).collect(),
            reg_terms: r.regs[..c.regs.len()].to_vec(),
            accuracy: r.accuracy.map_or(f64::NAN, |a| a as f64),
            hidden_sparsity: r.hidden_sparsity as f64,
            weight_sparsity: r.weight_sparsity as f64,
        }
    }

    /// The network's outputs for `x` (`rows * 64`): reconstructions, or class probabilities.
    pub fn predict(&mut self, x: &[f32]) -> Result<Vec<f32>, JsError> {
        let rows = x.len() / INPUTS;
        let outs = *PRESETS[self.preset].2.last().unwrap_or(&0);
        let mut out = vec![0.0; rows * outs];
        self.engine.predict(x, &mut out).map_err(js_err)?;
        Ok(out)
    }

    /// The most probable class of each row of `x` (classifier).
    #[wasm_bindgen(js_name = predictClasses)]
    pub fn predict_classes(&mut self, x: &[f32]) -> Result<Vec<u32>, JsError> {
        if !self.classify() {
            return Err(JsError::new("predictClasses needs the classifier preset"));
        }
        let mut out = vec![0u32; x.len() / INPUTS];
        self.engine.predict_classes(x, &mut out).map_err(js_err)?;
        Ok(out)
    }

    /// Accuracy on `x` with `labels` (classifier), or R² of the reconstructions.
    pub fn score(&mut self, x: &[f32], labels: Option<Vec<u32>>) -> Result<f64, JsError> {
        let labels = self.labels_for(x, labels)?;
        self.engine
            .score(&data(x, &labels, self.classify()))
            .map(|s| s as f64)
            .map_err(js_err)
    }

    /// Clean activations of layer `layer` (0 = input, 1 = first hidden, ...) for `x`,
    /// `rows * width` values.
    pub fn hidden(&mut self, x: &[f32], layer: usize) -> Result<Vec<f32>, JsError> {
        self.check_rows(x)?;
        let mut out = Vec::new();
        self.engine
            .layer_outputs(x, layer, &mut out)
            .map_err(js_err)?;
        Ok(out)
    }

    /// `x` corrupted as a training step would see it (input noise and dropout).
    pub fn corrupt(&mut self, x: &[f32]) -> Result<Vec<f32>, JsError> {
        self.check_rows(x)?;
        let mut out = Vec::new();
        self.engine.corrupt(x, &mut out).map_err(js_err)?;
        Ok(out)
    }

    fn check_rows(&self, x: &[f32]) -> Result<(), JsError> {
        if x.is_empty() || !x.len().is_multiple_of(INPUTS) {
            return Err(JsError::new(&format!(
                "inputs have length {}, expected a positive multiple of {INPUTS}",
                x.len()
            )));
        }
        Ok(())
    }

    /// Names of the parameter tensors, e.g. `hid1.w`, `hid1.b`, `out.w`.
    #[wasm_bindgen(js_name = tensorNames)]
    pub fn tensor_names(&self) -> Vec<String> {
        (0..self.engine.tensors())
            .map(|i| self.engine.tensor_name(i))
            .collect()
    }

    /// Parameter tensor `name` (row-major: a weight is `inputs x units`).
    pub fn weights(&self, name: &str) -> Result<Vec<f32>, JsError> {
        (0..self.engine.tensors())
            .find(|&i| self.engine.tensor_name(i) == name)
            .and_then(|i| self.engine.tensor(i))
            .map(|t| t.data.to_vec())
            .ok_or_else(|| JsError::new(&format!("no parameter named {name:?}")))
    }

    /// The checkpoint of the current weights (see `staticnets::checkpoint`).
    pub fn save(&self) -> Vec<u8> {
        self.engine.save()
    }

    /// Load a checkpoint of this preset; a damaged file or another preset's throws and
    /// leaves the weights as they were.
    pub fn load(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.engine.load(bytes).map_err(js_err)
    }
}

fn key_is_regularizer(key: &str) -> bool {
    staticnets::regularizers::RegSpec::new(key.trim(), 0.0).is_ok()
}

/// The preset names, in order.
#[wasm_bindgen]
pub fn presets() -> Vec<String> {
    PRESETS.iter().map(|p| p.0.to_string()).collect()
}

/// A seed from the browser's `crypto.getRandomValues` (through `getrandom`), below 2^53 so
/// a JavaScript number holds it exactly. Use it as `rng = <seed>`.
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> Result<f64, JsError> {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).map_err(|e| JsError::new(&format!("no random source: {e}")))?;
    Ok((u64::from_le_bytes(b) >> 11) as f64)
}

/// Whether this build uses WASM SIMD (`+simd128`).
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    cfg!(target_feature = "simd128")
}
