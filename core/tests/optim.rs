//! Each optimizer's first updates against values computed by hand from its formula
//! (`docs/contract.md`), and the trainer's handling of a non-finite step.

use staticnets::layers::{Activation::*, Dense, Layers};
use staticnets::network::Network;
use staticnets::optim::{OptimState, Optimizer, decay, update};

type One = Dense<1, 1>;

/// Run updates with gradients `gs` on a 1x1 weight starting at 1.0; return the weight after each.
fn run(opt: Optimizer, mu: f32, lr: f32, gs: &[f32]) -> Vec<f32> {
    let mut net = Network::new(Dense::<1, 1>::new(Linear));
    net.body.w[0][0] = 1.0;
    let mut st: OptimState<One, 3> = OptimState::new();
    gs.iter()
        .map(|&g| {
            let mut grads = Network::<One>::zero();
            grads.body.w[0][0] = g;
            update(opt, mu, lr, &mut net, &mut grads, &mut st, |_| true, false).unwrap();
            net.body.w[0][0]
        })
        .collect()
}

fn close(a: &[f32], b: &[f64]) {
    for (x, y) in a.iter().zip(b) {
        assert!((*x as f64 - y).abs() < 1e-5, "{a:?} vs {b:?}");
    }
}

#[test]
fn sgd_momentum_and_nesterov() {
    close(&run(Optimizer::Sgd, 0.0, 0.1, &[2.0, 1.0]), &[0.8, 0.7]);
    // v1 = -0.2, w = 0.8; v2 = 0.5 * -0.2 - 0.1 = -0.2, w = 0.6
    close(&run(Optimizer::Sgd, 0.5, 0.1, &[2.0, 1.0]), &[0.8, 0.6]);
    // nag: v1 = -(1.5)(0.2) = -0.3, w = 0.7; v2 = 0.25 * -0.3 - 1.5 * 0.1 = -0.225, w = 0.475
    close(&run(Optimizer::Nag, 0.5, 0.1, &[2.0, 1.0]), &[0.7, 0.475]);
}

#[test]
fn rmsprop_adam_adagrad_adadelta_rprop() {
    let l = decay(14.0) as f64;
    let (m, s) = ((1.0 - l) * 2.0, (1.0 - l) * 4.0);
    close(
        &run(Optimizer::RmsProp { halflife: 14.0 }, 0.0, 0.1, &[2.0]),
        &[1.0 - 0.1 * 2.0 / (s - m * m + 1e-8).sqrt()],
    );
    // Adam's first bias-corrected step is lr * g / (|g| + eps)
    close(
        &run(
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
            },
            0.0,
            0.1,
            &[2.0],
        ),
        &[0.9],
    );
    close(
        &run(Optimizer::Adagrad, 0.0, 0.1, &[2.0, 2.0]),
        &[0.9, 0.9 - 0.1 * 2.0 / 8f64.sqrt()],
    );
    let s1 = (1.0 - l) * 4.0;
    let d1 = 2.0 * (1e-8f64).sqrt() / (s1 + 1e-8).sqrt();
    close(
        &run(Optimizer::Adadelta { halflife: 14.0 }, 0.0, 0.1, &[2.0]),
        &[1.0 - d1],
    );
    // rprop: sizes start at lr; same sign grows by 1.01; a flip shrinks by 0.99 and skips
    let r = Optimizer::Rprop {
        increase: 1.01,
        decrease: 0.99,
        min_step: 0.0,
        max_step: 100.0,
    };
    close(
        &run(r, 0.0, 0.1, &[2.0, 3.0, -1.0, -1.0]),
        &[0.9, 0.9 - 0.101, 0.799, 0.799 + 0.101 * 0.99],
    );
}

#[test]
fn too_few_state_slots_is_an_error() {
    let mut net = Network::new(Dense::<1, 1>::new(Linear));
    let mut g = Network::<One>::zero();
    let mut st: OptimState<One, 1> = OptimState::new();
    assert!(
        update(
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999
            },
            0.0,
            0.1,
            &mut net,
            &mut g,
            &mut st,
            |_| true,
            false
        )
        .is_err()
    );
}

