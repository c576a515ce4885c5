//! The training objective of one batch: `L = data_loss + sum_r weight_r R_r`, with every
//! term reported, and optionally its gradient.
//!
//! Data flows one way: the forward pass has filled the workspace; the loss writes the output
//! gradient; each regularizer reads values and adds its gradient (into parameter gradients,
//! or into layer `d_out` / `d_pre` for activity penalties); the backward pass then carries
//! everything to the parameters.

use crate::error::Error;
use crate::layers::{Corruptor, Layers};
use crate::losses::{Loss, LossValue, Target};
use crate::network::{Network, Workspace};
use crate::regularizers::registry;
use crate::regularizers::view::{Ctx, JacobiansOf, ParamsOf, ReferenceWeights, Referenced, ViewOf};
use crate::regularizers::{CustomRegularizer, RegKind, RegSpec};

pub use crate::regularizers::Active;

/// The most regularizers one configuration may hold.
pub const MAX_REGS: usize = 12;

/// The regularizers of a configuration, resolved against a network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Penalties {
    /// In configuration order.
    pub items: heapless::Vec<Active, MAX_REGS>,
}

impl Penalties {
    /// Resolve `specs` against `net`, configuring noise and dropout into `corrupt`.
    /// A pattern that matches nothing is an error, as is contractive without Jacobian buffers.
    pub fn resolve<L: Layers, const B: usize, const JD: usize>(
        specs: &[RegSpec],
        net: &Network<L>,
        corrupt: &mut Corruptor,
        customs: usize,
    ) -> Result<Self, Error> {
        corrupt.dropout = [0.0; crate::layers::MAX_LAYERS];
        corrupt.sigma = [0.0; crate::layers::MAX_LAYERS];
        corrupt.cell_dropout = [0.0; crate::layers::MAX_LAYERS];
        corrupt.cell_sigma = [0.0; crate::layers::MAX_LAYERS];
        let topology = ParamsOf::<L, JD>(net);
        let mut items = heapless::Vec::new();
        for spec in specs {
            spec.validate()?;
            let entry = registry::entry(spec.kind);
            let mut a = Active {
                entry,
                ..Active::new(spec.kind, spec.weight)
            };
            let empty = match (spec.kind, entry) {
                (RegKind::Custom(i), _) => i >= customs,
                (_, Some(entry)) => {
                    (entry.resolve)(spec, &topology, &mut a, corrupt)?;
                    a.is_empty()
                }
                (_, None) => true,
            };
            if empty {
                return Err(Error::PatternMatchesNothing {
                    regularizer: spec.key,
                });
            }
            items.push(a).map_err(|_| Error::CapacityExceeded {
                what: "regularizers",
                capacity: MAX_REGS,
            })?;
        }
        Ok(Penalties { items })
    }
}

/// Every term of the objective of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Terms {
    /// The full objective.
    pub loss: f64,
    /// The data loss alone.
    pub data: f64,
    /// Each regularizer's unweighted `R`, in configuration order (0 for noise and dropout).
    pub regs: [f64; MAX_REGS],
}

/// A batch: `rows` rows of inputs and what they are compared with.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    /// Inputs, `rows * NIN`.
    pub x: &'a [f32],
    /// Rows.
    pub rows: usize,
    /// Targets (an autoencoder passes `Target::Values(x)`, the clean input).
    pub target: Target<'a>,
    /// Per-element or per-row loss weights.
    pub weights: Option<&'a [f32]>,
}

/// Forward `batch` and compute every term; with `grads`, also add the objective's gradient
/// (which the caller zeroed) into it. A batch of more rows than the workspace holds, or
/// inputs of the wrong length, is an error.
#[allow(clippy::too_many_arguments)]
pub fn evaluate<L: Layers, const B: usize, const JD: usize>(
    net: &Network<L>,
    ws: &mut Workspace<L, B, JD>,
    grads: Option<&mut Network<L>>,
    batch: Batch<'_>,
    loss: Loss,
    penalties: &Penalties,
    customs: &[CustomRegularizer],
    corrupt: &mut Corruptor,
) -> Result<Terms, Error> {
    let values = PenaltyValues::Computed;
    evaluate_as(
        net, ws, grads, batch, loss, penalties, customs, corrupt, values, None,
    )
    .map(|(terms, _)| terms)
}

