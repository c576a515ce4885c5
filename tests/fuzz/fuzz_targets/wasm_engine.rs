//! `make fuzz` target: see `staticnets_fuzz::wasm_engine` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| staticnets_fuzz::wasm_engine(data));
