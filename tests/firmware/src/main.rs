//! On-device fine-tuning on a Cortex-M4F (QEMU mps2-an386), over semihosting.
//!
//! A 64-32-64 digits autoencoder pretrained on the host (`cargo run --release -p staticnets
//! --example digits -- --save tests/firmware/digits-ae.snet`) is embedded with
//! `include_bytes!`, checked and loaded into a trainer that lives in a `static`, then
//! fine-tuned on a few digits shifted one pixel to the right (which it reconstructs badly),
//! with weight_l2, hidden_l1, input_noise and an L2-SP pull towards the pretrained weights
//! (`prox`, its reference read in place from the checkpoint in flash).
//! A second run freezes the encoder (`frozen = hid1.*`) and trains only the decoder.
//!
//! Exit status 0 only if: the checkpoint loads, the error on held-out shifted digits drops, and the error on the original digits stays
//! within 3x of where it started (and below the same run without `prox`) (the bound that says fine-tuning did not erase the model).
//! Built with `--features broken-checkpoint`, one byte of the checkpoint is flipped first and
//! the firmware must refuse it with a clear error and exit 1. Built with
//! `--features conformance`, it runs only the cross-target conformance run instead; with
//! `--features kernels`, only the products at each kernel level against their reference; with
//! `--features stack-overflow`, only a runaway recursion, which must end in the fault handler
//! (`stack.rs`: the stack lies below the statics, so an overflow cannot reach them).
#![no_std]
#![no_main]
// The conformance build runs only the conformance run: the fine-tuning code goes unused.
#![cfg_attr(
    any(
        feature = "conformance",
        feature = "stack-overflow",
        feature = "kernels"
    ),
    allow(dead_code, unused_imports)
)]

#[cfg(feature = "conformance")]
mod conformance;
mod cost;
mod finish;
#[cfg(feature = "kernels")]
mod kernels;
mod stack;

use core::fmt;
use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use static_cell::ConstStaticCell;
use staticnets::Error;
use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense, Layers};
use staticnets::network::{Network, Workspace};
use staticnets::optim::OptimState;
use staticnets::train::{Data, Trainer};

type Body = (Dense<64, 32>, Dense<32, 64>);
/// Rows per batch; fine-tuning uses 4, batch size 1 works too.
const B: usize = 4;
/// Optimizer slots: adam keeps two moments.
const S: usize = staticnets::optim::slots_of("adam");
/// With the pretrained weights as `prox`'s reference, read in place from flash (no RAM).
type T = staticnets::trainer!(Body, batch = B, optimizer = adam, reference_in_place);

/// The trainer: network, gradients, best copy, optimizer state and activations, every byte
/// zero, so it sits in `.bss` (nothing in flash, never built on the stack);
/// `Trainer::init_zeroed` sets the activations and the default configuration at run time.
static TRAINER: ConstStaticCell<T> = ConstStaticCell::new(Trainer::zeroed());
/// The digits the firmware fine-tunes on and measures.
static DIGITS: ConstStaticCell<[f32; ROWS * 64]> = ConstStaticCell::new([0.0; ROWS * 64]);

/// The pretrained model, in flash.
#[cfg(not(feature = "pytorch-base"))]
static PRETRAINED: &[u8] = include_bytes!("../digits-ae.snet");
/// `--features pytorch-base` (`make pytorch-example`): the base model PyTorch trained,
/// imported from safetensors and saved as a checkpoint by `cargo run --example pytorch`; its
/// path is in `STATICNETS_FIRMWARE_BASE` at build time.
#[cfg(feature = "pytorch-base")]
static PRETRAINED: &[u8] = include_bytes!(env!("STATICNETS_FIRMWARE_BASE"));

/// Original digits to check the model still knows, shifted digits to learn, shifted digits
/// held out to measure what was learned.
const OLD: usize = 16;
const NEW: usize = 16;
const HELD_OUT: usize = 16;
const ROWS: usize = OLD + NEW + HELD_OUT;

const FINE_TUNE: &str = "algo = adam\nlearning_rate = 0.002\nbatch_size = 4\nmax_updates = 40\n\
                         validate_every = 5\npatience = 100";
