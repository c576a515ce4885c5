//! `make bench`'s native part: ms per training step of the reference models, one JSON record
//! per (model, variant) on stdout, which `scripts/bench/report.py` puts beside the peers.
//!
//! Models (the same in every framework of `make bench`):
//! - **S**: 64-32-64 tied autoencoder, sigmoid hidden, linear output, MSE, batch 32, the digits.
//! - **L**: 784-256-784 untied, sigmoid hidden, linear output, MSE, batch 64, uniform data.
//! - **plain**: SGD, learning rate 0.01. **regularized**: plus `weight_l2 = 1e-4`,
//!   `hidden_l1 = 0.1`, `input_noise = 0.1`.
//!
//! One step = one batch: noise, forward, loss, backward, update (`Trainer::steps`).
//! Protocol: warm-up of at least 50 steps and `warm` seconds, then 5 repetitions of at least
//! `rep` seconds; the record holds the median. `--smoke` shortens both to 0.1 s (a build and
//! sanity check for `make test`, not a measurement).
//!
//! Run: `cargo run --release -p staticnets --example bench [-- --smoke] [-- --only S]`
//! The scaling sweeps (batch 1..256, hidden 16..512, on S's shape) run with `--sweep`.

use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense, Identity, Layers, Tied};
use staticnets::rng::XorShift;
use staticnets::train::{Data, Trainer};
use std::time::{Duration, Instant};

const PLAIN: &str =
    "algo = sgd\nlearning_rate = 0.01\nmomentum = 0\nmax_gradient_norm = 0\nmax_gradient_elem = 0";
const REGULARIZED: &str = "weight_l2 = 1e-4\nhidden_l1 = 0.1\ninput_noise = 0.1";

struct Timing {
    warm: f64,
    rep: f64,
}

/// Multiply-adds of the products one step needs (forward, weight gradients, and the input
/// gradients of every layer but the first), times 2: the count every framework is credited with.
fn flops(rows: usize, shapes: &[(usize, usize)]) -> f64 {
    let mut f = 0.0;
    for (i, &(a, b)) in shapes.iter().enumerate() {
        let products = if i == 0 { 2.0 } else { 3.0 };
        f += products * 2.0 * (rows * a * b) as f64;
    }
    f
}

/// Time `step(n)` (which runs `n` steps and returns the mean loss) by the protocol; returns
/// (median ms per step, the first loss, the last loss).
fn measure(timing: &Timing, mut step: impl FnMut(usize) -> f64) -> (f64, f64, f64) {
    let first = step(1);
    let start = Instant::now();
    let mut n = 0;
    while n < 50 || start.elapsed() < Duration::from_secs_f64(timing.warm) {
        step(10);
        n += 10;
    }
    // Steps per repetition: enough for `rep` seconds at the warm-up's pace.
    let per = start.elapsed().as_secs_f64() / n as f64;
    let batch = ((timing.rep / per).ceil() as usize).max(1);
    let mut ms = Vec::new();
    let mut last = first;
    for _ in 0..5 {
        let t = Instant::now();
        let mut done = 0;
        while done < batch || t.elapsed() < Duration::from_secs_f64(timing.rep) {
            last = step(10);
            done += 10;
        }
        ms.push(t.elapsed().as_secs_f64() * 1e3 / done as f64);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[2], first, last)
}

#[allow(clippy::too_many_arguments)]
fn record(model: &str, variant: &str, rows: usize, shapes: &[(usize, usize)], r: (f64, f64, f64)) {
    let (ms, first, last) = r;
    let f = flops(rows, shapes);
    println!(
        "{{\"framework\": \"staticnets native\", \"model\": \"{model}\", \"variant\": \"{variant}\", \
         \"ms\": {ms:.5}, \"rows\": {rows}, \"gflops\": {:.3}, \"loss_first\": {first:.6}, \
         \"loss_last\": {last:.6}, \"level\": \"{}\"}}",
        f / (ms * 1e6),
        staticnets::kernels::level().name()
    );
}

