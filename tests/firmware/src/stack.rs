//! The stack's high-water mark, by painting: at start, every word between the end of the
//! statics (`_stack_end`, from cortex-m-rt's linker script) and a little below the current
//! stack pointer is set to a pattern; later, the lowest word that no longer holds it marks
//! the deepest the stack has been. The stack grows down from `_stack_start` (the top of RAM).

use core::ptr;

const PAINT: u32 = 0x5AA5_C33C;
/// Words left unpainted just below the stack pointer (the painting loop's own frame).
const MARGIN: usize = 64;

unsafe extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

fn bounds() -> (usize, usize) {
    (
        ptr::addr_of!(_stack_end) as usize,
        ptr::addr_of!(_stack_start) as usize,
    )
}

/// Paint the unused stack. Call first thing in `main`.
pub fn paint() {
    let (bottom, _) = bounds();
    let sp = cortex_m::register::msp::read() as usize;
    let mut at = bottom;
    while at + 4 * MARGIN < sp {
        // SAFETY: `at` is word-aligned and lies between the end of the statics and the live
        // stack frame, memory nothing else uses (no heap); a volatile write keeps the
        // compiler from eliding the paint.
        unsafe { ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// Bytes of stack used at the deepest point since [`paint`].
pub fn high_water() -> usize {
    let (bottom, top) = bounds();
    let mut at = bottom;
    // SAFETY: reads of the same painted, word-aligned region (volatile: it changes behind
    // the compiler's back as the stack grows).
    while at < top && unsafe { ptr::read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    top - at
}

/// Bytes between the end of the statics and the top of RAM: all the stack can have.
pub fn room() -> usize {
    let (bottom, top) = bounds();
    top - bottom
}
