//! Smoke firmware for Cortex-M4F (QEMU mps2-an386): links staticnets with no allocator
//! (so the link fails if the core ever pulls in `alloc` or `std`), keeps a trainer in a
//! `static`, trains a tiny autoencoder and exits 0 over semihosting if the loss fell.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use staticnets::layers::{Activation::*, Dense};
use staticnets::train::{Data, Trainer};

type Body = (Dense<8, 3>, Dense<3, 8>);

#[entry]
fn main() -> ! {
    // The trainer lives in a static (in .bss/.data, not on the stack); singleton! hands out
    // its one &'static mut.
    let Some(t) = cortex_m::singleton!(TRAINER: Trainer<Body, 4, 0, 2> = Trainer::new((Dense::new(Tanh), Dense::new(Linear))))
    else {
        hprintln!("firmware smoke: FAILED (trainer already taken)");
        debug::exit(debug::EXIT_FAILURE);
        loop {}
    };
    let x: [f32; 64] = core::array::from_fn(|k| if (k / 8 + k % 8) % 3 == 0 { 1.0 } else { 0.0 });
    let data = Data::autoencoder(&x);
    let ok = t
        .config
        .parse("algo = adam\nlearning_rate = 0.02\nbatch_size = 4\nweight_l2 = 1e-4")
        .is_ok()
        && t.start(&data, &[]).is_ok();
    let before = t.validate(&data, &[]).map(|r| r.loss).unwrap_or(f64::NAN);
    let mut after = f64::NAN;
    if ok {
        for _ in 0..100 {
            if t.pass(&data, &[]).is_err() {
                break;
            }
        }
        after = t.validate(&data, &[]).map(|r| r.loss).unwrap_or(f64::NAN);
    }
    hprintln!("trainer bytes: {}", Trainer::<Body, 4, 0, 2>::BYTES);
    hprintln!("loss before {:.5}, after {:.5}", before, after);
    let pass = ok && after < 0.5 * before;
    hprintln!("firmware smoke: {}", if pass { "ok" } else { "FAILED" });
    debug::exit(if pass {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}
