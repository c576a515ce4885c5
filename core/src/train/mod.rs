//! Training: the objective of a batch, the configuration, and the trainer.

pub mod config;
pub mod objective;
pub mod trainer;

pub use config::TrainConfig;
pub use objective::{Batch, Penalties, Terms, evaluate};
pub use trainer::{Data, Report, Trainer};
