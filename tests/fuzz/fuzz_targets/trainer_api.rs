//! `make fuzz` target: see `staticnets_fuzz::trainer_api` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| staticnets_fuzz::trainer_api(data));
