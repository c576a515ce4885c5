//! The Rust half of the safetensors round trip with Python's `safetensors` package
//! (`tests/interop/safetensors_check.py` is the other half; `make test` runs both).
//!
//! `export DIR`: for a feedforward, a tied, an rnn, an lstm, a conv1 and a conv2 model, write `DIR/<model>.safetensors`
//! (seeded weights), `DIR/<model>.x.f32` (inputs) and `DIR/<model>.y.f32` (staticnets' outputs
//! for them), raw little-endian f32. Python recomputes the outputs from the file alone, in
//! float64 with PyTorch's layouts, and writes `DIR/<model>.py.safetensors` (new weights, both
//! recurrent biases non-zero) and `DIR/<model>.py.y.f32` (its outputs for the same inputs).
//!
//! `import DIR`: import each Python file, predict, and compare with Python's outputs; then
//! export it again and import that: the parameters must come back bit for bit. Exits non-zero
//! on any mismatch.
//!
//! Run: `cargo run --release -p staticnets --example safetensors -- export|import DIR`

use std::path::Path;

use staticnets::layers::{Activation::*, Dense, Identity, Layers, Lstm, Rnn, Tied, TimeDense};
use staticnets::train::Trainer;

const ROWS: usize = 3;

type Ff = (Dense<6, 5>, Dense<5, 4>);
type Tie = Tied<6, 3>;
type Rn = (
    staticnets::sequence!(Rnn<2, 4>, steps = 5),
    staticnets::sequence!(TimeDense<4, 3>, steps = 5),
);
/// 2 channels of 10 samples, 3 filters of width 3 (stride 2, dilation 2: 3 positions), then
/// a dense read-out: PyTorch's `Conv1d(2, 3, 3, stride=2, dilation=2)`, `Linear(9, 4)`.
type Cv = (
    staticnets::conv1!(2, 10, 3, 3, stride = 2, dilation = 2),
    Dense<9, 4>,
);
/// 2 maps of 5 x 5, 2 filters of 3 x 2 (stride 1, `valid`), then a dense read-out: PyTorch's
/// `Conv2d(2, 2, (3, 2))`, `Linear(24, 3)`.
type Cv2 = (staticnets::conv2!(2, 5, 5, 2, 3, 2), Dense<24, 3>);
type Ls = (
    staticnets::sequence!(Lstm<2, 4>, steps = 5),
    staticnets::sequence!(TimeDense<4, 3>, steps = 5),
);

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn read_f32s(p: &Path) -> Vec<f32> {
    let b = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// One model's half of the round trip; returns whether it passed.
fn one<L: Layers + PartialEq>(name: &str, body: impl Fn() -> L, dir: &Path, export: bool) -> bool {
    let mut t: Box<staticnets::trainer!(L, batch = ROWS, optimizer = sgd)> =
        Box::new(Trainer::new(body()));
    let path = |suffix: &str| dir.join(format!("{name}{suffix}"));
    if export {
        t.net.init(42);
        let x: Vec<f32> = (0..ROWS * L::NIN)
            .map(|k| ((k * 37 % 23) as f32 / 23.0 - 0.5) * 1.5)
            .collect();
        let mut y = vec![0.0; ROWS * L::NOUT];
        t.predict(&x, &mut y).expect("predict");
        let mut file = vec![0u8; t.net.safetensors_len()];
        t.net.save_safetensors(&mut file).expect("export");
        std::fs::write(path(".safetensors"), &file).expect("write");
        std::fs::write(path(".x.f32"), f32s(&x)).expect("write");
        std::fs::write(path(".y.f32"), f32s(&y)).expect("write");
        println!("{name}: exported {} bytes", file.len());
        return true;
    }
    let file = std::fs::read(path(".py.safetensors")).expect("read Python's file");
    if let Err(e) = t.net.load_safetensors(&file) {
        println!("{name}: FAILED to import Python's file: {e}");
        return false;
    }
    let x = read_f32s(&path(".x.f32"));
    let want = read_f32s(&path(".py.y.f32"));
    let mut y = vec![0.0; ROWS * L::NOUT];
    t.predict(&x, &mut y).expect("predict");
    let worst = y
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    // Again through our own export: the same parameters, bit for bit.
    let mut again = vec![0u8; t.net.safetensors_len()];
    t.net.save_safetensors(&mut again).expect("export");
    let mut u: Box<staticnets::trainer!(L, batch = ROWS, optimizer = sgd)> =
        Box::new(Trainer::new(body()));
    u.net.load_safetensors(&again).expect("re-import");
    let same = u.net == t.net;
    let ok = worst <= 1e-5 && same;
    println!(
        "{name}: imported Python's weights; outputs within {worst:.1e} of Python's float64 \
         (limit 1e-5); re-export and import {}: {}",
        if same { "bit-identical" } else { "DIFFERENT" },
        if ok { "ok" } else { "FAILED" }
    );
    ok
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: safetensors export|import DIR");
        std::process::exit(2);
    };
    let export = match mode.as_str() {
        "export" => true,
        "import" => false,
        _ => {
            eprintln!("usage: safetensors export|import DIR");
            std::process::exit(2);
        }
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir).expect("create DIR");
    let ok = [
        one::<Ff>(
            "ff",
            || (Dense::new(Tanh), Dense::new(Sigmoid)),
            dir,
            export,
        ),
        one::<Tie>(
            "tied",
            || Tied::new(Dense::new(Sigmoid), Identity, Linear),
            dir,
            export,
        ),
        one::<Rn>(
            "rnn",
            || (Rnn::new(Tanh), TimeDense::new(Linear)),
            dir,
            export,
        ),
        one::<Ls>(
            "lstm",
            || (Lstm::new(false), TimeDense::new(Linear)),
            dir,
            export,
        ),
        one::<Cv>(
            "conv1",
            || (staticnets::layers::Conv1::new(Tanh), Dense::new(Linear)),
            dir,
            export,
        ),
        one::<Cv2>(
            "conv2",
            || (staticnets::layers::Conv2::new(Relu), Dense::new(Linear)),
            dir,
            export,
        ),
    ];
    if ok.iter().any(|&o| !o) {
        std::process::exit(1);
    }
}
