//! Vibration anomaly detection, fine-tuned on the device (Cortex-M4F under QEMU).
//!
//! A 1-D convolutional autoencoder (128 samples -> conv1, 4 filters of 8 with stride 4 ->
//! max pool 2 -> 16 -> 128) was trained at the factory on a healthy machine's vibration
//! (`cargo run --release -p staticnets --example vibration -- --save
//! tests/firmware/vibration-ae.snet`); a window it cannot reconstruct is an anomaly. Bolted
//! to a machine with another speed and spectrum, it flags everything. So the device learns
//! its own machine's normal: it fine-tunes on the healthy windows its sensor records, each
//! update on the latest 4 (here made by `staticnets::datasets::vibration`, the same generator
//! as the host's), recalibrates its threshold on 32 more, and then scores 64 healthy windows and 64 with a bearing fault (an
//! impulse train). It prints both confusion tables, the RAM, the stack and the instructions
//! of an update.
//!
//! Exit status 0 only if: before fine-tuning the detector false-alarms on most healthy
//! windows, and after it detects at least 60 of the 64 faults with at most 3 false alarms.
#![no_std]
#![no_main]

#[path = "../cost.rs"]
#[allow(dead_code)]
mod cost;
#[path = "../finish.rs"]
mod finish;
#[path = "../stack.rs"]
#[allow(dead_code)]
mod stack;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use static_cell::ConstStaticCell;
use staticnets::Error;
use staticnets::datasets::vibration::{Machine, WINDOW, window};
use staticnets::layers::{Activation::*, Dense, Layers};
use staticnets::rng::XorShift;
use staticnets::train::{Data, Trainer};
use staticnets::{conv1, pool1};

type Body = (
    conv1!(1, WINDOW, 4, 8, stride = 4),
    pool1!(4, 31, 2, max),
    Dense<60, 16>,
    Dense<16, WINDOW>,
);
const B: usize = 4;
type T = staticnets::trainer!(Body, batch = B, optimizer = adam);

/// Updates of the fine-tuning, each on the `B` windows the sensor gave last.
const UPDATES: usize = 1500;
/// Healthy windows it scores to set its threshold.
const CALIBRATE: usize = 32;
/// Test windows of each kind.
const TEST: usize = 64;

static TRAINER: ConstStaticCell<T> = ConstStaticCell::new(Trainer::zeroed());
/// The latest `B` windows from the sensor.
static RECORDED: ConstStaticCell<[f32; B * WINDOW]> = ConstStaticCell::new([0.0; B * WINDOW]);
/// The factory's model, in flash.
static PRETRAINED: &[u8] = include_bytes!("../../vibration-ae.snet");

const FINE_TUNE: &str = "algo = adam\nlearning_rate = 0.005\nbatch_size = 4\nweight_l2 = 0.0001";

#[entry]
fn main() -> ! {
    stack::paint();
    finish::finish("vibration", run())
}

/// A window's reconstruction error (mean squared).
fn score(t: &mut T, w: &[f32]) -> Result<f32, Error> {
    let mut y = [0.0f32; WINDOW];
    t.predict(w, &mut y)?;
    Ok(w.iter()
        .zip(&y)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f32>()
        / WINDOW as f32)
}

/// The threshold: twice the largest error on `n` healthy windows of `machine`.
fn calibrate(t: &mut T, machine: &Machine, seed: u64, n: usize) -> Result<f32, Error> {
    let mut rng = XorShift::new(seed);
    let mut w = [0.0f32; WINDOW];
    let mut worst = 0.0f32;
    for _ in 0..n {
        window(machine, false, &mut rng, &mut w);
        worst = worst.max(score(t, &w)?);
    }
    Ok(2.0 * worst)
}

/// How many of `TEST` windows of each kind are flagged: (healthy flagged, faulty flagged).
fn confusion(t: &mut T, threshold: f32) -> Result<(usize, usize), Error> {
    let mut rng = XorShift::new(99);
    let mut w = [0.0f32; WINDOW];
    let mut flagged = [0usize; 2];
    for i in 0..2 * TEST {
        let fault = i % 2 == 1;
        window(&Machine::SITE, fault, &mut rng, &mut w);
        if score(t, &w)? > threshold {
            flagged[fault as usize] += 1;
        }
    }
    Ok((flagged[0], flagged[1]))
}