/// Writing each result as it is computed (for a trainer with a copy to go back to) gives the
/// same bits as checking first and writing after, for every algorithm, with and without
/// momentum, over tensors longer than the passes' blocks; a non-finite result is refused by
/// both, and the checking update leaves the parameters as they were.
#[test]
fn writing_through_is_the_same_update_and_refuses_the_same_steps() {
    type Wide = Dense<20, 16>;
    let fill = |net: &mut Network<Wide>, k: f32| {
        for (i, w) in net.body.w.iter_mut().flatten().enumerate() {
            *w = libm::sinf(i as f32 * 0.37 + k) * 0.5;
        }
    };
    let bits = |net: &Network<Wide>| {
        net.body
            .w
            .iter()
            .flatten()
            .map(|w| w.to_bits())
            .collect::<Vec<_>>()
    };
    for name in Optimizer::NAMES {
        let opt = Optimizer::from_name(name).unwrap();
        for mu in [0.0, 0.9] {
            if opt.slots(mu) > 3 {
                continue;
            }
            // (net, state) for checking first, then for writing through
            let mut runs: Vec<(Network<Wide>, OptimState<Wide, 3>)> = (0..2)
                .map(|_| {
                    let mut net = Network::new(Wide::new(Linear));
                    fill(&mut net, 0.0);
                    (net, OptimState::new())
                })
                .collect();
            for step in 0..4 {
                for (k, (net, st)) in runs.iter_mut().enumerate() {
                    let mut g = Network::<Wide>::zero();
                    fill(&mut g, step as f32 + 1.0);
                    update(opt, mu, 0.05, net, &mut g, st, |_| true, k == 1).unwrap();
                    // consumed: cleared for the next step's gradients
                    assert!(
                        g.body
                            .w
                            .iter()
                            .flatten()
                            .chain(&g.body.b)
                            .all(|&v| v == 0.0)
                    );
                }
                assert_eq!(
                    bits(&runs[0].0),
                    bits(&runs[1].0),
                    "{name} mu {mu} step {step}"
                );
            }
            // a gradient that overflows one result: both refuse; checking first wrote nothing
            let before = bits(&runs[0].0);
            for (k, (net, st)) in runs.iter_mut().enumerate() {
                let mut g = Network::<Wide>::zero();
                fill(&mut g, 9.0);
                g.body.w[19][15] = if k == 0 { f32::MAX } else { f32::NAN };
                let r = update(opt, mu, 1e30, net, &mut g, st, |_| true, k == 1);
                assert!(
                    r.is_err() || opt.slots(0.0) > 0,
                    "{name} mu {mu} write-through {k}"
                );
            }
            if opt.slots(0.0) == 0 {
                assert_eq!(bits(&runs[0].0), before, "{name} mu {mu}");
            }
        }
    }
}

#[test]
fn a_non_finite_step_is_rejected_and_the_weights_are_kept() {
    use staticnets::train::{Data, Trainer};
    type B2 = (Dense<2, 2>, Dense<2, 2>);
    let mut t: Box<Trainer<B2, 4, 0, 2>> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    t.config
        .parse("algo = sgd\nlearning_rate = 0.1\nbatch_size = 2")
        .unwrap();
    let x = [0.5f32, -0.5, 1.0, 0.0];
    t.start(&Data::autoencoder(&x)).unwrap();
    let before = t.net.clone();
    // a finite input whose loss overflows f32: the gradient is not finite, and the default
    // on_divergence = stop ends the pass
    let huge = [3.0e38f32, -3.0e38, 3.0e38, 3.0e38];
    let err = t.pass(&Data::autoencoder(&huge)).unwrap_err();
    assert!(matches!(err, staticnets::Error::Diverged { .. }), "{err}");
    assert_eq!(t.net, before, "weights unchanged");
    // non-finite data is named by row and column
    let bad = [0.0f32, 1.0, f32::NAN, 2.0];
    assert_eq!(
        t.pass(&Data::autoencoder(&bad)).unwrap_err(),
        staticnets::Error::NonFiniteData {
            what: "inputs",
            row: 1,
            col: 0
        }
    );
    assert_eq!(<B2 as Layers>::PARAMS, 12);
}

#[test]
fn frozen_layers_keep_every_bit_and_the_rest_still_learn() {
    use staticnets::train::{Data, Trainer};
    type Body = (Dense<4, 3>, Dense<3, 4>);
    let mut t: Box<Trainer<Body, 8, 0, 2>> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    t.config
        .parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 8\nmax_updates = 30\nweight_l2 = 0.01\nfrozen = hid1.*")
        .unwrap();
    let x: Vec<f32> = (0..32).map(|k| (k % 5) as f32 * 0.2).collect();
    let data = Data::autoencoder(&x);
    t.start(&data).unwrap();
    let before = t.net.clone();
    let first = t.validate(&data).unwrap().err;
    let last = t.train(&data, &data, |_| true).unwrap();
    assert_eq!(t.net.body.0, before.body.0, "hid1 must not move");
    assert_ne!(t.net.body.1, before.body.1, "out must train");
    assert!(last.err < first, "{first} -> {}", last.err);
    t.config.set("frozen", "hid9.*").unwrap();
    assert!(
        t.reconfigure().is_err(),
        "a pattern matching nothing is an error"
    );
}

#[test]
fn the_last_passes_are_validated_before_the_best_is_restored() {
    use staticnets::train::{Data, Trainer};
    type Body = (Dense<4, 3>, Dense<3, 4>);
    let mut t: Box<Trainer<Body, 8, 0, 2>> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    // 3 passes but validation only every 10: without a closing validation the initial
    // weights (validated at pass 0) would be "the best" and come back.
    t.config
        .parse("algo = adam\nlearning_rate = 0.05\nbatch_size = 8\nmax_updates = 3\nvalidate_every = 10")
        .unwrap();
    let x: Vec<f32> = (0..32).map(|k| (k % 5) as f32 * 0.2).collect();
    let data = Data::autoencoder(&x);
    t.start(&data).unwrap();
    let initial = t.net.clone();
    let first = t.validate(&data).unwrap().loss;
    let last = t.train(&data, &data, |_| true).unwrap();
    assert_ne!(t.net, initial);
    assert!(
        t.best_loss() < first && last.improved,
        "{first} -> {}",
        t.best_loss()
    );
}
