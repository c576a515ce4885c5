//! wasm-bindgen tests in a real browser: `wasm-pack test --headless --chrome wasm`
//! (and `make test`, through wasm-bindgen-test-runner and chromedriver).
#![cfg(target_arch = "wasm32")]

use staticnets_wasm::{Autoencoder, simd_enabled};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn digits_like(rows: usize) -> Vec<f32> {
    // smooth 8x8 blobs at a few positions: learnable structure
    (0..rows * 64)
        .map(|k| {
            let (r, p) = (k / 64, k % 64);
            let (y, x) = ((p / 8) as f32, (p % 8) as f32);
            let (cy, cx) = ((r % 4) as f32 + 2.0, (r % 3) as f32 + 2.5);
            (-((y - cy).powi(2) + (x - cx).powi(2)) / 4.0).exp()
        })
        .collect()
}

#[wasm_bindgen_test]
fn built_with_simd128() {
    assert!(simd_enabled());
    use core::arch::wasm32::*;
    let v = f32x4_add(f32x4_splat(1.5), f32x4_splat(2.0));
    assert_eq!(f32x4_extract_lane::<2>(v), 3.5);
}

#[wasm_bindgen_test]
fn a_few_hundred_steps_lower_the_loss() {
    let mut ae =
        Autoencoder::new("algo = adam\nlearning_rate = 0.01\nbatch_size = 16\nweight_l2 = 1e-4")
            .unwrap();
    ae.set_data(&digits_like(96)).unwrap();
    let before = ae.valid_loss().unwrap();
    ae.train(50).unwrap(); // 50 passes x 6 batches = 300 steps
    let after = ae.valid_loss().unwrap();
    assert!(after < 0.2 * before, "{before} -> {after}");
    assert_eq!(ae.regularizer_terms().len(), 1);
    assert!(ae.regularizer_terms()[0] > 0.0);
}

#[wasm_bindgen_test]
fn misuse_is_an_error_not_a_trap() {
    assert!(Autoencoder::new("learning_rate = -1").is_err());
    assert!(Autoencoder::new("no_such_key = 1").is_err());
    let mut ae = Autoencoder::new("").unwrap();
    assert!(ae.train(1).is_err(), "no data yet");
    assert!(ae.set_data(&[0.0; 65]).is_err(), "wrong length");
    let mut bad = digits_like(2);
    bad[70] = f32::NAN;
    assert!(ae.set_data(&bad).is_err(), "non-finite");
    ae.set_data(&digits_like(4)).unwrap();
    assert!(ae.set("input_dropout", "1.5").is_err());
    assert!(ae.set("hidden_l1", "0.1").is_ok());
    assert!(ae.reconstruct(&[0.0; 63]).is_err());
    assert_eq!(ae.reconstruct(&digits_like(1)).unwrap().len(), 64);
}
