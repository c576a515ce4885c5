//! `make bench-mcu`: what training costs on a Cortex-M4F (QEMU mps2-an386, instructions
//! counted with `-icount`; see `../cost.rs`), for an autoencoder on the bundled digits:
//! 64-32-64 (relu, sigmoid), or 64-44-64 with `--features large` (the largest of this
//! shape whose trainer, without a best copy, fits the part's RAM with its stack).
//! Batch 4, adam. Prints one `bench-mcu` line per figure for `scripts/bench-mcu` to table.
#![no_std]
#![no_main]

#[path = "../cost.rs"]
#[allow(dead_code)] // (the firmware's helpers this binary does not use)
mod cost;
#[path = "../finish.rs"]
mod finish;
#[path = "../stack.rs"]
#[allow(dead_code)] // (the overflow test's half of the module)
mod stack;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use static_cell::ConstStaticCell;
use staticnets::Error;
use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense, Layers};
use staticnets::train::{Data, Trainer};

#[cfg(not(feature = "large"))]
const HIDDEN: usize = 32;
#[cfg(feature = "large")]
const HIDDEN: usize = 44;
type Body = (Dense<64, HIDDEN>, Dense<HIDDEN, 64>);
const B: usize = 4;
type T = staticnets::trainer!(Body, batch = B, optimizer = adam, no_best_copy);
const ROWS: usize = 16;

static TRAINER: ConstStaticCell<T> = ConstStaticCell::new(Trainer::zeroed());
static X: ConstStaticCell<[f32; ROWS * 64]> = ConstStaticCell::new([0.0; ROWS * 64]);

const PLAIN: &str = "algo = adam\nlearning_rate = 0.002\nbatch_size = 4";
const REGULARIZED: &str = "weight_l2 = 0.0001\nhidden_l1 = 0.001\ninput_noise = 0.05";
/// The same, with the steps computing no penalty values (gradients only).
const LEAN: &str = "monitor_penalties = false";

#[entry]
fn main() -> ! {
    stack::paint();
    finish::finish("bench-mcu", run())
}

fn instructions(c: cost::Cost) -> u64 {
    match c {
        cost::Cost::Cycles(n) | cost::Cost::Instructions(n) => n,
    }
}

fn run() -> Result<(), Error> {
    let mut meter = cost::Meter::new().ok_or(Error::NotStarted)?;
    let t = TRAINER.try_take().ok_or(Error::NotStarted)?;
    t.init_zeroed(|body| {
        body.0.act = Relu;
        body.1.act = Sigmoid;
    });
    t.net.init(1);
    let x = X.try_take().ok_or(Error::NotStarted)?;
    let digits = Digits::bundled();
    for (r, row) in x.chunks_exact_mut(64).enumerate() {
        let mut img = [0.0f32; 64];
        digits.image(r, &mut img);
        row.copy_from_slice(&img);
    }
    let data = Data::autoencoder(&x[..]);
    let params = <Body as Layers>::PARAMS;
    hprintln!("bench-mcu model 64-{}-64", HIDDEN);
    hprintln!("bench-mcu params {}", params);
    let mut deepest = 0;
    let mut costs = [0u64; 3];
    for (k, extra) in [[""; 2], [REGULARIZED, ""], [REGULARIZED, LEAN]]
        .into_iter()
        .enumerate()
    {
        t.config = staticnets::train::TrainConfig::with_capacity(B, 2);
        t.config.parse(PLAIN)?;
        for e in extra {
            t.config.parse(e)?;
        }
        t.restart(&data)?;
        let (c, stack) = stack::used_by(|| meter.mean(1, || t.steps(&data, 20).map(|_| ())));
        costs[k] = instructions(c?) / 20;
        deepest = deepest.max(stack);
    }
    let mut out = [0.0f32; B * 64];
    let forward = instructions(meter.mean(20, || t.predict(&x[..B * 64], &mut out))?);
    hprintln!("bench-mcu forward {}", forward);
    hprintln!("bench-mcu plain {}", costs[0]);
    hprintln!("bench-mcu regularized {}", costs[1]);
    hprintln!("bench-mcu regularized-lean {}", costs[2]);
    hprintln!(
        "bench-mcu per-parameter {:.1}",
        costs[0] as f32 / params as f32
    );
    hprintln!("bench-mcu step-stack {}", deepest);
    hprintln!("bench-mcu trainer {}", T::BYTES);
    Ok(())
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    finish::exit(false)
}
