//! `--features kernels`: the five products at every kernel level this core runs (the
//! Cortex-M tiles and the portable ones) against the plain loop in the documented order,
//! bit for bit, with the same check the native and wasm tests run
//! (`core/tests/common/products.rs`), on shapes with partial row tiles, column tails and
//! more than one register tile each way.

#[path = "../../../core/tests/common/products.rs"]
mod products;

use cortex_m_semihosting::hprintln;
use products::{first_product_off_in, scratch_len};
use static_cell::ConstStaticCell;
use staticnets::kernels::{Level, level, set_level};

/// (rows, inputs, outputs).
const SHAPES: [(usize, usize, usize); 8] = [
    (1, 1, 1),
    (1, 64, 32),
    (3, 5, 7),
    (4, 64, 32),
    (4, 32, 64),
    (5, 9, 13),
    (6, 32, 64),
    (7, 33, 65),
];
const SCRATCH: usize = scratch_len(7, 33, 65);
static BUF: ConstStaticCell<[f32; SCRATCH]> = ConstStaticCell::new([0.0; SCRATCH]);

/// Whether every product at every level gave the reference's bits.
pub fn check() -> bool {
    let Some(buf) = BUF.try_take() else {
        return false;
    };
    let best = level();
    if best != Level::CortexM {
        hprintln!(
            "kernels: the level in force is {}, not cortex-m",
            best.name()
        );
        return false;
    }
    let mut ok = true;
    for l in Level::ALL.into_iter().filter(|l| l.supported()) {
        if set_level(l).is_err() {
            return false;
        }
        let mut checked = 0;
        for &(rows, nin, nout) in &SHAPES {
            assert!(scratch_len(rows, nin, nout) <= SCRATCH);
            if let Some(name) = first_product_off_in(rows, nin, nout, buf) {
                hprintln!(
                    "kernels: {} at {} for {}x{}x{}: not the reference bits",
                    name,
                    l.name(),
                    rows,
                    nin,
                    nout
                );
                ok = false;
            }
            checked += 1;
        }
        hprintln!(
            "kernels: level {}: 5 products x {} shapes {}",
            l.name(),
            checked,
            if ok {
                "== the reference, bit for bit"
            } else {
                "FAILED"
            }
        );
    }
    ok
}
