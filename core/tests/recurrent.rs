//! Recurrent layers and penalties: finite-difference checks of the full objective with
//! respect to every parameter and every input at every time step (masks held fixed by
//! replaying the generator), and each recurrent regularizer's intended effect.

use staticnets::gradcheck::{Settings, check_params, check_values};
use staticnets::layers::{Activation::*, Corruptor, Gru, InputStage, Layers, Lstm, Rnn, TimeDense};
use staticnets::losses::{Loss, Target};
use staticnets::network::{Network, Workspace};
use staticnets::regularizers::RegSpec;
use staticnets::train::{Batch, Penalties, evaluate};

const ROWS: usize = 3;
const T: usize = 5;

/// Worst relative error over parameters and over inputs.
fn check<L: Layers, const JD: usize>(
    n: &mut Network<L>,
    x: &[f32],
    loss: Loss,
    target: Target<'_>,
    specs: &[RegSpec],
) -> (f64, f64) {
    let mut ws: Box<Workspace<L, 4, JD>> = Box::new(Workspace::new());
    ws.input_gradient = true;
    let mut c = Corruptor::off();
    let pens = Penalties::resolve::<L, 4, JD>(specs, n, &mut c, 0).expect("resolve");
    c.active = true;
    fn batch<'a>(x: &'a [f32], target: Target<'a>) -> Batch<'a> {
        Batch {
            x,
            rows: ROWS,
            target,
            weights: None,
        }
    }
    let mut grads = Network::<L>::zero();
    evaluate(
        n,
        &mut ws,
        Some(&mut grads),
        batch(x, target),
        loss,
        &pens,
        &[],
        &mut c.clone(),
    )
    .unwrap();
    // The sink holds d loss / d in:out; through input dropout, d in:out / d x is the mask.
    let mask: Option<Vec<f32>> = ws.input.view().mask.map(|m| m.to_vec());
    let mut dx: Vec<f32> = ws.input.out_and_sink().1.to_vec();
    if let Some(m) = mask {
        for (d, m) in dx.iter_mut().zip(m) {
            *d *= m;
        }
    }
    let s = Settings {
        floor: 1e-2,
        ..Default::default()
    };
    let p = check_params(n, &grads, &s, |n| {
        evaluate(
            n,
            &mut ws,
            None,
            batch(x, target),
            loss,
            &pens,
            &[],
            &mut c.clone(),
        )
        .unwrap()
        .loss
    });
    let mut xs = x.to_vec();
    let i = check_values(&mut xs, &dx, &s, |xs| {
        evaluate(
            n,
            &mut ws,
            None,
            batch(xs, target),
            loss,
            &pens,
            &[],
            &mut c.clone(),
        )
        .unwrap()
        .loss
    });
    for (what, r) in [("parameters", &p), ("inputs", &i)] {
        if r.above > 0 {
            eprintln!(
                "{what}: {} of {} above {}; worst {} [{}]: numeric {:.6} analytic {:.6}",
                r.above,
                r.checked,
                s.tol,
                r.worst.as_str(),
                r.worst_index,
                r.numeric,
                r.analytic
            );
        }
    }
    (p.max_rel_error, i.max_rel_error)
}

fn spec(key: &str, w: f32) -> RegSpec {
    RegSpec::new(key, w).unwrap()
}

fn sequences(width: usize) -> Vec<f32> {
    (0..ROWS * T * width)
        .map(|k| ((k * 7 % 13) as f32 - 6.0) * 0.15)
        .collect()
}

/// Non-zero biases, so every bias gradient is exercised.
fn shift_biases<L: Layers>(n: &mut Network<L>) {
    for i in 0..L::TENSORS {
        if n.tensor(i).unwrap().rows == 1 {
            for (k, v) in n.tensor_mut(i).unwrap().iter_mut().enumerate() {
                *v = 0.1 * (k as f32 % 5.0 - 1.7);
            }
        }
    }
}

