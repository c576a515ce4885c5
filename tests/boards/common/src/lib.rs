//! What every board example runs: fine-tune the 64-32-64 digits autoencoder pretrained on the
//! host (`tests/firmware/digits-ae.snet`, in flash) on 16 digits shifted one pixel right, with
//! weight_l2, hidden_l1 and input noise, in a trainer that lives in `.bss`. The board's
//! `main` sets its clocks up and calls [`run`] with a clock for the cost of an update.
#![no_std]

use static_cell::ConstStaticCell;
use staticnets::Error;
use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense};
use staticnets::train::{Data, Report, Trainer};

/// The model: 64 inputs, 32 ReLU units, 64 sigmoid outputs.
pub type Body = (Dense<64, 32>, Dense<32, 64>);
/// Batches of up to 4 rows, no Jacobian buffers, adam's two slots.
pub type T = staticnets::trainer!(Body, batch = 4, optimizer = adam);
/// Digits to fine-tune on, and as many held out.
pub const ROWS: usize = 16;

/// The pretrained model (a checkpoint, verified before use).
pub static PRETRAINED: &[u8] = include_bytes!("../../../firmware/digits-ae.snet");

/// Every byte zero: `.bss`, nothing in flash, nothing copied at boot.
static TRAINER: ConstStaticCell<T> = ConstStaticCell::new(Trainer::zeroed());
static DIGITS: ConstStaticCell<[f32; 2 * ROWS * 64]> = ConstStaticCell::new([0.0; 2 * ROWS * 64]);

const FINE_TUNE: &str = "algo = adam\nlearning_rate = 0.002\nbatch_size = 4\nmax_updates = 40\n\
                         validate_every = 5\npatience = 100\nweight_l2 = 0.0001\nhidden_l1 = 0.001\n\
                         input_noise = 0.05";

/// What a fine-tuning run did.
pub struct Outcome {
    /// Reconstruction error (mse) on the digits trained on and on the held-out ones, before.
    pub before: [f64; 2],
    /// The same after.
    pub after: [f64; 2],
    /// What one update took, in the units of the clock passed in.
    pub per_update: u32,
}

/// Fine-tune (once: the statics are taken). `clock` reads a free-running counter (cycles or
/// microseconds); `each` sees every pass's report.
pub fn fine_tune(
    clock: &mut dyn FnMut() -> u32,
    each: &mut dyn FnMut(&Report),
) -> Result<Outcome, Error> {
    let (Some(t), Some(x)) = (TRAINER.try_take(), DIGITS.try_take()) else {
        return Err(Error::BadValue {
            name: "fine_tune (runs once: its statics are taken)",
        });
    };
    t.init_zeroed(|body| {
        body.0.act = Relu;
        body.1.act = Sigmoid;
    });
    t.net.load(PRETRAINED)?;
    let d = Digits::bundled();
    for r in 0..2 * ROWS {
        let mut img = [0.0f32; 64];
        d.image(1516 + r, &mut img);
        for p in 0..64 {
            x[r * 64 + p] = if p % 8 == 0 { 0.0 } else { img[p - 1] };
        }
    }
    let (new, held) = x.split_at(ROWS * 64);
    let (new, held) = (Data::autoencoder(new), Data::autoencoder(held));
    t.config.parse(FINE_TUNE)?;
    t.restart(&new)?;
    let before = [t.validate(&new)?.err, t.validate(&held)?.err];
    let start = clock();
    t.train(&new, &new, |r| {
        each(r);
        true
    })?;
    let updates = t.updates().max(1) as u32;
    let per_update = clock().wrapping_sub(start) / updates;
    let after = [t.validate(&new)?.err, t.validate(&held)?.err];
    Ok(Outcome {
        before,
        after,
        per_update,
    })
}

/// Fine-tune and print the progress and the outcome over defmt: the whole of a board's work
/// once its clocks run. `clock` counts `unit`s (cycles, or microseconds).
pub fn run(board: &str, clock: &mut dyn FnMut() -> u32, unit: &str) {
    defmt::println!(
        "staticnets on {=str}: fine-tuning the digits autoencoder",
        board
    );
    let outcome = fine_tune(clock, &mut |r| {
        if r.pass % 10 == 0 {
            defmt::println!(
                "pass {=u32}: loss {=f64}, error {=f64}",
                r.pass,
                r.loss,
                r.err
            );
        }
    });
    match outcome {
        Ok(o) => defmt::println!(
            "error on the 16 digits trained on {=f64} -> {=f64}, held out {=f64} -> {=f64}; {=u32} {=str} per update",
            o.before[0],
            o.after[0],
            o.before[1],
            o.after[1],
            o.per_update,
            unit
        ),
        Err(e) => defmt::println!("failed: {}", defmt::Display2Format(&e)),
    }
}
