//! Train small regularized neural networks in static memory: `no_std`, no `alloc`, layer
//! sizes as const generics, every buffer a fixed-size array that can live in a `static`.
//!
//! The regularizers are theanets': `weight_l2`, `weight_l1`, `hidden_l1`, `contractive`,
//! Gaussian noise and dropout on inputs, hidden layers and outputs, and custom ones through
//! the [`regularizers::Regularizer`] trait. The contract for every name is the project's
//! `docs/contract.md`.
//!
//! ```
//! use staticnets::datasets::Digits;
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::train::Data;
//!
//! // A 64-16-64 autoencoder, trained in batches of up to 32 with Adam (its trainer's
//! // capacities, by name: see `train::capacity`).
//! type Body = (Dense<64, 16>, Dense<16, 64>);
//! type T = staticnets::trainer!(Body, batch = 32, optimizer = adam);
//! let mut x = vec![0.0f32; 256 * 64]; // firmware would use a static array
//! let mut labels = [0u32; 256];
//! Digits::bundled().fill(0, &mut x, &mut labels).unwrap();
//!
//! let mut t: Box<T> = Box::new(T::new((Dense::new(Relu), Dense::new(Sigmoid))));
//! t.config.parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 32\nmax_updates = 20\n\
//!                 weight_l2 = 1e-4\nhidden_l1 = 0.01\ninput_noise = 0.1").unwrap();
//! let data = Data::autoencoder(&x);
//! t.start(&data).unwrap();
//! let before = t.validate(&data).unwrap().err;
//! let last = t.train(&data, &data, |report| {
//!     // a UI or a serial console shows report.pass, report.loss, report.regs, ...
//!     true
//! }).unwrap();
//! assert!(last.err < before / 2.0);
//! assert!(t.score(&data).unwrap() > 0.5); // R² of the reconstructions
//! ```
//!
//! How the crate is put together (the traits, one step's data flow, where each concept
//! lives, how to add a layer, a regularizer or an optimizer): [`architecture`].
#![no_std]
// Index loops are kept where they mirror the formulas in the comments above them.
#![allow(clippy::needless_range_loop)]

#[doc = include_str!("../ARCHITECTURE.md")]
pub mod architecture {}
pub mod checkpoint;
pub mod conformance;
pub mod datasets;
pub mod error;
pub mod gradcheck;
pub mod kernels;
pub mod layers;
pub mod losses;
pub mod math;
pub mod network;
pub mod optim;
pub mod regularizers;
pub mod rng;
pub mod safetensors;
pub mod train;

pub use error::Error;
pub use layers::Activation;

/// The crate README's Rust examples (the repository's front page shows the same ones:
/// `scripts/check-docs` holds them equal), compiled and the laptop one run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