fn table(when: &str, threshold: f32, (false_alarms, detected): (usize, usize)) {
    hprintln!("{} (threshold {:.4}):", when, threshold);
    hprintln!("                   flagged  passed");
    hprintln!(
        "  healthy ({})       {:>3}     {:>3}",
        TEST,
        false_alarms,
        TEST - false_alarms
    );
    hprintln!(
        "  bearing fault ({}) {:>3}     {:>3}",
        TEST,
        detected,
        TEST - detected
    );
}

fn run() -> Result<(), Error> {
    let t = TRAINER.try_take().ok_or(Error::NotStarted)?;
    // the activations the factory model was trained with (its checkpoint checks them)
    t.init_zeroed(|body| {
        body.0.act = Tanh;
        body.1.act = Linear;
        body.2.act = Relu;
        body.3.act = Linear;
    });
    t.net.load(PRETRAINED)?;
    hprintln!(
        "model conv1(4 x 8, stride 4) -> max pool 2 -> 16 -> 128: {} parameters, batch {}, adam",
        <Body as Layers>::PARAMS,
        B
    );
    hprintln!(
        "trainer {} bytes in .bss (parameters, gradients, best copy, adam, activations)",
        T::BYTES
    );
    // The factory's threshold, from the machine it was trained on.
    let factory = calibrate(t, &Machine::FACTORY, 5, CALIBRATE)?;
    let before = confusion(t, factory)?;
    table("before fine-tuning, factory threshold", factory, before);

    // Learning the site's normal from the sensor's stream: each update on the latest B windows
    // (a device keeps no archive), so it sees new windows all the time and cannot memorize them.
    let x = RECORDED.try_take().ok_or(Error::NotStarted)?;
    let mut rng = XorShift::new(11);
    let mut record = |x: &mut [f32; B * WINDOW]| {
        for w in x.chunks_exact_mut(WINDOW) {
            window(&Machine::SITE, false, &mut rng, w);
        }
    };
    record(x);
    t.config = staticnets::train::TrainConfig::with_capacity(B, 2);
    t.config.parse(FINE_TUNE)?;
    t.restart(&Data::autoencoder(&x[..]))?;
    let mean = |t: &mut T| -> Result<f32, Error> {
        let mut held = XorShift::new(7);
        let mut w = [0.0f32; WINDOW];
        let mut sum = 0.0f32;
        for _ in 0..CALIBRATE {
            window(&Machine::SITE, false, &mut held, &mut w);
            sum += score(t, &w)?;
        }
        Ok(sum / CALIBRATE as f32)
    };
    let first = mean(t)?;
    let (done, stack) = stack::used_by(|| -> Result<(), Error> {
        for _ in 0..UPDATES {
            record(x);
            t.steps(&Data::autoencoder(&x[..]), 1)?;
        }
        Ok(())
    });
    done?;
    hprintln!(
        "fine-tuned with {} updates on {} windows of the healthy site machine: mean reconstruction error on {} others {:.5} -> {:.5}",
        UPDATES,
        UPDATES * B,
        CALIBRATE,
        first,
        mean(t)?
    );
    let site = calibrate(t, &Machine::SITE, 6, CALIBRATE)?;
    let after = confusion(t, site)?;
    table("after fine-tuning, recalibrated threshold", site, after);

    let mut meter = cost::Meter::new().ok_or(Error::NotStarted)?;
    let data = Data::autoencoder(&x[..]);
    let c = meter.mean(1, || t.steps(&data, 20).map(|_| ()))?;
    match c.per(20) {
        cost::Cost::Cycles(n) => hprintln!("one update, batch {}: {} cycles (DWT CYCCNT)", B, n),
        cost::Cost::Instructions(n) => {
            hprintln!("one update, batch {}: {} instructions (QEMU -icount)", B, n)
        }
    }
    let mut w = [0.0f32; WINDOW];
    window(&Machine::SITE, false, &mut rng, &mut w);
    let c = meter.mean(20, || score(t, &w).map(|_| ()))?;
    let (cost::Cost::Instructions(n) | cost::Cost::Cycles(n)) = c;
    hprintln!("scoring one window: {} instructions", n);
    hprintln!(
        "stack: {} bytes at the deepest while training, {} over the whole run",
        stack,
        stack::high_water()
    );
    let ok = before.0 >= TEST / 2 && after.1 >= 60 && after.0 <= 3;
    hprintln!("vibration: {}", if ok { "ok" } else { "FAILED" });
    finish::exit(ok)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    finish::exit(false)
}
