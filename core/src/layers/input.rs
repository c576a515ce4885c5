//! The input layer (`in`, layer 0): holds the batch as the network sees it, after input
//! dropout and noise, with the clean copy kept as `in:pre` (the autoencoder's target).

use super::activation::Activation;
use super::buffers::{OutputView, Zeroed};
use super::corrupt::Corruptor;
use super::stack::InputStage;

/// The input buffers for a batch of up to `B` rows of `N` features.
#[derive(Clone, Debug)]
pub struct InputBuf<const B: usize, const N: usize> {
    /// The clean input.
    pub clean: [[f32; N]; B],
    /// The input after dropout and noise: `in:out`.
    pub out: [[f32; N]; B],
    /// Dropout multipliers, meaningful when `dropped`.
    pub mask: [[f32; N]; B],
    /// Gradient with respect to `in:out` (for regularizers on the input; not propagated further).
    pub d_out: [[f32; N]; B],
    /// Whether input dropout was applied.
    pub dropped: bool,
    /// Rows filled.
    pub rows: usize,
}

impl<const B: usize, const N: usize> Zeroed for InputBuf<B, N> {
    const ZERO: Self = InputBuf {
        clean: [[0.0; N]; B],
        out: [[0.0; N]; B],
        mask: [[0.0; N]; B],
        d_out: [[0.0; N]; B],
        dropped: false,
        rows: 0,
    };
}

impl<const B: usize, const N: usize> InputStage for InputBuf<B, N> {
    /// Load `rows` rows of `x` (`rows * N`, `rows <= B`) and corrupt them as layer 0.
    fn load(&mut self, x: &[f32], rows: usize, corrupt: &mut Corruptor) {
        self.rows = rows;
        let n = rows * N;
        self.clean.as_flattened_mut()[..n].copy_from_slice(&x[..n]);
        self.out.as_flattened_mut()[..n].copy_from_slice(&x[..n]);
        self.dropped = corrupt.apply(
            0,
            &mut self.out.as_flattened_mut()[..n],
            &mut self.mask.as_flattened_mut()[..n],
        );
    }

    /// The input as the first layer sees it.
    fn out(&self) -> &[f32] {
        &self.out.as_flattened()[..self.rows * N]
    }

    fn d_out_mut(&mut self) -> &mut [f32] {
        &mut self.d_out.as_flattened_mut()[..self.rows * N]
    }

    fn out_and_sink(&mut self) -> (&[f32], &mut [f32]) {
        let n = self.rows * N;
        (
            &self.out.as_flattened()[..n],
            &mut self.d_out.as_flattened_mut()[..n],
        )
    }

    fn rows(&self) -> usize {
        self.rows
    }

    /// View of `in` for regularizers (`pre` is the clean input).
    fn view(&self) -> OutputView<'_> {
        let n = self.rows * N;
        OutputView {
            layer: 0,
            rows: self.rows,
            cols: N,
            pre: &self.clean.as_flattened()[..n],
            out: &self.out.as_flattened()[..n],
            mask: if self.dropped {
                Some(&self.mask.as_flattened()[..n])
            } else {
                None
            },
            activation: Activation::Linear,
            steps: 1,
            recurrent: false,
        }
    }

    /// `d in:out / d input` for row `row` as an `N x N` diagonal (`j_in`), for `contractive`.
    fn jac_in(&self, row: usize, j_in: &mut [f32]) {
        j_in[..N * N].fill(0.0);
        for a in 0..N {
            j_in[a * N + a] = if self.dropped { self.mask[row][a] } else { 1.0 };
        }
    }
}
