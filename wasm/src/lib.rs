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
//! const bytes = model.save();            // Uint8Array checkpoint of the whole run; model.load(bytes) resumes it
//! model.loadSafetensors(fromPyTorch);    // weights from a PyTorch state_dict (safetensors)
//! ```
//!
//! Every misuse (wrong array length, bad configuration value, non-finite data, a checkpoint
//! of another model) throws a JavaScript `Error` with the core's message; nothing panics.
//! Arrays come back as copies (`Float32Array`s that JavaScript owns): a view into wasm memory
//! would be invalidated the next time memory grows and needs `unsafe` to make.

pub mod bench;
mod engine;
pub mod model;

use engine::PRESETS;
use js_sys::{Array, Float32Array, Float64Array, Int32Array, Uint8Array, Uint32Array};
pub use model::{MAX_BATCHES_PER_CALL, ModelCore};
use wasm_bindgen::prelude::*;

/// What a call to [`Model::train`] or [`Model::validate`] measured.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct Monitors {
    /// Updates applied since the data was set or the model reset (a resumed checkpoint
    /// counts on from its own; a step refused for divergence is not one).
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
///
/// Every method checks its JavaScript arguments and throws an `Error` that names the
/// argument and what it must be; a refused call changes nothing.
#[wasm_bindgen]
pub struct Model {
    core: ModelCore,
}

fn js(message: String) -> JsError {
    JsError::new(&message)
}

/// `typeof v`, for messages.
fn kind(v: &JsValue) -> String {
    if v.is_null() {
        return "null".into();
    }
    if Array::is_array(v) {
        return "an Array".into();
    }
    v.js_typeof().as_string().unwrap_or_default()
}

/// A string argument.
fn text(v: &JsValue, what: &str) -> Result<String, JsError> {
    v.as_string()
        .ok_or_else(|| js(format!("{what} must be a string, got {}", kind(v))))
}

/// A setting's value: a string, or a number (written as JavaScript would).
fn setting(v: &JsValue, what: &str) -> Result<String, JsError> {
    if let Some(n) = v.as_f64() {
        return Ok(format!("{n}"));
    }
    v.as_string().ok_or_else(|| {
        js(format!(
            "{what} must be a string or a number, got {}",
            kind(v)
        ))
    })
}

/// A whole number in `lo..=hi`.
fn count(v: &JsValue, what: &str, lo: u32, hi: u32) -> Result<u32, JsError> {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= lo as f64 && n <= hi as f64 => Ok(n as u32),
        Some(n) => Err(js(format!(
            "{what} = {n} is out of range: it must be a whole number from {lo} to {hi}"
        ))),
        None => Err(js(format!("{what} must be a number, got {}", kind(v)))),
    }
}

/// Values as `f32`: a `Float32Array`, or any array of numbers (converted; a value that is
/// not a number becomes NaN, which the core then names by row and column).
fn floats(v: &JsValue, what: &str) -> Result<Vec<f32>, JsError> {
    if let Some(a) = v.dyn_ref::<Float32Array>() {
        return Ok(a.to_vec());
    }
    if Array::is_array(v) || v.is_instance_of::<Float64Array>() {
        return Ok(Float32Array::new(v).to_vec());
    }
    Err(js(format!(
        "{what} must be a Float32Array (or an array of numbers), got {}",
        kind(v)
    )))
}

/// Optional labels: `undefined`/`null`, or whole numbers >= 0 (`Uint32Array` or an array).
fn labels(v: &JsValue) -> Result<Option<Vec<u32>>, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(a) = v.dyn_ref::<Uint32Array>() {
        return Ok(Some(a.to_vec()));
    }
    if !(Array::is_array(v)
        || v.is_instance_of::<Float64Array>()
        || v.is_instance_of::<Int32Array>())
    {
        return Err(js(format!(
            "labels must be a Uint32Array or an array of class numbers, got {}",
            kind(v)
        )));
    }
    let values = Float64Array::new(v).to_vec();
    values
        .iter()
        .enumerate()
        .map(|(row, &l)| {
            if l.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&l) {
                Ok(l as u32)
            } else {
                Err(js(format!(
                    "labels[{row}] = {l} is not a class number (a whole number >= 0)"
                )))
            }
        })
        .collect::<Result<Vec<u32>, JsError>>()
        .map(Some)
}