/// Every regularizer that applies to a recurrent model, alone, then all together
/// (`contractive` where the model's layers have Jacobians).
fn every_setting(contractive: bool) -> Vec<Vec<RegSpec>> {
    let mut alone = vec![
        spec("recurrent_norm", 0.5),
        spec("recurrent_state", 0.5),
        spec("weight_l2", 0.5),
        spec("weight_l1", 0.5),
        spec("hidden_l1", 0.5),
        spec("input_noise", 0.2),
        spec("hidden_noise", 0.2),
        spec("input_dropout", 0.3),
        spec("hidden_dropout", 0.3),
        spec("output_dropout", 0.3),
    ];
    if contractive {
        alone.push(spec("contractive", 0.3));
        alone.push(RegSpec::parse("contractive", "0.3 @ hid1:out").unwrap());
    }
    let mut all: Vec<Vec<RegSpec>> = vec![vec![]];
    all.extend(alone.iter().map(|s| vec![s.clone()]));
    all.push(vec![
        spec("recurrent_norm", 0.3),
        spec("hidden_dropout", 0.3),
    ]);
    all.push(vec![
        spec("recurrent_state", 0.3),
        spec("input_noise", 0.2),
        spec("weight_l2", 0.2),
    ]);
    all.push(alone.clone());
    all
}

type RnnStack = (
    Rnn<2, 4, T, 10, 20>,
    Rnn<4, 3, T, 20, 15>,
    TimeDense<3, 2, T, 15, 10>,
);

#[test]
fn rnn_gradients_match_finite_differences_with_every_regularizer() {
    let x = sequences(2);
    let y: Vec<f32> = (0..ROWS * T * 2)
        .map(|k| (k % 3) as f32 * 0.4 - 0.3)
        .collect();
    for specs in every_setting(true) {
        let mut n: Network<RnnStack> =
            Network::new((Rnn::new(Tanh), Rnn::new(Sigmoid), TimeDense::new(Linear)));
        n.init(3);
        shift_biases(&mut n);
        let (p, i) = check::<_, 10>(&mut n, &x, Loss::Mse, Target::Values(&y), &specs);
        let names: Vec<&str> = specs.iter().map(|s| s.key).collect();
        eprintln!("rnn {names:?}: worst relative error parameters {p:.1e}, inputs {i:.1e}");
        assert!(
            p < 2e-2 && i < 2e-2,
            "{names:?}: parameters {p}, inputs {i}"
        );
    }
}

/// §10: contractive reaches through time-distributed layers too (exact Jacobian and gradient).
type TimeDenseStack = (
    TimeDense<2, 4, T, 10, 20>,
    Rnn<4, 3, T, 20, 15>,
    TimeDense<3, 2, T, 15, 10>,
);

#[test]
fn contractive_through_time_distributed_layers_matches_finite_differences() {
    let x = sequences(2);
    let y: Vec<f32> = (0..ROWS * T * 2)
        .map(|k| (k % 3) as f32 * 0.4 - 0.3)
        .collect();
    for specs in [
        vec![spec("contractive", 0.3)],
        vec![RegSpec::parse("contractive", "0.3 @ hid1:out").unwrap()],
        vec![
            spec("contractive", 0.3),
            spec("hidden_dropout", 0.2),
            spec("input_noise", 0.1),
            spec("hidden_l1", 0.2),
        ],
    ] {
        let mut n: Network<TimeDenseStack> = Network::new((
            TimeDense::new(Tanh),
            Rnn::new(Sigmoid),
            TimeDense::new(Linear),
        ));
        n.init(4);
        shift_biases(&mut n);
        let (p, i) = check::<_, 10>(&mut n, &x, Loss::Mse, Target::Values(&y), &specs);
        let names: Vec<&str> = specs.iter().map(|s| s.key).collect();
        eprintln!("time-dense {names:?}: worst relative error parameters {p:.1e}, inputs {i:.1e}");
        assert!(
            p < 2e-2 && i < 2e-2,
            "{names:?}: parameters {p}, inputs {i}"
        );
    }
}

type LstmStack = (Lstm<2, 4, T, 10, 20>, TimeDense<4, 3, T, 20, 15>);