/// The penalties of the fine-tuning: weight decay, sparse codes, denoising, and L2-SP (`prox`
/// towards the pretrained weights).
const PENALTIES: [&str; 4] = [
    "weight_l2 = 0.0001",
    "hidden_l1 = 0.001",
    "input_noise = 0.05",
    "prox = 0.0025",
];
/// The most the error on the original digits may grow by, as a factor, with `prox` on.
/// The bound is stated for the embedded base model; a base model from elsewhere
/// (`pytorch-base`) is only held to doing better with `prox` than without.
const OLD_BOUND: Option<f64> = if cfg!(feature = "pytorch-base") {
    None
} else {
    Some(3.0)
};

enum Fail {
    Core(Error),
    Check(&'static str),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Core(e)
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Core(e) => write!(f, "{e}"),
            Fail::Check(s) => f.write_str(s),
        }
    }
}

#[entry]
#[cfg_attr(feature = "stack-overflow", allow(unreachable_code))]
fn main() -> ! {
    stack::paint();
    #[cfg(feature = "stack-overflow")]
    finish::exit(stack::overflow());
    #[cfg(feature = "conformance")]
    finish::exit(conformance::check());
    #[cfg(feature = "kernels")]
    finish::exit(kernels::check());
    #[cfg(not(any(
        feature = "conformance",
        feature = "stack-overflow",
        feature = "kernels"
    )))]
    finish::finish("firmware", run())
}

fn print_bytes() {
    let p = Network::<Body>::PARAM_BYTES;
    let opt = OptimState::<Body, S>::BYTES;
    let act = Workspace::<Body, B, 0>::ACTIVATION_BYTES;
    let jac = Workspace::<Body, B, 0>::JACOBIAN_BYTES;
    let parts = 3 * p + opt + Workspace::<Body, B, 0>::BYTES;
    hprintln!(
        "model 64-32-64 (relu, sigmoid), {} parameters, batch {}, adam",
        <Body as Layers>::PARAMS,
        B
    );
    hprintln!("RAM to train, known at compile time (bytes):");
    hprintln!("  parameters        {:>6}", p);
    hprintln!("  gradients         {:>6}", p);
    hprintln!(
        "  best parameters   {:>6}  (restored if a step diverges)",
        p
    );
    hprintln!("  optimizer state   {:>6}", opt);
    hprintln!("  activations       {:>6}", act);
    hprintln!("  jacobians         {:>6}", jac);
    hprintln!("  sum of buffers    {:>6}", parts);
    hprintln!(
        "  trainer in all    {:>6}  (overhead {}: configuration, batch order, generators)",
        T::BYTES,
        T::BYTES - parts
    );
    // The lean option for fixed-step fine-tuning: no copy of known-good parameters.
    type Lean = staticnets::trainer!(Body, batch = B, optimizer = adam, no_best_copy);
    hprintln!(
        "  without the best copy (NoBestCopy): {} ({} less)",
        Lean::BYTES,
        T::BYTES - Lean::BYTES
    );
}

/// Fill `x` with the test digits: originals, then shifted one pixel right.
fn load_digits(x: &mut [f32; ROWS * 64]) {
    let d = Digits::bundled();
    for r in 0..ROWS {
        let mut img = [0.0f32; 64];
        d.image(1500 + r, &mut img);
        let row = &mut x[r * 64..(r + 1) * 64];
        if r < OLD {
            row.copy_from_slice(&img);
        } else {
            for p in 0..64 {
                row[p] = if p % 8 == 0 { 0.0 } else { img[p - 1] };
            }
        }
    }
}

/// Clean reconstruction error (mean squared) of `x`.
fn error(t: &mut T, x: &[f32]) -> Result<f64, Fail> {
    Ok(t.validate(&Data::autoencoder(x))?.err)
}

