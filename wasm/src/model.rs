//! The API's model, in plain Rust: every rule of the JavaScript API lives here, so it runs
//! (and is tested and fuzzed) natively; `lib.rs` and [`model!`](macro@crate::model) only check and
//! convert JavaScript values.

use crate::Monitors;
use crate::engine::Engine;
use staticnets::train::{Data, Report};

/// The most batches one [`ModelCore::train`] call runs: a page trains in slices, and a call
/// must never block for minutes (`train(1e10)`).
pub const MAX_BATCHES_PER_CALL: u32 = 100_000;

fn err(message: &str) -> String {
    message.to_string()
}

fn msg(e: staticnets::Error) -> String {
    e.to_string()
}

/// What a model learns from its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Reconstruct the input: data without targets.
    Autoencoder,
    /// One class label per row (`xe` loss by default; accuracy, `predictClasses`).
    Classifier,
    /// Target values, `outputs` per row.
    Regressor,
}

/// What a model is beyond its trainer: what the API reports and what `reproduce` prints.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The preset's or the class's name.
    pub name: &'static str,
    /// One line for a menu.
    pub description: &'static str,
    /// What it learns.
    pub task: Task,
    /// The body's type, as Rust.
    pub body_type: &'static str,
    /// The body's value, as Rust.
    pub body_new: &'static str,
    /// Batch capacity (the trainer's `B`).
    pub batch: usize,
    /// Jacobian width (the trainer's `JD`: the input width if `contractive` is possible, else 0).
    pub jacobian: usize,
    /// Optimizer slots (the trainer's `S`).
    pub slots: usize,
    /// Whether its data is the bundled digits (the presets): `reproduce` then loads them.
    pub digits: bool,
}

/// The targets given with some inputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Targets {
    /// None (an autoencoder's: its target is its input).
    #[default]
    None,
    /// Class labels, one per row.
    Labels(Vec<u32>),
    /// Values, `outputs` per row.
    Values(Vec<f32>),
}

/// A trainer with its data: a preset's, or a class's from [`model!`](macro@crate::model).
pub struct ModelCore {
    spec: Spec,
    engine: Box<dyn Engine>,
    train_x: Vec<f32>,
    train_y: Targets,
    valid_x: Vec<f32>,
    valid_y: Targets,
    /// Whether `setValidation` gave the validation data; if not, it follows `setData`'s.
    own_validation: bool,
    /// The run so far, for [`reproduce`](Self::reproduce) (`None` after a checkpoint or
    /// safetensors load: the run did not start here).
    run: Option<Run>,
}

/// A run started here: the configuration it started with, and each setting changed since.
struct Run {
    start: String,
    changes: Vec<Change>,
}

/// A setting changed after `at` updates.
struct Change {
    at: u64,
    key: String,
    value: String,
}

fn data<'a>(x: &'a [f32], y: &'a Targets) -> Data<'a> {
    match y {
        Targets::None => Data::autoencoder(x),
        Targets::Labels(l) => Data::classification(x, l),
        Targets::Values(v) => Data::regression(x, v),
    }
}