/// §10: an LSTM's `:cell` is an output penalties can target; their gradients reach every
/// parameter and input through the cell (and alongside contractive, which adds into the same
/// per-step cell gradient).
#[test]
fn penalties_on_the_lstm_cell_match_finite_differences() {
    let x = sequences(2);
    let y: Vec<f32> = (0..ROWS * T * 3)
        .map(|k| (k % 4) as f32 * 0.3 - 0.4)
        .collect();
    let cell = |key: &str, w: &str| RegSpec::parse(key, &format!("{w} @ hid1:cell")).unwrap();
    for specs in [
        vec![cell("hidden_l1", "0.5")],
        vec![cell("recurrent_norm", "0.5")],
        vec![cell("recurrent_state", "0.5")],
        vec![
            cell("hidden_l1", "0.3"),
            RegSpec::parse("recurrent_state", "0.4 @ hid1:cell, hid1:out").unwrap(),
            spec("contractive", 0.2),
            spec("hidden_dropout", 0.2),
        ],
        // Dropout and noise on :cell: the penalties on :cell see the corrupted copy, and
        // their gradient reaches c_t through the mask (held fixed by replaying the generator).
        vec![
            cell("dropout", "0.3"),
            cell("hidden_l1", "0.5"),
            cell("recurrent_norm", "0.4"),
        ],
        // (hidden_l1 with noise would put cell values near |.|'s kink, where a central
        // difference is not a derivative: the smooth penalties check noise's path.)
        vec![
            cell("noise", "0.2"),
            cell("recurrent_state", "0.5"),
            cell("recurrent_norm", "0.3"),
            spec("contractive", 0.2),
        ],
    ] {
        for peepholes in [false, true] {
            let mut n: Network<LstmStack> =
                Network::new((Lstm::new(peepholes), TimeDense::new(Linear)));
            n.init(11);
            shift_biases(&mut n);
            let (p, i) = check::<_, 10>(&mut n, &x, Loss::Mse, Target::Values(&y), &specs);
            let names: Vec<&str> = specs.iter().map(|s| s.key).collect();
            eprintln!(
                "lstm cell {names:?} peepholes {peepholes}: parameters {p:.1e}, inputs {i:.1e}"
            );
            assert!(
                p < 2e-2 && i < 2e-2,
                "{names:?}: parameters {p}, inputs {i}"
            );
        }
    }
    // A :pre is not a state of its own: noise or dropout on one is refused, by name.
    let n: Network<LstmStack> = Network::new((Lstm::new(true), TimeDense::new(Linear)));
    for key in ["noise", "dropout"] {
        let e = Penalties::resolve::<LstmStack, 4, 0>(
            &[RegSpec::parse(key, "0.1 @ out:pre").unwrap()],
            &n,
            &mut Corruptor::off(),
            0,
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("not a :pre"), "{e}");
    }
}

#[test]
fn lstm_gradients_match_finite_differences_with_and_without_peepholes() {
    let x = sequences(2);
    let labels: Vec<u32> = (0..ROWS * T).map(|k| (k * 5 % 3) as u32).collect();
    for peepholes in [false, true] {
        for specs in every_setting(true) {
            let mut n: Network<LstmStack> =
                Network::new((Lstm::new(peepholes), TimeDense::new(Softmax)));
            n.init(4);
            shift_biases(&mut n);
            let (p, i) = check::<_, 10>(&mut n, &x, Loss::Xe, Target::Labels(&labels), &specs);
            let names: Vec<&str> = specs.iter().map(|s| s.key).collect();
            eprintln!("lstm (peepholes {peepholes}) {names:?}: parameters {p:.1e}, inputs {i:.1e}");
            assert!(
                p < 2e-2 && i < 2e-2,
                "peepholes {peepholes}, {names:?}: parameters {p}, inputs {i}"
            );
        }
    }
}

#[test]
fn recurrent_settings_are_checked() {
    let n: Network<RnnStack> =
        Network::new((Rnn::new(Tanh), Rnn::new(Tanh), TimeDense::new(Linear)));
    let mut c = Corruptor::off();
    let resolve = |s: RegSpec| Penalties::resolve::<RnnStack, 4, 0>(&[s], &n, &mut c.clone(), 0);
    // default: both recurrent layers
    assert_eq!(
        resolve(spec("recurrent_norm", 0.1)).unwrap().items[0]
            .outs
            .count(),
        2
    );
    assert!(resolve(RegSpec::parse("recurrent_state", "0.1 @ hid2:out").unwrap()).is_ok());
    // §10: the input of a sequence model is a sequence, so it may be targeted.
    assert!(resolve(RegSpec::parse("recurrent_state", "0.1 @ in:out").unwrap()).is_ok());
    assert!(resolve(RegSpec::parse("recurrent_norm", "0.1 @ hid9:out").unwrap()).is_err());
    assert!(
        resolve(spec("contractive", 0.1)).is_err(),
        "contractive needs Jacobian buffers (JD = the input width); this workspace has none"
    );
    let _ = &mut c;
}

mod effects {
    use staticnets::datasets::sines;
    use staticnets::layers::{Activation::*, Corruptor, Rnn, TimeDense};
    use staticnets::regularizers::view::ViewOf;
    use staticnets::regularizers::{RecurrentNorm, RecurrentState, Regularizer, Selection};
    use staticnets::train::{Data, Trainer};

