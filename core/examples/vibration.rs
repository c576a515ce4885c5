//! Pretrain the vibration anomaly detector on the factory machine's healthy vibration: a 1-D
//! convolutional autoencoder (128 samples -> conv1 4 filters of 8, stride 4 -> max pool 2 ->
//! 16 -> 128) trained natively; then score healthy and faulty windows of the factory machine
//! and of the site machine it will be bolted to (another speed and spectrum).
//!
//! Run: `cargo run --release -p staticnets --example vibration [-- --save FILE]`
//!
//! `--save FILE` writes the model as a checkpoint; `tests/firmware/src/bin/vibration.rs`
//! fine-tunes it on the device to the site machine.

use staticnets::datasets::vibration::{Machine, WINDOW, fill};
use staticnets::layers::{Activation::*, Conv1, Dense, Layers, Pool1};
use staticnets::network::Network;
use staticnets::train::{Data, Trainer};
use staticnets::{conv1, pool1};

type Body = (
    conv1!(1, WINDOW, 4, 8, stride = 4),
    pool1!(4, 31, 2, max),
    Dense<60, 16>,
    Dense<16, WINDOW>,
);
type T = staticnets::trainer!(Body, batch = 32, optimizer = adam);

const CONFIG: &str = "algo = adam\nlearning_rate = 0.003\nbatch_size = 32\nvalidate_every = 10\n\
    patience = 1000\nmax_updates = 400\nrng = 7";

/// Each window's reconstruction error (mean squared), clean.
fn scores(net: &Network<Body>, x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0f32; x.len()];
    let mut t: Box<T> = Box::new(Trainer::new(net.body.clone()));
    t.net = net.clone();
    t.predict(x, &mut y).expect("predict");
    x.chunks_exact(WINDOW)
        .zip(y.chunks_exact(WINDOW))
        .map(|(a, b)| a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f32>() / WINDOW as f32)
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let save = args
        .iter()
        .position(|a| a == "--save")
        .and_then(|i| args.get(i + 1));
    let mut train = vec![0.0f32; 512 * WINDOW];
    let mut valid = vec![0.0f32; 128 * WINDOW];
    fill(&Machine::FACTORY, 1, &mut train, |_| false);
    fill(&Machine::FACTORY, 2, &mut valid, |_| false);
    let mut t: Box<T> = Box::new(Trainer::new((
        Conv1::new(Tanh),
        Pool1::new(Linear),
        Dense::new(Relu),
        Dense::new(Linear),
    )));
    t.config.parse(CONFIG).expect("config");
    let (tr, va) = (Data::autoencoder(&train), Data::autoencoder(&valid));
    t.start(&tr).expect("start");
    let last = t
        .train(&tr, &va, |r| {
            if r.pass % 50 == 0 {
                println!(
                    "pass {:>3}: loss {:.5}, validation {:.5}",
                    r.pass, r.loss, r.valid_loss
                );
            }
            true
        })
        .expect("train");
    println!(
        "{} parameters; validation mse {:.5} after {} passes",
        <Body as Layers>::PARAMS,
        last.valid_loss,
        last.pass
    );
    let mut x = vec![0.0f32; 64 * WINDOW];
    for (name, machine, seed) in [("factory", Machine::FACTORY, 3), ("site", Machine::SITE, 4)] {
        for fault in [false, true] {
            fill(&machine, seed + fault as u64 * 10, &mut x, |_| fault);
            let s = scores(&t.net, &x);
            let (lo, hi) = s
                .iter()
                .fold((f32::MAX, 0.0f32), |(a, b), &v| (a.min(v), b.max(v)));
            let mean = s.iter().sum::<f32>() / s.len() as f32;
            println!(
                "{name:>7} {:>7}: reconstruction error min {lo:.5} mean {mean:.5} max {hi:.5}",
                if fault { "faulty" } else { "healthy" }
            );
        }
    }
    if let Some(path) = save {
        let mut file = vec![0u8; Network::<Body>::CHECKPOINT_BYTES];
        t.net.save(&mut file).expect("save");
        std::fs::write(path, &file).expect("write");
        println!("saved {} bytes to {path}", file.len());
    }
}