/// Whether [`evaluate_as`] computes each penalty's value (`monitor_penalties`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PenaltyValues {
    /// Every term's value, and the objective's total.
    Computed,
    /// Only the data loss, as its `f32` sums (the terms' `data` and `loss` are NaN, for the
    /// caller to fill when a report needs them): each penalty adds its gradient, its value is
    /// NaN (contractive, whose value comes with its gradient, keeps it). No arithmetic in
    /// `f64`: a step on a microcontroller without a double-precision unit runs none.
    Skipped,
}

/// [`evaluate`], with the penalties' values computed or skipped, and the reference weights
/// `prox` reads; also returns the data loss's `f32` sums.
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate_as<L: Layers, const B: usize, const JD: usize>(
    net: &Network<L>,
    ws: &mut Workspace<L, B, JD>,
    mut grads: Option<&mut Network<L>>,
    batch: Batch<'_>,
    loss: Loss,
    penalties: &Penalties,
    customs: &[CustomRegularizer],
    corrupt: &mut Corruptor,
    values: PenaltyValues,
    reference: Option<&dyn ReferenceWeights>,
) -> Result<(Terms, LossValue), Error> {
    let skip = values == PenaltyValues::Skipped;
    // A fused loss reads the logits: output noise and dropout corrupt those (§10).
    corrupt.logits = if loss.reads_logits() { L::LAYERS } else { 0 };
    net.forward(batch.x, batch.rows, ws, corrupt)?;
    ws.clear_grads();
    let mut terms = Terms::default();
    let mut data = LossValue::NONE;
    if let Some(mut out) = ws.grads(net, L::LAYERS) {
        data = loss.apply_sum(&mut out, batch.target, batch.weights, 1.0);
    }
    if skip {
        (terms.data, terms.loss) = (f64::NAN, f64::NAN);
    } else {
        terms.data = data.value();
        terms.loss = terms.data;
    }
    let mut skipped = false;
    for (r, a) in penalties.items.iter().enumerate() {
        let w = a.weight;
        // A custom regularizer's own code; a built-in through its registry entry: its term
        // over the outputs and parameters, or over the Jacobian passes (contractive);
        // dropout and noise add none. The objective knows no built-in by name.
        if let RegKind::Custom(i) = a.kind {
            if let Some(reg) = customs.get(i) {
                if skip {
                    (terms.regs[r], skipped) = (f64::NAN, true);
                } else {
                    let value = reg.loss(&ViewOf { net, ws });
                    terms.regs[r] = value;
                    terms.loss += w as f64 * value;
                }
                if let Some(g) = grads.as_deref_mut() {
                    reg.grad(&mut Ctx { net, ws, grads: g }, w);
                }
            }
            continue;
        }
        let Some(entry) = a.entry else {
            continue;
        };
        if let Some(term) = entry.jacobian_term {
            let grads = grads.as_deref_mut();
            let value = term(a, &mut JacobiansOf { net, ws, grads }, w);
            terms.regs[r] = value;
            terms.loss += w as f64 * value;
        }
        if let Some(term) = entry.term {
            if skip {
                (terms.regs[r], skipped) = (f64::NAN, true);
            } else {
                let view = ViewOf { net, ws };
                let value = match reference {
                    Some(reference) => (term.loss)(a, &Referenced { view, reference }),
                    None => (term.loss)(a, &view),
                };
                terms.regs[r] = value;
                terms.loss += w as f64 * value;
            }
            if let Some(g) = grads.as_deref_mut() {
                let view = Ctx { net, ws, grads: g };
                match reference {
                    Some(reference) => (term.grad)(a, &mut Referenced { view, reference }, w),
                    None => (term.grad)(a, &mut { view }, w),
                }
            }
        }
    }
    if skipped {
        terms.loss = f64::NAN;
    }
    if let Some(g) = grads {
        net.backward(ws, g);
    }
    Ok((terms, data))
}
