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
//! activation instead (see `docs/contract.md`, its last section).
//!
//! Costs `O(sum_k width_k * width_{k-1} * NIN)` per example, and Jacobian buffers in the
//! workspace: build it as `Workspace<L, B, NIN>` (`JD = NIN`).

use super::entry::{Builtin, Key, WeightRule};
use super::selection::Selection;
use super::topology::Topology;
use super::view::{JacobianPasses, JacobiansOf};
use crate::error::Error;
use crate::layers::{Activation, Layers};
use crate::network::{Network, Workspace};

/// Check a contractive selection against a network: `:out` of layers >= 1, no softmax layer,
/// and Jacobian buffers of the right width.
pub fn validate<L: Layers, const B: usize, const JD: usize>(
    net: &Network<L>,
    targets: Selection,
) -> Result<(), Error> {
    check(&super::view::ParamsOf::<L, JD>(net), targets)
}

/// The penalty over the last forward pass of `net`; when it takes gradients, also add
/// `weight * dR/dW` into the parameter gradients and `weight * dR/d pre` into the layers'
/// buffers for the backward pass. The targets were checked when they were resolved.
///
/// Per row: the Jacobians up to the deepest target; `R` sums their squares; the seeds
/// `dR/dJ_h = 2 weight J_h / (|H| rows)` go back down the chain.
pub fn loss_and_grad(targets: Selection, net: &mut dyn JacobianPasses, weight: f32) -> f64 {
    let rows = net.rows();
    let count = targets.count();
    let Some(upto) = targets.max() else {
        return 0.0;
    };
    if rows == 0 || !net.ready() {
        return 0.0;
    }
    let seed = weight * 2.0 / (count * rows) as f32;
    let mut total = crate::kernels::Sum::default();
    for row in 0..rows {
        net.forward(row, upto);
        for k in targets.iter() {
            if let Some((j, _)) = net.jacobian(k) {
                total.merge(crate::kernels::sum_sq(j));
            }
        }
        if net.taking_gradients() {
            net.clear(upto);
            for k in targets.iter() {
                if let Some((j, g)) = net.jacobian(k) {
                    for (gv, &jv) in g.iter_mut().zip(j) {
                        *gv += seed * jv;
                    }
                }
            }
            net.backward(row, upto);
        }
    }
    total.value_f64() / (count * rows) as f64
}

/// `R` alone over the last forward pass in `ws` (no gradient): for monitors and examples.
pub fn value<L: Layers, const B: usize, const JD: usize>(
    targets: Selection,
    net: &Network<L>,
    ws: &mut Workspace<L, B, JD>,
) -> f64 {
    loss_and_grad(
        targets,
        &mut JacobiansOf {
            net,
            ws,
            grads: None,
        },
        0.0,
    )
}

/// The registry's entry: keys, weight rule, targets (hidden or output `:out`s, default the
/// hidden ones; `in:out`, whose Jacobian is the identity, never), and its term over the
/// network's Jacobian passes ([`loss_and_grad`]).
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::Contractive,
    keys: &[Key::main(
        "contractive",
        "λ · mean ‖∂h/∂x‖²_F",
        "Contractive: penalizes how much the code moves when the input moves, so the code keeps what varies across examples and ignores small perturbations.",
    )],
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
    jacobian_term: Some(|a, net, weight| loss_and_grad(a.outs, net, weight)),
};

/// [`validate`] through a [`Topology`]: targets among the layers, every layer up to the
/// deepest target with a Jacobian and none a softmax, Jacobian buffers of the right width.
fn check(net: &dyn Topology, targets: Selection) -> Result<(), Error> {
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
                name: "contractive through a layer without a Jacobian (convolution and pooling have none yet; a layer of your own declares its Layer::Jacobian)",
            });
        }
    }
    // (after the layers: a model that cannot have contractive at all says why, not that its
    // buffers are too small)
    if net.jacobian_width() != net.input_width() {
        return Err(Error::WorkspaceTooSmall {
            what: "Jacobian columns (JD) of the contractive penalty",
            needed: net.input_width(),
            have: net.jacobian_width(),
        });
    }
    Ok(())
}
