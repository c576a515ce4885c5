//! Finite-difference checks of the full training objective: data loss plus regularizers,
//! through every layer kind, on `5 -> 4 -> (3 -> tied 4) -> 5` (two hidden layers and a tied
//! pair). Noise and dropout masks are held fixed by replaying the same generator state for
//! every evaluation. f32 arithmetic with h = 1e-3 (losses summed in f64): central
//! differences are then good to about 1e-3 relative; we allow 2e-2, and use smooth
//! activations where the check must be exact everywhere (piecewise-linear activations are
//! checked separately, allowing for the rare coordinate whose perturbation crosses a kink).

use staticnets::gradcheck::{Settings, check_params};
use staticnets::layers::{Activation, Activation::*, Corruptor, Dense, Layers, Tied};
use staticnets::losses::{Loss, Target};
use staticnets::network::{Network, Workspace};
use staticnets::regularizers::RegSpec;
use staticnets::train::{Batch, Penalties, evaluate};

type Body = (Dense<5, 4>, Tied<4, 3>, Dense<4, 5>);
const ROWS: usize = 3;

fn net(a1: Activation, a2: Activation, a3: Activation, out: Activation) -> Network<Body> {
    let mut n = Network::new((
        Dense::new(a1),
        Tied::new(Dense::new(a2), staticnets::layers::Identity, a3),
        Dense::new(out),
    ));
    n.init(5);
    // non-zero biases so that every bias gradient is exercised
    for i in 0..<Body as Layers>::TENSORS {
        let t = n.tensor_mut(i).unwrap();
        if t.len() <= 5 {
            for (k, v) in t.iter_mut().enumerate() {
                *v = 0.1 * (k as f32 - 1.7);
            }
        }
    }
    n
}

fn input() -> [f32; ROWS * 5] {
    core::array::from_fn(|k| ((k * 7 % 11) as f32 - 5.0) * 0.15)
}

/// Max relative error between the analytic gradient and central differences, and the
/// fraction of coordinates above `tol`.
fn check(
    mut n: Network<Body>,
    loss: Loss,
    target: Target<'_>,
    weights: Option<&[f32]>,
    specs: &[RegSpec],
    tol: f64,
) -> (f64, f64) {
    let x = input();
    let mut ws: Box<Workspace<Body, 4, 5>> = Box::new(Workspace::new());
    let mut c = Corruptor::off();
    let pens = Penalties::resolve::<Body, 4, 5>(specs, &n, &mut c, 0).expect("resolve");
    c.active = true;
    let batch = Batch {
        x: &x,
        rows: ROWS,
        target,
        weights,
    };
    let mut grads = Network::<Body>::zero();
    evaluate(
        &n,
        &mut ws,
        Some(&mut grads),
        batch,
        loss,
        &pens,
        &[],
        &mut c.clone(),
    )
    .unwrap();
    let s = Settings {
        floor: 1e-2,
        tol,
        ..Default::default()
    };
    let r = check_params(&mut n, &grads, &s, |n| {
        evaluate(n, &mut ws, None, batch, loss, &pens, &[], &mut c.clone())
            .unwrap()
            .loss
    });
    if r.above > 0 {
        eprintln!(
            "{} of {} above {tol}; worst {} [{}]: numeric {:.6} analytic {:.6}",
            r.above,
            r.checked,
            r.worst.as_str(),
            r.worst_index,
            r.numeric,
            r.analytic
        );
    }
    (r.max_rel_error, r.fraction_above())
}

fn spec(key: &str, w: f32) -> RegSpec {
    RegSpec::new(key, w).unwrap()
}

fn smooth() -> Network<Body> {
    net(Tanh, Sigmoid, Softplus, Linear)
}

#[test]
fn data_loss_alone_through_every_layer() {
    let x = input();
    let (w, _) = check(smooth(), Loss::Mse, Target::Values(&x), None, &[], 2e-2);
    assert!(w < 2e-2, "{w}");
}

#[test]
fn each_regularizer_alone() {
    let x = input();
    for s in [
        spec("weight_l2", 0.5),
        spec("weight_l1", 0.5),
        spec("hidden_l1", 0.5),
        spec("contractive", 0.3),
        spec("input_noise", 0.2),
        spec("hidden_noise", 0.2),
        spec("output_noise", 0.2),
        spec("input_dropout", 0.3),
        spec("hidden_dropout", 0.3),
        spec("output_dropout", 0.3),
        RegSpec::parse("contractive", "0.3 @ hid3:out").unwrap(),
        RegSpec::parse("hidden_l1", "0.5 @ hid2:pre").unwrap(),
        RegSpec::parse("weight_l2", "0.5 @ hid2.w").unwrap(),
    ] {
        let (w, _) = check(
            smooth(),
            Loss::Mse,
            Target::Values(&x),
            None,
            std::slice::from_ref(&s),
            2e-2,
        );
        assert!(w < 2e-2, "{}: {w}", s.key);
    }
}

