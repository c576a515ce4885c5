//! `import staticnets`: the staticnets core from Python, on NumPy `float32` arrays.
//!
//! A [`Model`] is one of the preset networks the page and the npm package train (the same
//! `ModelCore`, so the same rules, messages and bits), configured with the same `key = value`
//! text, trained on NumPy arrays it reads in place. Every refusal is a Python exception with
//! the core's message and leaves the model as it was; nothing panics across the boundary.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayDyn, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use staticnets_wasm::{ModelCore, Monitors, Targets};

fn err(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// `x` as the rows of a 2-D C-contiguous `float32` array of `cols` columns, read in place; a
/// clear `ValueError` naming the dtype, the shape or the layout otherwise.
fn rows_of<'py>(
    x: &Bound<'py, PyAny>,
    what: &str,
    cols: usize,
) -> PyResult<numpy::PyReadonlyArray2<'py, f32>> {
    let Ok(any) = x.cast::<PyUntypedArray>() else {
        return Err(err(format!(
            "{what} must be a NumPy array of float32 (rows x {cols}), got {}",
            x.get_type().name()?
        )));
    };
    let dtype = any.dtype().to_string();
    if dtype != "float32" {
        return Err(err(format!(
            "{what} must have dtype float32, got {dtype} (convert it with .astype(numpy.float32))"
        )));
    }
    let shape = any.shape().to_vec();
    if shape.len() != 2 || shape[1] != cols || shape[0] == 0 {
        return Err(err(format!(
            "{what} must have shape (rows, {cols}) with rows >= 1, got {shape:?}"
        )));
    }
    // (`as_slice` takes a Fortran-ordered array too, whose rows are not contiguous: read as
    // rows it would give wrong numbers, so only C order is taken in place)
    if !any.is_c_contiguous() {
        return Err(err(format!(
            "{what} must be C-contiguous (numpy.ascontiguousarray({what}) makes it so)"
        )));
    }
    let array = x.cast::<PyArray2<f32>>().map_err(|e| err(e.to_string()))?;
    let ro = array.readonly();
    if ro.as_slice().is_err() {
        return Err(err(format!(
            "{what} must be C-contiguous (numpy.ascontiguousarray({what}) makes it so)"
        )));
    }
    Ok(ro)
}

/// The values of rows [`rows_of`] checked, in place.
fn in_place<'a>(rows: &'a numpy::PyReadonlyArray2<'_, f32>) -> PyResult<&'a [f32]> {
    rows.as_slice().map_err(|e| err(e.to_string()))
}

/// A 1-D C-contiguous array of `T` (`dtype` its name) of `n` values.
fn vector_of<'py, T: numpy::Element + Copy>(
    y: &Bound<'py, PyAny>,
    what: &str,
    dtype: &str,
    n: usize,
) -> PyResult<Vec<T>> {
    let Ok(any) = y.cast::<PyUntypedArray>() else {
        return Err(err(format!("{what} must be a NumPy array of {dtype}")));
    };
    let got = any.dtype().to_string();
    if got != dtype {
        return Err(err(format!("{what} must have dtype {dtype}, got {got}")));
    }
    if any.shape().iter().product::<usize>() != n {
        return Err(err(format!(
            "{what} must hold {n} values, got shape {:?}",
            any.shape()
        )));
    }
    if !any.is_c_contiguous() {
        return Err(err(format!("{what} must be C-contiguous")));
    }
    let array = y.cast::<PyArrayDyn<T>>().map_err(|e| err(e.to_string()))?;
    let ro = array.readonly();
    let slice = ro
        .as_slice()
        .map_err(|_| err(format!("{what} must be C-contiguous")))?;
    Ok(slice.to_vec())
}

fn monitors<'py>(py: Python<'py>, m: &Monitors) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("steps", m.steps)?;
    d.set_item("passes", m.passes)?;
    d.set_item("loss", m.loss)?;
    d.set_item("err", m.err)?;
    let regs = PyDict::new(py);
    for (name, value) in m.reg_names.iter().zip(&m.reg_terms) {
        regs.set_item(name, value)?;
    }
    d.set_item("regs", regs)?;
    d.set_item("accuracy", m.accuracy)?;
    d.set_item("hidden_sparsity", m.hidden_sparsity)?;
    d.set_item("weight_sparsity", m.weight_sparsity)?;
    Ok(d)
}

/// A preset network with its trainer and data.
#[pyclass(unsendable, module = "staticnets")]
pub struct Model {
    core: ModelCore,
}

