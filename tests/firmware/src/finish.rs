//! How a run ends under QEMU: the exit status semihosting hands back, after saying why a
//! failed run failed.

use cortex_m_semihosting::{debug, hprintln};

/// Print `who: FAILED: <error>` for an error, then exit with success or failure.
pub fn finish<E: core::fmt::Display>(who: &str, result: Result<(), E>) -> ! {
    if let Err(e) = &result {
        hprintln!("{}: FAILED: {}", who, e);
    }
    exit(result.is_ok())
}

/// Exit with success or failure (and spin, should the host not stop the run).
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}
