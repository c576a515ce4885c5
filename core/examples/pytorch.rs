//! From PyTorch to a device and back: the staticnets half of `make pytorch-example`
//! (`scripts/pytorch/run` drives it; `scripts/pytorch/pytorch_to_device.py` is the PyTorch
//! half).
//!
//! Reads `DIR/base.safetensors`, the 64-32-64 digits autoencoder PyTorch trained (a module
//! with `hid1 = nn.Linear(64, 32)` and `out = nn.Linear(32, 64)`, ReLU code, sigmoid output),
//! checks that staticnets computes PyTorch's outputs (`DIR/base-x.f32` -> `DIR/base-y.f32`)
//! to 1e-6, writes it as a checkpoint for the firmware (`DIR/base.snet`), fine-tunes it
//! natively on digits shifted one pixel right (weight_l2, hidden_l1, input_noise; the
//! firmware's settings), and exports the result for PyTorch: `DIR/native-finetuned.safetensors`
//! with its outputs on 8 original and 8 shifted digits (`DIR/native-x.f32`, `DIR/native-y.f32`).
//!
//! Run: `cargo run --release -p staticnets --example pytorch -- DIR`

use std::path::Path;

use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense};
use staticnets::network::Network;
use staticnets::train::{Data, Trainer};

type Body = (Dense<64, 32>, Dense<32, 64>);
type T = staticnets::trainer!(Body, batch = 16, optimizer = adam);

/// The firmware's fine-tuning settings (tests/firmware), without its L2-SP term (`prox`).
const FINE_TUNE: &str = "algo = adam\nlearning_rate = 0.002\nbatch_size = 4\nmax_updates = 40\n\
                         validate_every = 5\npatience = 100\nweight_l2 = 0.0001\nhidden_l1 = 0.001\n\
                         input_noise = 0.05";

fn read_f32s(p: &Path) -> Vec<f32> {
    std::fs::read(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn write_f32s(p: &Path, v: &[f32]) {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

/// Digits `first..first + n`, shifted one pixel right if `shift` (the firmware's task).
fn digits(first: usize, n: usize, shift: bool) -> Vec<f32> {
    let d = Digits::bundled();
    let mut x = vec![0.0; n * 64];
    for r in 0..n {
        let mut img = [0.0f32; 64];
        d.image(first + r, &mut img);
        for p in 0..64 {
            x[r * 64 + p] = match (shift, p % 8) {
                (false, _) => img[p],
                (true, 0) => 0.0,
                (true, _) => img[p - 1],
            };
        }
    }
    x
}

fn predict(t: &mut T, x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    t.predict(x, &mut y).expect("predict");
    y
}

fn mse(t: &mut T, x: &[f32]) -> f64 {
    let y = predict(t, x);
    y.iter()
        .zip(x)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        / x.len() as f64
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: pytorch DIR");
    let dir = Path::new(&dir);
    let mut t: Box<T> = Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))));

    let file = std::fs::read(dir.join("base.safetensors")).expect("read base.safetensors");
    if let Err(e) = t.net.load_safetensors(&file) {
        eprintln!("staticnets: FAILED to import PyTorch's model: {e}");
        std::process::exit(1);
    }
    let x = read_f32s(&dir.join("base-x.f32"));
    let want = read_f32s(&dir.join("base-y.f32"));
    let got = predict(&mut t, &x);
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    println!(
        "staticnets: imported PyTorch's base.safetensors ({} bytes); outputs on {} digits within \
         {worst:.1e} of PyTorch's (limit 1e-6): {}",
        file.len(),
        x.len() / 64,
        if worst <= 1e-6 { "ok" } else { "FAILED" }
    );
    let mut ckpt = vec![0u8; Network::<Body>::CHECKPOINT_BYTES];
    t.net.save(&mut ckpt).expect("save");
    std::fs::write(dir.join("base.snet"), &ckpt).expect("write base.snet");
    println!(
        "staticnets: wrote base.snet ({} bytes) for the firmware",
        ckpt.len()
    );

    let (old, new, held) = (
        digits(1500, 16, false),
        digits(1516, 16, true),
        digits(1532, 16, true),
    );
    let before = [mse(&mut t, &old), mse(&mut t, &new), mse(&mut t, &held)];
    t.config.parse(FINE_TUNE).expect("config");
    let data = Data::autoencoder(&new);
    t.restart(&data).expect("restart");
    t.train(&data, &data, |_| true).expect("train");
    let after = [mse(&mut t, &old), mse(&mut t, &new), mse(&mut t, &held)];
    println!(
        "staticnets: fine-tuned natively (40 passes on 16 shifted digits), error before -> after:"
    );
    for (k, name) in [
        "original digits",
        "shifted, fine-tuned on",
        "shifted, held out",
    ]
    .iter()
    .enumerate()
    {
        println!("  {name:<24} {:.5} -> {:.5}", before[k], after[k]);
    }

    let mut out = vec![0u8; t.net.safetensors_len()];
    t.net.save_safetensors(&mut out).expect("export");
    std::fs::write(dir.join("native-finetuned.safetensors"), &out).expect("write");
    let probe: Vec<f32> = old[..8 * 64]
        .iter()
        .chain(&new[..8 * 64])
        .copied()
        .collect();
    let y = predict(&mut t, &probe);
    write_f32s(&dir.join("native-x.f32"), &probe);
    write_f32s(&dir.join("native-y.f32"), &y);
    println!(
        "staticnets: exported native-finetuned.safetensors ({} bytes) and its outputs on 16 digits",
        out.len()
    );
    if worst > 1e-6 || after[2] >= before[2] || after[2].is_nan() {
        std::process::exit(1);
    }
}
