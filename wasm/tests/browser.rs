//! wasm-bindgen tests in a real browser: `wasm-pack test --headless --chrome wasm`
//! (and `make test`, through wasm-bindgen-test-runner and chromedriver).
#![cfg(target_arch = "wasm32")]

use staticnets::datasets::Digits;
use staticnets_wasm::{Model, presets, random_seed, simd_enabled};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

#[wasm_bindgen_test]
fn built_with_simd128() {
    assert!(simd_enabled());
    use core::arch::wasm32::*;
    let v = f32x4_add(f32x4_splat(1.5), f32x4_splat(2.0));
    assert_eq!(f32x4_extract_lane::<2>(v), 3.5);
}

#[wasm_bindgen_test]
fn every_autoencoder_preset_learns_in_a_few_hundred_steps() {
    let (x, _) = digits(0, 256);
    for name in presets().iter().filter(|p| p.starts_with("ae-")) {
        let mut m = Model::new(name, "algo = adam\nlearning_rate = 0.01\nbatch_size = 32").unwrap();
        m.set_data(&x, None).unwrap();
        let before = m.validate().unwrap().err;
        m.train(300).unwrap();
        let after = m.validate().unwrap().err;
        assert!(after < 0.6 * before, "{name}: {before} -> {after}");
    }
}

#[wasm_bindgen_test]
fn the_classifier_reaches_high_accuracy_on_held_out_digits() {
    let (x, labels) = digits(0, 1000);
    let (tx, tl) = digits(1000, 300);
    let mut m = Model::new(
        "clf-64-32-10",
        "algo = adam\nlearning_rate = 0.01\nbatch_size = 32",
    )
    .unwrap();
    m.set_data(&x, Some(labels)).unwrap();
    m.train(400).unwrap();
    let acc = m.score(&tx, Some(tl.clone())).unwrap();
    assert!(acc > 0.85, "accuracy {acc}");
    let classes = m.predict_classes(&tx).unwrap();
    let right = classes.iter().zip(&tl).filter(|(a, b)| a == b).count() as f64;
    assert_eq!((right / 300.0) as f32, acc as f32); // score is an f32
}

#[wasm_bindgen_test]
fn regularizers_change_live_and_their_terms_appear() {
    let (x, _) = digits(0, 128);
    let mut m = Model::new("ae-64-32-64-tied", "algo = adam\nlearning_rate = 0.01").unwrap();
    m.set_data(&x, None).unwrap();
    assert!(m.train(5).unwrap().reg_names.is_empty());
    m.set("hidden_l1", "0.1").unwrap();
    m.set("contractive", "0.01").unwrap();
    m.set("input_noise", "0.2").unwrap();
    let r = m.train(5).unwrap();
    assert_eq!(r.reg_names, ["hidden_l1", "contractive", "input_noise"]);
    assert!(r.reg_terms[0] > 0.0 && r.reg_terms[1] > 0.0);
    m.set("hidden_l1", "0").unwrap();
    assert_eq!(
        m.train(1).unwrap().reg_names,
        ["contractive", "input_noise"]
    );
    m.set("algo", "sgd").unwrap();
    m.set("learning_rate", "0.05").unwrap();
    assert!(m.train(5).unwrap().loss.is_finite());
    // the corrupted inputs differ from the clean ones by the noise
    let c = m.corrupt(&x[..64]).unwrap();
    let diff: f32 = c
        .iter()
        .zip(&x[..64])
        .map(|(a, b)| (a - b).abs())
        .sum::<f32>()
        / 64.0;
    assert!(diff > 0.05 && diff < 0.5, "mean |noise| {diff}");
}

#[wasm_bindgen_test]
fn views_have_the_right_shapes() {
    let (x, _) = digits(0, 64);
    let mut m = Model::new("ae-64-32-2-32-64", "").unwrap();
    m.set_data(&x, None).unwrap();
    assert_eq!(m.layer_sizes(), [64, 32, 2, 32, 64]);
    assert_eq!(m.hidden(&x, 2).unwrap().len(), 64 * 2);
    assert_eq!(m.predict(&x).unwrap().len(), 64 * 64);
    assert_eq!(m.weights("hid1.w").unwrap().len(), 64 * 32);
    assert_eq!(m.tensor_names()[..2], ["hid1.w", "hid1.b"]);
    assert!(m.weights("hid9.w").is_err());
    assert_eq!(
        m.parameter_count(),
        64 * 32 + 32 + 32 * 2 + 2 + 2 * 32 + 32 + 32 * 64 + 64
    );
}

#[wasm_bindgen_test]
fn save_and_load_give_the_same_reconstructions() {
    let (x, _) = digits(0, 64);
    let mut a = Model::new("ae-64-16-64", "algo = adam\nlearning_rate = 0.01").unwrap();
    a.set_data(&x, None).unwrap();
    a.train(50).unwrap();
    let bytes = a.save();
    let mut b = Model::new("ae-64-16-64", "rng = 99").unwrap();
    b.set_data(&x, None).unwrap();
    assert_ne!(a.predict(&x).unwrap(), b.predict(&x).unwrap());
    b.load(&bytes).unwrap();
    assert_eq!(a.predict(&x).unwrap(), b.predict(&x).unwrap());
    let mut bad = bytes.clone();
    bad[100] ^= 1;
    assert!(message(b.load(&bad)).contains("checksum"));
    let mut other = Model::new("ae-64-64-64", "").unwrap();
    assert!(message(other.load(&bytes)).contains("wrong length"));
}

#[wasm_bindgen_test]
fn seeds_are_deterministic_and_random_on_request() {
    let (x, _) = digits(0, 64);
    let run = |seed: &str| {
        let mut m =
            Model::new("ae-64-16-64", &format!("rng = {seed}\ninput_dropout = 0.2")).unwrap();
        m.set_data(&x, None).unwrap();
        m.train(20).unwrap();
        m.save()
    };
    assert_eq!(run("5"), run("5"));
    assert_ne!(run("5"), run("6"));
    let (a, b) = (random_seed().unwrap(), random_seed().unwrap());
    assert_ne!(a, b);
    assert!(a >= 0.0 && a < 2f64.powi(53) && a.fract() == 0.0);
}

#[wasm_bindgen_test]
fn misuse_is_an_error_with_a_clear_message_not_a_trap() {
    assert!(message(Model::new("ae-1", "")).contains("unknown preset"));
    assert!(message(Model::new("ae-64-16-64", "learning_rate = -1")).contains("learning_rate"));
    assert!(Model::new("ae-64-16-64", "no_such_key = 1").is_err());
    let mut m = Model::new("ae-64-16-64", "").unwrap();
    assert!(message(m.train(1)).contains("setData"));
    assert!(message(m.set_data(&[0.0; 65], None)).contains("multiple of 64"));
    let mut nan = vec![0.5; 128];
    nan[70] = f32::NAN;
    assert!(message(m.set_data(&nan, None)).contains("row 1, column 6"));
    m.set_data(&vec![0.5; 128], None).unwrap();
    assert!(message(m.set("batch_size", "1000")).contains("batch"));
    assert!(m.set("weight_l2", "-1").is_err());
    assert!(m.set("hidden_dropout", "1.5").is_err());
    m.train(1).unwrap(); // the refused settings left a working configuration
    assert!(message(m.predict(&[0.0; 10])).contains("length"));
    let mut c = Model::new("clf-64-32-10", "").unwrap();
    assert!(message(c.set_data(&vec![0.5; 128], None)).contains("labels"));
    assert!(message(c.set_data(&vec![0.5; 128], Some(vec![0, 10]))).contains("label 10"));
}