/// Bytes: a `Uint8Array` or an `ArrayBuffer`.
fn bytes(v: &JsValue, what: &str) -> Result<Vec<u8>, JsError> {
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(a.to_vec());
    }
    if v.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(v).to_vec());
    }
    Err(js(format!(
        "{what} must be a Uint8Array or an ArrayBuffer, got {}",
        kind(v)
    )))
}

#[wasm_bindgen]
impl Model {
    /// A model of preset `preset` (see [`presets`]) with `config` in theanets' keywords
    /// (`key = value` lines; optional). The weights are drawn when the data is set.
    #[wasm_bindgen(constructor)]
    pub fn new(preset: JsValue, config: JsValue) -> Result<Model, JsError> {
        let preset = text(&preset, "preset")?;
        let config = if config.is_undefined() {
            String::new()
        } else {
            text(&config, "config")?
        };
        ModelCore::new(&preset, &config)
            .map(|core| Model { core })
            .map_err(js)
    }

    /// The preset's name.
    #[wasm_bindgen(getter)]
    pub fn preset(&self) -> String {
        self.core.preset()
    }

    /// Layer widths, input first.
    #[wasm_bindgen(js_name = layerSizes)]
    pub fn layer_sizes(&self) -> Vec<u32> {
        self.core.layer_sizes()
    }

    /// Whether the model is a classifier (labels, accuracy) rather than an autoencoder.
    #[wasm_bindgen(getter, js_name = isClassifier)]
    pub fn is_classifier(&self) -> bool {
        self.core.is_classifier()
    }

    /// Number of parameters.
    #[wasm_bindgen(getter, js_name = parameterCount)]
    pub fn parameter_count(&self) -> usize {
        self.core.parameter_count()
    }

    /// Bytes the whole trainer takes (parameters, gradients, optimizer, activations).
    #[wasm_bindgen(getter, js_name = trainerBytes)]
    pub fn trainer_bytes(&self) -> usize {
        self.core.trainer_bytes()
    }

    /// Set the training data (`rows * 64` values; `labels`, one per row, for the classifier)
    /// and draw fresh weights from the `rng` seed. Validation data defaults to the same. Bad
    /// data is refused before anything changes: the trained model stays.
    #[wasm_bindgen(js_name = setData)]
    pub fn set_data(&mut self, x: JsValue, labels_: JsValue) -> Result<(), JsError> {
        let x = floats(&x, "x")?;
        self.core.set_data(&x, labels(&labels_)?).map_err(js)
    }

    /// Set the validation data (same shape rules as [`setData`](Self::set_data)).
    #[wasm_bindgen(js_name = setValidation)]
    pub fn set_validation(&mut self, x: JsValue, labels_: JsValue) -> Result<(), JsError> {
        let x = floats(&x, "x")?;
        self.core.set_validation(&x, labels(&labels_)?).map_err(js)
    }

