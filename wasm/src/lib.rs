//! staticnets-wasm: the wasm-bindgen API over the staticnets core, for web pages: the
//! preset `Model` (feature `presets`, on by default) and [`model!`], which turns a network of
//! your own into a JavaScript class with the same API.
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
mod class;
mod convert;
pub mod engine;
pub mod model;
#[cfg(feature = "presets")]
pub mod presets;

pub use model::{MAX_BATCHES_PER_CALL, ModelCore, Spec, Targets, Task};
use wasm_bindgen::prelude::*;

/// What [`model!`] expands to refers to these (not a public API: they may change).
#[doc(hidden)]
pub mod __private {
    pub use crate::convert::*;
    pub use crate::engine::boxed;
    pub use js_sys;
    pub use staticnets;
    pub use wasm_bindgen;
    /// `#[wasm_bindgen]`, by a name short enough for rustfmt to keep the attribute on one line.
    pub use wasm_bindgen::prelude::wasm_bindgen as bindgen;

    /// The name the JavaScript API gives a task.
    pub fn task_name(task: crate::Task) -> &'static str {
        match task {
            crate::Task::Autoencoder => "autoencoder",
            crate::Task::Classifier => "classifier",
            crate::Task::Regressor => "regressor",
        }
    }

    /// The first of a class's doc lines, without its leading space (its description).
    pub const fn first_line(lines: &[&'static str]) -> &'static str {
        match lines {
            [first, ..] => first.trim_ascii_start(),
            [] => "",
        }
    }
}

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

/// A trainer for one of the preset architectures, with its data (the `presets` feature,
/// on by default). Its methods are those of every [`model!`] class.
///
/// Every method checks its JavaScript arguments and throws an `Error` that names the
/// argument and what it must be; a refused call changes nothing.
#[cfg(feature = "presets")]
#[wasm_bindgen]
pub struct Model {
    core: ModelCore,
}

#[cfg(feature = "presets")]
#[wasm_bindgen]
impl Model {
    /// A model of preset `preset` (see [`presets()`]) with `config` in theanets' keywords
    /// (`key = value` lines; optional). The weights are drawn when the data is set.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] preset: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] config: JsValue,
    ) -> Result<Model, JsError> {
        let preset = convert::text(&preset, "preset")?;
        let config = convert::optional_text(&config, "config")?;
        ModelCore::new(&preset, &config)
            .map(|core| Model { core })
            .map_err(convert::js)
    }

    /// The preset's name.
    #[wasm_bindgen(getter)]
    pub fn preset(&self) -> String {
        self.core.preset()
    }
}

#[cfg(feature = "presets")]
__model_api!(Model);

/// The preset names, in order.
#[cfg(feature = "presets")]
#[wasm_bindgen]
pub fn presets() -> Vec<String> {
    presets::PRESETS
        .iter()
        .map(|p| p.spec.name.to_string())
        .collect()
}

/// One preset as a menu shows it.
#[cfg(feature = "presets")]
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct PresetEntry {
    /// The name `new Model` takes.
    pub name: String,
    /// One line for the menu.
    pub description: String,
    /// `autoencoder` or `classifier`.
    pub task: String,
}

/// The presets as the page's menu lists them, from the one table the models are built from.
#[cfg(feature = "presets")]
#[wasm_bindgen(js_name = presetMenu)]
pub fn preset_menu() -> Vec<PresetEntry> {
    presets::PRESETS
        .iter()
        .map(|p| PresetEntry {
            name: p.spec.name.into(),
            description: p.spec.description.into(),
            task: __private::task_name(p.spec.task).into(),
        })
        .collect()
}

/// One regularizer key as a menu shows it: the key, what it computes, what it does.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct RegularizerEntry {
    /// The configuration key (`weight_l2`, `input_noise`, ...).
    pub key: String,
    /// What it computes, in one line.
    pub formula: String,
    /// What it does to a model.
    pub about: String,
}

/// Every built-in regularizer key with its explanation, in the core's order (its registry,
/// where each regularizer's file describes its keys); aliases left out.
#[wasm_bindgen(js_name = regularizerMenu)]
pub fn regularizer_menu() -> Vec<RegularizerEntry> {
    staticnets::regularizers::BUILTINS
        .iter()
        .flat_map(|b| b.keys.iter())
        .filter(|k| !k.about.is_empty())
        .map(|k| RegularizerEntry {
            key: k.key.into(),
            formula: k.formula.into(),
            about: k.about.into(),
        })
        .collect()
}