/// Load the checkpoint into `t` and configure the fine-tuning with `penalties` (of
/// [`PENALTIES`]), with `prox` pulling towards the checkpoint's weights, read in place from
/// flash (L2-SP).
fn load_for_fine_tuning(
    t: &mut T,
    checkpoint: &'static [u8],
    penalties: &[&str],
) -> Result<(), Fail> {
    t.net.load(checkpoint)?;
    t.set_reference_checkpoint(checkpoint)?;
    t.config = staticnets::train::TrainConfig::with_capacity(B, S);
    t.config.parse(FINE_TUNE)?;
    for p in penalties {
        t.config.parse(p)?;
    }
    Ok(())
}

/// Load the checkpoint, fine-tune with `extra` settings, and return the errors
/// (old, new, held-out) before and after.
fn fine_tune(
    t: &mut T,
    checkpoint: &'static [u8],
    x: &[f32],
    extra: &str,
) -> Result<([f64; 3], [f64; 3]), Fail> {
    load_for_fine_tuning(t, checkpoint, &PENALTIES)?;
    t.config.parse(extra)?;
    let (old, rest) = x.split_at(OLD * 64);
    let (new, held) = rest.split_at(NEW * 64);
    let data = Data::autoencoder(new);
    t.restart(&data)?;
    let before = [error(t, old)?, error(t, new)?, error(t, held)?];
    // (where the pull's term is reported: `prox = 0` removes it)
    let prox_at = t.config.regs.iter().position(|r| r.key == "prox");
    t.train(&data, &data, |r| {
        if r.pass % 10 == 0 {
            match prox_at {
                Some(k) => hprintln!(
                    "  pass {:>2}: loss {:.5}, error {:.5}, prox {:.2e}",
                    r.pass,
                    r.loss,
                    r.err,
                    r.regs[k]
                ),
                None => hprintln!(
                    "  pass {:>2}: loss {:.5}, error {:.5}",
                    r.pass,
                    r.loss,
                    r.err
                ),
            }
        }
        true
    })?;
    let after = [error(t, old)?, error(t, new)?, error(t, held)?];
    Ok((before, after))
}

/// Print one run's errors; fail unless the shifted digits improved and, with `bound`, the
/// original digits stayed within `bound` times their starting error.
fn report(name: &str, before: [f64; 3], after: [f64; 3], bound: Option<f64>) -> Result<(), Fail> {
    hprintln!("{}: reconstruction error (mse)  before -> after", name);
    hprintln!(
        "  original digits ({})          {:.5} -> {:.5}",
        OLD,
        before[0],
        after[0]
    );
    hprintln!(
        "  shifted, fine-tuned on ({})   {:.5} -> {:.5}",
        NEW,
        before[1],
        after[1]
    );
    hprintln!(
        "  shifted, held out ({})        {:.5} -> {:.5}",
        HELD_OUT,
        before[2],
        after[2]
    );
    if !(after[2] < before[2] && after[1] < before[1]) {
        return Err(Fail::Check("the error on the shifted digits did not drop"));
    }
    if let Some(b) = bound
        && !(after[0] <= b * before[0])
    {
        return Err(Fail::Check(
            "the error on the original digits grew past the stated bound",
        ));
    }
    Ok(())
}