/// Train a trainer on `data` with `config`, by the protocol.
fn run<L: Layers, const B: usize>(
    t: &mut Trainer<L, B, 0, 1>,
    data: &Data<'_>,
    config: &str,
    timing: &Timing,
) -> (f64, f64, f64) {
    t.config.parse(config).expect("config");
    t.start(data, &[]).expect("start");
    measure(timing, |n| t.steps(data, n, &[]).expect("steps").loss)
}

fn digits() -> Vec<f32> {
    let d = Digits::bundled();
    let mut x = vec![0.0f32; d.len() * 64];
    let mut labels = vec![0u32; d.len()];
    d.fill(0, &mut x, &mut labels).expect("digits");
    x
}

fn small(timing: &Timing, x: &[f32]) {
    type S = Tied<64, 32>;
    let data = Data::autoencoder(x);
    for (variant, extra) in [("plain", ""), ("regularized", REGULARIZED)] {
        let mut t: Box<Trainer<S, 32, 0, 1>> = Box::new(Trainer::new(Tied::new(
            Dense::new(Sigmoid),
            Identity,
            Linear,
        )));
        let config = format!("{PLAIN}\nbatch_size = 32\n{extra}");
        let r = run(&mut t, &data, &config, timing);
        record("S", variant, 32, &[(64, 32), (32, 64)], r);
    }
}

fn large(timing: &Timing) {
    type L = (Dense<784, 256>, Dense<256, 784>);
    let mut rng = XorShift::new(7);
    let x: Vec<f32> = (0..1024 * 784).map(|_| rng.uniform()).collect();
    let data = Data::autoencoder(&x);
    for (variant, extra) in [("plain", ""), ("regularized", REGULARIZED)] {
        let mut t: Box<Trainer<L, 64, 0, 1>> = Box::new(Trainer::zeroed());
        t.init_zeroed(|body| {
            body.0.act = Sigmoid;
            body.1.act = Linear;
        });
        let config = format!("{PLAIN}\nbatch_size = 64\n{extra}");
        let r = run(&mut t, &data, &config, timing);
        record("L", variant, 64, &[(784, 256), (256, 784)], r);
    }
}

/// S's shape at other batch sizes and hidden widths (plain).
fn sweep(timing: &Timing, x: &[f32]) {
    macro_rules! batch {
        ($($b:literal)*) => {$({
            let mut t: Box<Trainer<Tied<64, 32>, $b, 0, 1>> =
                Box::new(Trainer::new(Tied::new(Dense::new(Sigmoid), Identity, Linear)));
            let config = format!("{PLAIN}\nbatch_size = {}", $b);
            let r = run(&mut t, &Data::autoencoder(x), &config, timing);
            record("S", concat!("batch ", $b), $b, &[(64, 32), (32, 64)], r);
        })*};
    }
    macro_rules! hidden {
        ($($h:literal)*) => {$({
            let mut t: Box<Trainer<Tied<64, $h>, 32, 0, 1>> =
                Box::new(Trainer::new(Tied::new(Dense::new(Sigmoid), Identity, Linear)));
            let config = format!("{PLAIN}\nbatch_size = 32");
            let r = run(&mut t, &Data::autoencoder(x), &config, timing);
            record("S", concat!("hidden ", $h), 32, &[(64, $h), ($h, 64)], r);
        })*};
    }
    batch!(1 4 16 32 64 128 256);
    hidden!(16 32 64 128 256 512);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |a: &str| args.iter().any(|x| x == a);
    let sweeps = has("--sweep");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let timing = if has("--smoke") {
        Timing {
            warm: 0.1,
            rep: 0.02,
        }
    } else {
        Timing {
            warm: 1.0,
            rep: 2.0,
        }
    };
    let run = move || {
        let x = digits();
        if only.as_deref() != Some("L") {
            small(&timing, &x);
        }
        if only.as_deref() != Some("S") {
            large(&timing);
        }
        if sweeps {
            sweep(&timing, &x);
        }
    };
    // L's trainer is megabytes; a thread with room for its temporaries.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .expect("thread")
        .join()
        .expect("bench");
}
