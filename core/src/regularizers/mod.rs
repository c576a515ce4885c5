//! Regularizers: every penalty and corruption of theanets, configured by a number or by a
//! weight plus glob patterns, with names as in `docs/contract.md`.
//!
//! | key (aliases) | default targets | effect |
//! |---|---|---|
//! | `weight_l2` (`weight_decay`) | `*.w` | `(1/|W|) sum mean(W^2)` |
//! | `weight_l1` (`weight_sparsity`) | `*.w` | `(1/|W|) sum mean(|W|)` |
//! | `hidden_l1` (`hidden_sparsity`) | `hid*:out` | `(1/|H|) sum mean(|h|)` |
//! | `contractive` | `hid*:out` | `(1/|H|) sum (1/B) sum_b ||dh_b/dx_b||_F^2` |
//! | `input_dropout`, `hidden_dropout`, `output_dropout` | `in:out`, `hid*:out`, `out:out` | `x * m / (1-p)` |
//! | `input_noise`, `hidden_noise`, `output_noise` | same | `x + N(0, sigma^2)` |
//! | `dropout`, `noise` | (patterns required) | as above, on the matched `:out` |
//! | `prox` | every tensor | `(1/2) sum ||w - w_ref||^2`, towards the trainer's reference weights |
//! | a registered custom name | its own | its own |
//!
//! Each built-in's file holds its registry entry ([`entry::Builtin`]: keys, default
//! targets, weight rule, resolution, term); [`registry::BUILTINS`] lists them.
//!
//! A setting is written `key = weight` or `key = weight @ pattern, pattern`:
//!
//! ```
//! use staticnets::regularizers::{RegKind, RegSpec};
//! let s = RegSpec::parse("weight_decay", "0.1 @ hid[23].w").unwrap();
//! assert_eq!(s.kind, RegKind::WeightL2);
//! assert_eq!(s.weight, 0.1);
//! assert_eq!(s.patterns[0].as_str(), "hid[23].w");
//! assert!(RegSpec::parse("input_dropout", "1.0").is_err()); // p must be < 1
//! ```

pub mod contractive;
pub mod custom;
pub mod dropout;
pub mod entry;
pub mod hidden_l1;
pub mod noise;
pub mod pattern;
pub mod prox;
pub mod recurrent_norm;
pub mod recurrent_state;
pub mod registry;
pub mod regularizer;
pub mod selection;
pub mod spec;
pub mod targets;
pub mod tensor_terms;
pub mod topology;
pub mod view;
pub mod weight_l1;
pub mod weight_l2;

pub use custom::{GradCheck, check_gradient};
pub use entry::{Active, Builtin};
pub use hidden_l1::HiddenL1;
pub use recurrent_norm::RecurrentNorm;
pub use recurrent_state::RecurrentState;
pub use registry::BUILTINS;
pub use regularizer::{CustomRegularizer, Regularizer};
pub use selection::{Selection, select_outputs, select_tensors};
pub(crate) use spec::split_value;
pub use spec::{Pattern, Patterns, RegKind, RegSpec};
pub use view::{NetGrads, NetView};
pub use weight_l1::WeightL1;
pub use weight_l2::WeightL2;
