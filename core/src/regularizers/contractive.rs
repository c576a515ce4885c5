//! `contractive`: the squared Frobenius norm of the Jacobian of each matched hidden output
//! with respect to the network input, per example, averaged over the batch and over the
//! matched outputs (Rifai et al. 2011), at any depth:
//!
//! `R = (1/|H|) sum_h (1/B) sum_b ||d h_b / d x_b||_F^2`.
//!
//! The Jacobians are built layer by layer for each example (`J_k = diag(mask_k f'_k(pre_k))
//! W_k^T J_{k-1}`, with `J_0` the input dropout mask as a diagonal), and the gradient is
//! exact: seeding `dR/dJ_h = 2 J_h / (|H| B)`, the Jacobian chain is walked back, which adds
//! to the weight gradients directly and to each layer's `d_pre` through `f''` (so the main
//! backward pass carries that part down). Noise does not change a Jacobian; dropout does.
//! This is the penalty theanets' docs describe; its code squares the gradient of the mean
//! activation instead (see `semantics.md` section 9).
//!
//! Costs `O(sum_k width_k * width_{k-1} * NIN)` per example, and Jacobian buffers in the
//! workspace: build it as `Workspace<L, B, NIN>` (`JD = NIN`).

use super::Selection;
use super::registry::{Builtin, Key, Topology, WeightRule};
use crate::error::Error;
use crate::layers::{Activation, InputStage, JacInput, Layers};
use crate::network::{Network, Workspace};

/// Check a contractive selection against a network: `:out` of layers >= 1, no softmax layer,
/// and Jacobian buffers of the right width.
pub fn validate<L: Layers, const B: usize, const JD: usize>(
    net: &Network<L>,
    targets: Selection,
) -> Result<(), Error> {
    check(&super::view::ParamsOf::<L, JD>(net), targets)
}

/// The penalty over the last forward pass in `ws`; when `grads` is given, also add
/// `weight * dR/dW` into it and `weight * dR/d pre` into the workspace for the backward pass.
/// Call [`validate`] once first.
pub fn loss_and_grad<L: Layers, const B: usize, const JD: usize>(
    targets: Selection,
    net: &Network<L>,
    ws: &mut Workspace<L, B, JD>,
    mut grads: Option<&mut Network<L>>,
    weight: f32,
) -> f64 {
    let rows = ws.rows();
    let count = targets.count();
    let Some(upto) = targets.max() else {
        return 0.0;
    };
    if rows == 0 || JD != L::NIN {
        return 0.0;
    }
    let Workspace {
        input,
        bufs,
        jacs,
        jac_in,
        ..
    } = ws;
    let (j_in, g_in) = jac_in.split();
    let seed = weight * 2.0 / (count * rows) as f32;
    let mut total = 0.0f64;
    for row in 0..rows {
        input.jac_in(row, j_in);
        net.body.jac_forward(bufs, row, j_in, jacs, upto);
        for k in targets.iter() {
            if let Some((j, _)) = L::jac_grads(jacs, k - 1) {
                total += crate::kernels::sum_f64(j, |v| v * v);
            }
        }
        if let Some(grads) = grads.as_deref_mut() {
            L::clear_jac_grads(jacs, upto);
            for k in targets.iter() {
                if let Some((j, g)) = L::jac_grads(jacs, k - 1) {
                    for (gv, &jv) in g.iter_mut().zip(j) {
                        *gv += seed * jv;
                    }
                }
            }
            g_in.fill(0.0);
            net.body
                .jac_backward(bufs, row, j_in, g_in, jacs, &mut grads.body, upto);
        }
    }
    total / (count * rows) as f64
}

/// The registry's entry: keys, weight rule, targets (hidden or output `:out`s, default the
/// hidden ones; `in:out`, whose Jacobian is the identity, never). Its term needs the
/// network's Jacobian passes, so the objective evaluates it with [`loss_and_grad`].
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::Contractive,
    keys: &[Key {
        key: "contractive",
        canonical: "contractive",
        targets: "",
    }],
    weight: WeightRule::NonNegative,
    needs_targets: false,
    resolve: |spec, net, a, _| {
        (a.outs, _) = super::select_outputs(net, &spec.patterns);
        a.outs.0 &= !1;
        if a.outs.count() > 0 {
            check(net, a.outs)?;
        }
        Ok(())
    },
    term: None,
};

/// [`validate`] through a [`Topology`]: Jacobian buffers of the right width, targets among
/// the layers, every layer up to the deepest target with a Jacobian and none a softmax.
fn check(net: &dyn Topology, targets: Selection) -> Result<(), Error> {
    if net.jacobian_width() != net.input_width() {
        return Err(Error::WorkspaceTooSmall {
            what: "Jacobian columns (JD) of the contractive penalty",
            needed: net.input_width(),
            have: net.jacobian_width(),
        });
    }
    for k in targets.iter() {
        if k == 0 || k > net.layers() {
            return Err(Error::BadValue {
                name: "contractive target (hidden or output :out only)",
            });
        }
    }
    let upto = targets.max().unwrap_or(0);
    for k in 1..=upto {
        if net.activation(k) == Some(Activation::Softmax) {
            return Err(Error::BadValue {
                name: "contractive through a softmax layer",
            });
        }
        if !net.has_jacobian(k) {
            return Err(Error::BadValue {
                name: "contractive through a layer without a Jacobian (Layer::HAS_JACOBIAN)",
            });
        }
    }
    Ok(())
}
