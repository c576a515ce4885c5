//! The reference models of `make bench`, defined once for every staticnets figure: the
//! native bench (`cargo run --release -p staticnets-wasm --example bench`) and the wasm one
//! (the `Bench` class, built with `--features bench`, in Node and in Chromium).
//!
//! - **S**: 64-32-64 tied autoencoder, sigmoid hidden, linear output, MSE, batch 32, the
//!   digits (pixels / 16).
//! - **L**: 784-256-784 untied, sigmoid hidden, linear output, MSE, batch 64, 1024 rows of
//!   uniform data in [0, 1) (xorshift seed 7).
//! - **V**: the vibration autoencoder of the firmware example: 128 samples -> conv1 (4
//!   filters of 8, stride 4, tanh) -> max pool 2 -> 16 (relu) -> 128 (linear), batch 32, 512
//!   windows `sin(2 pi 5 t / 128 + 0.37 r) + 0.3 sin(2 pi 10 t / 128 + 1.1 r)` (row `r`,
//!   sample `t`; the same formula in every harness). Plain only.
//! - **D**: the page's convolutional preset: 8x8 digits -> conv2 (6 filters 3x3, relu) ->
//!   max pool 2x2 -> 32 (relu) -> 64 (sigmoid), batch 32, the digits. Plain only.
//! - **plain**: SGD, learning rate 0.01, no clipping. **regularized**: plus
//!   `weight_l2 = 1e-4`, `hidden_l1 = 0.1`, `input_noise = 0.1`.
//!
//! One step is one batch: noise, forward, loss, backward, update (`Trainer::steps`, which
//! also picks the batch from the shuffled order and checks the rows its batches take).

use staticnets::Error;
use staticnets::datasets::Digits;
use staticnets::layers::{
    Activation::*, Conv1, Conv2, Dense, Identity, Layers, Pool1, Pool2, Tied,
};
use staticnets::rng::XorShift;
use staticnets::train::{Data, Trainer};

/// The optimizer every model uses.
pub const PLAIN: &str =
    "algo = sgd\nlearning_rate = 0.01\nmomentum = 0\nmax_gradient_norm = 0\nmax_gradient_elem = 0";
/// What "regularized" adds.
pub const REGULARIZED: &str = "weight_l2 = 1e-4\nhidden_l1 = 0.1\ninput_noise = 0.1";

/// A trainer and its data, stepping on demand.
pub trait Stepper {
    /// `n` steps; the mean loss of those batches.
    fn steps(&mut self, n: usize) -> Result<f64, Error>;
}

struct Run<L: Layers, const B: usize> {
    t: Box<staticnets::trainer!(L, batch = B, optimizer = sgd + momentum)>,
    x: Vec<f32>,
}

impl<L: Layers, const B: usize> Stepper for Run<L, B> {
    fn steps(&mut self, n: usize) -> Result<f64, Error> {
        let data = Data::autoencoder(&self.x);
        Ok(self.t.steps(&data, n)?.loss)
    }
}

/// Configure and start `t` on `x` (autoencoder) with the optimizer, the batch size and
/// `extra`.
fn run<L: Layers + 'static, const B: usize>(
    mut t: Box<staticnets::trainer!(L, batch = B, optimizer = sgd + momentum)>,
    x: Vec<f32>,
    batch: usize,
    extra: &str,
) -> Result<Box<dyn Stepper>, Error> {
    t.config.parse(PLAIN)?;
    t.config.batch_size = batch;
    t.config.parse(extra)?;
    t.start(&Data::autoencoder(&x))?;
    Ok(Box::new(Run { t, x }))
}

/// V's data: `rows` windows of 128 samples of two sines (see the module docs).
pub fn waves(rows: usize) -> Vec<f32> {
    let tau = 2.0 * core::f64::consts::PI;
    (0..rows * 128)
        .map(|k| {
            let (r, t) = ((k / 128) as f64, (k % 128) as f64);
            ((tau * 5.0 * t / 128.0 + 0.37 * r).sin()
                + 0.3 * (tau * 10.0 * t / 128.0 + 1.1 * r).sin()) as f32
        })
        .collect()
}

/// The models and the variants each is measured in.
pub const MODELS: [(&str, &[bool]); 4] = [
    ("S", &[false, true]),
    ("L", &[false, true]),
    ("V", &[false]),
    ("D", &[false]),
];

/// All images of a digits file, pixels / 16.
pub fn digits(bytes: &[u8]) -> Result<Vec<f32>, Error> {
    let d = Digits::parse(bytes)?;
    let mut x = vec![0.0f32; d.len() * 64];
    let mut labels = vec![0u32; d.len()];
    d.fill(0, &mut x, &mut labels)?;
    Ok(x)
}

fn tied<const H: usize, const B: usize>()
-> Box<staticnets::trainer!(Tied<64, H>, batch = B, optimizer = sgd + momentum)> {
    Box::new(Trainer::new(Tied::new(
        Dense::new(Sigmoid),
        Identity,
        Linear,
    )))
}

