//! wasm-bindgen tests in a real browser: `wasm-pack test --headless --chrome wasm`
//! (and `make test`, through wasm-bindgen-test-runner and chromedriver).
//!
//! The tests call the exported API with JavaScript values, as a page does. They are async
//! and train in short chunks with a yield to the event loop in between, so a test never
//! blocks the page for long: on a busy machine WebDriver's polls are still answered.
#![cfg(target_arch = "wasm32")]

use js_sys::{Float32Array, Uint8Array, Uint32Array};
use staticnets::datasets::Digits;
use staticnets_wasm::{Model, Monitors, presets, random_seed, simd_enabled};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../core/tests/common/products.rs"]
mod products;

fn digits(first: usize, n: usize) -> (Vec<f32>, Vec<u32>) {
    let mut x = vec![0.0; n * 64];
    let mut labels = vec![0; n];
    Digits::bundled().fill(first, &mut x, &mut labels).unwrap();
    (x, labels)
}

fn message<T>(r: Result<T, wasm_bindgen::JsError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            let v: wasm_bindgen::JsValue = e.into();
            let e: js_sys::Error = v.into();
            String::from(e.message())
        }
    }
}

/// A Float32Array, as a page passes data.
fn f(x: &[f32]) -> JsValue {
    Float32Array::from(x).into()
}

fn u(l: &[u32]) -> JsValue {
    Uint32Array::from(l).into()
}

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

const NONE: JsValue = JsValue::UNDEFINED;

fn model(preset: &str, config: &str) -> Model {
    Model::new(s(preset), s(config)).unwrap()
}

/// Let the event loop run (a macrotask: WebDriver's script calls get their turn).
async fn yield_now() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout = js_sys::Reflect::get(&js_sys::global(), &s("setTimeout")).unwrap();
        let set_timeout: js_sys::Function = set_timeout.into();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &JsValue::from(0))
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// `n` batches in chunks of at most 25, yielding in between; the last chunk's monitors.
async fn train(m: &mut Model, n: u32) -> Monitors {
    let mut left = n;
    loop {
        let k = left.min(25);
        let r = m.train(JsValue::from(k)).unwrap();
        left -= k;
        if left == 0 {
            return r;
        }
        yield_now().await;
    }
}

#[wasm_bindgen_test]
fn built_with_simd128() {
    assert!(simd_enabled());
    use core::arch::wasm32::*;
    let v = f32x4_add(f32x4_splat(1.5), f32x4_splat(2.0));
    assert_eq!(f32x4_extract_lane::<2>(v), 3.5);
}

/// The simd128 products give the documented sums bit for bit (start from the bias or the
/// current value, add `a * b` in increasing `p`) on shapes whose panels of `B` are packed:
/// transposed (`x W^T`, `d W^T`) and row-major but spread (rows 256 to 513 floats apart,
/// read by many row tiles), besides partial tiles and scalar column tails. (The conformance
/// run's small model never packs a row-major panel.)
#[wasm_bindgen_test]
async fn packed_products_give_the_plain_loops_bits() {
    for &(rows, nin, nout) in &[(20, 40, 256), (64, 40, 513), (13, 17, 300)] {
        if let Some(name) = products::first_product_off(rows, nin, nout) {
            panic!("{name} for {rows}x{nin}x{nout}");
        }
        yield_now().await;
    }
}

#[wasm_bindgen_test]
async fn every_autoencoder_preset_learns_in_a_few_hundred_steps() {
    let (x, _) = digits(0, 256);
    for name in presets().iter().filter(|p| p.starts_with("ae-")) {
        let mut m = model(name, "algo = adam\nlearning_rate = 0.01\nbatch_size = 32");
        m.set_data(f(&x), NONE).unwrap();
        let before = m.validate().unwrap().err;
        train(&mut m, 300).await;
        let after = m.validate().unwrap().err;
        assert!(after < 0.6 * before, "{name}: {before} -> {after}");
    }
}

#[wasm_bindgen_test]
async fn the_classifier_reaches_high_accuracy_on_held_out_digits() {
    let (x, labels) = digits(0, 1000);
    let (tx, tl) = digits(1000, 300);
    let mut m = model(
        "clf-64-32-10",
        "algo = adam\nlearning_rate = 0.01\nbatch_size = 32",
    );
    m.set_data(f(&x), u(&labels)).unwrap();
    train(&mut m, 400).await;
    let acc = m.score(f(&tx), u(&tl)).unwrap();
    assert!(acc > 0.85, "accuracy {acc}");
    let classes = m.predict_classes(f(&tx)).unwrap();
    let right = classes.iter().zip(&tl).filter(|(a, b)| a == b).count() as f64;
    assert_eq!((right / 300.0) as f32, acc as f32); // score is an f32
}