impl ModelCore {
    /// A model of preset `preset` (see [`crate::presets()`]) with `config` in theanets' keywords
    /// (`key = value` lines). The weights are drawn when the data is set.
    #[cfg(feature = "presets")]
    pub fn new(preset: &str, config: &str) -> Result<ModelCore, String> {
        use crate::presets::PRESETS;
        let Some(p) = PRESETS.iter().find(|p| p.spec.name == preset) else {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.spec.name).collect();
            return Err(err(&format!(
                "unknown preset {preset:?}: one of {}",
                names.join(", ")
            )));
        };
        ModelCore::with_engine(p.spec, (p.build)(), config)
    }

    /// A model of `engine`'s trainer, described by `spec`, with `config` in theanets'
    /// keywords. A classifier's loss defaults to `xe`. The weights are drawn when the data
    /// is set. [`model!`](macro@crate::model) classes are built this way.
    pub fn with_engine(
        spec: Spec,
        mut engine: Box<dyn Engine>,
        config: &str,
    ) -> Result<ModelCore, String> {
        if spec.task == Task::Classifier {
            engine.config().loss = staticnets::losses::Loss::Xe;
        }
        engine.config().parse(config).map_err(msg)?;
        engine.reconfigure().map_err(msg)?;
        Ok(ModelCore {
            spec,
            engine,
            train_x: Vec::new(),
            train_y: Targets::None,
            valid_x: Vec::new(),
            valid_y: Targets::None,
            own_validation: false,
            run: None,
        })
    }

    /// A run starts here (fresh weights from the seed): remember its configuration.
    fn begin_run(&mut self) {
        self.run = Some(Run {
            start: self.engine.config().to_string(),
            changes: Vec::new(),
        });
    }

    /// What the model is.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// What it learns.
    pub fn task(&self) -> Task {
        self.spec.task
    }

    /// The preset's (or the class's) name.
    pub fn preset(&self) -> String {
        self.spec.name.to_string()
    }

    /// Layer widths, input first.
    pub fn layer_sizes(&self) -> Vec<u32> {
        self.engine.sizes().iter().map(|&n| n as u32).collect()
    }

    /// Input width: values per row of `x`.
    pub fn inputs(&self) -> usize {
        self.engine.inputs()
    }

    /// Output width: values per row of `predict`'s result (and of a regressor's targets).
    pub fn outputs(&self) -> usize {
        self.engine.outputs()
    }

    /// Whether the model is a classifier (labels, accuracy) rather than an autoencoder.
    pub fn is_classifier(&self) -> bool {
        self.spec.task == Task::Classifier
    }

    /// Number of parameters.
    pub fn parameter_count(&self) -> usize {
        self.engine.params()
    }

    /// Bytes the whole trainer takes (parameters, gradients, optimizer, activations).
    pub fn trainer_bytes(&self) -> usize {
        self.engine.bytes()
    }

    /// Set the training data (`rows * inputs` values, and the targets: a classifier's
    /// labels, one per row, or a regressor's values, `outputs` per row) and draw fresh
    /// weights from the `rng` seed. Until [`setValidation`](Self::set_validation) is called,
    /// validation uses the training data, whichever `setData` set last.
    pub fn set_data(&mut self, x: &[f32], y: Targets) -> Result<(), String> {
        self.check_targets(x, &y)?;
        // The core checks everything before it draws new weights: a refusal keeps the model.
        self.engine.start(&data(x, &y)).map_err(msg)?;
        self.begin_run();
        self.train_x = x.to_vec();
        self.train_y = y;
        if !self.own_validation {
            self.valid_x = self.train_x.clone();
            self.valid_y = self.train_y.clone();
        }
        Ok(())
    }

    /// Set the validation data (same shape rules as [`setData`](Self::set_data)).
    pub fn set_validation(&mut self, x: &[f32], y: Targets) -> Result<(), String> {
        self.check_targets(x, &y)?;
        self.engine.check_data(&data(x, &y)).map_err(msg)?;
        self.valid_x = x.to_vec();
        self.valid_y = y;
        self.own_validation = true;
        Ok(())
    }

    /// Whether `y` is the kind of targets this model's task takes (the core checks their
    /// number and values).
    fn check_targets(&self, x: &[f32], y: &Targets) -> Result<(), String> {
        match (self.spec.task, y) {
            (Task::Autoencoder, Targets::None) => self.check_rows(x),
            (Task::Autoencoder, _) => Err(err(
                "an autoencoder takes no labels: its target is its input",
            )),
            (Task::Classifier, Targets::Labels(_)) | (Task::Regressor, Targets::Values(_)) => {
                Ok(())
            }
            (Task::Classifier, _) => Err(err("the classifier needs labels, one per row")),
            (Task::Regressor, _) => Err(format!(
                "the regressor needs targets, {} values per row",
                self.outputs()
            )),
        }
    }

    /// Draw fresh weights (from the current `rng` seed) and restart the optimizer.
    pub fn reset(&mut self) -> Result<(), String> {
        self.need_data()?;
        let d = data(&self.train_x, &self.train_y);
        self.engine.start(&d).map_err(msg)?;
        self.begin_run();
        Ok(())
    }

    fn need_data(&self) -> Result<(), String> {
        if self.train_x.is_empty() {
            return Err(err("no data: call setData first"));
        }
        Ok(())
    }

    /// Change one setting while training: a regularizer's strength (`0` removes it), the
    /// learning rate, the optimizer (its state restarts), the batch size (at most 64), ...
    /// A bad value throws and leaves the configuration as it was.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let saved = self.engine.config().clone();
        let applied = self
            .engine
            .config()
            .set(key, value)
            // Resolved against the network now (a pattern that matches nothing is refused
            // here); a new optimizer restarts its state in the core, keeping the weights.
            .and_then(|_| self.engine.reconfigure());
        if let Err(e) = applied {
            // The core's reconfigure changes nothing when it fails: only the text goes back.
            *self.engine.config() = saved;
            return Err(msg(e));
        }
        let at = self.engine.updates();
        if let Some(run) = &mut self.run {
            run.changes.push(Change {
                at,
                key: key.trim().to_string(),
                value: value.trim().to_string(),
            });
        }
        Ok(())
    }

    /// The configuration in force as `key = value` lines: every setting, in the form the
    /// core parses back exactly (a checkpoint stores the same text).
    pub fn config_text(&mut self) -> String {
        self.engine.config().to_string()
    }

    /// The same run as Rust: the preset's body, the configuration it started with, the
    /// page's data (the first `rows` bundled digits), then the updates made, with each setting
    /// changed where it was changed. Run natively, it ends in the same weights, bit for bit
    /// (training is the same on every target), unless a step diverged: the weights a
    /// divergence returns to are those of the page's last validation, which the code does
    /// not repeat.
    pub fn reproduce(&mut self, rows: usize) -> String {
        let p = &self.spec;
        let updates = self.engine.updates();
        let Some(Run { start, changes }) = &self.run else {
            return "// This run was loaded from a file, not started here: save it (Save model)\n\
                    // and resume it natively with Trainer::resume to continue it exactly."
                .to_string();
        };
        let (data, args) = match p.task {
            Task::Autoencoder => ("Data::autoencoder(&x)", "x: &[f32]"),
            Task::Classifier => (
                "Data::classification(&x, &labels)",
                "x: &[f32], labels: &[u32]",
            ),
            Task::Regressor => ("Data::regression(&x, &y)", "x: &[f32], y: &[f32]"),
        };
        let algo = self.engine.config().algo.name();
        let trainer = trainer_type(p.batch, p.jacobian > 0, p.slots, algo);
        let (mut code, indent) = if p.digits {
            let code = format!(
                "// {desc}, as on the page; in a fn returning Result<_, staticnets::Error>\n\
                 use staticnets::datasets::Digits;\n\
                 use staticnets::layers::{{Activation::*, {layers}}};\n\
                 {macros}use staticnets::train::{{Data, Trainer}};\n\
                 type Body = {ty};\n\
                 let mut t: Box<{trainer}> = Box::new(Trainer::new({new}));\n\
                 t.config.parse({start:?})?;\n\
                 let (mut x, mut labels) = (vec![0.0f32; {rows} * 64], vec![0u32; {rows}]);\n\
                 Digits::bundled().fill(0, &mut x, &mut labels)?;\n\
                 let data = {data};\n\
                 t.start(&data)?;\n",
                desc = p.description,
                ty = p.body_type,
                new = p.body_new,
                layers = layer_imports(p.body_new),
                macros = macro_imports(p.body_type),
            );
            (code, "")
        } else {
            // A model of the page's own: its data is whatever the page gave setData.
            let code = format!(
                "// {name} as on the page ({desc}): call it with the rows given to setData.\n\
                 use staticnets::layers::{{Activation::*, *}};\n\
                 {macros}use staticnets::train::{{Data, Trainer}};\n\
                 type Body = {ty};\n\
                 fn reproduce({args}) -> Result<Box<{trainer}>, staticnets::Error> {{\n    \
                 let mut t: Box<{trainer}> = Box::new(Trainer::new({new}));\n    \
                 t.config.parse({start:?})?;\n    \
                 let data = {data};\n    \
                 t.start(&data)?;\n",
                name = p.name,
                desc = p.description,
                ty = p.body_type,
                new = p.body_new,
                data = data.replace('&', ""),
                macros = macro_imports(p.body_type),
            );
            (code, "    ")
        };
        let mut done = 0;
        for Change { at, key, value } in changes {
            if *at > done {
                code += &format!("{indent}t.steps(&data, {})?;\n", at - done);
                done = *at;
            }
            code += &format!("{indent}t.config.set({key:?}, {value:?})?;\n");
        }
        if updates > done {
            code += &format!("{indent}t.steps(&data, {})?;\n", updates - done);
        }
        code += &format!("{indent}// {updates} updates, as on the page\n");
        if !p.digits {
            code += "    Ok(t)\n}\n";
        }
        code
    }

    /// Run `batches` updates and return the monitors of those batches.
    pub fn train(&mut self, batches: u32) -> Result<Monitors, String> {
        if !(1..=MAX_BATCHES_PER_CALL).contains(&batches) {
            return Err(format!(
                "train(batches): batches = {batches} is out of range: it must be a whole number \
                 from 1 to {MAX_BATCHES_PER_CALL} (train in slices)"
            ));
        }
        self.need_data()?;
        let d = data(&self.train_x, &self.train_y);
        let r = self.engine.steps(&d, batches as usize).map_err(msg)?;
        Ok(self.monitors(&r))
    }

    /// The batch size in force.
    pub fn batch_size(&mut self) -> usize {
        self.engine.config().batch_size
    }

    /// The learning rate in force (`on_divergence = halve` may have lowered it).
    pub fn learning_rate(&mut self) -> f32 {
        self.engine.config().learning_rate
    }

    /// The clean objective on the validation data.
    pub fn validate(&mut self) -> Result<Monitors, String> {
        self.need_data()?;
        let (x, y) = (
            std::mem::take(&mut self.valid_x),
            std::mem::take(&mut self.valid_y),
        );
        let r = self.engine.validate(&data(&x, &y));
        self.valid_x = x;
        self.valid_y = y;
        let r = r.map_err(msg)?;
        Ok(self.monitors(&r))
    }

    fn monitors(&mut self, r: &Report) -> Monitors {
        let steps = self.engine.updates() as u32;
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

    /// The network's outputs for `x` (`rows * inputs`), `outputs` per row: reconstructions,
    /// class probabilities or predicted values.
    pub fn predict(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        self.check_rows(x)?;
        let rows = x.len() / self.inputs();
        let mut out = vec![0.0; rows * self.outputs()];
        self.engine.predict(x, &mut out).map_err(msg)?;
        Ok(out)
    }

    /// The most probable class of each row of `x` (classifier).
    pub fn predict_classes(&mut self, x: &[f32]) -> Result<Vec<u32>, String> {
        if !self.is_classifier() {
            return Err(err("predictClasses needs a classifier"));
        }
        self.check_rows(x)?;
        let mut out = vec![0u32; x.len() / self.inputs()];
        self.engine.predict_classes(x, &mut out).map_err(msg)?;
        Ok(out)
    }

    /// Accuracy on `x` with labels `y` (classifier), or R² of the predictions
    /// (reconstructions, or a regressor's values against `y`).
    pub fn score(&mut self, x: &[f32], y: Targets) -> Result<f64, String> {
        self.check_targets(x, &y)?;
        self.engine
            .score(&data(x, &y))
            .map(|s| s as f64)
            .map_err(msg)
    }

    /// Clean activations of layer `layer` (0 = input, 1 = first hidden, ...) for `x`,
    /// `rows * width` values.
    pub fn hidden(&mut self, x: &[f32], layer: usize) -> Result<Vec<f32>, String> {
        self.check_rows(x)?;
        let mut out = Vec::new();
        self.engine.layer_outputs(x, layer, &mut out).map_err(msg)?;
        Ok(out)
    }

    /// `x` corrupted as a training step would see it (input noise and dropout).
    pub fn corrupt(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        self.check_rows(x)?;
        let mut out = Vec::new();
        self.engine.corrupt(x, &mut out).map_err(msg)?;
        Ok(out)
    }

    fn check_rows(&self, x: &[f32]) -> Result<(), String> {
        let n = self.inputs();
        if x.is_empty() || !x.len().is_multiple_of(n) {
            return Err(format!(
                "inputs have length {}, expected a positive multiple of {n}",
                x.len()
            ));
        }
        Ok(())
    }

    /// Names of the parameter tensors, e.g. `hid1.w`, `hid1.b`, `out.w`.
    pub fn tensor_names(&self) -> Vec<String> {
        (0..self.engine.tensors())
            .map(|i| self.engine.tensor_name(i))
            .collect()
    }

    /// Parameter tensor `name` (row-major: a weight is `inputs x units`).
    pub fn weights(&self, name: &str) -> Result<Vec<f32>, String> {
        (0..self.engine.tensors())
            .find(|&i| self.engine.tensor_name(i) == name)
            .and_then(|i| self.engine.tensor(i))
            .map(|t| t.data.to_vec())
            .ok_or_else(|| err(&format!("no parameter named {name:?}")))
    }

    /// The shape of parameter tensor `name` as [`weights`](Self::weights) lays it out: a
    /// weight matrix `[inputs, units]`, a convolution's filters `[filters, channels, k]` or
    /// `[filters, channels, kh, kw]` (PyTorch's order), a bias `[units]`.
    pub fn weight_shape(&self, name: &str) -> Result<Vec<usize>, String> {
        use staticnets::layers::ParamKind;
        let t = (0..self.engine.tensors())
            .find(|&i| self.engine.tensor_name(i) == name)
            .and_then(|i| self.engine.tensor(i))
            .ok_or_else(|| err(&format!("no parameter named {name:?}")))?;
        Ok(match t.kind {
            ParamKind::Filter { kernel: [k, 0] } => vec![t.rows, t.cols / k.max(1), k],
            ParamKind::Filter { kernel: [kh, kw] } => {
                vec![t.rows, t.cols / (kh * kw).max(1), kh, kw]
            }
            kind if kind.is_matrix() => vec![t.rows, t.cols],
            _ => vec![t.rows * t.cols],
        })
    }

    /// A checkpoint of the whole run (see `staticnets::checkpoint`, format 2): weights,
    /// optimizer state, generators, position in the pass, best weights and configuration,
    /// so that [`load`](Self::load) continues it exactly.
    pub fn save(&mut self) -> Result<Vec<u8>, String> {
        self.engine.save().map_err(msg)
    }

    /// Resume a checkpoint of this preset (written here, natively or on a device): the run
    /// continues exactly, with the file's configuration. A parameters-only file (format 1,
    /// or `Network::save`) keeps this model's configuration and restarts the optimizer. A
    /// damaged file or another preset's throws and leaves the model as it was.
    pub fn load(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.engine.load(bytes).map_err(msg)?;
        self.run = None;
        Ok(())
    }

    /// The weights as a safetensors file, in PyTorch's names and layouts (see
    /// `staticnets::safetensors`).
    pub fn save_safetensors(&self) -> Vec<u8> {
        self.engine.save_safetensors()
    }

    /// Take the weights of a safetensors file (from PyTorch, say) and restart training from
    /// them with the configuration in force. A file of the wrong names, shapes or dtype
    /// throws, naming the tensor, and changes nothing.
    pub fn load_safetensors(&mut self, bytes: &[u8]) -> Result<(), String> {
        let d = (!self.train_x.is_empty()).then(|| data(&self.train_x, &self.train_y));
        self.engine
            .load_safetensors(bytes, d.as_ref())
            .map_err(msg)?;
        self.run = None;
        Ok(())
    }

    /// Set parameter tensor `name` (`hid1.w`, ...) to `values`, in [`weights`](Self::weights)'
    /// order (a federation's global model, say); the run restarts with these weights (the
    /// optimizer too), the configuration kept. A wrong name, length or a value that is not
    /// finite is refused and changes nothing.
    pub fn set_weights(&mut self, name: &str, values: &[f32]) -> Result<(), String> {
        let i = (0..self.engine.tensors())
            .find(|&i| self.engine.tensor_name(i) == name)
            .ok_or_else(|| err(&format!("no parameter named {name:?}")))?;
        let d = (!self.train_x.is_empty()).then(|| data(&self.train_x, &self.train_y));
        self.engine.set_tensor(i, values, d.as_ref()).map_err(msg)?;
        self.run = None;
        Ok(())
    }

    /// The weights as they are now become the reference weights `prox = mu` pulls towards
    /// (FedProx's global model, L2-SP's pretrained one).
    pub fn set_reference(&mut self) -> Result<(), String> {
        self.engine.set_reference().map_err(msg)
    }
}

