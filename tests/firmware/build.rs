use std::{env, fs, path::PathBuf};

fn main() {
    // cortex-m-rt's link.x INCLUDEs memory.x; give it the board's map from OUT_DIR
    // (no memory.x in the crate root, which would shadow it).
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    // The conformance build's trainer (247 KB) needs more RAM than the modelled part has, and
    // so does the broken-checkpoint build (a RAM copy of the checkpoint, to damage it).
    let big = [
        "CARGO_FEATURE_CONFORMANCE",
        "CARGO_FEATURE_BROKEN_CHECKPOINT",
    ];
    let map: &[u8] = if big.iter().any(|f| env::var_os(f).is_some()) {
        include_bytes!("memory-mps2-an386-1m.x")
    } else {
        include_bytes!("memory-mps2-an386.x")
    };
    fs::write(out.join("memory.x"), map).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-mps2-an386.x");
    println!("cargo:rerun-if-changed=memory-mps2-an386-1m.x");
    println!("cargo:rerun-if-changed=build.rs");
}
