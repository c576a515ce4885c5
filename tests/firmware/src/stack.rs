//! The stack's high-water mark, by painting: at start, every word between the bottom of the
//! stack region (`_stack_end`, set in `memory-mps2-an386.x`) and a little below the current
//! stack pointer is set to a pattern; later, the lowest word that no longer holds it marks
//! the deepest the stack has been. The stack grows down from `_stack_start` (the top of the
//! STACK region, which lies below the statics: see `memory-mps2-an386.x`).

use core::ptr;
use core::sync::atomic::{AtomicU32, Ordering};

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

/// Run `f` and return its result with the most stack it used, in bytes, below the caller's
/// stack pointer (the stack below it is painted first; what lies above belongs to the
/// callers and is not counted).
pub fn used_by<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let (_, top) = bounds();
    let sp = cortex_m::register::msp::read() as usize;
    paint();
    let r = f();
    (r, high_water().saturating_sub(top - sp))
}

/// Bytes of the stack region: all the stack can have.
pub fn room() -> usize {
    let (bottom, top) = bounds();
    top - bottom
}

// The HardFault handler. A fault taken because the stack ran off the bottom of its region
// would fault again on the handler's first push, so before any Rust code runs it puts the
// stack pointer back at the top of the stack region (what the stack held is lost anyway: the
// firmware only reports and stops), passing the faulting stack pointer on in r0. cortex-m-rt
// uses a `HardFault` symbol when one is defined (`PROVIDE(HardFault = HardFault_)`).
core::arch::global_asm!(
    ".section .HardFault.user, \"ax\"",
    ".global HardFault",
    ".type HardFault, %function",
    ".thumb_func",
    "HardFault:",
    "mrs r0, msp",
    "ldr r1, ={top}",
    "msr msp, r1",
    "b {report}",
    top = sym _stack_start,
    report = sym report_fault,
);

/// Say what faulted and stop with a failure: a stack pointer below the stack region is a
/// stack overflow, caught before it reached the statics (which lie above the stack).
extern "C" fn report_fault(sp: u32) -> ! {
    let (bottom, top) = bounds();
    if (sp as usize) < bottom + 64 {
        let canary = CANARY.load(Ordering::Relaxed);
        cortex_m_semihosting::hprintln!(
            "HardFault: stack overflow caught: the stack pointer reached {:#010x}, below the \
             {}-byte stack region ({:#010x}..{:#010x}); the first static above it (at {:#010x}) \
             holds {:#010x}, {}",
            sp,
            top - bottom,
            bottom,
            top,
            &CANARY as *const AtomicU32 as usize,
            canary,
            if canary == CANARY_VALUE {
                "as set: the statics are intact"
            } else {
                "CHANGED"
            }
        );
    } else {
        cortex_m_semihosting::hprintln!("HardFault (stack pointer {:#010x})", sp);
    }
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    loop {}
}

/// A static the overflow build sets before it overflows, and the fault handler checks.
static CANARY: AtomicU32 = AtomicU32::new(0);
const CANARY_VALUE: u32 = 0xC0FF_EE42;

/// `--features stack-overflow`: recurse without end, as a runaway stack would. The stack
/// sits below the statics (`memory-mps2-an386.x`), so this must end in a fault when it runs
/// off the bottom of RAM, never in a trainer overwritten in silence.
#[cfg(feature = "stack-overflow")]
pub fn overflow() -> ! {
    CANARY.store(CANARY_VALUE, Ordering::Relaxed);
    #[allow(unconditional_recursion)] // on purpose: it ends in the fault
    fn deeper(n: u32) -> u32 {
        // A frame with 256 bytes the optimizer cannot drop, and a call it cannot turn into
        // a loop (the result is used after the call).
        let frame = core::hint::black_box([n; 64]);
        if n == 0 {
            cortex_m_semihosting::hprintln!("stack-overflow build: recursing");
        }
        let below = deeper(n + 1);
        core::hint::black_box(below.wrapping_add(frame[(n % 64) as usize]))
    }
    let _ = deeper(0);
    cortex_m_semihosting::hprintln!("stack-overflow build: FAILED: the recursion returned");
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_SUCCESS);
    loop {}
}
