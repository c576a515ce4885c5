//! The training objective of one batch: `L = data_loss + sum_r weight_r R_r`, with every
//! term reported, and optionally its gradient.
//!
//! Data flows one way: the forward pass has filled the workspace; the loss writes the output
//! gradient; each regularizer reads values and adds its gradient (into parameter gradients,
//! or into layer `d_out` / `d_pre` for activity penalties); the backward pass then carries
//! everything to the parameters.

use crate::error::Error;
use crate::layers::{Corruptor, Layers};
use crate::losses::{Loss, Target};
use crate::network::{Network, Workspace};
use crate::regularizers::view::{Ctx, ParamsOf, ViewOf};
use crate::regularizers::{
    HiddenL1, RecurrentNorm, RecurrentState, RegKind, RegSpec, Regularizer, Selection, WeightL1,
    WeightL2, contractive, dropout, noise, select_outputs, select_tensors,
};

/// The most regularizers one configuration may hold.
pub const MAX_REGS: usize = 12;

/// A regularizer bound to a network: what it is, how strong, and its targets resolved
/// (the setting's patterns are not kept: the selections say everything the step needs).
#[derive(Clone, Debug, PartialEq)]
pub struct Active {
    /// Which regularizer.
    pub kind: RegKind,
    /// Its weight (`p` for dropout, `sigma` for noise).
    pub weight: f32,
    /// Matched tensors (weight penalties).
    pub tensors: Selection,
    /// Matched `:out`s.
    pub outs: Selection,
    /// Matched `:pre`s.
    pub pres: Selection,
}

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
        let view = ParamsOf(net);
        let mut items = heapless::Vec::new();
        for spec in specs {
            spec.validate()?;
            let mut a = Active {
                kind: spec.kind,
                weight: spec.weight,
                tensors: Selection::default(),
                outs: Selection::default(),
                pres: Selection::default(),
            };
            let empty = match spec.kind {
                RegKind::WeightL2 | RegKind::WeightL1 => {
                    a.tensors = select_tensors(&view, &spec.patterns);
                    a.tensors.count() == 0
                }
                RegKind::HiddenL1 => {
                    (a.outs, a.pres) = select_outputs(&view, &spec.patterns);
                    a.outs.count() + a.pres.count() == 0
                }
                RegKind::Contractive => {
                    (a.outs, _) = select_outputs(&view, &spec.patterns);
                    // `in:out` has a constant Jacobian (the identity): nothing to penalize.
                    a.outs.0 &= !1;
                    if a.outs.count() > 0 {
                        contractive::validate::<L, B, JD>(net, a.outs)?;
                    }
                    a.outs.count() == 0
                }
                RegKind::Dropout | RegKind::Noise => {
                    let mut group = crate::regularizers::Patterns::new();
                    if let Some(g) = spec.group_default().filter(|_| spec.patterns.is_empty()) {
                        // A default is a short constant: it always fits.
                        if let Ok(p) = crate::regularizers::Pattern::try_from(g) {
                            let _ = group.push(p);
                        }
                    }
                    let pats = if group.is_empty() {
                        &spec.patterns
                    } else {
                        &group
                    };
                    (a.outs, a.pres) = select_outputs(&view, pats);
                    // A :pre is the value its own :out is computed from: corrupting it alone
                    // would change nothing but the penalties on it. An LSTM's :cell is a state
                    // of its own, which penalties on :cell see corrupted (semantics.md §10).
                    if a.pres
                        .iter()
                        .any(|k| k == 0 || net.second_port(k) != "cell")
                    {
                        return Err(Error::BadValue {
                            name: "noise/dropout target: an :out, or an LSTM's :cell (not a :pre)",
                        });
                    }
                    if spec.kind == RegKind::Dropout {
                        dropout::configure(corrupt, a.outs, a.pres, spec.weight)?;
                    } else {
                        noise::configure(corrupt, a.outs, a.pres, spec.weight)?;
                    }
                    a.outs.count() + a.pres.count() == 0
                }
                RegKind::RecurrentNorm | RegKind::RecurrentState => {
                    if spec.patterns.is_empty() {
                        for k in 1..=L::LAYERS {
                            if net.body.recurrent(k - 1) {
                                a.outs.insert(k);
                            }
                        }
                    } else {
                        (a.outs, a.pres) = select_outputs(&view, &spec.patterns);
                        // Any sequence-valued output: a sequence layer's :out or second
                        // output (an LSTM's :cell), or a sequence model's input.
                        let sequence = |k: usize| {
                            if k == 0 {
                                L::IN_STEPS >= 2
                            } else {
                                net.body.sequence(k - 1)
                            }
                        };
                        if !a.outs.iter().chain(a.pres.iter()).all(sequence) {
                            return Err(Error::BadValue {
                                name: "recurrent_norm / recurrent_state target (an output over time steps)",
                            });
                        }
                    }
                    a.outs.count() + a.pres.count() == 0
                }
                RegKind::Custom(i) => i >= customs,
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
    mut grads: Option<&mut Network<L>>,
    batch: Batch<'_>,
    loss: Loss,
    penalties: &Penalties,
    customs: &[&dyn Regularizer],
    corrupt: &mut Corruptor,
) -> Result<Terms, Error> {
    // A fused loss reads the logits: output noise and dropout corrupt those (§10).
    corrupt.logits = if loss.reads_logits() { L::LAYERS } else { 0 };
    net.forward(batch.x, batch.rows, ws, corrupt)?;
    ws.clear_grads();
    let mut terms = Terms::default();
    if let Some(mut out) = ws.grads(net, L::LAYERS) {
        terms.data = loss.apply(&mut out, batch.target, batch.weights, 1.0);
    }
    terms.loss = terms.data;
    for (r, a) in penalties.items.iter().enumerate() {
        let w = a.weight;
        let builtin: Option<&dyn Regularizer> = match a.kind {
            RegKind::WeightL2 => Some(&WeightL2 { targets: a.tensors }),
            RegKind::WeightL1 => Some(&WeightL1 { targets: a.tensors }),
            RegKind::HiddenL1 => Some(&HiddenL1 {
                targets: a.outs,
                pre: a.pres,
            }),
            RegKind::RecurrentNorm => Some(&RecurrentNorm {
                targets: a.outs,
                pre: a.pres,
            }),
            RegKind::RecurrentState => Some(&RecurrentState {
                targets: a.outs,
                pre: a.pres,
            }),
            RegKind::Custom(i) => customs.get(i).copied(),
            RegKind::Contractive => {
                let value = contractive::loss_and_grad(a.outs, net, ws, grads.as_deref_mut(), w);
                terms.regs[r] = value;
                terms.loss += w as f64 * value;
                None
            }
            RegKind::Dropout | RegKind::Noise => None,
        };
        if let Some(reg) = builtin {
            let value = reg.loss(&ViewOf { net, ws });
            terms.regs[r] = value;
            terms.loss += w as f64 * value;
            if let Some(g) = grads.as_deref_mut() {
                reg.grad(&mut Ctx { net, ws, grads: g }, w);
            }
        }
    }
    if let Some(g) = grads {
        net.backward(ws, g);
    }
    Ok(terms)
}
