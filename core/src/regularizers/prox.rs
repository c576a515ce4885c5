//! `prox = mu` (FedProx; L2-SP on a device): a proximal pull towards reference weights the
//! caller sets (the global model of a federation, the pretrained model of a fine-tuning):
//!
//! `R = (1/2) sum_{T} ||w_T - w_ref,T||^2` over the matched tensors (default: every one,
//! weights and biases; a sum over elements, not a mean), so the objective's term is
//! `(mu/2) ||w - w_ref||^2`. Gradient: `dR/dw = w - w_ref` (the term's: `mu (w - w_ref)`).
//!
//! The reference is the trainer's ([`crate::train::reference`]); a configuration with `prox`
//! and no reference weights is refused when it is applied. Seen through a view without them
//! (the public [`evaluate`](crate::train::evaluate)), the value is NaN and no gradient is
//! added: never a silent zero.

use super::entry::{Active, Builtin, Key, Term, WeightRule};
use super::pattern::glob_match;
use super::selection::Selection;
use super::view::{NetGrads, NetView, RefValues};
use crate::kernels::{SUM_BLOCK, Sum};

/// The tensors `patterns` name (every tensor, weights and biases, when there are none).
fn select(net: &dyn NetView, patterns: &[super::spec::Pattern]) -> Selection {
    let mut sel = Selection::default();
    for i in 0..net.tensors() {
        let name = net.tensor_name(i);
        if patterns.is_empty() || patterns.iter().any(|p| glob_match(p, &name)) {
            sel.insert(i);
        }
    }
    sel
}

/// `R`: half the squared distance to the reference over `targets`, each tensor's squares
/// summed in `f32` in a fixed order ([`squares`]); NaN without reference weights.
fn value(targets: Selection, net: &dyn NetView) -> f64 {
    let mut total = 0.0f64;
    for i in targets.iter() {
        let (Some(t), Some(r)) = (net.tensor(i), net.reference(i)) else {
            return f64::NAN;
        };
        let s = match r {
            RefValues::F32(r) => squares(t.data, |k| r[k]),
            RefValues::Le(b) => squares(t.data, |k| le(&b[4 * k..4 * k + 4])),
        };
        total += s.value_f64();
    }
    0.5 * total
}

/// A little-endian `f32` from 4 bytes.
#[inline(always)]
fn le(b: &[u8]) -> f32 {
    f32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// `sum_k (w[k] - r(k))^2` in `kernels::sum_f32`'s order: blocks of 64 in eight named chains
/// (`k` into chain `k % 8`, a build for size keeps them in registers), the blocks in a
/// double-f32 [`Sum`], the tail one by one.
#[inline(always)]
fn squares(w: &[f32], r: impl Fn(usize) -> f32) -> Sum {
    let mut total = Sum::default();
    let body = w.len() - w.len() % SUM_BLOCK;
    for (n, block) in w[..body].chunks_exact(SUM_BLOCK).enumerate() {
        let at = n * SUM_BLOCK;
        let d = |k: usize| {
            let x = block[k] - r(at + k);
            x * x
        };
        let (mut s0, mut s1, mut s2, mut s3) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        let (mut s4, mut s5, mut s6, mut s7) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for c in (0..SUM_BLOCK).step_by(8) {
            s0 += d(c);
            s1 += d(c + 1);
            s2 += d(c + 2);
            s3 += d(c + 3);
            s4 += d(c + 4);
            s5 += d(c + 5);
            s6 += d(c + 6);
            s7 += d(c + 7);
        }
        total.add(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
    }
    for (k, &v) in w.iter().enumerate().skip(body) {
        let x = v - r(k);
        total.add(x * x);
    }
    total
}

crate::elementwise! {
    /// `g += mu (w - w0)`.
    fn add_pull(w: &[f32], w0: &[f32], g: &mut [f32], mu: f32) {
        for ((gk, &wk), &rk) in g.iter_mut().zip(w).zip(w0) {
            *gk += mu * (wk - rk);
        }
    }
}

/// `weight * dR/dw = weight (w - w_ref)` into each matched tensor's gradient (nothing
/// without reference weights: the value says NaN).
fn grad(targets: Selection, net: &mut dyn NetGrads, weight: f32) {
    for i in targets.iter() {
        match net.tensor_grad_with_reference(i) {
            Some((t, RefValues::F32(w0), g)) => add_pull(t.data, w0, g, weight),
            Some((t, RefValues::Le(bytes), g)) => {
                for ((gk, &wk), b) in g.iter_mut().zip(t.data).zip(bytes.chunks_exact(4)) {
                    *gk += weight * (wk - le(b));
                }
            }
            None => {}
        }
    }
}

/// The registry's entry: keys, weight rule, targets (default: every tensor) and term.
pub const ENTRY: Builtin = Builtin {
    kind: super::RegKind::Prox,
    keys: &[Key::main(
        "prox",
        "μ/2 · ‖w − w_ref‖²",
        "Proximal pull (FedProx, L2-SP): keeps every weight near the reference weights you set (the global model, the pretrained one), so a few local updates adapt the model without drifting from it.",
    )],
    weight: WeightRule::NonNegative,
    needs_targets: false,
    resolve: |spec, net, a, _| {
        a.tensors = select(net, &spec.patterns);
        Ok(())
    },
    term: Some(Term {
        loss: |a: &Active, v| value(a.tensors, v),
        grad: |a: &Active, g, w| grad(a.tensors, g, w),
    }),
    jacobian_term: None,
};
