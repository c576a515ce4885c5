//! `--features conformance`: the cross-target conformance run (`staticnets::conformance`)
//! on the Cortex-M4F. The run's trainer (S with batch 32 and contractive's Jacobian buffers,
//! 247 KB) is bigger than the fine-tuning board's 128 KB, so this build links with a 1 MB
//! RAM map (build.rs) and nothing else runs. The run writes a checkpoint mid-run (streamed
//! into a CRC here, no buffer), and then the natively written checkpoint (in flash) is
//! resumed and trained to the end: the same bits as the run that never stopped.

use cortex_m_semihosting::hprintln;
use static_cell::ConstStaticCell;
use staticnets::checkpoint::Crc32;
use staticnets::conformance::{CHECKPOINT_GOLDEN, GOLDEN, Model, ROWS, resume, run};
use staticnets::datasets::Digits;

static TRAINER: ConstStaticCell<Model> = ConstStaticCell::new(Model::zeroed());
static INPUTS: ConstStaticCell<[f32; ROWS * 64]> = ConstStaticCell::new([0.0; ROWS * 64]);
/// The checkpoint the run writes at `SAVED_AT`, written natively (x86-64) and committed.
static NATIVE_CHECKPOINT: &[u8] = include_bytes!("../../fixtures/conformance-step20.snet");

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
    // The stored CRC is the last four bytes handed over (the CRC is its own last piece).
    let (mut last, mut len, mut crc) = ([0u8; 4], 0usize, Crc32::new());
    let hash = run(t, Digits::bundled(), x, |piece| {
        crc.update(piece);
        len += piece.len();
        if piece.len() == 4 {
            last.copy_from_slice(piece);
        }
    });
    let hash = match hash {
        Ok(h) => h,
        Err(e) => {
            hprintln!("conformance: FAILED: {}", e);
            return false;
        }
    };
    let file_crc = u32::from_le_bytes(last);
    let intact = crc.finish() == 0x2144_DF1C; // the CRC-32 residue of any intact file
    let same = hash == GOLDEN;
    hprintln!(
        "conformance: thumbv7em hash {:#010x} {} golden {:#010x}",
        hash,
        if same { "==" } else { "!=" },
        GOLDEN
    );
    let same_file = intact && file_crc == CHECKPOINT_GOLDEN && len == NATIVE_CHECKPOINT.len();
    hprintln!(
        "conformance: checkpoint at step 20: {} bytes, CRC {:#010x} {} the native file's {:#010x}",
        len,
        file_crc,
        if same_file { "==" } else { "!=" },
        CHECKPOINT_GOLDEN
    );
    let resumed = match resume(t, Digits::bundled(), x, NATIVE_CHECKPOINT) {
        Ok(h) => h,
        Err(e) => {
            hprintln!("conformance: FAILED to resume the native checkpoint: {}", e);
            return false;
        }
    };
    hprintln!(
        "conformance: resumed the native checkpoint: hash {:#010x} {} golden",
        resumed,
        if resumed == GOLDEN { "==" } else { "!=" }
    );
    same && same_file && resumed == GOLDEN
}
