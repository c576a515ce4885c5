//! What one training step costs on the device, so users can estimate a step's time on their
//! board. On a real Cortex-M4 the DWT cycle counter (`CYCCNT`) counts cycles. QEMU models no
//! cycle timing (its DWT counter stays 0), so under QEMU the firmware runs with
//! `-icount shift=0` (`.cargo/config.toml`): virtual time then advances exactly 1 ns per
//! instruction, and SysTick, clocked at the AN386's 25 MHz, counts one tick per 40
//! instructions. The figure printed is cycles where there is a cycle counter and otherwise
//! instructions (to ±40).

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{DWT, SYST};

/// Instructions per SysTick tick under `-icount shift=0` with a 25 MHz SysTick clock.
const INSTRUCTIONS_PER_TICK: u64 = 40;

/// The counters, started.
pub struct Meter {
    syst: SYST,
}

/// What a measured call took.
pub enum Cost {
    /// Core clock cycles (DWT `CYCCNT`: real hardware).
    Cycles(u64),
    /// Instructions (SysTick under QEMU's `-icount`: no cycle timing there).
    Instructions(u64),
}

impl Cost {
    /// The cost of one of `n` equal parts.
    pub fn per(self, n: u64) -> Cost {
        match self {
            Cost::Cycles(c) => Cost::Cycles(c / n),
            Cost::Instructions(c) => Cost::Instructions(c / n),
        }
    }
}

impl Meter {
    /// Start the cycle counter and SysTick (once; `None` if the core peripherals were taken).
    pub fn new() -> Option<Meter> {
        let mut p = cortex_m::Peripherals::take()?;
        p.DCB.enable_trace();
        p.DWT.enable_cycle_counter();
        p.SYST.set_clock_source(SystClkSource::Core);
        p.SYST.set_reload(0x00FF_FFFF);
        p.SYST.clear_current();
        p.SYST.enable_counter();
        Some(Meter { syst: p.SYST })
    }

    /// Run `f` `n` times and return the mean cost of one call.
    pub fn mean<E>(&mut self, n: u32, mut f: impl FnMut() -> Result<(), E>) -> Result<Cost, E> {
        let (c0, t0) = (DWT::cycle_count(), SYST::get_current());
        let mut ticks = 0u64;
        let mut last = t0;
        for _ in 0..n {
            f()?;
            // SysTick counts down from 2^24 - 1 and wraps: add each call's share so that no
            // more than one wrap falls between two reads (a step is far below 0.67 s of
            // virtual time).
            let now = SYST::get_current();
            ticks += (last.wrapping_sub(now) & 0x00FF_FFFF) as u64;
            last = now;
        }
        let _ = &self.syst;
        let cycles = DWT::cycle_count().wrapping_sub(c0) as u64;
        Ok(if cycles > 0 {
            Cost::Cycles(cycles / n as u64)
        } else {
            Cost::Instructions(ticks * INSTRUCTIONS_PER_TICK / n as u64)
        })
    }
}
