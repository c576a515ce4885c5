//! The cross-target conformance run gives the committed hash at every kernel level this CPU
//! supports (the wasm builds and the firmware check the same value: see `conformance.rs`).

use staticnets::conformance::{GOLDEN, Model, ROWS, run};
use staticnets::datasets::Digits;
use staticnets::kernels::{Level, set_level};

#[test]
fn every_kernel_level_trains_to_the_golden_bits() {
    let mut t: Box<Model> = Box::new(Model::zeroed());
    let mut x = vec![0.0f32; ROWS * 64];
    let mut seen = Vec::new();
    for l in Level::ALL.into_iter().filter(|l| l.supported()) {
        set_level(l).unwrap();
        let hash = run(&mut t, Digits::bundled(), &mut x).unwrap();
        println!("{}: {hash:#010x}", l.name());
        seen.push((l.name(), hash));
    }
    assert!(
        seen.len() >= 2,
        "at least the portable and one SIMD level ran"
    );
    for (name, hash) in seen {
        assert_eq!(
            hash, GOLDEN,
            "level {name}: {hash:#010x} is not the golden {GOLDEN:#010x}"
        );
    }
}

#[test]
fn a_wrong_input_buffer_is_refused() {
    let mut t: Box<Model> = Box::new(Model::zeroed());
    let mut x = vec![0.0f32; 64];
    assert!(run(&mut t, Digits::bundled(), &mut x).is_err());
}
