//! `make demo`'s native part: train a 64-32-64 tied autoencoder with regularizers on
//! synthetic 8x8 images (bars and blobs made in code) and print the progress per pass.
//!
//! Run: `cargo run --release -p staticnets --example demo`

use staticnets::layers::{Activation::*, Dense, Identity, Tied};
use staticnets::regularizers::RegKind;
use staticnets::train::Data;

type Body = Tied<64, 32>;

/// 8x8 images: a horizontal or vertical bar, or a Gaussian blob, at varying positions.
fn images(n: usize) -> Vec<f32> {
    let mut v = Vec::with_capacity(n * 64);
    for i in 0..n {
        let kind = i % 3;
        let pos = ((i / 3) % 6) as f32 + 1.0;
        for p in 0..64 {
            let (y, x) = ((p / 8) as f32, (p % 8) as f32);
            v.push(match kind {
                0 => (-(y - pos).powi(2)).exp(),
                1 => (-(x - pos).powi(2)).exp(),
                _ => (-((y - pos).powi(2) + (x - 7.0 + pos).powi(2)) / 3.0).exp(),
            });
        }
    }
    v
}

/// Batches of up to 32, Jacobian buffers for `contractive`, state for any optimizer.
type T = staticnets::trainer!(Body, batch = 32, contractive);

fn main() {
    let mut t: Box<T> = Box::new(T::new(Tied::new(Dense::new(Sigmoid), Identity, Linear)));
    let config = "algo = adam\nlearning_rate = 0.005\nbatch_size = 32\nmax_updates = 60\nvalidate_every = 5\n\
                  weight_l2 = 1e-4\nhidden_l1 = 0.01\ncontractive = 0.01\ninput_noise = 0.05\nhidden_dropout = 0.1";
    t.config.parse(config).expect("config");
    let train = images(540);
    let valid = images(90);
    let (train, valid) = (Data::autoencoder(&train), Data::autoencoder(&valid));
    t.start(&train).expect("start");
    println!(
        "staticnets demo: 64-32-64 tied autoencoder, {} parameters, trainer {} bytes",
        <Body as staticnets::layers::Layers>::PARAMS,
        T::BYTES
    );
    println!("config:\n  {}", config.replace('\n', "\n  "));
    // One column per penalty term (noise and dropout add none: they corrupt, they do not
    // penalize), each as wide as its name.
    let terms: Vec<(usize, &str)> = t
        .config
        .regs
        .iter()
        .enumerate()
        .filter(|(_, r)| !matches!(r.kind, RegKind::Dropout | RegKind::Noise))
        .map(|(k, r)| (k, r.key))
        .collect();
    let width = |name: &str| name.len().max(9);
    let header: String = terms
        .iter()
        .map(|(_, n)| format!("  {n:>w$}", w = width(n)))
        .collect();
    println!(
        "{:>4}  {:>9}  {:>9}  {:>9}{header}",
        "pass", "loss", "err", "valid"
    );
    let last = t
        .train(&train, &valid, |r| {
            let regs: String = terms
                .iter()
                .map(|&(k, n)| format!("  {:>w$.5}", r.regs[k], w = width(n)))
                .collect();
            println!(
                "{:>4}  {:>9.5}  {:>9.5}  {:>9.5}{}{}",
                r.pass,
                r.loss,
                r.err,
                r.valid_loss,
                regs,
                if r.improved { "  *" } else { "" }
            );
            true
        })
        .expect("train");
    println!(
        "done after {} passes: best validation loss {:.5}, hidden sparsity {:.3}, weight sparsity {:.3}",
        t.passes(),
        t.best_loss(),
        last.hidden_sparsity,
        last.weight_sparsity
    );
}
