//! JavaScript values in, checked: every exported method converts its arguments here and
//! throws an `Error` that names the argument and what it must be, instead of trapping in
//! wasm-bindgen's generated glue. Public (hidden) for the classes [`model!`](macro@crate::model)
//! writes in other crates.

use crate::model::{Targets, Task};
use js_sys::{Array, Float32Array, Float64Array, Int32Array, Uint8Array, Uint32Array};
use wasm_bindgen::prelude::*;

/// A JavaScript `Error` with this message.
pub fn js(message: String) -> JsError {
    JsError::new(&message)
}

/// `typeof v`, for messages.
pub fn kind(v: &JsValue) -> String {
    if v.is_null() {
        return "null".into();
    }
    if Array::is_array(v) {
        return "an Array".into();
    }
    v.js_typeof().as_string().unwrap_or_default()
}

/// A string argument.
pub fn text(v: &JsValue, what: &str) -> Result<String, JsError> {
    v.as_string()
        .ok_or_else(|| js(format!("{what} must be a string, got {}", kind(v))))
}

/// A setting's value: a string, or a number (written as JavaScript would).
pub fn setting(v: &JsValue, what: &str) -> Result<String, JsError> {
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
pub fn count(v: &JsValue, what: &str, lo: u32, hi: u32) -> Result<u32, JsError> {
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
pub fn floats(v: &JsValue, what: &str) -> Result<Vec<f32>, JsError> {
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
pub fn labels(v: &JsValue) -> Result<Option<Vec<u32>>, JsError> {
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
pub fn bytes(v: &JsValue, what: &str) -> Result<Vec<u8>, JsError> {
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

/// An optional string argument (`undefined` is empty).
pub fn optional_text(v: &JsValue, what: &str) -> Result<String, JsError> {
    if v.is_undefined() || v.is_null() {
        Ok(String::new())
    } else {
        text(v, what)
    }
}

/// The targets of `task`: `undefined`/`null` for none, a classifier's labels, a regressor's
/// values.
pub fn targets(v: &JsValue, task: Task) -> Result<Targets, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(Targets::None);
    }
    Ok(match task {
        Task::Autoencoder => {
            return Err(js(
                "an autoencoder takes no labels: its target is its input".into(),
            ));
        }
        Task::Classifier => labels(v)?.map_or(Targets::None, Targets::Labels),
        Task::Regressor => Targets::Values(floats(v, "targets")?),
    })
}
