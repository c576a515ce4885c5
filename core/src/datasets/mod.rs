//! Small datasets bundled with the core for examples, tests, the demo page and firmware.
//!
//! They are `static` byte arrays: a program that never calls them does not carry them
//! (the linker drops unused statics).

pub mod digits;
pub mod sines;
pub mod vibration;

pub use digits::Digits;
