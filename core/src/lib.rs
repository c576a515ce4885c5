#![no_std]
// Index loops are kept where they mirror the formulas in the comments above them.
#![allow(clippy::needless_range_loop)]
#![doc = "staticnets core"]
#[cfg(test)]
extern crate std;

pub mod error;
pub mod kernels;
pub mod layers;
pub mod losses;
pub mod network;
pub mod optim;
pub mod regularizers;
pub mod rng;
pub mod train;

pub use error::Error;
pub use layers::Activation;