impl Model {
    /// The targets `y` give for `rows` rows: none (an autoencoder), labels (a classifier:
    /// `uint32`, one per row) or values (`float32`, `outputs` per row).
    fn targets(&self, y: Option<&Bound<'_, PyAny>>, rows: usize) -> PyResult<Targets> {
        Ok(match y {
            None => Targets::None,
            Some(y) if self.core.is_classifier() => {
                Targets::Labels(vector_of::<u32>(y, "labels", "uint32", rows)?)
            }
            Some(y) => Targets::Values(vector_of::<f32>(
                y,
                "targets",
                "float32",
                rows * self.core.outputs(),
            )?),
        })
    }
}

#[pymethods]
impl Model {
    /// A model of preset `preset` (see `staticnets.presets()`) configured by `config`: the
    /// `key = value` lines of the page and the core (a string), or a dict of them.
    #[new]
    #[pyo3(signature = (preset, config = None))]
    fn new(preset: &str, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let text = match config {
            None => String::new(),
            Some(c) if c.is_instance_of::<PyDict>() => {
                let d = c.cast::<PyDict>()?;
                let mut lines = String::new();
                for (k, v) in d.iter() {
                    lines += &format!("{} = {}\n", k.str()?, v.str()?);
                }
                lines
            }
            Some(c) => c
                .extract::<String>()
                .map_err(|_| err("config must be a string of key = value lines, or a dict"))?,
        };
        ModelCore::new(preset, &text)
            .map(|core| Model { core })
            .map_err(err)
    }

    /// The preset's name.
    #[getter]
    fn preset(&self) -> String {
        self.core.preset()
    }

    /// Input width.
    #[getter]
    fn inputs(&self) -> usize {
        self.core.inputs()
    }

    /// Output width.
    #[getter]
    fn outputs(&self) -> usize {
        self.core.outputs()
    }

    /// The width of each layer, the input first.
    #[getter]
    fn layer_sizes(&self) -> Vec<u32> {
        self.core.layer_sizes()
    }

    /// The number of parameters.
    #[getter]
    fn parameter_count(&self) -> usize {
        self.core.parameter_count()
    }

    /// The configuration in force, as `key = value` lines.
    #[getter]
    fn config(&mut self) -> String {
        self.core.config_text()
    }

    /// Set one setting (`key`, `value`: a string or a number), while training too. A refused
    /// value raises `ValueError` with the core's message and changes nothing.
    fn set(&mut self, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = value.str()?.to_string();
        self.core.set(key, &v).map_err(err)
    }

    /// The training data: `x` (`float32`, rows x inputs, read in place) and, for a classifier,
    /// `y` (`uint32` labels), for a regressor `y` (`float32`, rows x outputs); an
    /// autoencoder takes none. Draws the weights (from `rng`) on the first call.
    #[pyo3(signature = (x, y = None))]
    fn set_data(&mut self, x: &Bound<'_, PyAny>, y: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let rows = rows_of(x, "x", self.core.inputs())?;
        let targets = self.targets(y, rows.shape()[0])?;
        self.core.set_data(in_place(&rows)?, targets).map_err(err)
    }

    /// Validation data (as `set_data`); without it, validation uses the training data.
    #[pyo3(signature = (x, y = None))]
    fn set_validation(
        &mut self,
        x: &Bound<'_, PyAny>,
        y: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let rows = rows_of(x, "x", self.core.inputs())?;
        let targets = self.targets(y, rows.shape()[0])?;
        self.core
            .set_validation(in_place(&rows)?, targets)
            .map_err(err)
    }

