//! The page's preset architectures: one table, from which the API builds each preset's
//! trainer and the page's "reproduce this" writes its Rust (both from the same tokens).

use crate::engine::{Engine, boxed};
use crate::model::{Spec, Task};
use staticnets::layers::{Activation::*, Conv2, Dense, Identity, Pool2, Tied};
use staticnets::{conv2, pool2};

/// Largest batch the presets accept.
pub const BATCH: usize = 64;
/// Input width of every preset (8x8 images), and the width of their Jacobian buffers.
pub const INPUTS: usize = 64;
/// Optimizer slots: enough for every optimizer with momentum.
pub const SLOTS: usize = 3;

/// The Jacobian buffers' width for `L`: the input width where every layer has the exact
/// Jacobian `contractive` needs, else none (`contractive` is then refused by name).
const fn jacobian_width<L: staticnets::layers::Layers>() -> usize {
    if L::JACOBIANS { INPUTS } else { 0 }
}

/// One preset: what it is, and how to build its trainer.
pub struct Preset {
    /// Its name, description, task and Rust.
    pub spec: Spec,
    /// A new trainer of it, with theanets' defaults.
    pub build: fn() -> Box<dyn Engine>,
}

/// A preset on the bundled digits, from its body's type and value (written once: the
/// trainer is built from these tokens and `reproduce` prints them).
macro_rules! preset {
    ($name:literal, $description:literal, $task:ident, $body:ty, $new:expr) => {
        Preset {
            spec: Spec {
                name: $name,
                description: $description,
                task: Task::$task,
                body_type: stringify!($body),
                body_new: stringify!($new),
                batch: BATCH,
                jacobian: jacobian_width::<$body>(),
                slots: SLOTS,
                digits: true,
            },
            build: || boxed::<$body, BATCH, { jacobian_width::<$body>() }, SLOTS>($new),
        }
    };
}

/// The presets.
pub const PRESETS: [Preset; 7] = [
    preset!(
        "ae-64-16-64",
        "64-16-64 autoencoder",
        Autoencoder,
        (Dense<64, 16>, Dense<16, 64>),
        (Dense::new(Relu), Dense::new(Sigmoid))
    ),
    preset!(
        "ae-64-32-64",
        "64-32-64 autoencoder (the firmware's)",
        Autoencoder,
        (Dense<64, 32>, Dense<32, 64>),
        (Dense::new(Relu), Dense::new(Sigmoid))
    ),
    preset!(
        "ae-64-32-64-tied",
        "64-32-64 tied autoencoder",
        Autoencoder,
        Tied<64, 32>,
        Tied::new(Dense::new(Relu), Identity, Sigmoid)
    ),
    preset!(
        "ae-64-64-64",
        "64-64-64 overcomplete",
        Autoencoder,
        (Dense<64, 64>, Dense<64, 64>),
        (Dense::new(Relu), Dense::new(Sigmoid))
    ),
    preset!(
        "ae-64-32-2-32-64",
        "64-32-2-32-64, 2-D code",
        Autoencoder,
        (Dense<64, 32>, Dense<32, 2>, Dense<2, 32>, Dense<32, 64>),
        (
            Dense::new(Relu),
            Dense::new(Linear),
            Dense::new(Relu),
            Dense::new(Sigmoid)
        )
    ),
    preset!(
        "ae-conv-6x3x3",
        "conv 6 filters 3x3, max pool, 32, 64",
        Autoencoder,
        (
            conv2!(1, 8, 8, 6, 3, 3),
            pool2!(6, 6, 6, 2, 2, max),
            Dense<54, 32>,
            Dense<32, 64>
        ),
        (
            Conv2::new(Relu),
            Pool2::new(Linear),
            Dense::new(Relu),
            Dense::new(Sigmoid)
        )
    ),
    preset!(
        "clf-64-32-10",
        "64-32-10 classifier",
        Classifier,
        (Dense<64, 32>, Dense<32, 10>),
        (Dense::new(Relu), Dense::new(Softmax))
    ),
];