fn run() -> Result<(), Fail> {
    print_bytes();
    let checkpoint: &'static [u8] = PRETRAINED;
    #[cfg(feature = "broken-checkpoint")]
    let checkpoint: &'static [u8] = {
        static COPY: ConstStaticCell<[u8; Network::<Body>::CHECKPOINT_BYTES]> =
            ConstStaticCell::new([0; Network::<Body>::CHECKPOINT_BYTES]);
        let copy = COPY
            .try_take()
            .ok_or(Fail::Check("checkpoint copy already taken"))?;
        copy.copy_from_slice(checkpoint);
        copy[1000] ^= 0x40; // one flipped bit in a weight
        hprintln!("broken-checkpoint build: flipped one bit of the checkpoint");
        copy
    };
    let t: &'static mut T = TRAINER
        .try_take()
        .ok_or(Fail::Check("trainer already taken"))?;
    t.init_zeroed(|body| {
        body.0.act = Relu;
        body.1.act = Sigmoid;
    });
    let x = DIGITS
        .try_take()
        .ok_or(Fail::Check("data buffer already taken"))?;
    t.net.verify_checkpoint(checkpoint)?;
    hprintln!("checkpoint: {} bytes, verified", checkpoint.len());
    load_digits(x);

    hprintln!("fine-tuning all layers without prox (for comparison)");
    let (before, plain) = fine_tune(t, checkpoint, x, "prox = 0")?;
    report("all layers, no prox", before, plain, None)?;

    hprintln!("fine-tuning all layers: weight_l2, hidden_l1, input_noise, prox; adam, 40 passes");
    let (before, after) = fine_tune(t, checkpoint, x, "")?;
    report("all layers, prox", before, after, OLD_BOUND)?;
    hprintln!(
        "prox keeps the original digits better than no prox: {}",
        after[0] < plain[0]
    );
    if !(after[0] < plain[0]) && !cfg!(feature = "fleet-base") {
        return Err(Fail::Check("prox did not keep the original digits better"));
    }

    hprintln!("fine-tuning the decoder only (frozen = hid1.*), one sample per batch");
    let (before, after) = fine_tune(
        t,
        checkpoint,
        x,
        "frozen = hid1.*\nbatch_size = 1\nmax_updates = 20",
    )?;
    report("decoder only, prox", before, after, OLD_BOUND)?;
    save_in_pages(t)?;
    #[cfg(feature = "pytorch-base")]
    export_for_pytorch(t, x)?;
    step_cost(t, checkpoint, x)?;
    hprintln!(
        "stack: {} bytes at the deepest (high-water mark by painting), of the {}-byte stack region below the statics",
        stack::high_water(),
        stack::room()
    );
    hprintln!("firmware: ok");
    Ok(())
}

/// What one update of the fine-tuning above costs (batch 4, adam, weight_l2, hidden_l1,
/// input_noise and prox), the same update with no regularizer and with each penalty alone,
/// and one clean forward pass of 4 rows; see `cost.rs`.
fn step_cost(t: &mut T, checkpoint: &'static [u8], x: &[f32]) -> Result<(), Fail> {
    let mut meter = cost::Meter::new().ok_or(Fail::Check("core peripherals already taken"))?;
    let new = &x[OLD * 64..(OLD + NEW) * 64];
    let data = Data::autoencoder(new);
    let all = "one update, batch 4, adam, weight_l2 + hidden_l1 + input_noise + prox";
    // (what, penalties, whether the steps compute the penalties' values for a report)
    let mut variants = [
        (all, &PENALTIES[..], true),
        (all, &PENALTIES[..], false),
        ("one update, batch 4, adam, no regularizer", &[], true),
        ("", &[], false),
        ("", &[], false),
        ("", &[], false),
        ("", &[], false),
    ];
    for (k, p) in PENALTIES.iter().enumerate() {
        variants[3 + k] = (p, core::slice::from_ref(p), false);
    }
    let mut deepest = 0;
    for (k, (what, penalties, monitor)) in variants.into_iter().enumerate() {
        load_for_fine_tuning(t, checkpoint, penalties)?;
        if !monitor {
            t.config.parse("monitor_penalties = false")?;
        }
        t.restart(&data)?;
        // One call of 20 updates: the per-call checks (data, configuration) are paid once,
        // as in a pass.
        let (c, stack) = stack::used_by(|| meter.mean(1, || t.steps(&data, 20).map(|_| ())));
        let c = c?;
        deepest = deepest.max(stack);
        if k == 1 {
            print_cost_of(
                "",
                "the same, monitor_penalties = false (no penalty values)",
                c.per(20),
            );
        } else if k < 3 {
            print_cost(what, c.per(20));
        } else {
            print_cost_of("one update with only ", what, c.per(20));
        }
    }
    let mut out = [0.0f32; 4 * 64];
    let forward = meter.mean(20, || t.predict(&new[..4 * 64], &mut out))?;
    print_cost("one forward pass of 4 rows", forward);
    hprintln!(
        "stack of a training step (steps(), every variant above): {} bytes at the deepest",
        deepest
    );
    Ok(())
}