#[wasm_bindgen_test]
async fn regularizers_change_live_and_their_terms_appear() {
    let (x, _) = digits(0, 128);
    let mut m = model("ae-64-32-64-tied", "algo = adam\nlearning_rate = 0.01");
    m.set_data(f(&x), NONE).unwrap();
    assert!(train(&mut m, 5).await.reg_names.is_empty());
    m.set(s("hidden_l1"), s("0.1")).unwrap();
    m.set(s("contractive"), s("0.01")).unwrap();
    m.set(s("input_noise"), s("0.2")).unwrap();
    let r = train(&mut m, 5).await;
    assert_eq!(r.reg_names, ["hidden_l1", "contractive", "input_noise"]);
    assert!(r.reg_terms[0] > 0.0 && r.reg_terms[1] > 0.0);
    m.set(s("hidden_l1"), s("0")).unwrap();
    assert_eq!(
        train(&mut m, 1).await.reg_names,
        ["contractive", "input_noise"]
    );
    m.set(s("algo"), s("sgd")).unwrap();
    m.set(s("learning_rate"), s("0.05")).unwrap();
    assert!(train(&mut m, 5).await.loss.is_finite());
    // the corrupted inputs differ from the clean ones by the noise
    let c = m.corrupt(f(&x[..64])).unwrap();
    let diff: f32 = c
        .iter()
        .zip(&x[..64])
        .map(|(a, b)| (a - b).abs())
        .sum::<f32>()
        / 64.0;
    assert!(diff > 0.05 && diff < 0.5, "mean |noise| {diff}");
}

#[wasm_bindgen_test]
async fn views_have_the_right_shapes() {
    let (x, _) = digits(0, 64);
    let mut m = model("ae-64-32-2-32-64", "");
    m.set_data(f(&x), NONE).unwrap();
    assert_eq!(m.layer_sizes(), [64, 32, 2, 32, 64]);
    assert_eq!(m.hidden(f(&x), JsValue::from(2)).unwrap().len(), 64 * 2);
    assert_eq!(m.predict(f(&x)).unwrap().len(), 64 * 64);
    assert_eq!(m.weights(s("hid1.w")).unwrap().len(), 64 * 32);
    assert_eq!(m.tensor_names()[..2], ["hid1.w", "hid1.b"]);
    assert!(m.weights(s("hid9.w")).is_err());
    assert_eq!(
        m.parameter_count(),
        64 * 32 + 32 + 32 * 2 + 2 + 2 * 32 + 32 + 32 * 64 + 64
    );
}