/// The layer types a preset's body value names (`Dense::new(..)`, ...), for its `use` line.
fn layer_imports(body_new: &str) -> String {
    let names = [
        "Conv1", "Conv2", "Dense", "Identity", "Pool1", "Pool2", "Tied",
    ];
    let used: Vec<&str> = names
        .into_iter()
        .filter(|n| body_new.contains(&format!("{n}::")) || body_new.contains(&format!("{n},")))
        .collect();
    used.join(", ")
}

/// `use staticnets::{conv2, ...};` for the size macros a body's type calls by their bare names
/// (empty if none).
fn macro_imports(body_type: &str) -> String {
    let names = ["conv1", "conv2", "pool1", "pool2", "sequence"];
    let used: Vec<&str> = names
        .into_iter()
        .filter(|n| {
            body_type
                .match_indices(&format!("{n}!"))
                .any(|(i, _)| !body_type[..i].ends_with("::"))
        })
        .collect();
    if used.is_empty() {
        String::new()
    } else {
        format!("use staticnets::{{{}}};\n", used.join(", "))
    }
}

/// A trainer's type by its capacities' names (`trainer!`): the batch, Jacobian buffers if it
/// has them, and the optimizer slots: none named where they are any optimizer's (with
/// momentum), else the run's optimizer `algo` if it has that many (or one fewer: momentum),
/// else the first optimizer that has.
fn trainer_type(batch: usize, contractive: bool, slots: usize, algo: &str) -> String {
    use staticnets::optim::{ALGOS, slots_of};
    let c = if contractive { ", contractive" } else { "" };
    let names = core::iter::once(algo).chain(ALGOS.iter().map(|a| a.name));
    let optimizer = if slots == slots_of("any") {
        Some(String::new())
    } else {
        names
            .clone()
            .find(|&n| slots_of(n) == slots)
            .map(|n| format!(", optimizer = {n}"))
            .or_else(|| {
                names
                    .clone()
                    .find(|&n| slots_of(n) + 1 == slots)
                    .map(|n| format!(", optimizer = {n} + momentum"))
            })
    };
    match optimizer {
        Some(o) => format!("staticnets::trainer!(Body, batch = {batch}{c}{o})"),
        // (no optimizer has that many slots: the type by position)
        None => format!(
            "staticnets::train::Trainer<Body, {batch}, {}, {slots}>",
            if contractive {
                "{ <Body as staticnets::layers::Layers>::NIN }"
            } else {
                "0"
            }
        ),
    }
}
