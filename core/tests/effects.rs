//! Each regularizer's intended effect, against the same run (same seed, data and settings)
//! without it, on 4x4 images made of one or two bars.

use staticnets::layers::{Activation::*, Corruptor, Dense, Layers};
use staticnets::regularizers::{Selection, contractive};
use staticnets::rng::XorShift;
use staticnets::train::{Data, Trainer};

type Body = (Dense<16, 24>, Dense<24, 16>);
type T = Trainer<Body, 16, 16, 3>;

fn images(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = XorShift::new(seed);
    let mut v = vec![0.0f32; n * 16];
    for r in 0..n {
        for _ in 0..1 + rng.below(2) {
            let (row, line) = (rng.below(2) == 0, rng.below(4));
            for k in 0..4 {
                let p = if row { line * 4 + k } else { k * 4 + line };
                v[r * 16 + p] = 1.0;
            }
        }
    }
    v
}

fn train(extra: &str) -> Box<T> {
    let mut t: Box<T> = Box::new(Trainer::new((Dense::new(Sigmoid), Dense::new(Linear))));
    t.config.parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 16\nmax_updates = 150\npatience = 1000").unwrap();
    t.config.parse(extra).unwrap();
    let x = images(128, 1);
    let data = Data::autoencoder(&x);
    t.start(&data).unwrap();
    t.train(&data, &data, |_| true).unwrap();
    t
}

fn weights(t: &T) -> Vec<f32> {
    (0..<Body as Layers>::TENSORS)
        .filter_map(|i| t.net.tensor(i))
        .filter(|t| t.kind.is_matrix())
        .flat_map(|t| t.data.iter().copied())
        .collect()
}

fn hidden_mean_abs(t: &mut T) -> f32 {
    let x = images(64, 2);
    let mut off = Corruptor::off();
    t.net
        .forward(&x[..16 * 16], 16, &mut t.ws, &mut off)
        .unwrap();
    let v = t.ws.view(&t.net, 1).unwrap();
    v.out.iter().map(|h| h.abs()).sum::<f32>() / v.out.len() as f32
}

fn jacobian_norm(t: &mut T) -> f64 {
    let x = images(64, 2);
    let mut off = Corruptor::off();
    t.net
        .forward(&x[..16 * 16], 16, &mut t.ws, &mut off)
        .unwrap();
    let mut sel = Selection::default();
    sel.insert(1);
    contractive::value(sel, &t.net, &mut t.ws)
}

/// Mean squared reconstruction error of corrupted test images against the clean ones.
fn corrupted_error(t: &mut T, corrupt: &dyn Fn(&mut [f32], &mut XorShift)) -> f32 {
    let clean = images(64, 3);
    let mut noisy = clean.clone();
    let mut rng = XorShift::new(99);
    corrupt(&mut noisy, &mut rng);
    let mut out = vec![0.0; clean.len()];
    t.predict(&noisy, &mut out).unwrap();
    out.iter()
        .zip(&clean)
        .map(|(o, c)| (o - c) * (o - c))
        .sum::<f32>()
        / clean.len() as f32
}

#[test]
fn weight_l1_raises_the_fraction_of_near_zero_weights() {
    let frac = |t: &T| {
        let w = weights(t);
        w.iter().filter(|v| v.abs() < 0.01).count() as f32 / w.len() as f32
    };
    let (base, reg) = (frac(&train("")), frac(&train("weight_l1 = 0.05")));
    eprintln!("near-zero fraction {base} -> {reg}");
    assert!(reg > base + 0.1, "near-zero fraction {base} -> {reg}");
}

#[test]
fn weight_l2_lowers_the_weight_norm() {
    let norm = |t: &T| weights(t).iter().map(|v| v * v).sum::<f32>().sqrt();
    let (base, reg) = (norm(&train("")), norm(&train("weight_l2 = 0.1")));
    eprintln!("weight norm {base} -> {reg}");
    assert!(reg < 0.8 * base, "weight norm {base} -> {reg}");
}

#[test]
fn hidden_l1_lowers_mean_hidden_activity() {
    let (base, reg) = (
        hidden_mean_abs(&mut train("")),
        hidden_mean_abs(&mut train("hidden_l1 = 0.1")),
    );
    eprintln!("mean |h| {base} -> {reg}");
    assert!(reg < 0.7 * base, "mean |h| {base} -> {reg}");
}

#[test]
fn contractive_lowers_the_jacobian_norm() {
    let (base, reg) = (
        jacobian_norm(&mut train("")),
        jacobian_norm(&mut train("contractive = 0.1")),
    );
    eprintln!("||dh/dx||^2 {base} -> {reg}");
    assert!(reg < 0.7 * base, "||dh/dx||^2 {base} -> {reg}");
}

#[test]
fn input_noise_makes_reconstructions_of_noisy_inputs_better() {
    let noise =
        |x: &mut [f32], r: &mut XorShift| x.iter_mut().for_each(|v| *v += 0.3 * r.gaussian());
    let base = corrupted_error(&mut train(""), &noise);
    let reg = corrupted_error(&mut train("input_noise = 0.3"), &noise);
    eprintln!("error on noisy inputs {base} -> {reg}");
    assert!(reg < 0.9 * base, "error on noisy inputs {base} -> {reg}");
}

#[test]
fn input_dropout_makes_reconstructions_of_masked_inputs_better() {
    let drop = |x: &mut [f32], r: &mut XorShift| {
        x.iter_mut()
            .for_each(|v| *v *= if r.uniform() < 0.3 { 0.0 } else { 1.0 / 0.7 })
    };
    let base = corrupted_error(&mut train(""), &drop);
    let reg = corrupted_error(&mut train("input_dropout = 0.3"), &drop);
    eprintln!("error on masked inputs {base} -> {reg}");
    assert!(reg < 0.9 * base, "error on masked inputs {base} -> {reg}");
}

#[test]
fn hidden_dropout_and_noise_make_reconstructions_of_noisy_inputs_better() {
    let noise =
        |x: &mut [f32], r: &mut XorShift| x.iter_mut().for_each(|v| *v += 0.3 * r.gaussian());
    let base = corrupted_error(&mut train(""), &noise);
    let reg = corrupted_error(
        &mut train("hidden_dropout = 0.3\nhidden_noise = 0.3"),
        &noise,
    );
    eprintln!("error on noisy inputs {base} -> {reg}");
    assert!(reg < base, "error on noisy inputs {base} -> {reg}");
}