/// Model `"S"` or `"L"`, plain or regularized; `digits` is the digits file (S's data).
pub fn reference(
    model: &str,
    regularized: bool,
    digits_file: &[u8],
) -> Result<Box<dyn Stepper>, Error> {
    let extra = if regularized { REGULARIZED } else { "" };
    match model {
        "S" => run(tied::<32, 32>(), digits(digits_file)?, 32, extra),
        "L" => {
            type L = (Dense<784, 256>, Dense<256, 784>);
            let mut rng = XorShift::new(7);
            let x: Vec<f32> = (0..1024 * 784).map(|_| rng.uniform()).collect();
            // Built zeroed in place: megabytes never pass through the stack.
            let mut t: Box<staticnets::trainer!(L, batch = 64, optimizer = sgd + momentum)> =
                Box::new(Trainer::zeroed());
            t.init_zeroed(|body| {
                body.0.act = Sigmoid;
                body.1.act = Linear;
            });
            run(t, x, 64, extra)
        }
        "V" if !regularized => {
            type V = (
                staticnets::conv1!(1, 128, 4, 8, stride = 4),
                staticnets::pool1!(4, 31, 2, max),
                Dense<60, 16>,
                Dense<16, 128>,
            );
            let t: Box<staticnets::trainer!(V, batch = 32, optimizer = sgd + momentum)> =
                Box::new(Trainer::new((
                    Conv1::new(Tanh),
                    Pool1::new(Linear),
                    Dense::new(Relu),
                    Dense::new(Linear),
                )));
            run(t, waves(512), 32, "")
        }
        "D" if !regularized => {
            type D = (
                staticnets::conv2!(1, 8, 8, 6, 3, 3),
                staticnets::pool2!(6, 6, 6, 2, 2, max),
                Dense<54, 32>,
                Dense<32, 64>,
            );
            let t: Box<staticnets::trainer!(D, batch = 32, optimizer = sgd + momentum)> =
                Box::new(Trainer::new((
                    Conv2::new(Relu),
                    Pool2::new(Linear),
                    Dense::new(Relu),
                    Dense::new(Sigmoid),
                )));
            run(t, digits(digits_file)?, 32, "")
        }
        _ => Err(Error::BadValue {
            name: "bench model (S or L, plain or regularized; V or D, plain)",
        }),
    }
}

/// S's shape, plain, at another batch size (1 to 256) or hidden width (16 to 512):
/// `("batch", b)` or `("hidden", h)`.
pub fn sweep(kind: &str, value: usize, digits_file: &[u8]) -> Result<Box<dyn Stepper>, Error> {
    let x = digits(digits_file)?;
    macro_rules! pick {
        ($v:expr, $mk:ident, [$($n:literal)*]) => {
            match $v {
                $($n => $mk!($n),)*
                _ => Err(Error::BadValue { name: "sweep value" }),
            }
        };
    }
    macro_rules! batch {
        ($b:literal) => {
            run(tied::<32, $b>(), x, $b, "")
        };
    }
    macro_rules! hidden {
        ($h:literal) => {
            run(tied::<$h, 32>(), x, 32, "")
        };
    }
    match kind {
        "batch" => pick!(value, batch, [1 4 16 32 64 128 256]),
        "hidden" => pick!(value, hidden, [16 32 64 128 256 512]),
        _ => Err(Error::BadValue {
            name: "sweep kind (batch or hidden)",
        }),
    }
}

/// The sweep points, in order.
pub const SWEEP: [(&str, &[usize]); 2] = [
    ("batch", &[1, 4, 16, 32, 64, 128, 256]),
    ("hidden", &[16, 32, 64, 128, 256, 512]),
];

/// The products' best case, for `make bench`'s ceilings: `reps` products `x W + b` of
/// 24x128 . 128x32 (`kernels::affine`), whose operands (31 KB) all stay in L1 and whose
/// shape is whole register tiles at every level (24 rows: 6-row and 4-row tiles; 32
/// columns: panels of 32, 16 and 8), so nearly all the time is the tiles' multiply-adds.
/// Returns the floating-point operations done (the caller times the call).
pub fn products_in_l1(reps: u32) -> f64 {
    use staticnets::kernels::affine;
    const M: usize = 24;
    const K: usize = 128;
    const N: usize = 32;
    let fill = |n: usize| (0..n).map(|i| (i % 13) as f32 * 0.01).collect::<Vec<f32>>();
    let (x, w, b) = (fill(M * K), fill(K * N), fill(N));
    let mut out = vec![0.0f32; M * N];
    for _ in 0..reps {
        affine(&x, &w, &b, &mut out, M, K, N);
        // (the result feeds nothing, so keep the compiler from dropping the work)
        core::hint::black_box(&mut out);
    }
    2.0 * (M * K * N) as f64 * reps as f64
}
