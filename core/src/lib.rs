#![no_std]
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
