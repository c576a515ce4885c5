//! Layers and how they chain into a network.
//!
//! A network body is a value of a type that implements [`Layers`]: a single [`Dense`] layer,
//! a [`Tied`] encoder/decoder pair (the decoder reuses the encoder's weight, transposed), or
//! a tuple of such values, whose sizes must chain: `(Dense<64, 32>, Dense<32, 64>)` compiles,
//! `(Dense<64, 32>, Dense<16, 64>)` does not, because each layer's `Input` type must equal
//! the previous layer's `Output` type:
//!
//! ```compile_fail
//! use staticnets::layers::{Dense, Layers};
//! fn nin<L: Layers>() -> usize { L::NIN }
//! nin::<(Dense<64, 32>, Dense<16, 64>)>();
//! ```
//!
//! ```
//! use staticnets::layers::{Dense, Layers, Tied};
//! type Body = (Dense<64, 32>, Tied<32, 16>, Dense<32, 64>);
//! assert_eq!(<Body as Layers>::LAYERS, 4); // hid1, hid2, hid3 (tied), out
//! assert_eq!(<Body as Layers>::PARAMS, 64 * 32 + 32 + 32 * 16 + 16 + 32 + 32 * 64 + 64);
//! ```
//!
//! Layers know nothing of training: a layer computes its clean forward pass into its
//! buffers (the stack then applies dropout and noise to them), and its backward pass from
//! the gradients found in its buffers. Every layer's buffers hold a [`LayerBuf`] (a dense or
//! time-distributed layer's are one; a recurrent layer's add their states and gates): `pre`
//! and `out` (after activation, dropout and noise: what later layers, losses and regularizers
//! see), the dropout `mask`, and the gradient buffers `d_out` and `d_pre`, into which losses
//! and regularizers write before the backward pass runs.
//!
//! One concept per file: [`buffers`] (what layers compute into), [`corrupt`] (dropout and
//! noise between layers), [`stack`] (the [`Layers`] trait a network body implements), `layer`
//! (one layer's trait, [`Layer`]), and a file per layer kind.
//!
//! Layers are numbered as in theanets: the input is layer 0 (`in`), then `hid1`, `hid2`, ...,
//! and the last is `out`.

pub mod activation;
pub mod buffers;
mod chain;
pub mod conv1;
pub mod conv2;
pub mod corrupt;
pub mod dense;
pub mod gru;
pub mod input;
mod layer;
pub mod lstm;
pub mod pool1;
pub mod pool2;
pub mod rnn;
pub mod sequence;
mod sliding;
pub mod softmax;
pub mod stack;
pub mod tied;
pub mod time_dense;

pub use activation::Activation;
pub use buffers::{
    Dim, JacBuf, JacInBuf, JacInput, LayerBuf, MAX_LAYERS, OutputGrads, OutputView, ParamKind,
    Tensor, Zeroed,
};
pub use conv1::Conv1;
pub use conv2::Conv2;
pub use corrupt::Corruptor;
pub use dense::Dense;
pub use gru::{Gru, GruBuf};
pub use input::InputBuf;
pub use layer::{Buffers, JacBuffers, Jacobian, JacobianOf, Layer, NoJacobian, Width};
pub use lstm::{Lstm, LstmBuf};
pub use pool1::Pool1;
pub use pool2::Pool2;
pub use rnn::Rnn;
pub use stack::{Arch, DEFAULT_HIDDEN, InputStage, LayerFacts, Layers};
pub use tied::{Identity, Tied};
pub use time_dense::TimeDense;
