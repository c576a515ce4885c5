//! The build script of every board crate (`build = "../build.rs"`): the crate's `memory.x`
//! for cortex-m-rt's link.x, and defmt's linker script.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let map = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("memory.x");
    fs::copy(&map, out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg=-Tdefmt.x");
    // thumbv7em gets cortex-m-rt's link.x from the repository's .cargo/config.toml; thumbv6m
    // (the RP2040) has no entry there.
    if env::var("TARGET").unwrap().starts_with("thumbv6m") {
        println!("cargo:rustc-link-arg=-Tlink.x");
    }
    println!("cargo:rerun-if-changed={}", map.display());
}
