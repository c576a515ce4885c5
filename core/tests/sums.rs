//! Penalty and loss values are summed in `f32` ([`Sum`], [`sum_f32`]), with no software
//! double precision on a Cortex-M4F: on the firmware's model (the digits autoencoder it
//! fine-tunes) every such sum must stay within 1e-6 relative of the same sum in float64,
//! computed here independently from the raw values.

use staticnets::kernels::{Sum, sum_abs, sum_f32, sum_sq};
use staticnets::layers::{Activation::*, Dense};
use staticnets::network::Network;

type Body = (Dense<64, 32>, Dense<32, 64>);

fn firmware_model() -> Network<Body> {
    let mut net: Network<Body> = Network::new((Dense::new(Relu), Dense::new(Sigmoid)));
    net.load(include_bytes!("../../tests/firmware/digits-ae.snet"))
        .unwrap();
    net
}

fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs()
}

#[test]
fn weight_penalty_sums_match_float64_on_the_firmware_model() {
    let net = firmware_model();
    let mut tensors = 0;
    for i in 0..4 {
        let t = net.tensor(i).unwrap();
        let sq: f64 = t.data.iter().map(|&v| v as f64 * v as f64).sum();
        let abs: f64 = t.data.iter().map(|&v| (v as f64).abs()).sum();
        assert!(
            rel(sum_sq(t.data).value_f64(), sq) < 1e-6,
            "sum of squares of tensor {i}"
        );
        assert!(
            rel(sum_abs(t.data).value_f64(), abs) < 1e-6,
            "sum of magnitudes of tensor {i}"
        );
        tensors += 1;
    }
    assert_eq!(tensors, 4);
}

#[test]
fn long_and_mixed_sums_stay_within_1e6_of_float64() {
    // 1,000,003 values of mixed sign and magnitude: whole blocks and a tail.
    let mut rng = staticnets::rng::XorShift::new(7);
    let v: Vec<f32> = (0..1_000_003)
        .map(|k| rng.gaussian() * if k % 3 == 0 { 1e3 } else { 1e-2 })
        .collect();
    let sq: f64 = v.iter().map(|&x| x as f64 * x as f64).sum();
    assert!(rel(sum_sq(&v).value_f64(), sq) < 1e-6);
    let mut s = Sum::default();
    let mut exact = 0.0f64;
    for &x in &v {
        s.add(x);
        exact += x as f64;
    }
    // signed terms: the error is measured against the sum of magnitudes
    let mag: f64 = v.iter().map(|&x| (x as f64).abs()).sum();
    assert!((s.value() as f64 - exact).abs() / mag < 1e-7);
    // a plain f32 sum of the same squares is far off: the test can tell the difference
    let plain: f32 = v.iter().map(|&x| x * x).sum();
    assert!(rel(plain as f64, sq) > 1e-5, "{}", rel(plain as f64, sq));
    assert_eq!(sum_f32(&v, |x| x * x), sum_sq(&v));
}