    /// Draw fresh weights (from the current `rng` seed) and restart the optimizer.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.core.reset().map_err(js)
    }

    /// Change one setting while training: a regularizer's strength (`0` removes it), the
    /// learning rate, the optimizer (its state restarts), the batch size (at most 64),
    /// `on_divergence` (`stop` or `halve`), ... `value` may be a string or a number. A bad
    /// value throws and leaves the configuration as it was.
    pub fn set(&mut self, key: JsValue, value: JsValue) -> Result<(), JsError> {
        let key = text(&key, "key")?;
        let value = setting(&value, &format!("the value of {key}"))?;
        self.core.set(&key, &value).map_err(js)
    }

    /// The configuration as `key = value` lines (the regularizers and main settings).
    #[wasm_bindgen(js_name = configText)]
    pub fn config_text(&mut self) -> String {
        self.core.config_text()
    }

    /// The learning rate in force (`on_divergence = halve` lowers it after a divergence).
    #[wasm_bindgen(getter, js_name = learningRate)]
    pub fn learning_rate(&mut self) -> f32 {
        self.core.learning_rate()
    }

    /// Run `batches` updates (a whole number from 1 to 100,000) and return the monitors of
    /// those batches. A divergence rolls the weights back to the best validation and throws
    /// (`on_divergence = stop`) or halves the learning rate and goes on (`halve`).
    pub fn train(&mut self, batches: JsValue) -> Result<Monitors, JsError> {
        let n = count(&batches, "batches", 1, MAX_BATCHES_PER_CALL)?;
        self.core.train(n).map_err(js)
    }

    /// The clean objective on the validation data.
    pub fn validate(&mut self) -> Result<Monitors, JsError> {
        self.core.validate().map_err(js)
    }

    /// The network's outputs for `x` (`rows * 64`): reconstructions, or class probabilities.
    pub fn predict(&mut self, x: JsValue) -> Result<Vec<f32>, JsError> {
        let x = floats(&x, "x")?;
        self.core.predict(&x).map_err(js)
    }

    /// The most probable class of each row of `x` (classifier).
    #[wasm_bindgen(js_name = predictClasses)]
    pub fn predict_classes(&mut self, x: JsValue) -> Result<Vec<u32>, JsError> {
        let x = floats(&x, "x")?;
        self.core.predict_classes(&x).map_err(js)
    }

    /// Accuracy on `x` with `labels` (classifier), or R² of the reconstructions.
    pub fn score(&mut self, x: JsValue, labels_: JsValue) -> Result<f64, JsError> {
        let x = floats(&x, "x")?;
        self.core.score(&x, labels(&labels_)?).map_err(js)
    }

    /// Clean activations of layer `layer` (0 = input, 1 = first hidden, ...) for `x`,
    /// `rows * width` values.
    pub fn hidden(&mut self, x: JsValue, layer: JsValue) -> Result<Vec<f32>, JsError> {
        let x = floats(&x, "x")?;
        let last = self.core.layer_sizes().len() as u32 - 1;
        let layer = count(&layer, "layer", 0, last)?;
        self.core.hidden(&x, layer as usize).map_err(js)
    }

    /// `x` corrupted as a training step would see it (input noise and dropout).
    pub fn corrupt(&mut self, x: JsValue) -> Result<Vec<f32>, JsError> {
        let x = floats(&x, "x")?;
        self.core.corrupt(&x).map_err(js)
    }

    /// Names of the parameter tensors, e.g. `hid1.w`, `hid1.b`, `out.w`.
    #[wasm_bindgen(js_name = tensorNames)]
    pub fn tensor_names(&self) -> Vec<String> {
        self.core.tensor_names()
    }

    /// Parameter tensor `name` (row-major: a weight is `inputs x units`).
    pub fn weights(&self, name: JsValue) -> Result<Vec<f32>, JsError> {
        let name = text(&name, "name")?;
        self.core.weights(&name).map_err(js)
    }

    /// A checkpoint of the whole run (format 2: weights, optimizer state, generators,
    /// position in the pass, best weights, configuration; see `staticnets::checkpoint`):
    /// `load` continues it exactly, here, natively or on a device.
    pub fn save(&mut self) -> Result<Vec<u8>, JsError> {
        self.core.save().map_err(js)
    }

    /// Resume a checkpoint of this preset with its configuration (see `configText`); a
    /// parameters-only file keeps this model's configuration. A damaged file or another
    /// preset's throws and leaves the model as it was.
    pub fn load(&mut self, bytes_: JsValue) -> Result<(), JsError> {
        let b = bytes(&bytes_, "bytes")?;
        self.core.load(&b).map_err(js)
    }

    /// The same run as Rust code (the preset's body, the configuration in force, the first
    /// `rows` bundled digits as data, the updates so far): run natively it gives the same
    /// weights, bit for bit.
    pub fn reproduce(&mut self, rows: u32) -> String {
        self.core.reproduce(rows as usize)
    }

    /// The weights as a safetensors file with PyTorch's names and layouts (`hid1.weight` is
    /// out x in; see `staticnets::safetensors`).
    #[wasm_bindgen(js_name = saveSafetensors)]
    pub fn save_safetensors(&self) -> Vec<u8> {
        self.core.save_safetensors()
    }

    /// Take the weights of a safetensors file (from PyTorch, say) and restart training from
    /// them with the configuration in force; a file of the wrong names, shapes or dtype
    /// throws, naming the tensor, and changes nothing.
    #[wasm_bindgen(js_name = loadSafetensors)]
    pub fn load_safetensors(&mut self, bytes_: JsValue) -> Result<(), JsError> {
        let b = bytes(&bytes_, "bytes")?;
        self.core.load_safetensors(&b).map_err(js)
    }
}