fn print_cost(what: &str, c: cost::Cost) {
    print_cost_of("", what, c)
}

fn print_cost_of(prefix: &str, what: &str, c: cost::Cost) {
    match c {
        cost::Cost::Cycles(n) => hprintln!("cost of {}{}: {} cycles (DWT CYCCNT)", prefix, what, n),
        cost::Cost::Instructions(n) => hprintln!(
            "cost of {}{}: {} instructions (QEMU has no cycle timing: counted with -icount, to +-40)",
            prefix,
            what,
            n
        ),
    }
}

/// Write the fine-tuned model out as a checkpoint in 64-byte pages (as to flash), with no
/// buffer the size of the file: `save_to` hands the bytes over as they are made. The pages
/// go nowhere here; the stream is checked instead: its length, and the CRC-32 of the whole
/// file with its own CRC appended, which is the standard residue 0x2144DF1C for any intact
/// file.
fn save_in_pages(t: &T) -> Result<(), Fail> {
    const PAGE: usize = 64;
    let mut page = [0u8; PAGE];
    let (mut fill, mut pages, mut total) = (0usize, 0usize, 0usize);
    let mut crc = staticnets::checkpoint::Crc32::new();
    t.net.save_to(|bytes| {
        for &b in bytes {
            page[fill] = b;
            fill += 1;
            if fill == PAGE {
                crc.update(&page); // "write the page"
                pages += 1;
                fill = 0;
            }
        }
        total += bytes.len();
    });
    crc.update(&page[..fill]);
    pages += (fill > 0) as usize;
    hprintln!(
        "saved the fine-tuned model: {} bytes in {} pages of {}, with a {}-byte page buffer",
        total,
        pages,
        PAGE,
        PAGE
    );
    if total != Network::<Body>::CHECKPOINT_BYTES || crc.finish() != 0x2144_DF1C {
        return Err(Fail::Check("the streamed checkpoint is not intact"));
    }
    Ok(())
}

/// `make pytorch-example`: print the fine-tuned model as safetensors, and its outputs on 8
/// original and 8 shifted digits with those inputs, as hex lines the host turns back into
/// files (semihosting has no file API here), for PyTorch to reproduce.
#[cfg(feature = "pytorch-base")]
fn export_for_pytorch(t: &mut T, x: &[f32; ROWS * 64]) -> Result<(), Fail> {
    let mut hex = Hex::new("device-safetensors");
    t.net.save_safetensors_to(|bytes| hex.put(bytes));
    hex.flush();
    let probe = [&x[..8 * 64], &x[OLD * 64..(OLD + 8) * 64]];
    let mut hex = Hex::new("device-x");
    for p in probe {
        for v in p {
            hex.put(&v.to_le_bytes());
        }
    }
    hex.flush();
    let mut hex = Hex::new("device-y");
    let mut out = [0.0f32; 8 * 64];
    for p in probe {
        t.predict(p, &mut out)?;
        for v in out {
            hex.put(&v.to_le_bytes());
        }
    }
    hex.flush();
    hprintln!("exported the fine-tuned model for PyTorch");
    Ok(())
}

/// Bytes as lines of `<tag> <hex>`, 64 bytes a line.
#[cfg(feature = "pytorch-base")]
struct Hex {
    tag: &'static str,
    line: [u8; 128],
    fill: usize,
}

#[cfg(feature = "pytorch-base")]
impl Hex {
    fn new(tag: &'static str) -> Self {
        Hex {
            tag,
            line: [0; 128],
            fill: 0,
        }
    }
    fn put(&mut self, bytes: &[u8]) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for &b in bytes {
            self.line[self.fill] = DIGITS[(b >> 4) as usize];
            self.line[self.fill + 1] = DIGITS[(b & 15) as usize];
            self.fill += 2;
            if self.fill == self.line.len() {
                self.flush();
            }
        }
    }
    fn flush(&mut self) {
        if self.fill > 0 {
            let text = core::str::from_utf8(&self.line[..self.fill]).unwrap_or("");
            hprintln!("{} {}", self.tag, text);
            self.fill = 0;
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    finish::exit(false)
}
