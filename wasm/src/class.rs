//! Models of a page's own: [`model!`](macro@crate::model) turns a few lines naming the layers, the
//! task and the trainer's capacities into a JavaScript class with the whole API of the preset
//! [`Model`](crate::Model) (training, live settings, views, checkpoints, safetensors,
//! "reproduce this"), and TypeScript declarations from wasm-bindgen.
//!
//! The API is written once, in [`__model_api!`](crate::__model_api), for the presets' `Model`
//! and for every class `model!` writes: each method converts its JavaScript arguments (the
//! `convert` module) and calls [`ModelCore`](crate::ModelCore), where the rules live.

/// A JavaScript class for a network of your own, with the whole staticnets API.
///
/// Sizes are fixed at compile time, so a page's model is a Rust type; this macro writes the
/// rest: a `#[wasm_bindgen]` class whose constructor takes the configuration text (theanets'
/// `key = value` lines, optional) and whose methods are those of the presets' `Model`:
/// `setData`, `train`, `set`, `validate`, `predict`, `predictClasses`, `score`, `hidden`,
/// `corrupt`, `weights`, `save`/`load`, `saveSafetensors`/`loadSafetensors`, `reproduce`,
/// `configText`, ... Every argument is checked; a bad value throws an `Error` and changes
/// nothing.
///
/// The fields, in this order:
/// - `layers`: the body's type `=` its value (the activations);
/// - `task`: `Autoencoder` (no targets), `Classifier` (labels; `xe` loss by default) or
///   `Regressor` (target values, as many per row as the outputs);
/// - `batch`: the largest batch (`batch_size` may be set up to it);
/// - `contractive`: `true` to give the trainer the Jacobian buffers the `contractive`
///   penalty needs (they take `3 x inputs x (sum of the layer widths)` floats), else `false`
///   (then `contractive` is refused with a clear error);
/// - `slots`: optimizer state slots: `3` takes every optimizer with momentum; `2` every one
///   without; `0` only `sgd` and `nag` without momentum (a configuration that needs more is
///   refused with a clear error).
///
/// In a `cdylib` crate that depends on `staticnets` and `staticnets-wasm` (with
/// `default-features = false`, which leaves the presets and their `Model` out):
///
/// ```
/// use staticnets::layers::{Activation::*, Dense};
///
/// staticnets_wasm::model! {
///     /// Two interleaved spirals: a point's class from its coordinates.
///     pub struct Spirals {
///         layers: (Dense<2, 24>, Dense<24, 24>, Dense<24, 2>) =
///             (Dense::new(Tanh), Dense::new(Tanh), Dense::new(Softmax)),
///         task: Classifier,
///         batch: 64,
///         contractive: false,
///         slots: 3,
///     }
/// }
///
/// let s = Spirals::core_for("algo = adam\nlearning_rate = 0.01").unwrap();
/// assert_eq!(s.layer_sizes(), [2, 24, 24, 2]);
/// assert!(s.is_classifier());
/// assert!(Spirals::core_for("learning_rate = -1").is_err()); // refused, by name
/// ```
///
/// Built with `wasm-pack build --target web` (or `cargo build --target wasm32-unknown-unknown
/// --release` and `wasm-bindgen`), the page then writes:
///
/// ```js
/// import init, { Spirals } from "./pkg/my_models.js";
/// await init();
/// const m = new Spirals("algo = adam\nlearning_rate = 0.01");
/// m.setData(points, labels);          // Float32Array (2 per point), Uint32Array
/// const { loss, accuracy } = m.train(100);
/// ```
///
/// or runs it in a Web Worker with the package's `RemoteModel.custom` (`staticnets-wasm/worker`).
/// The trainer is built on the heap; an unoptimised build may first build it on the stack,
/// so build for the page with `--release` (wasm-pack's default).
#[macro_export]
macro_rules! model {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            layers: $body:ty = $new:expr,
            task: $task:ident,
            batch: $batch:expr,
            contractive: $contractive:expr,
            slots: $slots:expr $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[$crate::__private::bindgen(wasm_bindgen = $crate::__private::wasm_bindgen)]
        $vis struct $name {
            core: $crate::ModelCore,
        }

        impl $name {
            /// What the class is: its name, description, task, Rust and capacities.
            pub const SPEC: $crate::model::Spec = $crate::model::Spec {
                name: stringify!($name),
                description: $crate::__private::first_line(&[$($doc),*]),
                task: $crate::model::Task::$task,
                body_type: stringify!($body),
                body_new: stringify!($new),
                batch: $batch,
                jacobian: Self::JACOBIAN,
                slots: $slots,
                digits: false,
            };
            /// The trainer's Jacobian width: the input width with `contractive`, else 0.
            const JACOBIAN: usize = if $contractive {
                <$body as $crate::__private::staticnets::layers::Layers>::NIN
            } else {
                0
            };

            /// The model behind the class, in plain Rust (for native tests).
            pub fn core_for(config: &str) -> Result<$crate::ModelCore, String> {
                let engine = $crate::__private::boxed::<
                    $body,
                    { $batch },
                    { Self::JACOBIAN },
                    { $slots },
                >($new);
                $crate::ModelCore::with_engine(Self::SPEC, engine, config)
            }
        }

        #[$crate::__private::bindgen(wasm_bindgen = $crate::__private::wasm_bindgen)]
        impl $name {
            /// A new model with `config`: theanets' `key = value` lines (optional). The weights
            /// are drawn when the data is set. A bad configuration throws, naming the setting.
            #[wasm_bindgen(constructor)]
            pub fn new(
                #[wasm_bindgen(unchecked_optional_param_type = "string")]
                config: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<$name, $crate::__private::wasm_bindgen::JsError> {
                let config = $crate::__private::optional_text(&config, "config")?;
                Self::core_for(&config)
                    .map(|core| $name { core })
                    .map_err($crate::__private::js)
            }
        }

        $crate::__model_api!($name);
    };
}