    const T: usize = 12;
    type Body = (Rnn<1, 8, T, T, 96>, TimeDense<8, 1, T, 96, T>);
    type Tr = Trainer<Body, 32, 0, 2>;

    fn data(seed: u64, n: usize) -> (Vec<f32>, Vec<f32>) {
        let (mut x, mut y) = (vec![0.0; n * T], vec![0.0; n * T]);
        sines::fill(seed, T, 0.3, &mut x, &mut y);
        (x, y)
    }

    fn train(setting: &str) -> Box<Tr> {
        let mut t: Box<Tr> = Box::new(Trainer::new((Rnn::new(Tanh), TimeDense::new(Linear))));
        t.config
            .parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 32\nmax_updates = 40\npatience = 1000")
            .unwrap();
        t.config.parse(setting).unwrap();
        let (x, y) = data(1, 256);
        let d = Data::regression(&x, &y);
        t.start(&d).unwrap();
        t.train(&d, &d, |_| true).unwrap();
        t
    }

    /// A penalty's value on clean test sequences: what it measures, trained with or without it.
    fn measured(t: &mut Tr, reg: &dyn Regularizer) -> f64 {
        let (x, _) = data(2, 32);
        t.net
            .forward(&x, 32, &mut t.ws, &mut Corruptor::off())
            .unwrap();
        reg.loss(&ViewOf {
            net: &t.net,
            ws: &t.ws,
        })
    }

    fn hid1() -> Selection {
        let mut s = Selection::default();
        s.insert(1);
        s
    }

    #[test]
    fn recurrent_norm_steadies_the_norm_of_the_state() {
        let reg = RecurrentNorm {
            targets: hid1(),
            ..Default::default()
        };
        let (without, with) = (
            measured(&mut train(""), &reg),
            measured(&mut train("recurrent_norm = 1"), &reg),
        );
        eprintln!("mean squared change of ||h_t||: {without:.5} -> {with:.5}");
        assert!(with < 0.5 * without, "{without} -> {with}");
    }

    #[test]
    fn recurrent_state_slows_the_state() {
        let reg = RecurrentState {
            targets: hid1(),
            ..Default::default()
        };
        let (without, with) = (
            measured(&mut train(""), &reg),
            measured(&mut train("recurrent_state = 1"), &reg),
        );
        eprintln!("mean squared change of h_t: {without:.5} -> {with:.5}");
        assert!(with < 0.5 * without, "{without} -> {with}");
    }

    #[test]
    fn a_recurrent_autoencoder_learns_to_reconstruct_sequences() {
        let mut t: Box<Tr> = Box::new(Trainer::new((Rnn::new(Tanh), TimeDense::new(Linear))));
        t.config
            .parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 32\nmax_updates = 40\ninput_noise = 0.1")
            .unwrap();
        let (x, _) = data(5, 256);
        let d = Data::autoencoder(&x);
        t.start(&d).unwrap();
        let before = t.validate(&d).unwrap().err;
        t.train(&d, &d, |_| true).unwrap();
        let (tx, _) = data(6, 64);
        let r2 = t.score(&Data::autoencoder(&tx)).unwrap();
        eprintln!(
            "recurrent autoencoder: error {before:.4} -> {:.4}, held-out R2 {r2:.3}",
            t.best_loss()
        );
        assert!(
            t.best_loss() < 0.2 * before && r2 > 0.8,
            "{before} -> {}, R2 {r2}",
            t.best_loss()
        );
    }

    #[test]
    fn a_sequence_classifier_learns_per_step_labels() {
        use staticnets::layers::Lstm;
        // label each step by whether the clean sine is rising: needs memory of the last step
        type C = (Lstm<1, 8, T, T, 96>, TimeDense<8, 2, T, 96, 24>);
        let mut t: Box<Trainer<C, 32, 0, 2>> =
            Box::new(Trainer::new((Lstm::new(true), TimeDense::new(Softmax))));
        t.config
            .parse("loss = xe\nalgo = adam\nlearning_rate = 0.02\nbatch_size = 32\nmax_updates = 60\npatience = 1000")
            .unwrap();
        let labels = |y: &[f32]| -> Vec<u32> {
            y.chunks_exact(T)
                .flat_map(|s| (0..T).map(move |k| (k > 0 && s[k] > s[k - 1]) as u32))
                .collect()
        };
        let (x, y) = data(3, 256);
        let (tx, ty) = data(4, 64);
        let (l, tl) = (labels(&y), labels(&ty));
        let d = Data::classification(&x, &l);
        t.start(&d).unwrap();
        t.train(&d, &d, |_| true).unwrap();
        let acc = t.score(&Data::classification(&tx, &tl)).unwrap();
        eprintln!("per-step accuracy on held-out sequences: {acc:.3}");
        assert!(acc > 0.8, "{acc}");
        let mut classes = vec![0u32; 64 * T];
        t.predict_classes(&tx, &mut classes).unwrap();
        let right = classes.iter().zip(&tl).filter(|(a, b)| a == b).count();
        assert_eq!(right as f32 / (64 * T) as f32, acc);
    }
}

