//! On-device fine-tuning on an nRF52840 (Cortex-M4F, 64 MHz, 256 KB RAM), printing over RTT
//! with defmt. Build: `cargo build --release -p board-nrf52840 --target thumbv7em-none-eabihf`
//! (in tests/boards); run on a board: `probe-rs run --chip nRF52840_xxAA <elf>`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use defmt_rtt as _;
use nrf52840_hal::{clocks::Clocks, pac};
use panic_probe as _;

#[entry]
fn main() -> ! {
    let (Some(p), Some(mut cp)) = (pac::Peripherals::take(), cortex_m::Peripherals::take()) else {
        panic!("peripherals taken twice");
    };
    // The 64 MHz crystal oscillator, and the cycle counter.
    let _clocks = Clocks::new(p.CLOCK).enable_ext_hfosc();
    cp.DCB.enable_trace();
    cp.DWT.enable_cycle_counter();
    let mut cycles = cortex_m::peripheral::DWT::cycle_count;
    board_common::run("nRF52840 at 64 MHz", &mut cycles, "cycles");
    loop {
        cortex_m::asm::wfi();
    }
}