#[test]
fn all_regularizers_together_with_fixed_masks() {
    let x = input();
    let all = [
        spec("weight_l2", 0.1),
        spec("weight_l1", 0.1),
        spec("hidden_l1", 0.2),
        spec("contractive", 0.2),
        spec("input_dropout", 0.2),
        spec("hidden_dropout", 0.25),
        spec("input_noise", 0.1),
        spec("hidden_noise", 0.1),
    ];
    let (w, _) = check(smooth(), Loss::Mse, Target::Values(&x), None, &all, 2e-2);
    assert!(w < 2e-2, "{w}");
    // contractive at every depth at once, including the tied decoder and the output layer
    let deep = [
        RegSpec::parse("contractive", "0.2 @ *:out").unwrap(),
        spec("hidden_dropout", 0.2),
    ];
    let (w, _) = check(
        net(Elu, Tanh, Sigmoid, Tanh),
        Loss::Mse,
        Target::Values(&x),
        None,
        &deep,
        2e-2,
    );
    assert!(w < 2e-2, "{w}");
}

#[test]
fn every_activation_in_every_position() {
    let x = input();
    for a in Activation::ALL.into_iter().filter(|&a| a != Softmax) {
        let regs = [spec("contractive", 0.2), spec("hidden_l1", 0.1)];
        let (w, frac) = check(
            net(a, a, a, Linear),
            Loss::Mse,
            Target::Values(&x),
            None,
            &regs,
            2e-2,
        );
        if a.is_piecewise_linear() {
            assert!(frac < 0.03, "{a:?}: {frac} of coordinates off (worst {w})");
        } else {
            assert!(w < 2e-2, "{a:?}: {w}");
        }
    }
}

#[test]
fn every_loss_and_its_weighted_variant() {
    let y: [f32; ROWS * 5] = core::array::from_fn(|k| (k % 5) as f32 * 0.2);
    let labels = [1u32, 4, 0];
    let ew: [f32; ROWS * 5] = core::array::from_fn(|k| 0.5 + (k % 3) as f32 * 0.5);
    let rw = [1.0f32, 0.3, 2.0];
    let regs = [
        spec("weight_l2", 0.1),
        spec("hidden_l1", 0.1),
        spec("contractive", 0.1),
    ];
    for (loss, out, target, w) in [
        (Loss::Mse, Linear, Target::Values(&y), Some(&ew[..])),
        (Loss::Mae, Linear, Target::Values(&y), Some(&ew[..])),
        (Loss::Bce, Sigmoid, Target::Values(&y), Some(&ew[..])),
        (Loss::Xe, Softmax, Target::Labels(&labels), Some(&rw[..])),
        (Loss::Hinge, Linear, Target::Labels(&labels), Some(&rw[..])),
    ] {
        for weights in [None, w] {
            let (worst, frac) = check(
                net(Tanh, Sigmoid, Tanh, out),
                loss,
                target,
                weights,
                &regs,
                2e-2,
            );
            // mae and hinge have kinks; everything else must match everywhere
            if matches!(loss, Loss::Mae | Loss::Hinge) {
                assert!(frac < 0.03, "{loss:?}: {frac} off (worst {worst})");
            } else {
                assert!(
                    worst < 2e-2,
                    "{loss:?} weighted={}: {worst}",
                    weights.is_some()
                );
            }
        }
    }
}

/// §10: with `xe` or `bce` (computed from the logits), output noise and dropout corrupt the
/// logits; the full objective's gradient through the corrupted logits, masks held fixed.
#[test]
fn output_corruption_reaches_the_fused_losses_through_the_logits() {
    let y: [f32; ROWS * 5] = core::array::from_fn(|k| (k % 5) as f32 * 0.2);
    let labels = [1u32, 4, 0];
    for (loss, out, target) in [
        (Loss::Bce, Sigmoid, Target::Values(&y)),
        (Loss::Xe, Softmax, Target::Labels(&labels)),
    ] {
        for regs in [
            [spec("output_dropout", 0.4), spec("hidden_l1", 0.1)],
            [spec("output_noise", 0.5), spec("weight_l2", 0.1)],
        ] {
            let (worst, _) = check(
                net(Tanh, Sigmoid, Tanh, out),
                loss,
                target,
                None,
                &regs,
                2e-2,
            );
            assert!(worst < 2e-2, "{loss:?} {}: {worst}", regs[0].key);
        }
    }
}
