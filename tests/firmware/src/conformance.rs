//! `--features conformance`: the cross-target conformance run (`staticnets::conformance`)
//! on the Cortex-M4F. The run's trainer (S with batch 32 and contractive's Jacobian buffers,
//! 247 KB) is bigger than the fine-tuning board's 128 KB, so this build links with a 1 MB
//! RAM map (build.rs) and nothing else runs.

use cortex_m_semihosting::hprintln;
use static_cell::ConstStaticCell;
use staticnets::conformance::{GOLDEN, Model, ROWS, run};
use staticnets::datasets::Digits;

static TRAINER: ConstStaticCell<Model> = ConstStaticCell::new(Model::zeroed());
static INPUTS: ConstStaticCell<[f32; ROWS * 64]> = ConstStaticCell::new([0.0; ROWS * 64]);

/// Run it; true when the hash is the golden one.
pub fn check() -> bool {
    let (Some(t), Some(x)) = (TRAINER.try_take(), INPUTS.try_take()) else {
        hprintln!("conformance: FAILED: statics already taken");
        return false;
    };
    hprintln!(
        "conformance: kernels {}",
        staticnets::kernels::level().name()
    );
    match run(t, Digits::bundled(), x) {
        Ok(hash) => {
            let same = hash == GOLDEN;
            hprintln!(
                "conformance: thumbv7em hash {:#010x} {} golden {:#010x}",
                hash,
                if same { "==" } else { "!=" },
                GOLDEN
            );
            same
        }
        Err(e) => {
            hprintln!("conformance: FAILED: {}", e);
            false
        }
    }
}