/// The API every model class shares (the presets' `Model` and each [`model!`] class): `$name`
/// must be a `#[wasm_bindgen]` struct with a `core: ModelCore` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __model_api {
    ($name:ident) => {
        #[$crate::__private::bindgen(wasm_bindgen = $crate::__private::wasm_bindgen)]
        impl $name {
            /// The model's name (the preset's, or the class's).
            #[wasm_bindgen(getter)]
            pub fn name(&self) -> String {
                self.core.preset()
            }

            /// What it learns: `autoencoder`, `classifier` or `regressor`.
            #[wasm_bindgen(getter)]
            pub fn task(&self) -> String {
                $crate::__private::task_name(self.core.task()).to_string()
            }

            /// Layer widths, input first.
            #[wasm_bindgen(js_name = layerSizes)]
            pub fn layer_sizes(&self) -> Vec<u32> {
                self.core.layer_sizes()
            }

            /// Values per input row.
            #[wasm_bindgen(getter)]
            pub fn inputs(&self) -> usize {
                self.core.inputs()
            }

            /// Values per output row (`predict`'s, and a regressor's targets).
            #[wasm_bindgen(getter)]
            pub fn outputs(&self) -> usize {
                self.core.outputs()
            }

            /// Whether the model is a classifier (labels, accuracy).
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

            /// Set the training data (`inputs` values per row; the targets: a classifier's
            /// labels, one per row, a regressor's values, `outputs` per row, nothing for an
            /// autoencoder) and draw fresh weights from the `rng` seed. Validation data
            /// defaults to the same. Bad data is refused before anything changes: the trained
            /// model stays.
            #[wasm_bindgen(js_name = setData)]
            pub fn set_data(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Float32Array | number[]")]
                x: $crate::__private::wasm_bindgen::JsValue,
                #[wasm_bindgen(
                    unchecked_optional_param_type = "Uint32Array | Float32Array | number[]"
                )]
                targets: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<(), $crate::__private::wasm_bindgen::JsError> {
                let x = $crate::__private::floats(&x, "x")?;
                let y = $crate::__private::targets(&targets, self.core.task())?;
                self.core.set_data(&x, y).map_err($crate::__private::js)
            }

            /// Set the validation data (same shape rules as `setData`).
            #[wasm_bindgen(js_name = setValidation)]
            pub fn set_validation(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Float32Array | number[]")]
                x: $crate::__private::wasm_bindgen::JsValue,
                #[wasm_bindgen(
                    unchecked_optional_param_type = "Uint32Array | Float32Array | number[]"
                )]
                targets: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<(), $crate::__private::wasm_bindgen::JsError> {
                let x = $crate::__private::floats(&x, "x")?;
                let y = $crate::__private::targets(&targets, self.core.task())?;
                self.core
                    .set_validation(&x, y)
                    .map_err($crate::__private::js)
            }

            /// Draw fresh weights (from the current `rng` seed) and restart the optimizer.
            pub fn reset(&mut self) -> Result<(), $crate::__private::wasm_bindgen::JsError> {
                self.core.reset().map_err($crate::__private::js)
            }

            /// Change one setting while training: a regularizer's strength (`0` removes it),
            /// the learning rate, the optimizer (its state restarts), the batch size, ...
            /// `value` may be a string or a number. A bad value throws and leaves the
            /// configuration as it was.
            pub fn set(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "string")]
                key: $crate::__private::wasm_bindgen::JsValue,
                #[wasm_bindgen(unchecked_param_type = "string | number")]
                value: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<(), $crate::__private::wasm_bindgen::JsError> {
                let key = $crate::__private::text(&key, "key")?;
                let value = $crate::__private::setting(&value, &format!("the value of {key}"))?;
                self.core.set(&key, &value).map_err($crate::__private::js)
            }

            /// The configuration in force as `key = value` lines: every setting.
            #[wasm_bindgen(js_name = configText)]
            pub fn config_text(&mut self) -> String {
                self.core.config_text()
            }

            /// The batch size in force (`batch_size`; at most the class's batch capacity).
            #[wasm_bindgen(getter, js_name = batchSize)]
            pub fn batch_size(&mut self) -> usize {
                self.core.batch_size()
            }

            /// The learning rate in force (`on_divergence = halve` lowers it after a
            /// divergence).
            #[wasm_bindgen(getter, js_name = learningRate)]
            pub fn learning_rate(&mut self) -> f32 {
                self.core.learning_rate()
            }

            /// Run `batches` updates (a whole number from 1 to 100,000) and return the
            /// monitors of those batches. A divergence rolls the weights back to the best
            /// validation and throws (`on_divergence = stop`) or halves the learning rate and
            /// goes on (`halve`).
            pub fn train(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "number")]
                batches: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<$crate::Monitors, $crate::__private::wasm_bindgen::JsError> {
                let n =
                    $crate::__private::count(&batches, "batches", 1, $crate::MAX_BATCHES_PER_CALL)?;
                self.core.train(n).map_err($crate::__private::js)
            }

            /// The clean objective on the validation data.
            pub fn validate(
                &mut self,
            ) -> Result<$crate::Monitors, $crate::__private::wasm_bindgen::JsError> {
                self.core.validate().map_err($crate::__private::js)
            }

            /// The network's outputs for `x` (`inputs` values per row), `outputs` per row:
            /// reconstructions, class probabilities or predicted values.
            pub fn predict(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Float32Array | number[]")]
                x: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<Vec<f32>, $crate::__private::wasm_bindgen::JsError> {
                let x = $crate::__private::floats(&x, "x")?;
                self.core.predict(&x).map_err($crate::__private::js)
            }

            /// The most probable class of each row of `x` (classifier).
            #[wasm_bindgen(js_name = predictClasses)]
            pub fn predict_classes(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Float32Array | number[]")]
                x: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<Vec<u32>, $crate::__private::wasm_bindgen::JsError> {
                let x = $crate::__private::floats(&x, "x")?;
                self.core.predict_classes(&x).map_err($crate::__private::js)
            }

            /// Accuracy on `x` with `targets` (classifier), or R² of the predictions
            /// (reconstructions, or a regressor's values).
            pub fn score(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Float32Array | number[]")]
                x: $crate::__private::wasm_bindgen::JsValue,
                #[wasm_bindgen(
                    unchecked_optional_param_type = "Uint32Array | Float32Array | number[]"
                )]
                targets: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<f64, $crate::__private::wasm_bindgen::JsError> {
                let x = $crate::__private::floats(&x, "x")?;
                let y = $crate::__private::targets(&targets, self.core.task())?;
                self.core.score(&x, y).map_err($crate::__private::js)
            }

            /// Clean activations of layer `layer` (0 = input, 1 = first hidden, ...) for `x`,
            /// `rows * width` values.
            pub fn hidden(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Float32Array | number[]")]
                x: $crate::__private::wasm_bindgen::JsValue,
                #[wasm_bindgen(unchecked_param_type = "number")]
                layer: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<Vec<f32>, $crate::__private::wasm_bindgen::JsError> {
                let x = $crate::__private::floats(&x, "x")?;
                let last = self.core.layer_sizes().len() as u32 - 1;
                let layer = $crate::__private::count(&layer, "layer", 0, last)?;
                self.core
                    .hidden(&x, layer as usize)
                    .map_err($crate::__private::js)
            }

            /// `x` corrupted as a training step would see it (input noise and dropout).
            pub fn corrupt(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Float32Array | number[]")]
                x: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<Vec<f32>, $crate::__private::wasm_bindgen::JsError> {
                let x = $crate::__private::floats(&x, "x")?;
                self.core.corrupt(&x).map_err($crate::__private::js)
            }

            /// Names of the parameter tensors, e.g. `hid1.w`, `hid1.b`, `out.w`.
            #[wasm_bindgen(js_name = tensorNames)]
            pub fn tensor_names(&self) -> Vec<String> {
                self.core.tensor_names()
            }

            /// Parameter tensor `name` (row-major: a weight is `inputs x units`).
            pub fn weights(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")]
                name: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<Vec<f32>, $crate::__private::wasm_bindgen::JsError> {
                let name = $crate::__private::text(&name, "name")?;
                self.core.weights(&name).map_err($crate::__private::js)
            }

            /// The shape of parameter tensor `name`: `[inputs, units]` for a weight matrix,
            /// `[filters, channels, kh, kw]` (or `[filters, channels, k]`) for a
            /// convolution's filters, in the order `weights` gives them; `[units]` for a bias.
            #[wasm_bindgen(js_name = weightShape)]
            pub fn weight_shape(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")]
                name: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<Vec<usize>, $crate::__private::wasm_bindgen::JsError> {
                let name = $crate::__private::text(&name, "name")?;
                self.core.weight_shape(&name).map_err($crate::__private::js)
            }

            /// A checkpoint of the whole run (format 2: weights, optimizer state,
            /// generators, position in the pass, best weights, configuration; see
            /// `staticnets::checkpoint`): `load` continues it exactly, here, natively or on a
            /// device.
            pub fn save(&mut self) -> Result<Vec<u8>, $crate::__private::wasm_bindgen::JsError> {
                self.core.save().map_err($crate::__private::js)
            }

            /// Resume a checkpoint of this model with its configuration (see `configText`);
            /// a parameters-only file keeps this model's configuration. A damaged file or
            /// another model's throws and leaves the model as it was.
            pub fn load(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")]
                bytes: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<(), $crate::__private::wasm_bindgen::JsError> {
                let b = $crate::__private::bytes(&bytes, "bytes")?;
                self.core.load(&b).map_err($crate::__private::js)
            }

            /// The same run as Rust code (the body, the configuration it started with, the
            /// data, the updates so far, each setting changed where it was changed): run
            /// natively on the same data it gives the same weights, bit for bit. A preset's
            /// code loads the first `rows` bundled digits.
            pub fn reproduce(&mut self, rows: u32) -> String {
                self.core.reproduce(rows as usize)
            }

            /// The weights as a safetensors file with PyTorch's names and layouts
            /// (`hid1.weight` is out x in; see `staticnets::safetensors`).
            #[wasm_bindgen(js_name = saveSafetensors)]
            pub fn save_safetensors(&self) -> Vec<u8> {
                self.core.save_safetensors()
            }

            /// Take the weights of a safetensors file (from PyTorch, say) and restart
            /// training from them with the configuration in force; a file of the wrong names,
            /// shapes or dtype throws, naming the tensor, and changes nothing.
            #[wasm_bindgen(js_name = loadSafetensors)]
            pub fn load_safetensors(
                &mut self,
                #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")]
                bytes: $crate::__private::wasm_bindgen::JsValue,
            ) -> Result<(), $crate::__private::wasm_bindgen::JsError> {
                let b = $crate::__private::bytes(&bytes, "bytes")?;
                self.core
                    .load_safetensors(&b)
                    .map_err($crate::__private::js)
            }
        }
    };
}
