//! On-device fine-tuning on an STM32F411 (Cortex-M4F, 100 MHz, 128 KB RAM), printing over RTT
//! with defmt. Build: `cargo build --release -p board-stm32f411 --target thumbv7em-none-eabihf`
//! (in tests/boards); run on a board: `probe-rs run --chip STM32F411CEUx <elf>`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use defmt_rtt as _;
use panic_probe as _;
use stm32f4xx_hal::{dwt::DwtExt, pac, prelude::*, rcc::Config};

#[entry]
fn main() -> ! {
    let (Some(dp), Some(cp)) = (pac::Peripherals::take(), cortex_m::Peripherals::take()) else {
        panic!("peripherals taken twice");
    };
    // 100 MHz from the 25 MHz crystal of the common boards.
    let rcc = dp.RCC.freeze(Config::hse(25.MHz()).sysclk(100.MHz()));
    // The HAL's DWT wrapper turns the cycle counter on; the run reads it directly.
    let _dwt = cp.DWT.constrain(cp.DCB, &rcc.clocks);
    let mut cycles = cortex_m::peripheral::DWT::cycle_count;
    board_common::run("STM32F411 at 100 MHz", &mut cycles, "cycles");
    loop {
        cortex_m::asm::wfi();
    }
}
