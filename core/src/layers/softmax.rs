//! The softmax output of classifiers: a row-wise activation.
//!
//! Forward: `p_j = e^(x_j - max x) / sum_k e^(x_k - max x)`.
//! Backward: `d x_j = p_j (g_j - sum_k g_k p_k)`. With the `xe` loss the two are fused (the
//! loss writes `p - onehot` straight into `d_pre`), see `losses::xe`.

pub use super::activation::{softmax_row, softmax_row_backward};