/// The optimizers `algo` takes, in menu order (the core's list).
#[wasm_bindgen]
pub fn optimizers() -> Vec<String> {
    staticnets::optim::Optimizer::NAMES
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// The digits of a digits file (`web/data/digits.bin`), parsed and checked by the core:
/// every image's 64 pixels scaled to 0..1, and its label.
#[cfg(feature = "presets")]
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct DigitsData {
    /// `rows * 64` pixels, row-major, in 0..1.
    pub x: Vec<f32>,
    /// One label (0..9) per row.
    pub labels: Vec<u32>,
    /// Images in the file.
    pub rows: u32,
}

/// Parse a digits file; a file that is not one throws, saying why.
#[cfg(feature = "presets")]
#[wasm_bindgen]
pub fn digits(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
) -> Result<DigitsData, JsError> {
    let bytes = convert::bytes(&bytes, "bytes")?;
    let d = staticnets::datasets::Digits::parse(&bytes).map_err(|e| convert::js(e.to_string()))?;
    let rows = d.len();
    let (mut x, mut labels) = (vec![0.0f32; rows * 64], vec![0u32; rows]);
    d.fill(0, &mut x, &mut labels)
        .map_err(|e| convert::js(e.to_string()))?;
    Ok(DigitsData {
        x,
        labels,
        rows: rows as u32,
    })
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
#[cfg(feature = "presets")]
#[wasm_bindgen(js_name = conformanceRun)]
pub fn conformance_run(digits: &[u8], portable: bool, fixture: &[u8]) -> Result<Vec<u32>, JsError> {
    conformance_values(digits, portable, fixture).map_err(convert::js)
}

/// [`conformance_run`] for a caller outside JavaScript (the Python package): the same run,
/// its error as text.
#[cfg(feature = "presets")]
pub fn conformance_values(
    digits: &[u8],
    portable: bool,
    fixture: &[u8],
) -> Result<Vec<u32>, String> {
    use staticnets::conformance::{Model as Conformance, ROWS, resume, run};
    use staticnets::datasets::Digits;
    use staticnets::kernels::{Level, level, set_level};
    let digits = Digits::parse(digits).map_err(|e| e.to_string())?;
    let mut t: Box<Conformance> = Box::new(Conformance::zeroed());
    let mut x = vec![0.0f32; ROWS * 64];
    let before = level();
    if portable {
        set_level(Level::Portable).map_err(|e| e.to_string())?;
    }
    let mut file = Vec::new();
    let out = run(&mut t, digits, &mut x, |p| file.extend_from_slice(p)).and_then(|hash| {
        let crc = u32::from_le_bytes([0, 1, 2, 3].map(|k| file[file.len() - 4 + k]));
        let resumed = resume(&mut t, digits, &mut x, fixture)?;
        Ok(vec![hash, crc, resumed])
    });
    set_level(before).map_err(|e| e.to_string())?;
    out.map_err(|e| e.to_string())
}

/// The committed values every build's [`conformance_run`] must return.
#[cfg(feature = "presets")]
#[wasm_bindgen(js_name = conformanceGolden)]
pub fn conformance_golden() -> Vec<u32> {
    use staticnets::conformance::{CHECKPOINT_GOLDEN, GOLDEN};
    vec![GOLDEN, CHECKPOINT_GOLDEN, GOLDEN]
}

/// The kernel level the matrix products use: `simd128` or `portable` (with `+fma` in a
/// build with the opt-in, not reproducible, fused products).
#[wasm_bindgen(js_name = kernelLevel)]
pub fn kernel_level() -> String {
    let fused = if staticnets::kernels::FUSED {
        "+fma"
    } else {
        ""
    };
    format!("{}{fused}", staticnets::kernels::level().name())
}

/// `make bench`'s reference models in wasm (built with `--features bench` only, so the
/// page does not carry them): `new Bench("S" | "L", regularized, digitsFileBytes)`, then
/// `steps(n)` returns the mean loss of `n` steps.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub struct Bench {
    inner: Box<dyn bench::Stepper>,
}

/// `make bench`'s ceiling of the products in this build (`bench::products_in_l1`): `reps`
/// (1 to 100,000) products whose operands all sit in L1; returns the floating-point
/// operations done, for the caller to divide by the time it took.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = productsInL1)]
pub fn products_in_l1(reps: u32) -> Result<f64, JsError> {
    if reps == 0 || reps > 100_000 {
        return Err(convert::js(format!(
            "productsInL1: {reps} is out of range: it must be 1 to 100000"
        )));
    }
    Ok(bench::products_in_l1(reps))
}

#[cfg(feature = "bench")]
#[wasm_bindgen]
impl Bench {
    /// One of the reference models, started.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &str, regularized: bool, digits: &[u8]) -> Result<Bench, JsError> {
        let inner =
            bench::reference(model, regularized, digits).map_err(|e| convert::js(e.to_string()))?;
        Ok(Bench { inner })
    }

    /// `n` steps (at most 100,000); the mean loss of those batches.
    pub fn steps(&mut self, n: u32) -> Result<f64, JsError> {
        if n == 0 || n > 100_000 {
            return Err(convert::js(format!(
                "steps: {n} is out of range: it must be 1 to 100000"
            )));
        }
        self.inner
            .steps(n as usize)
            .map_err(|e| convert::js(e.to_string()))
    }
}

/// The crate README's example, compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExample;