    /// `batches` training steps; returns the monitors of those batches (a dict).
    fn train<'py>(&mut self, py: Python<'py>, batches: u32) -> PyResult<Bound<'py, PyDict>> {
        let m = self.core.train(batches).map_err(err)?;
        monitors(py, &m)
    }

    /// One training step.
    fn step<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.train(py, 1)
    }

    /// The clean objective on the validation data (a dict of monitors).
    fn validate<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.core.validate().map_err(err)?;
        monitors(py, &m)
    }

    /// The outputs for `x` (`float32`, rows x inputs): a `float32` array, rows x outputs.
    fn predict<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let rows = rows_of(x, "x", self.core.inputs())?;
        let n = rows.shape()[0];
        let y = self.core.predict(in_place(&rows)?).map_err(err)?;
        y.into_pyarray(py).reshape([n, self.core.outputs()])
    }

    /// A classifier's classes for `x`: a `uint32` array, one per row.
    fn predict_classes<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let rows = rows_of(x, "x", self.core.inputs())?;
        let c = self.core.predict_classes(in_place(&rows)?).map_err(err)?;
        Ok(c.into_pyarray(py))
    }

    /// Accuracy (classifier) or R² (regressor) on `x`, `y`.
    fn score(&mut self, x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<f64> {
        let rows = rows_of(x, "x", self.core.inputs())?;
        let targets = self.targets(Some(y), rows.shape()[0])?;
        self.core.score(in_place(&rows)?, targets).map_err(err)
    }

    /// Parameter tensor `name` (`hid1.w`, ...) in its shape (`weight_shape`).
    fn weights<'py>(
        &self,
        py: Python<'py>,
        name: &str,
    ) -> PyResult<Bound<'py, numpy::PyArrayDyn<f32>>> {
        let v = self.core.weights(name).map_err(err)?;
        let shape = self.core.weight_shape(name).map_err(err)?;
        v.into_pyarray(py).reshape(shape)
    }

    /// Set parameter tensor `name` to `values` (`float32`, its shape or flat, C order): the
    /// run restarts from these weights (a federation's global model, say); the configuration
    /// is kept. Refused, changing nothing: a wrong name, size or dtype, a value not finite.
    fn set_weights(&mut self, name: &str, values: &Bound<'_, PyAny>) -> PyResult<()> {
        let n = self.core.weights(name).map_err(err)?.len();
        let v = vector_of::<f32>(values, name, "float32", n)?;
        self.core.set_weights(name, &v).map_err(err)
    }

    /// Every parameter tensor by name (a dict of `float32` arrays in their shapes).
    fn get_weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for name in self.core.tensor_names() {
            d.set_item(&name, self.weights(py, &name)?)?;
        }
        Ok(d)
    }

    /// The weights as they are now become the reference weights `prox = mu` pulls towards
    /// (FedProx: the global model a client received; L2-SP: the pretrained one).
    fn set_reference(&mut self) -> PyResult<()> {
        self.core.set_reference().map_err(err)
    }

    /// The parameter tensors' names.
    fn tensor_names(&self) -> Vec<String> {
        self.core.tensor_names()
    }

    /// A checkpoint of the whole run (weights, optimizer state, generators, position,
    /// configuration): `load` continues it exactly, here, natively, in a page or on a device.
    fn save<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = self.core.save().map_err(err)?;
        Ok(PyBytes::new(py, &b))
    }

    /// Resume a checkpoint of this preset; a damaged or foreign file raises and changes
    /// nothing.
    fn load(&mut self, data: &[u8]) -> PyResult<()> {
        self.core.load(data).map_err(err)
    }

    /// The weights as safetensors in PyTorch's names and layouts.
    fn save_safetensors<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.core.save_safetensors())
    }

    /// Import weights from safetensors (PyTorch's names and layouts).
    fn load_safetensors(&mut self, data: &[u8]) -> PyResult<()> {
        self.core.load_safetensors(data).map_err(err)
    }

    fn __repr__(&self) -> String {
        format!(
            "staticnets.Model({:?}, {} parameters, layers {:?})",
            self.core.preset(),
            self.core.parameter_count(),
            self.core.layer_sizes()
        )
    }
}

/// The preset names.
#[pyfunction]
fn presets() -> Vec<String> {
    staticnets_wasm::presets()
}

/// The cross-target conformance run in this build: `[hash, checkpoint CRC, resumed hash]`;
/// `digits` the digits file, `fixture` the natively written checkpoint every target resumes.
/// It must equal `conformance_golden()`: the same bits as native, wasm and the firmware.
#[pyfunction]
fn conformance_run(digits: &[u8], fixture: &[u8]) -> PyResult<Vec<u32>> {
    staticnets_wasm::conformance_values(digits, false, fixture).map_err(err)
}

/// The committed values `conformance_run` must return.
#[pyfunction]
fn conformance_golden() -> Vec<u32> {
    staticnets_wasm::conformance_golden()
}

/// The bundled digits: (`float32` images, rows x 64, pixels / 16; `uint32` labels).
#[pyfunction]
fn digits<'py>(
    py: Python<'py>,
) -> PyResult<(Bound<'py, PyArray2<f32>>, Bound<'py, PyArray1<u32>>)> {
    let d = staticnets::datasets::Digits::bundled();
    let n = d.len();
    let (mut x, mut labels) = (vec![0.0f32; n * 64], vec![0u32; n]);
    d.fill(0, &mut x, &mut labels)
        .map_err(|e| err(e.to_string()))?;
    Ok((
        x.into_pyarray(py).reshape([n, 64])?,
        labels.into_pyarray(py),
    ))
}

#[pymodule]
#[pyo3(name = "staticnets")]
fn staticnets_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Model>()?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    m.add_function(wrap_pyfunction!(conformance_run, m)?)?;
    m.add_function(wrap_pyfunction!(conformance_golden, m)?)?;
    m.add_function(wrap_pyfunction!(digits, m)?)?;
    Ok(())
}
