//! Train a 64-32-64 autoencoder on the 8x8 handwritten digits with no regularizer and with
//! each regularizer alone, print progress per pass, then a table of what each one did to the
//! reconstruction error, the weights, the hidden code and its Jacobian, on held-out digits.
//!
//! Run: `cargo run --release -p staticnets --example digits [-- --passes N] [--save FILE]`
//!
//! `--save FILE` writes the unregularized model as a checkpoint (`Network::save`); the
//! firmware in `tests/firmware` fine-tunes that file on the device.

use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Corruptor, Dense, Layers};
use staticnets::network::Network;
use staticnets::regularizers::{Selection, contractive};
use staticnets::train::{Data, Trainer};

type Body = (Dense<64, 32>, Dense<32, 64>);
const B: usize = 32;
type T = staticnets::trainer!(Body, batch = B, contractive, optimizer = adam);

const BASE: &str =
    "algo = adam\nlearning_rate = 0.003\nbatch_size = 32\nvalidate_every = 5\npatience = 1000";
/// The rows of the table: no regularizer, then each alone, at strengths that show an effect
/// without wrecking the reconstruction.
const SETTINGS: [&str; 9] = [
    "",
    "weight_l2 = 0.001",
    "weight_l1 = 0.003",
    "hidden_l1 = 0.1",
    "contractive = 0.01",
    "input_noise = 0.2",
    "hidden_noise = 0.2",
    "input_dropout = 0.2",
    "hidden_dropout = 0.2",
];

/// What the table shows for one trained model, measured on the test digits, clean.
struct Measured {
    error: f64,
    weight_sparsity: f32,
    hidden_sparsity: f32,
    jacobian: f64,
    r2: f32,
}

fn measure(t: &mut T, test: &[f32]) -> Measured {
    let th = t.config.sparsity_threshold;
    let rows = test.len() / 64;
    let mut out = vec![0.0f32; test.len()];
    t.predict(test, &mut out).expect("predict");
    let error = out
        .iter()
        .zip(test)
        .map(|(o, x)| ((o - x) * (o - x)) as f64)
        .sum::<f64>()
        / test.len() as f64;
    let weights: Vec<f32> = (0..<Body as Layers>::TENSORS)
        .filter_map(|i| t.net.tensor(i))
        .filter(|t| t.kind.is_matrix())
        .flat_map(|t| t.data.iter().copied())
        .collect();
    let weight_sparsity =
        weights.iter().filter(|w| w.abs() < th).count() as f32 / weights.len() as f32;
    let (mut small, mut all, mut jac) = (0usize, 0usize, 0.0f64);
    let mut off = Corruptor::off();
    let mut sel = Selection::default();
    sel.insert(1);
    for start in (0..rows).step_by(B) {
        let n = B.min(rows - start);
        t.net
            .forward(&test[start * 64..(start + n) * 64], n, &mut t.ws, &mut off)
            .expect("at most B rows");
        let h = t.ws.view(&t.net, 1).expect("hid1");
        small += h.out.iter().filter(|v| v.abs() < th).count();
        all += h.out.len();
        // the mean over this chunk's rows of ||d hid1 / d x||_F^2
        jac += n as f64 * contractive::value(sel, &t.net, &mut t.ws);
    }
    let r2 = t.score(&Data::autoencoder(test)).expect("score");
    Measured {
        error,
        weight_sparsity,
        hidden_sparsity: small as f32 / all as f32,
        jacobian: jac / rows as f64,
        r2,
    }
}

fn main() {
    let mut passes = 60u32;
    let mut save: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--passes" => {
                passes = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--passes N")
            }
            "--save" => save = Some(args.next().expect("--save FILE")),
            _ => panic!("unknown argument {a}; use --passes N and --save FILE"),
        }
    }
    let digits = Digits::bundled();
    // images 0..1200 train, 1200..1500 validate, 1500..1797 test
    let split = |from: usize, to: usize| {
        let mut x = vec![0.0f32; (to - from) * 64];
        let mut labels = vec![0u32; to - from];
        digits.fill(from, &mut x, &mut labels).expect("digits");
        x
    };
    let (train, valid, test) = (split(0, 1200), split(1200, 1500), split(1500, 1797));
    println!(
        "digits: {} train, {} validation, {} test images; 64-32-64 autoencoder (relu, sigmoid), \
         {} parameters; {passes} passes of adam each",
        train.len() / 64,
        valid.len() / 64,
        test.len() / 64,
        <Body as Layers>::PARAMS
    );
    let mut rows = Vec::new();
    for setting in SETTINGS {
        let name = if setting.is_empty() { "none" } else { setting };
        let mut t: Box<T> = Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))));
        t.config.parse(BASE).expect("config");
        t.config.parse(setting).expect("setting");
        t.config.max_updates = passes;
        let (tr, va) = (Data::autoencoder(&train), Data::autoencoder(&valid));
        t.start(&tr).expect("start");
        println!("{name}: training error per pass (validation every 5, * = best so far)");
        t.train(&tr, &va, |r| {
            if r.pass % 10 == 1 {
                print!("  {:>3}-{:<3}", r.pass, r.pass + 9);
            }
            print!(" {:.4}{}", r.err, if r.improved { "*" } else { " " });
            if r.pass % 10 == 0 {
                println!();
            }
            true
        })
        .expect("train");
        let m = measure(&mut t, &test);
        println!(
            "  best validation loss {:.5}; test error {:.5}",
            t.best_loss(),
            m.error
        );
        if setting.is_empty()
            && let Some(path) = &save
        {
            let mut bytes = vec![0u8; Network::<Body>::CHECKPOINT_BYTES];
            t.net.save(&mut bytes).expect("save");
            std::fs::write(path, &bytes).expect("write checkpoint");
            println!("  saved to {path} ({} bytes)", bytes.len());
        }
        rows.push((name, m));
    }
    println!();
    println!(
        "| regularizer | test error (mse) | R² | weight sparsity | hidden sparsity | Jacobian ‖∂h/∂x‖²_F |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, m) in &rows {
        println!(
            "| {name} | {:.5} | {:.3} | {:.3} | {:.3} | {:.3} |",
            m.error, m.r2, m.weight_sparsity, m.hidden_sparsity, m.jacobian
        );
    }
}
