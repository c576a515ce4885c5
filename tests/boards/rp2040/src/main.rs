//! On-device fine-tuning on an RP2040 (Cortex-M0+ without an FPU: soft float, 125 MHz,
//! 264 KB RAM), printing over RTT with defmt. Build: `cargo build --release -p board-rp2040
//! --target thumbv6m-none-eabi` (in tests/boards); run on a Pico through a debug probe:
//! `probe-rs run --chip RP2040 <elf>`.
#![no_std]
#![no_main]

use defmt_rtt as _;
use panic_probe as _;
use rp2040_hal::{Timer, Watchdog, clocks::init_clocks_and_plls, pac};

/// The second-stage boot loader for the Pico's W25Q080 flash.
#[unsafe(link_section = ".boot2")]
#[used]
pub static BOOT2_FIRMWARE: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The Pico's crystal.
const XTAL_HZ: u32 = 12_000_000;

#[rp2040_hal::entry]
fn main() -> ! {
    let Some(mut p) = pac::Peripherals::take() else {
        panic!("peripherals taken twice");
    };
    let mut watchdog = Watchdog::new(p.WATCHDOG);
    let Ok(clocks) = init_clocks_and_plls(
        XTAL_HZ,
        p.XOSC,
        p.CLOCKS,
        p.PLL_SYS,
        p.PLL_USB,
        &mut p.RESETS,
        &mut watchdog,
    ) else {
        panic!("the clocks did not start");
    };
    // The M0+ has no cycle counter: the 1 MHz timer measures an update in microseconds.
    let timer = Timer::new(p.TIMER, &mut p.RESETS, &clocks);
    let mut micros = || timer.get_counter_low();
    board_common::run("RP2040 at 125 MHz", &mut micros, "us");
    loop {
        cortex_m::asm::wfi();
    }
}