type GruStack = (
    Gru<2, 4, T, 10, 20>,
    Gru<4, 3, T, 20, 15>,
    TimeDense<3, 2, T, 15, 10>,
);

/// The GRU, as rnn and lstm: every parameter and every input at every step against finite
/// differences, with each regularizer alone and all together, contractive through two stacked
/// GRUs included (its exact Jacobian and gradient), and penalties on the candidate's `:pre`.
#[test]
fn gru_gradients_match_finite_differences_with_every_regularizer() {
    let x = sequences(2);
    let y: Vec<f32> = (0..ROWS * T * 2)
        .map(|k| (k % 3) as f32 * 0.4 - 0.3)
        .collect();
    let pre = |key: &str| RegSpec::parse(key, "0.4 @ hid1:pre, hid2:pre").unwrap();
    let mut settings = every_setting(true);
    // All together without the |.| penalties, whose kinks the noise can put a coordinate
    // next to (all together with them: 1.8e-2 at hid1.w; without: 4e-3).
    let mut smooth = settings.last().unwrap().clone();
    smooth.retain(|s| s.key != "hidden_l1" && s.key != "weight_l1");
    settings.push(smooth);
    settings.push(vec![pre("recurrent_norm"), pre("recurrent_state")]);
    settings.push(vec![pre("hidden_l1"), spec("contractive", 0.3)]);
    for specs in settings {
        let mut n: Network<GruStack> =
            Network::new((Gru::new(Tanh), Gru::new(Sigmoid), TimeDense::new(Linear)));
        n.init(3);
        shift_biases(&mut n);
        let (p, i) = check::<_, 10>(&mut n, &x, Loss::Mse, Target::Values(&y), &specs);
        let names: Vec<&str> = specs.iter().map(|s| s.key).collect();
        eprintln!("gru {names:?}: worst relative error parameters {p:.1e}, inputs {i:.1e}");
        assert!(
            p < 2e-2 && i < 2e-2,
            "{names:?}: parameters {p}, inputs {i}"
        );
    }
}

/// The GRU's forward pass against theanets' equations written out here in f64.
#[test]
fn gru_forward_follows_theanets_equations() {
    type G = Gru<2, 3, T, 10, 15>;
    let x = sequences(2);
    let mut n: Network<G> = Network::new(Gru::new(Tanh));
    n.init(9);
    shift_biases(&mut n);
    let mut ws: Box<Workspace<G, 4, 0>> = Box::new(Workspace::new());
    n.forward(&x, ROWS, &mut ws, &mut Corruptor::off()).unwrap();
    let got = ws.output().to_vec();
    let g = &n.body;
    let sig = |a: f64| 1.0 / (1.0 + (-a).exp());
    for r in 0..ROWS {
        let mut h = [0.0f64; 3];
        for t in 0..T {
            let xt = &x[r * 10 + t * 2..r * 10 + t * 2 + 2];
            let lin = |gate: usize, j: usize, m: &[[f32; 3]; 3], v: &[f64; 3]| {
                let mut a = g.b[gate][j] as f64;
                for (i, &xi) in xt.iter().enumerate() {
                    a += xi as f64 * g.w[i][gate][j] as f64;
                }
                for (k, &vk) in v.iter().enumerate() {
                    a += vk * m[k][j] as f64;
                }
                a
            };
            let rg: [f64; 3] = core::array::from_fn(|j| sig(lin(1, j, &g.hr, &h)));
            let z: [f64; 3] = core::array::from_fn(|j| sig(lin(2, j, &g.hz, &h)));
            let rh: [f64; 3] = core::array::from_fn(|k| rg[k] * h[k]);
            let c: [f64; 3] = core::array::from_fn(|j| lin(0, j, &g.hh, &rh).tanh());
            h = core::array::from_fn(|j| (1.0 - z[j]) * h[j] + z[j] * c[j]);
            for j in 0..3 {
                let v = got[r * 15 + t * 3 + j] as f64;
                assert!(
                    (v - h[j]).abs() < 1e-5,
                    "row {r} step {t} unit {j}: {v} vs {}",
                    h[j]
                );
            }
        }
    }
    // Its tensors carry theanets' names.
    let names: Vec<String> = (0..5)
        .map(|i| n.tensor_name(i).as_str().to_string())
        .collect();
    assert_eq!(names, ["out.w", "out.b", "out.hh", "out.hr", "out.hz"]);
}

