//! The cross-target conformance run gives the committed hash at every kernel level this CPU
//! supports, writes the same checkpoint mid-run, and resuming the committed checkpoint (the
//! one the wasm builds and the firmware also resume) ends in the same bits. See
//! `staticnets::conformance`. (Not with the opt-in `fma` feature, whose fused products give
//! other bits by design.)
#![cfg(not(feature = "fma"))]

use staticnets::conformance::{CHECKPOINT_GOLDEN, GOLDEN, Model, ROWS, resume, run};
use staticnets::datasets::Digits;
use staticnets::kernels::{Level, set_level};

/// The checkpoint the run writes at `SAVED_AT`, written natively and committed; the wasm
/// builds and the firmware resume this very file.
const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/conformance-step20.snet");

fn stored_crc(file: &[u8]) -> u32 {
    u32::from_le_bytes(file[file.len() - 4..].try_into().unwrap())
}

#[test]
fn every_kernel_level_trains_saves_and_resumes_to_the_golden_bits() {
    let mut t: Box<Model> = Box::new(Model::zeroed());
    let mut u: Box<Model> = Box::new(Model::zeroed());
    let mut x = vec![0.0f32; ROWS * 64];
    let mut seen = Vec::new();
    for l in Level::ALL.into_iter().filter(|l| l.supported()) {
        set_level(l).unwrap();
        let mut file = Vec::new();
        let hash = run(&mut t, Digits::bundled(), &mut x, |p| {
            file.extend_from_slice(p)
        })
        .unwrap();
        if std::env::var_os("STATICNETS_BLESS").is_some() {
            std::fs::write("../tests/fixtures/conformance-step20.snet", &file).unwrap();
        }
        let resumed = resume(&mut u, Digits::bundled(), &mut x, FIXTURE).unwrap();
        println!(
            "{}: {hash:#010x}, checkpoint {} bytes with CRC {:#010x}, resumed {resumed:#010x}",
            l.name(),
            file.len(),
            stored_crc(&file)
        );
        assert_eq!(file, FIXTURE, "level {}: the checkpoint differs", l.name());
        seen.push((l.name(), hash, resumed));
    }
    assert!(
        seen.len() >= 2,
        "at least the portable and one SIMD level ran"
    );
    assert_eq!(stored_crc(FIXTURE), CHECKPOINT_GOLDEN);
    for (name, hash, resumed) in seen {
        assert_eq!(
            hash, GOLDEN,
            "level {name}: {hash:#010x} is not the golden {GOLDEN:#010x}"
        );
        assert_eq!(resumed, GOLDEN, "level {name}: resumed to {resumed:#010x}");
    }
}

#[test]
fn a_wrong_input_buffer_is_refused() {
    let mut t: Box<Model> = Box::new(Model::zeroed());
    let mut x = vec![0.0f32; 64];
    assert!(run(&mut t, Digits::bundled(), &mut x, |_| {}).is_err());
    assert!(resume(&mut t, Digits::bundled(), &mut x, FIXTURE).is_err());
}