/// The preset names, in order.
#[wasm_bindgen]
pub fn presets() -> Vec<String> {
    PRESETS.iter().map(|p| p.name.to_string()).collect()
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

/// The cross-target conformance run (`staticnets::conformance`) in this build: returns
/// `[hash, checkpoint CRC, resumed hash]`, which must equal [`conformance_golden`]'s
/// `[GOLDEN, CHECKPOINT_GOLDEN, GOLDEN]`: the run's final bits, the CRC of the checkpoint it
/// writes mid-run, and the final bits after resuming `fixture` (the checkpoint written
/// natively, `tests/fixtures/conformance-step20.snet`). With `portable`, the matrix products
/// use the portable scalar tiles instead of this build's best level (the level is restored
/// afterwards). `digits` is the digits file (`web/data/digits.bin`).
#[wasm_bindgen(js_name = conformanceRun)]
pub fn conformance_run(digits: &[u8], portable: bool, fixture: &[u8]) -> Result<Vec<u32>, JsError> {
    use staticnets::conformance::{Model as Conformance, ROWS, resume, run};
    use staticnets::datasets::Digits;
    use staticnets::kernels::{Level, level, set_level};
    let digits = Digits::parse(digits).map_err(|e| js(e.to_string()))?;
    let mut t: Box<Conformance> = Box::new(Conformance::zeroed());
    let mut x = vec![0.0f32; ROWS * 64];
    let before = level();
    if portable {
        set_level(Level::Portable).map_err(|e| js(e.to_string()))?;
    }
    let mut file = Vec::new();
    let out = run(&mut t, digits, &mut x, |p| file.extend_from_slice(p)).and_then(|hash| {
        let crc = u32::from_le_bytes([0, 1, 2, 3].map(|k| file[file.len() - 4 + k]));
        let resumed = resume(&mut t, digits, &mut x, fixture)?;
        Ok(vec![hash, crc, resumed])
    });
    set_level(before).map_err(|e| js(e.to_string()))?;
    out.map_err(|e| js(e.to_string()))
}

/// The committed values every build's [`conformance_run`] must return.
#[wasm_bindgen(js_name = conformanceGolden)]
pub fn conformance_golden() -> Vec<u32> {
    use staticnets::conformance::{CHECKPOINT_GOLDEN, GOLDEN};
    vec![GOLDEN, CHECKPOINT_GOLDEN, GOLDEN]
}

/// The kernel level the matrix products use: `simd128` or `portable`.
#[wasm_bindgen(js_name = kernelLevel)]
pub fn kernel_level() -> String {
    staticnets::kernels::level().name().to_string()
}

/// `make bench`'s reference models in wasm (built with `--features bench` only, so the
/// page does not carry them): `new Bench("S" | "L", regularized, digitsFileBytes)`, then
/// `steps(n)` returns the mean loss of `n` steps.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub struct Bench {
    inner: Box<dyn bench::Stepper>,
}

#[cfg(feature = "bench")]
#[wasm_bindgen]
impl Bench {
    /// One of the reference models, started.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &str, regularized: bool, digits: &[u8]) -> Result<Bench, JsError> {
        let inner = bench::reference(model, regularized, digits).map_err(|e| js(e.to_string()))?;
        Ok(Bench { inner })
    }

    /// `n` steps (at most 100,000); the mean loss of those batches.
    pub fn steps(&mut self, n: u32) -> Result<f64, JsError> {
        if n == 0 || n > 100_000 {
            return Err(js(format!(
                "steps: {n} is out of range: it must be 1 to 100000"
            )));
        }
        self.inner.steps(n as usize).map_err(|e| js(e.to_string()))
    }
}
