//! Training: the objective of a batch, the configuration, and the trainer, one concept per
//! file: [`trainer`] (the value and its set-up), [`data`] (data, its checks, batches), `step`
//! (one update and divergence), `fit` (passes, validation, the early-stopping loop),
//! `predict` (outputs and scores), [`report`] (what a pass measured), [`best`] (the known-good
//! copy), [`checkpoint`] (saving and resuming a run), [`config`] and [`objective`].
//!
//! # Models
//!
//! theanets has three feedforward models; here each is a [`Trainer`] fed the matching [`Data`]:
//!
//! | theanets | data | default loss | `predict` | `score` |
//! |---|---|---|---|---|
//! | `Autoencoder` | [`Data::autoencoder`]: the target is the clean input, so input noise or dropout makes it denoising | `mse` | reconstructions | R² against the input |
//! | `Regressor` | [`Data::regression`] | `mse` | outputs | R² |
//! | `Classifier` | [`Data::classification`]: integer labels; softmax output, `loss = xe` | set `loss = xe` | [`Trainer::predict_classes`] (argmax); [`Trainer::predict`] gives the probabilities | accuracy |
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::train::{Data, Trainer};
//! // a classifier of which half of a 4-vector is larger
//! let mut t: Trainer<(Dense<4, 8>, Dense<8, 2>), 8, 0, 2> =
//!     Trainer::new((Dense::new(Tanh), Dense::new(Softmax)));
//! t.config.parse("loss = xe\nalgo = adam\nlearning_rate = 0.05\nbatch_size = 8\nmax_updates = 60").unwrap();
//! let x: [f32; 64] = core::array::from_fn(|k| ((k * 37 % 17) as f32) / 17.0);
//! let labels: [u32; 16] = core::array::from_fn(|r| {
//!     let row = &x[r * 4..r * 4 + 4];
//!     (row[2] + row[3] > row[0] + row[1]) as u32
//! });
//! let data = Data::classification(&x, &labels);
//! t.start(&data).unwrap();
//! t.train(&data, &data, |_| true).unwrap();
//! assert!(t.score(&data).unwrap() >= 0.9);
//! let mut classes = [0u32; 16];
//! t.predict_classes(&x, &mut classes).unwrap();
//! assert_eq!(classes.iter().zip(&labels).filter(|(a, b)| a == b).count() as f32 / 16.0,
//!            t.score(&data).unwrap());
//! ```

pub mod best;
pub mod capacity;
pub mod checkpoint;
mod checks;
pub mod config;
pub mod data;
mod fit;
pub mod objective;
mod predict;
pub mod reference;
pub mod report;
mod step;
pub mod trainer;

pub use best::{BestCopy, NoBestCopy};
pub use config::TrainConfig;
pub use data::Data;
pub use objective::{Batch, Penalties, Terms, evaluate};
pub use reference::{CheckpointReference, NoReference, Reference, ReferenceCopy};
pub use report::Report;
pub use trainer::Trainer;
