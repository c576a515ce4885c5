//! Contract points of `docs/contract.md`, each checked against an independent float64
//! computation written out in this file (never against the code under test).

use staticnets::layers::{Activation::*, Corruptor, Dense, Layers, Lstm, Rnn, TimeDense};
use staticnets::network::{Network, Workspace};
use staticnets::regularizers::view::{Ctx, ViewOf};
use staticnets::regularizers::{RecurrentNorm, RecurrentState, Regularizer, Selection};

const B: usize = 2;

/// `recurrent_norm` of one `(rows, steps, units)` output, in f64, as `docs/contract.md` writes it.
fn norm_oracle(h: &[f64], rows: usize, steps: usize, units: usize) -> f64 {
    let n = |r: usize, t: usize| {
        (0..units)
            .map(|j| h[(r * steps + t) * units + j].powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut s = 0.0;
    for r in 0..rows {
        for t in 1..steps {
            s += (n(r, t) - n(r, t - 1)).powi(2);
        }
    }
    s / (rows * (steps - 1)) as f64
}

/// `recurrent_state`: mean over rows, steps 1.. and units of `(h_t - h_{t-1})^2`.
fn state_oracle(h: &[f64], rows: usize, steps: usize, units: usize) -> f64 {
    let mut s = 0.0;
    for r in 0..rows {
        for t in 1..steps {
            for j in 0..units {
                let i = (r * steps + t) * units + j;
                s += (h[i] - h[i - units]).powi(2);
            }
        }
    }
    s / (rows * (steps - 1) * units) as f64
}

/// An f64 penalty of `(rows, steps, units)` values.
type Oracle = fn(&[f64], usize, usize, usize) -> f64;

/// The penalty's value and its gradient with respect to `hid1:out`, against the f64 oracle
/// and its central differences (in f64, on the same values).
fn check_long<L: Layers>(mut net: Network<L>, steps: usize, units: usize) {
    net.init(7);
    let mut ws: Box<Workspace<L, B, 0>> = Box::new(Workspace::new());
    let x: Vec<f32> = (0..B * L::NIN)
        .map(|k| libm::sinf(k as f32 * 0.37) * 0.8)
        .collect();
    net.forward(&x, B, &mut ws, &mut Corruptor::off()).unwrap();
    let h: Vec<f64> = ws
        .view(&net, 1)
        .unwrap()
        .out
        .iter()
        .map(|&v| v as f64)
        .collect();
    assert_eq!(h.len(), B * steps * units);
    let mut sel = Selection::default();
    sel.insert(1);
    let regs: [(&dyn Regularizer, Oracle); 2] = [
        (
            &RecurrentNorm {
                targets: sel,
                ..Default::default()
            },
            norm_oracle,
        ),
        (
            &RecurrentState {
                targets: sel,
                ..Default::default()
            },
            state_oracle,
        ),
    ];
    for (reg, oracle) in regs {
        let want = oracle(&h, B, steps, units);
        let got = reg.loss(&ViewOf { net: &net, ws: &ws });
        let rel = (got - want).abs() / want.abs();
        assert!(rel < 1e-12, "{} T={steps}: {got} vs {want}", reg.name());
        ws.clear_grads();
        let mut grads = Network::<L>::zero();
        reg.grad(
            &mut Ctx {
                net: &net,
                ws: &mut ws,
                grads: &mut grads,
            },
            1.0,
        );
        let d: Vec<f32> = ws.grads(&net, 1).unwrap().d_out[..h.len()].to_vec();
        let biggest = d.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
        let mut worst = 0.0f64;
        let mut hh = h.clone();
        for i in (0..h.len()).step_by(7) {
            let e = 1e-6 * h[i].abs().max(1e-3);
            hh[i] = h[i] + e;
            let up = oracle(&hh, B, steps, units);
            hh[i] = h[i] - e;
            let down = oracle(&hh, B, steps, units);
            hh[i] = h[i];
            let num = (up - down) / (2.0 * e);
            worst = worst.max((num - d[i] as f64).abs() / biggest);
        }
        assert!(
            worst < 1e-4,
            "{} T={steps}: gradient off by {worst:.2e} of its largest element",
            reg.name()
        );
    }
}

#[test]
fn recurrent_penalties_are_exact_for_300_and_520_steps() {
    check_long::<(Rnn<1, 3, 300, 300, 900>, TimeDense<3, 1, 300, 900, 300>)>(
        Network::new((Rnn::new(Tanh), TimeDense::new(Linear))),
        300,
        3,
    );
    check_long::<(Rnn<1, 3, 520, 520, 1560>, TimeDense<3, 1, 520, 1560, 520>)>(
        Network::new((Rnn::new(Tanh), TimeDense::new(Linear))),
        520,
        3,
    );
    check_long::<(Lstm<1, 3, 300, 300, 900>, TimeDense<3, 1, 300, 900, 300>)>(
        Network::new((Lstm::new(true), TimeDense::new(Linear))),
        300,
        3,
    );
    check_long::<(Lstm<1, 3, 520, 520, 1560>, TimeDense<3, 1, 520, 1560, 520>)>(
        Network::new((Lstm::new(false), TimeDense::new(Linear))),
        520,
        3,
    );
}

#[test]
fn networks_beyond_the_fixed_tables_are_refused_before_training() {
    use staticnets::train::{Data, Trainer};
    type D = Dense<2, 2>;
    type Six = (D, D, D, D, D, D);
    type Deep = (Six, Six, Six);
    let d = || Dense::new(Tanh);
    let six = || (d(), d(), d(), d(), d(), d());
    let mut t: Box<Trainer<Deep, 4, 0, 2>> = Box::new(Trainer::new((six(), six(), six())));
    let x = [0.5f32; 8];
    let e = t.start(&Data::autoencoder(&x)).unwrap_err();
    assert!(e.to_string().contains("at most 15"), "{e}");
}

#[test]
fn dropout_and_noise_with_patterns_train_and_hit_only_their_targets() {
    use staticnets::train::{Data, Trainer};
    type Body = (Dense<8, 6>, Dense<6, 8>);
    let body = || (Dense::new(Tanh), Dense::new(Linear));
    let x: Vec<f32> = (0..8 * 32).map(|k| libm::sinf(k as f32 * 0.7)).collect();
    let data = Data::autoencoder(&x);
    let masked =
        |t: &Trainer<Body, 32, 0, 3>, k: usize| t.ws.view(&t.net, k).unwrap().mask.is_some();
    for (config, masks, noisy_out) in [
        (
            "dropout = 0.3 @ in:out, hid1:out",
            [true, true, false],
            false,
        ),
        ("noise = 0.2 @ out:out", [false, false, false], true),
        // A pattern given to a group key replaces its default (in:out).
        (
            "input_dropout = 0.3 @ hid1:out",
            [false, true, false],
            false,
        ),
        ("output_dropout = 0.5", [false, false, true], false),
    ] {
        let mut t: Box<Trainer<Body, 32, 0, 3>> = Box::new(Trainer::new(body()));
        t.config
            .parse(&format!("algo = adam\nlearning_rate = 0.01\n{config}"))
            .unwrap();
        t.start(&data).unwrap();
        let first = t.validate(&data).unwrap().loss;
        for _ in 0..40 {
            t.pass(&data).unwrap();
        }
        // One more step through the low-level call, whose buffers stay in the workspace (a
        // call of `steps`, `pass` or `train` ends with the divergence check's clean forward
        // pass of its last batch).
        let target = staticnets::losses::Target::Values(&x);
        t.step(staticnets::train::Batch {
            x: &x,
            rows: 32,
            target,
            weights: None,
        })
        .unwrap();
        // The last training step's buffers: masks exactly where the patterns point.
        let got = [masked(&t, 0), masked(&t, 1), masked(&t, 2)];
        assert_eq!(got, masks, "{config}");
        let trained_out = t.ws.view(&t.net, 2).unwrap().out.to_vec();
        let last = t.validate(&data).unwrap().loss;
        assert!(last < 0.5 * first, "{config}: {first} -> {last}");
        if noisy_out {
            // The training step's output is the clean one plus N(0, 0.2^2) noise: the mean
            // absolute difference is 0.2 * sqrt(2 / pi) = 0.160 (one batch of 256 values).
            let clean = t.ws.view(&t.net, 2).unwrap().out.to_vec();
            let diff = trained_out
                .iter()
                .zip(&clean)
                .map(|(a, b)| (a - b).abs() as f64)
                .sum::<f64>()
                / clean.len() as f64;
            assert!(
                (diff - 0.160).abs() < 0.03,
                "{config}: mean |difference| {diff}"
            );
        }
    }
}

/// Relative error in units of f32's epsilon (0 for two zeros).
fn ulps(got: f64, want: f64) -> f64 {
    if want == 0.0 {
        return if got == 0.0 { 0.0 } else { f64::INFINITY };
    }
    ((got - want) / want).abs() / f32::EPSILON as f64
}

/// The loss and gradient of one output row through `loss`.
fn one_row(
    act: staticnets::Activation,
    z: &[f32],
    loss: staticnets::losses::Loss,
    target: staticnets::losses::Target<'_>,
) -> (f64, Vec<f32>) {
    use staticnets::layers::{OutputGrads, OutputView};
    let n = z.len();
    let out = z.to_vec(); // the fused losses read only the logits
    let (mut d_out, mut d_pre) = (vec![0.0; n], vec![0.0; n]);
    let rows = match target {
        staticnets::losses::Target::Labels(l) => l.len(),
        _ => 1,
    };
    let mut g = OutputGrads {
        view: OutputView::new(1, rows, n / rows, z, &out, act),
        d_out: &mut d_out,
        d_pre: &mut d_pre,
    };
    let v = loss.apply(&mut g, target, None, 1.0);
    (v, d_pre)
}

#[test]
fn xe_and_bce_are_within_four_ulps_of_float64_for_logits_up_to_80() {
    use staticnets::losses::{Loss, Target};
    // xe: rows of four logits, confident and right, confident and wrong, unconfident.
    let rows: [[f32; 4]; 9] = [
        [80.0, -80.0, 0.0, -40.0],
        [80.0, 79.0, -80.0, 60.0],
        [17.0, -3.0, 2.0, 0.0],
        [0.3, -0.2, 0.1, 0.05],
        [-80.0, -80.0, -79.5, -80.0],
        [5.0, 5.0, -5.0, 0.0],
        [40.0, -40.0, 12.0, 39.99],
        [80.0, 80.0, 80.0, 80.0],
        [-1e-3, 2e-3, 0.0, 1e-3],
    ];
    for z in rows {
        for t in 0..4 {
            let (v, d) = one_row(Softmax, &z, Loss::Xe, Target::Labels(&[t as u32]));
            let zf: Vec<f64> = z.iter().map(|&v| v as f64).collect();
            let m = (0..4).fold(0, |b, k| if zf[k] > zf[b] { k } else { b });
            let s: f64 = (0..4)
                .filter(|&k| k != m)
                .map(|k| (zf[k] - zf[m]).exp())
                .sum();
            let log_pt = (zf[t] - zf[m]) - s.ln_1p();
            let clipped = log_pt <= (1e-8f64).ln();
            let want = if clipped { -(1e-8f64).ln() } else { -log_pt };
            assert!(ulps(v, want) <= 4.0, "xe {z:?} t={t}: {v:e} vs {want:e}");
            let grads: Vec<f64> = (0..4)
                .map(|k| {
                    if clipped {
                        0.0
                    } else if k == t && k == m {
                        -s / (1.0 + s)
                    } else {
                        (zf[k] - zf[m]).exp() / (1.0 + s) - if k == t { 1.0 } else { 0.0 }
                    }
                })
                .collect();
            let biggest = grads.iter().fold(0.0f64, |a, g| a.max(g.abs()));
            for k in 0..4 {
                let ok = ulps(d[k] as f64, grads[k]) <= 4.0
                    || (d[k] as f64 - grads[k]).abs() <= 1e-6 * biggest;
                assert!(ok, "xe {z:?} t={t} d[{k}] = {:e}, f64 {:e}", d[k], grads[k]);
            }
        }
    }
    // bce: every logit with targets 0, 1 and in between.
    for z in [
        -80.0f32, -40.0, -17.0, -5.0, -0.3, 0.0, 0.3, 5.0, 17.0, 40.0, 80.0,
    ] {
        for t in [0.0f32, 1.0, 0.3, 0.999] {
            let (v, d) = one_row(Sigmoid, &[z], Loss::Bce, Target::Values(&[t]));
            let (zf, tf) = (z as f64, t as f64);
            let want = zf.max(0.0) - tf * zf + (-zf.abs()).exp().ln_1p();
            // sigmoid(z) - t, exactly: 1 - sigmoid(z) = e^-z / (1 + e^-z) for z >= 0.
            let grad = if zf >= 0.0 {
                (1.0 - tf) - (-zf).exp() / (1.0 + (-zf).exp())
            } else {
                zf.exp() / (1.0 + zf.exp()) - tf
            };
            assert!(ulps(v, want) <= 4.0, "bce z={z} t={t}: {v:e} vs {want:e}");
            let ok = ulps(d[0] as f64, grad) <= 4.0
                || (grad.abs() < 1e-37 && (d[0] as f64 - grad).abs() < 1e-44);
            assert!(ok, "bce z={z} t={t}: d = {:e}, f64 {grad:e}", d[0]);
        }
    }
}

/// §10: a training step with output noise and `xe` sees corrupted logits: its data loss is
/// the cross-entropy (computed here in f64) of the logits the step left in `out:pre`, which
/// differ from the clean ones.
#[test]
fn output_noise_with_xe_corrupts_the_logits_the_loss_reads() {
    use staticnets::losses::{Loss, Target};
    use staticnets::network::Workspace;
    use staticnets::regularizers::RegSpec;
    use staticnets::train::{Batch, Penalties, evaluate};
    type Clf = (Dense<4, 6>, Dense<6, 3>);
    let mut net: Network<Clf> = Network::new((Dense::new(Tanh), Dense::new(Softmax)));
    net.init(3);
    let x: Vec<f32> = (0..4 * 5).map(|k| libm::cosf(k as f32)).collect();
    let labels = [0u32, 2, 1, 1, 0];
    let batch = Batch {
        x: &x,
        rows: 5,
        target: Target::Labels(&labels),
        weights: None,
    };
    let mut ws: Box<Workspace<Clf, 8, 0>> = Box::new(Workspace::new());
    let specs = [RegSpec::new("output_noise", 1.0).unwrap()];
    let mut c = Corruptor::off();
    let pens = Penalties::resolve::<Clf, 8, 0>(&specs, &net, &mut c, 0).unwrap();
    let clean = evaluate(
        &net,
        &mut ws,
        None,
        batch,
        Loss::Xe,
        &pens,
        &[],
        &mut c.clone(),
    )
    .unwrap();
    let clean_logits = ws.view(&net, 2).unwrap().pre.to_vec();
    c.active = true;
    let noisy = evaluate(&net, &mut ws, None, batch, Loss::Xe, &pens, &[], &mut c).unwrap();
    let logits: Vec<f64> = ws
        .view(&net, 2)
        .unwrap()
        .pre
        .iter()
        .map(|&v| v as f64)
        .collect();
    let moved = logits
        .iter()
        .zip(&clean_logits)
        .map(|(a, &b)| (a - b as f64).abs())
        .sum::<f64>()
        / logits.len() as f64;
    assert!(moved > 0.3, "the logits were not corrupted: {moved}");
    let mut want = 0.0;
    for (r, z) in logits.chunks(3).enumerate() {
        let m = z.iter().cloned().fold(f64::MIN, f64::max);
        let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        want += lse - z[labels[r] as usize];
    }
    want /= 5.0;
    assert!(
        (noisy.data - want).abs() < 1e-5 * want,
        "{} vs {want}",
        noisy.data
    );
    assert!((noisy.data - clean.data).abs() > 1e-3);
}

/// §10: an LSTM's peepholes are three 1-D vectors `ci`, `cf`, `co`, so weight penalties skip
/// them and a weight pattern naming only them matches nothing.
#[test]
fn lstm_peepholes_are_three_named_vectors() {
    use staticnets::train::{Data, Trainer};
    type L = (Lstm<2, 3, 4, 8, 12>, TimeDense<3, 2, 4, 12, 8>);
    let net: Network<L> = Network::new((Lstm::new(true), TimeDense::new(Linear)));
    let names: Vec<String> = (0..<L as Layers>::TENSORS)
        .map(|i| net.tensor_name(i).as_str().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "hid1.xh", "hid1.hh", "hid1.b", "hid1.ci", "hid1.cf", "hid1.co", "out.w", "out.b"
        ]
    );
    assert!((3..6).all(|i| net.tensor(i).unwrap().data.len() == 3));
    let mut t: Box<Trainer<L, 4, 0, 2>> =
        Box::new(Trainer::new((Lstm::new(true), TimeDense::new(Linear))));
    let x = [0.1f32; 8 * 4];
    t.config.set("weight_l2", "0.1 @ hid1.c?").unwrap();
    let e = t.start(&Data::autoencoder(&x[..16]));
    assert!(
        e.is_err(),
        "a weight pattern naming only peepholes matches nothing"
    );
    t.config.set("weight_l2", "0.1 @ hid1.*").unwrap();
    t.config.set("frozen", "hid1.cf").unwrap();
    t.start(&Data::autoencoder(&x[..16])).unwrap();
}

/// §10: the input of a sequence model may be a recurrent_norm / recurrent_state target (its
/// term is that of the input sequences, computed here in f64); a feedforward input may not.
#[test]
fn the_input_of_a_sequence_model_is_a_recurrent_target() {
    use staticnets::regularizers::RegSpec;
    use staticnets::train::{Data, Trainer};
    type L = (Rnn<1, 3, 6, 6, 18>, TimeDense<3, 1, 6, 18, 6>);
    let mut t: Box<Trainer<L, 4, 0, 2>> =
        Box::new(Trainer::new((Rnn::new(Tanh), TimeDense::new(Linear))));
    t.config
        .add_reg(RegSpec::parse("recurrent_state", "0.5 @ in:out").unwrap())
        .unwrap();
    let x: Vec<f32> = (0..4 * 6).map(|k| libm::sinf(k as f32 * 0.9)).collect();
    let d = Data::autoencoder(&x);
    t.start(&d).unwrap();
    let r = t.validate(&d).unwrap();
    let xs: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let want = state_oracle(&xs, 4, 6, 1);
    assert!(
        (r.regs[0] - want).abs() < 1e-6 * want,
        "{} vs {want}",
        r.regs[0]
    );
    let mut f: Box<Trainer<(Dense<6, 3>, Dense<3, 6>), 4, 0, 2>> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    f.config
        .add_reg(RegSpec::parse("recurrent_state", "0.5 @ in:out").unwrap())
        .unwrap();
    assert!(f.start(&d).is_err());
}

/// §10 (LSTM outputs): dropout and noise on an LSTM's `:cell` corrupt what the penalties on
/// `:cell` see, not what any layer reads: the recurrence and the next layer get the clean
/// state. Checked from the buffers of one training step: each corrupted cell value against the
/// clean one (dropout: 0 or `c / (1 - p)`, at rate `p`; noise: differences of deviation
/// `sigma`), the `hidden_l1` term against the mean of `|c~|` in f64, the data loss against the
/// same step without the corruption, and validation against the clean cells.
#[test]
fn dropout_and_noise_on_the_lstm_cell_are_what_its_penalties_see() {
    use staticnets::train::{Data, Trainer};
    type Body = (Lstm<2, 4, 5, 10, 20>, TimeDense<4, 2, 5, 20, 10>);
    const ROWS: usize = 64;
    let x: Vec<f32> = (0..ROWS * 10)
        .map(|k| libm::sinf(k as f32 * 0.37))
        .collect();
    let y: Vec<f32> = (0..ROWS * 10)
        .map(|k| libm::cosf(k as f32 * 0.21))
        .collect();
    let data = Data::regression(&x, &y);
    let step = |config: &str| {
        let mut t: Box<Trainer<Body, ROWS, 0, 3>> =
            Box::new(Trainer::new((Lstm::new(true), TimeDense::new(Linear))));
        t.config
            .parse(&format!(
                "algo = sgd\nbatch_size = {ROWS}\nhidden_l1 = 0.5 @ hid1:cell\n{config}"
            ))
            .unwrap();
        t.start(&data).unwrap();
        // The low-level step: its buffers stay in the workspace.
        let r = t
            .step(staticnets::train::Batch {
                x: &x,
                rows: ROWS,
                target: staticnets::losses::Target::Values(&y),
                weights: None,
            })
            .unwrap();
        (t, r)
    };
    let (clean_t, clean) = step("");
    let lstm = &clean_t.ws.bufs.0;
    assert!(!lstm.cell_corrupted);
    for (config, dropout) in [
        ("dropout = 0.4 @ hid1:cell", true),
        ("noise = 0.3 @ hid1:cell", false),
    ] {
        let (mut t, r) = step(config);
        let lstm = &t.ws.bufs.0;
        assert!(
            lstm.cell_corrupted && lstm.cell_dropped == dropout,
            "{config}"
        );
        let c: Vec<f64> = lstm
            .cell
            .as_flattened()
            .as_flattened()
            .iter()
            .map(|&v| v as f64)
            .collect();
        let seen: Vec<f64> = lstm
            .cell_seen
            .as_flattened()
            .as_flattened()
            .iter()
            .map(|&v| v as f64)
            .collect();
        let n = ROWS * 20;
        let (c, seen) = (&c[..n], &seen[..n]);
        if dropout {
            let zeros = seen.iter().filter(|&&v| v == 0.0).count() as f64 / n as f64;
            assert!(
                (zeros - 0.4).abs() < 0.06,
                "{config}: dropped fraction {zeros}"
            );
            for (&s, &c) in seen.iter().zip(c) {
                assert!(
                    s == 0.0 || (s - c / 0.6).abs() <= 1e-6 * c.abs().max(1e-3),
                    "{s} vs {c}"
                );
            }
        } else {
            let d: Vec<f64> = seen.iter().zip(c).map(|(s, c)| s - c).collect();
            let mean = d.iter().sum::<f64>() / n as f64;
            let sd = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
            assert!(
                mean.abs() < 0.03 && (sd - 0.3).abs() < 0.03,
                "{config}: {mean} {sd}"
            );
        }
        // The penalty saw the corrupted cells; the loss and the recurrence the clean ones.
        let l1 = seen.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
        assert!(
            (r.regs[0] - l1).abs() <= 1e-6 * l1,
            "{config}: {} vs {l1}",
            r.regs[0]
        );
        assert_eq!(
            r.data, clean.data,
            "{config}: the data loss is the clean step's"
        );
        assert_eq!(
            lstm.cell.as_flattened().as_flattened()[..n],
            clean_t.ws.bufs.0.cell.as_flattened().as_flattened()[..n],
            "{config}: the recurrence carries the clean state"
        );
        // Validation is clean.
        let v = t.validate(&data).unwrap();
        let lstm = &t.ws.bufs.0;
        assert!(!lstm.cell_corrupted);
        let l1: f64 = lstm.cell.as_flattened().as_flattened()[..n]
            .iter()
            .map(|v| v.abs() as f64)
            .sum::<f64>()
            / n as f64;
        assert!(
            (v.regs[0] - l1).abs() <= 1e-6 * l1,
            "{config}: validation {} vs {l1}",
            v.regs[0]
        );
    }
}
