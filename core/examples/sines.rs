//! A small recurrent network on noisy sine waves (made in code): an rnn (or an LSTM, or a
//! GRU) reads a noisy sine and a per-step read-out predicts the clean one. Trained without and with each recurrent
//! penalty, it prints what the penalty is for: `recurrent_norm` steadies the norm of the
//! hidden state over time, `recurrent_state` slows its step-to-step change.
//!
//! Run: `cargo run --release -p staticnets --example sines`

use staticnets::datasets::sines;
use staticnets::layers::{Activation::*, Corruptor, Gru, Layers, Lstm, Rnn, TimeDense};
use staticnets::train::{Data, Trainer};

const T: usize = 24;
const H: usize = 16;
const B: usize = 32;
const TRAIN: usize = 512;
const TEST: usize = 128;

type RnnBody = (
    staticnets::sequence!(Rnn<1, H>, steps = T),
    staticnets::sequence!(TimeDense<H, 1>, steps = T),
);
type LstmBody = (
    staticnets::sequence!(Lstm<1, H>, steps = T),
    staticnets::sequence!(TimeDense<H, 1>, steps = T),
);
type GruBody = (
    staticnets::sequence!(Gru<1, H>, steps = T),
    staticnets::sequence!(TimeDense<H, 1>, steps = T),
);

/// Over test sequences: the mean over sequences of the standard deviation over time of
/// `||h_t||`, the mean `|h_t - h_{t-1}|`, and the test error.
struct Measured {
    norm_spread: f64,
    step_change: f64,
    error: f64,
}

fn measure<L: Layers>(
    t: &mut staticnets::trainer!(L, batch = B, optimizer = adam),
    x: &[f32],
    y: &[f32],
) -> Measured {
    let (mut spread, mut change, mut n) = (0.0f64, 0.0f64, 0usize);
    let mut off = Corruptor::off();
    for start in (0..TEST).step_by(B) {
        t.net
            .forward(&x[start * T..(start + B) * T], B, &mut t.ws, &mut off)
            .expect("B rows fit the workspace");
        let v = t.ws.view(&t.net, 1).expect("hid1");
        for row in v.out.chunks_exact(T * H) {
            let norms: Vec<f64> = row
                .chunks_exact(H)
                .map(|h| h.iter().map(|&a| (a as f64).powi(2)).sum::<f64>().sqrt())
                .collect();
            let mean = norms.iter().sum::<f64>() / T as f64;
            spread += (norms.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / T as f64).sqrt();
            for s in 1..T {
                for j in 0..H {
                    change += (row[s * H + j] - row[(s - 1) * H + j]).abs() as f64;
                }
            }
            n += 1;
        }
    }
    let mut out = vec![0.0f32; y.len()];
    t.predict(x, &mut out).expect("predict");
    let error = out
        .iter()
        .zip(y)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        / y.len() as f64;
    Measured {
        norm_spread: spread / n as f64,
        step_change: change / (n * (T - 1) * H) as f64,
        error,
    }
}

fn run<L: Layers>(name: &str, body: L, setting: &str, data: &[Vec<f32>; 4]) -> Measured {
    let mut t: Box<staticnets::trainer!(L, batch = B, optimizer = adam)> =
        Box::new(Trainer::new(body));
    t.config
        .parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 32\nmax_updates = 60\npatience = 1000\nvalidate_every = 5")
        .expect("config");
    t.config.parse(setting).expect("setting");
    let [x, y, tx, ty] = data;
    let train = Data::regression(x, y);
    t.start(&train).expect("start");
    let last = t
        .train(&train, &Data::regression(tx, ty), |_| true)
        .expect("train");
    let m = measure(&mut t, tx, ty);
    println!(
        "| {name} | {} | {:.4} | {:.4} | {:.4} | {} |",
        if setting.is_empty() { "none" } else { setting },
        m.error,
        m.norm_spread,
        m.step_change,
        last.pass
    );
    m
}

fn main() {
    let (mut x, mut y) = (vec![0.0; TRAIN * T], vec![0.0; TRAIN * T]);
    let (mut tx, mut ty) = (vec![0.0; TEST * T], vec![0.0; TEST * T]);
    sines::fill(1, T, 0.3, &mut x, &mut y);
    sines::fill(2, T, 0.3, &mut tx, &mut ty);
    let data = [x, y, tx, ty];
    println!(
        "noisy sines: {TRAIN} training and {TEST} test sequences of {T} steps, noise 0.3; \
         the network predicts the clean sine at every step"
    );
    println!(
        "trainer bytes (parameters, gradients, best copy, adam state, activations, all static): rnn {}, lstm {}, gru {}",
        Trainer::<RnnBody, B, 0, 2>::BYTES,
        Trainer::<LstmBody, B, 0, 2>::BYTES,
        Trainer::<GruBody, B, 0, 2>::BYTES
    );
    println!(
        "| model | regularizer | test error | spread of ‖h_t‖ over time | mean |h_t − h_(t−1)| | passes |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    let rnn = || (Rnn::new(Tanh), TimeDense::new(Linear)) as RnnBody;
    let lstm = || (Lstm::new(false), TimeDense::new(Linear)) as LstmBody;
    let base = run("rnn 1-16-1", rnn(), "", &data);
    let norm = run("rnn 1-16-1", rnn(), "recurrent_norm = 1", &data);
    let state = run("rnn 1-16-1", rnn(), "recurrent_state = 1", &data);
    run("lstm 1-16-1", lstm(), "", &data);
    run("lstm 1-16-1", lstm(), "recurrent_state = 1", &data);
    let gru = || (Gru::new(Tanh), TimeDense::new(Linear)) as GruBody;
    run("gru 1-16-1", gru(), "", &data);
    run("gru 1-16-1", gru(), "recurrent_norm = 1", &data);
    println!(
        "\nrnn: recurrent_norm changes the spread of the state norm {:.4} -> {:.4}; \
         recurrent_state changes the mean step-to-step change {:.4} -> {:.4}",
        base.norm_spread, norm.norm_spread, base.step_change, state.step_change
    );
}