/// Every parameter, tensor by tensor.
fn params(m: &Model) -> Vec<f32> {
    m.tensor_names()
        .iter()
        .flat_map(|n| m.weights(s(n)).unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn a_saved_run_resumes_bit_for_bit() {
    let (x, _) = digits(0, 100);
    let config = "algo = adam\nlearning_rate = 0.01\nbatch_size = 16\ninput_noise = 0.1\nhidden_dropout = 0.2";
    let mut a = model("ae-64-16-64", config);
    a.set_data(f(&x), NONE).unwrap();
    train(&mut a, 45).await; // mid-pass: 7 batches a pass
    let bytes = a.save().unwrap();
    train(&mut a, 30).await;
    // Another model of the preset, with other settings: the file brings the run's.
    let mut b = model("ae-64-16-64", "rng = 99\nalgo = sgd");
    b.set_data(f(&x), NONE).unwrap();
    assert_ne!(params(&a), params(&b));
    b.load(Uint8Array::from(&bytes[..]).into()).unwrap();
    assert!(b.config_text().contains("algo = adam\n"));
    train(&mut b, 30).await;
    assert_eq!(params(&a), params(&b), "the resumed run is the same bits");
    assert_eq!(
        a.save().unwrap(),
        b.save().unwrap(),
        "and so is its whole state"
    );
    let mut bad = bytes.clone();
    bad[100] ^= 1;
    let before = b.save().unwrap();
    assert!(message(b.load(Uint8Array::from(&bad[..]).into())).contains("checksum"));
    assert_eq!(b.save().unwrap(), before, "a refused file changes nothing");
    let mut other = model("ae-64-64-64", "");
    assert!(
        message(other.load(Uint8Array::from(&bytes[..]).into())).contains("different architecture")
    );
}

/// The conformance run's checkpoint, written natively (x86-64) and committed: resumed here
/// (in the browser, with this build's kernels), it ends in the golden bits.
#[wasm_bindgen_test]
async fn a_natively_written_checkpoint_resumes_to_the_same_bits() {
    use staticnets::conformance::{GOLDEN, Model as Conformance, ROWS, resume};
    let file = include_bytes!("../../tests/fixtures/conformance-step20.snet");
    let mut t: Box<Conformance> = Box::new(Conformance::zeroed());
    let mut x = vec![0.0f32; ROWS * 64];
    yield_now().await;
    assert_eq!(
        resume(&mut t, Digits::bundled(), &mut x, file).unwrap(),
        GOLDEN
    );
}

#[wasm_bindgen_test]
async fn safetensors_round_trip_and_refusals_name_the_tensor() {
    let (x, _) = digits(0, 64);
    let mut a = model("ae-64-16-64", "algo = adam\nlearning_rate = 0.01");
    a.set_data(f(&x), NONE).unwrap();
    train(&mut a, 20).await;
    let file = a.save_safetensors();
    let mut b = model("ae-64-16-64", "rng = 5");
    b.set_data(f(&x), NONE).unwrap();
    b.load_safetensors(Uint8Array::from(&file[..]).into())
        .unwrap();
    assert_eq!(params(&a), params(&b));
    b.train(JsValue::from(3)).unwrap(); // it trains on from there
    let mut other = model("ae-64-64-64", "");
    other.set_data(f(&x), NONE).unwrap();
    let before = params(&other);
    let e = message(other.load_safetensors(Uint8Array::from(&file[..]).into()));
    assert!(e.contains("\"hid1.weight\" has the wrong shape"), "{e}");
    assert_eq!(params(&other), before);
}

#[wasm_bindgen_test]
async fn seeds_are_deterministic_and_random_on_request() {
    let (x, _) = digits(0, 64);
    let mut saved = Vec::new();
    for seed in ["5", "5", "6"] {
        let mut m = model("ae-64-16-64", &format!("rng = {seed}\ninput_dropout = 0.2"));
        m.set_data(f(&x), NONE).unwrap();
        train(&mut m, 20).await;
        saved.push(params(&m));
    }
    assert_eq!(saved[0], saved[1]);
    assert_ne!(saved[0], saved[2]);
    let (a, b) = (random_seed().unwrap(), random_seed().unwrap());
    assert_ne!(a, b);
    assert!(a >= 0.0 && a < 2f64.powi(53) && a.fract() == 0.0);
}

#[wasm_bindgen_test]
async fn misuse_is_an_error_with_a_clear_message_not_a_trap() {
    assert!(message(Model::new(s("ae-1"), NONE)).contains("unknown preset"));
    assert!(
        message(Model::new(s("ae-64-16-64"), s("learning_rate = -1"))).contains("learning_rate")
    );
    assert_eq!(
        message(Model::new(
            s("ae-64-16-64"),
            s("algo = adam\nno_such_key = 1")
        )),
        "line 2: unknown key \"no_such_key\": no setting or regularizer has this name"
    );
    let mut m = model("ae-64-16-64", "");
    assert!(message(m.train(JsValue::from(1))).contains("setData"));
    assert!(message(m.set_data(f(&[0.0; 65]), NONE)).contains("multiple of 64"));
    let mut nan = vec![0.5; 128];
    nan[70] = f32::NAN;
    assert!(message(m.set_data(f(&nan), NONE)).contains("row 1, column 6"));
    m.set_data(f(&[0.5; 128]), NONE).unwrap();
    assert!(message(m.set(s("batch_size"), s("1000"))).contains("batch"));
    assert!(m.set(s("weight_l2"), s("-1")).is_err());
    assert!(m.set(s("hidden_dropout"), s("1.5")).is_err());
    m.train(JsValue::from(1)).unwrap(); // the refused settings left a working configuration
    assert!(message(m.predict(f(&[0.0; 10]))).contains("length"));
    let mut c = model("clf-64-32-10", "");
    assert!(message(c.set_data(f(&[0.5; 128]), NONE)).contains("labels"));
    assert!(message(c.set_data(f(&[0.5; 128]), u(&[0, 10]))).contains("label 10"));
    c.set_data(f(&[0.5; 128]), u(&[0, 1])).unwrap();
    assert_eq!(
        message(c.predict_classes(f(&[0.5; 100]))),
        "inputs have length 100, expected a positive multiple of 64"
    );
}

#[wasm_bindgen_test]
async fn wrong_argument_types_throw_instead_of_trapping() {
    let (x, _) = digits(0, 64);
    let mut m = model("ae-64-16-64", "");
    m.set_data(f(&x), NONE).unwrap();
    // A number where a string goes is fine for a value, not for a key or a name.
    m.set(s("learning_rate"), JsValue::from(0.01)).unwrap();
    assert!(m.config_text().contains("learning_rate = 0.01"));
    assert_eq!(
        message(m.set(JsValue::from(3), s("0.1"))),
        "key must be a string, got number"
    );
    assert_eq!(
        message(m.weights(JsValue::from(42))),
        "name must be a string, got number"
    );
    for (n, text) in [
        (JsValue::from(-1), "batches = -1 is out of range"),
        (JsValue::from(1e10), "batches = 10000000000 is out of range"),
        (JsValue::from(2.5), "batches = 2.5 is out of range"),
        (s("10"), "batches must be a number, got string"),
    ] {
        assert!(message(m.train(n)).contains(text), "{text}");
    }
    assert_eq!(
        message(m.predict(JsValue::from(7))),
        "x must be a Float32Array (or an array of numbers), got number"
    );
    assert!(message(m.load(s("abc"))).contains("Uint8Array"));
    assert!(message(m.hidden(f(&x), JsValue::from(9))).contains("layer = 9"));
    // A plain array of numbers is converted; a non-number in it is named by row and column.
    let arr = js_sys::Array::new();
    for v in &x[..64] {
        arr.push(&JsValue::from(*v));
    }
    assert_eq!(m.predict(arr.clone().into()).unwrap().len(), 64);
    arr.set(5, s("x"));
    assert!(message(m.predict(arr.into())).contains("row 0, column 5"));
    let mut c = model("clf-64-32-10", "");
    let labels = js_sys::Array::of2(&JsValue::from(1), &JsValue::from(-2));
    assert_eq!(
        message(c.set_data(f(&x[..128]), labels.into())),
        "labels[1] = -2 is not a class number (a whole number >= 0)"
    );
    m.train(JsValue::from(3)).unwrap(); // still alive
}

#[wasm_bindgen_test]
async fn divergence_rolls_back_and_the_model_recovers_without_reset() {
    let (x, _) = digits(0, 256);
    let mut m = model("ae-64-16-64", "algo = adam\nlearning_rate = 0.005");
    m.set_data(f(&x), NONE).unwrap();
    train(&mut m, 100).await;
    let good = m.validate().unwrap().loss;
    let saved = params(&m);
    m.set(s("algo"), s("sgd")).unwrap();
    m.set(s("learning_rate"), s("1e38")).unwrap();
    let e = message(m.train(JsValue::from(20)));
    assert!(e.contains("diverged") && e.contains("rolled back"), "{e}");
    assert_eq!(params(&m), saved, "the validated weights came back");
    m.set(s("algo"), s("adam")).unwrap();
    m.set(s("learning_rate"), s("0.005")).unwrap();
    train(&mut m, 50).await;
    assert!(m.validate().unwrap().loss < good);
    // Changing the batch size and the data between calls, as the page does, never traps.
    for bs in ["64", "9", "1", "33"] {
        m.set(s("batch_size"), s(bs)).unwrap();
        train(&mut m, 30).await;
    }
    // A refused setData keeps the trained model.
    let before = params(&m);
    let mut bad = x.clone();
    bad[3] = f32::INFINITY;
    assert!(m.set_data(f(&bad), NONE).is_err());
    assert_eq!(params(&m), before);
}

staticnets_wasm::model! {
    /// A 1-8-1 regressor, to call the class `model!` writes as a page does.
    pub struct Line {
        layers: (staticnets::layers::Dense<1, 8>, staticnets::layers::Dense<8, 1>) = (
            staticnets::layers::Dense::new(staticnets::layers::Activation::Tanh),
            staticnets::layers::Dense::new(staticnets::layers::Activation::Linear),
        ),
        task: Regressor,
        batch: 16,
        contractive: false,
        slots: 2,
    }
}

#[wasm_bindgen_test]
async fn a_model_class_takes_javascript_values_as_the_preset_model_does() {
    let mut m = Line::new(s("algo = adam\nlearning_rate = 0.02")).unwrap();
    assert_eq!(
        (m.name(), m.task()),
        ("Line".to_string(), "regressor".to_string())
    );
    assert_eq!((m.inputs(), m.outputs()), (1, 1));
    let x: Vec<f32> = (0..32).map(|i| i as f32 / 31.0).collect();
    let y: Vec<f32> = x.iter().map(|v| 0.5 - v).collect();
    // Targets as a Float32Array or a plain array of numbers; labels are not values.
    let e = message(m.set_data(f(&x), u(&[1; 32])));
    assert!(e.contains("targets must be a Float32Array"), "{e}");
    let e = message(m.set_data(f(&x), NONE));
    assert!(e.contains("needs targets, 1 values per row"), "{e}");
    let arr = js_sys::Array::new();
    for v in &y {
        arr.push(&JsValue::from(*v));
    }
    m.set_data(f(&x), arr.into()).unwrap();
    for _ in 0..8 {
        m.train(JsValue::from(50)).unwrap();
        yield_now().await;
    }
    let r2 = m.score(f(&x), f(&y)).unwrap();
    assert!(r2 > 0.9, "R² {r2}");
    assert!(message(Line::new(JsValue::from(3))).contains("config must be a string"));
    assert!(message(m.predict_classes(f(&x))).contains("needs a classifier"));
}