#[test]
fn bptt_limit_truncates_to_the_last_steps_and_a_full_window_is_exact() {
    type S = (Lstm<2, 4, T, 10, 20>, TimeDense<4, 2, T, 20, 10>);
    type R = (Rnn<2, 4, T, 10, 20>, TimeDense<4, 2, T, 20, 10>);
    let x = sequences(2);
    let y: Vec<f32> = (0..ROWS * T * 2)
        .map(|k| (k % 3) as f32 * 0.4 - 0.3)
        .collect();
    let batch = Batch {
        x: &x,
        rows: ROWS,
        target: Target::Values(&y),
        weights: None,
    };
    // (parameter gradients, input gradients) of the data loss
    fn grads<L: Layers>(n: &Network<L>, batch: Batch<'_>) -> (Network<L>, Vec<f32>) {
        let mut ws: Box<Workspace<L, 4, 0>> = Box::new(Workspace::new());
        ws.input_gradient = true;
        let pens = Penalties::resolve::<L, 4, 0>(&[], n, &mut Corruptor::off(), 0).unwrap();
        let mut g = Network::<L>::zero();
        evaluate(
            n,
            &mut ws,
            Some(&mut g),
            batch,
            Loss::Mse,
            &pens,
            &[],
            &mut Corruptor::off(),
        )
        .unwrap();
        let dx = ws.input.out_and_sink().1.to_vec();
        (g, dx)
    }
    let mut rnn: Network<R> = Network::new((Rnn::new(Tanh), TimeDense::new(Linear)));
    rnn.init(7);
    let mut lstm: Network<S> = Network::new((Lstm::new(true), TimeDense::new(Linear)));
    lstm.init(7);
    type G = (Gru<2, 4, T, 10, 20>, TimeDense<4, 2, T, 20, 10>);
    let mut gru: Network<G> = Network::new((Gru::new(Tanh), TimeDense::new(Linear)));
    gru.init(7);
    let (full_r, dx_full_r) = grads(&rnn, batch);
    let (full_l, dx_full_l) = grads(&lstm, batch);
    let (full_g, dx_full_g) = grads(&gru, batch);
    // a window as long as the sequence is full BPTT, bit for bit
    rnn.body.0.bptt_limit = T;
    lstm.body.0.bptt_limit = T;
    gru.body.0.bptt_limit = T;
    assert_eq!(grads(&rnn, batch).0, full_r);
    assert_eq!(grads(&lstm, batch).0, full_l);
    assert_eq!(grads(&gru, batch).0, full_g);
    // a window of 2 steps: inputs before it get no gradient, inputs in it still do, and the
    // recurrent weights' gradient differs from full BPTT
    rnn.body.0.bptt_limit = 2;
    lstm.body.0.bptt_limit = 2;
    gru.body.0.bptt_limit = 2;
    let window = |dx: &[f32]| {
        for r in 0..ROWS {
            for t in 0..T {
                let step = &dx[r * 10 + t * 2..r * 10 + t * 2 + 2];
                if t < T - 2 {
                    assert!(
                        step.iter().all(|&v| v == 0.0),
                        "step {t} is before the window"
                    );
                } else {
                    assert!(step.iter().any(|&v| v != 0.0), "step {t} is in the window");
                }
            }
        }
    };
    let (g, dx) = grads(&rnn, batch);
    window(&dx);
    assert_ne!(g.body.0.hh, full_r.body.0.hh);
    assert!(
        dx_full_r[..2].iter().any(|&v| v != 0.0),
        "full BPTT reaches step 0"
    );
    let (g, dx) = grads(&lstm, batch);
    window(&dx);
    assert_ne!(g.body.0.hh, full_l.body.0.hh);
    assert!(
        dx_full_l[..2].iter().any(|&v| v != 0.0),
        "full BPTT reaches step 0"
    );
    let (g, dx) = grads(&gru, batch);
    window(&dx);
    assert_ne!(g.body.0.hh, full_g.body.0.hh);
    assert!(
        dx_full_g[..2].iter().any(|&v| v != 0.0),
        "full BPTT reaches step 0"
    );
}
