//! Checkpoints of a whole run (format 2): saving at step k and resuming must continue bit for
//! bit as the uninterrupted run, for every optimizer, with noise and dropout (generators),
//! mid-pass (progress), after validations (early-stopping state) and after a divergence that
//! halved the learning rate (configuration); every kind of damage is refused by name and
//! changes nothing.

use staticnets::checkpoint::{Sections, crc32};
use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense, Identity, Layers, Lstm, Rnn, Tied, TimeDense};
use staticnets::network::Network;
use staticnets::regularizers::Regularizer;
use staticnets::train::{BestCopy, Data, Trainer};

fn digits(rows: usize) -> Vec<f32> {
    let mut x = vec![0.0; rows * 64];
    let mut labels = vec![0u32; rows];
    Digits::bundled().fill(0, &mut x, &mut labels).unwrap();
    x
}

fn bits<L: Layers>(n: &Network<L>) -> Vec<u32> {
    (0..L::TENSORS)
        .flat_map(|i| n.tensor(i).unwrap().data.iter().map(|v| v.to_bits()))
        .collect()
}

/// What a run's continuation is compared on: parameters, best parameters and every report.
type Trace = (Vec<u32>, Vec<u32>, Vec<String>);

/// The schedule both runs follow: steps of `chunk` with a validation after each.
fn run<L: Layers, const B: usize, const JD: usize, const S: usize>(
    t: &mut Trainer<L, B, JD, S>,
    data: &Data<'_>,
    chunks: &[usize],
) -> Trace {
    let mut reports = Vec::new();
    for &n in chunks {
        match t.steps(data, n) {
            Ok(r) => reports.push(format!("{r:?}")),
            Err(e) => reports.push(format!("{e}")),
        }
        reports.push(format!("{:?}", t.validate(data).unwrap()));
    }
    (bits(&t.net), bits(&t.best), reports)
}

/// Train `first` chunks, save, train `rest`; then resume the file in a fresh trainer and train
/// `rest`: the two continuations must be identical. Returns the file.
fn resume_matches<L: Layers, const B: usize, const JD: usize, const S: usize>(
    make: impl Fn() -> Box<Trainer<L, B, JD, S>>,
    config: &str,
    data: &Data<'_>,
    first: &[usize],
    rest: &[usize],
) -> Vec<u8> {
    let mut a = make();
    a.config.parse(config).unwrap();
    a.start(data).unwrap();
    run(&mut *a, data, first);
    let mut file = vec![0u8; a.checkpoint_len()];
    assert_eq!(a.save(&mut file), Ok(file.len()));
    assert!(file.len() <= Trainer::<L, B, JD, S>::CHECKPOINT_MAX_BYTES);
    let straight = run(&mut *a, data, rest);

    let mut b = make(); // default configuration: the file brings the run's
    b.resume(&file).unwrap();
    assert_eq!(b.config, a.config.clone(), "{config}");
    let resumed = run(&mut *b, data, rest);
    assert_eq!(straight, resumed, "{config}");
    assert_eq!(b.passes(), a.passes());
    assert_eq!(b.updates(), a.updates());
    file
}

type Ae = (Dense<64, 16>, Dense<16, 64>);

fn ae() -> Box<Trainer<Ae, 32, 64, 3>> {
    Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))))
}

/// An `ae()` trainer with `config`, started on `data`.
fn started(config: &str, data: &Data<'_>) -> Box<Trainer<Ae, 32, 64, 3>> {
    let mut t = ae();
    t.config.parse(config).unwrap();
    t.start(data).unwrap();
    t
}

/// The whole run `t` is, as a checkpoint.
fn saved<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>>(
    t: &mut Trainer<L, B, JD, S, K>,
) -> Vec<u8> {
    let mut file = vec![0u8; t.checkpoint_len()];
    t.save(&mut file).unwrap();
    file
}

#[test]
fn every_optimizer_resumes_bit_for_bit_mid_pass_with_noise_and_dropout() {
    let x = digits(100); // 100 rows in batches of 16: 7 batches a pass, the last short
    let data = Data::autoencoder(&x);
    for algo in [
        "algo = sgd\nmomentum = 0.9",
        "algo = nag\nmomentum = 0.5",
        "algo = rmsprop\nrms_halflife = 7",
        "algo = adam\nbeta2 = 0.99",
        "algo = adagrad",
        "algo = adadelta",
        "algo = rprop\nrprop_max_step = 0.5",
    ] {
        let config = format!(
            "{algo}\nlearning_rate = 0.01\nbatch_size = 16\nweight_l2 = 1e-4\nhidden_l1 = 0.01\n\
             input_noise = 0.1\nhidden_dropout = 0.2\nrng = 7"
        );
        resume_matches(ae, &config, &data, &[3, 5], &[4, 9, 2]);
    }
}

#[test]
fn resuming_keeps_the_contractive_penalty_patterns_and_frozen_layers() {
    let x = digits(40);
    let data = Data::autoencoder(&x);
    let config = "algo = adam\nlearning_rate = 0.003\nbatch_size = 8\ncontractive = 0.01\n\
                  noise = 0.05 @ hid1:out\nweight_l1 = 1e-3 @ out.w\nfrozen = hid1.b\n\
                  min_improvement = 0.001\npatience = 3\nvalidate_every = 2";
    resume_matches(ae, config, &data, &[2, 3], &[6, 1]);
}

#[test]
fn a_tied_an_rnn_and_an_lstm_model_resume_bit_for_bit() {
    let x = digits(30);
    let data = Data::autoencoder(&x);
    let tied = || -> Box<Trainer<Tied<64, 32>, 16, 0, 2>> {
        Box::new(Trainer::new(Tied::new(
            Dense::new(Sigmoid),
            Identity,
            Linear,
        )))
    };
    resume_matches(
        tied,
        "algo = adam\nlearning_rate = 0.01\nbatch_size = 16\ninput_noise = 0.1",
        &data,
        &[1],
        &[3],
    );

    // 8 steps of 2 inputs -> 5 units -> 2 outputs per step; x is 30 rows of 16.
    type R = (Rnn<2, 5, 8, 16, 40>, TimeDense<5, 2, 8, 40, 16>);
    let xr: Vec<f32> = x.iter().take(30 * 16).copied().collect();
    let seq = Data::autoencoder(&xr);
    let rnn = || -> Box<Trainer<R, 8, 0, 2>> {
        Box::new(Trainer::new((Rnn::new(Tanh), TimeDense::new(Linear))))
    };
    resume_matches(
        rnn,
        "algo = rmsprop\nlearning_rate = 0.01\nbatch_size = 8\nrecurrent_norm = 0.01\nhidden_dropout = 0.1",
        &seq,
        &[2],
        &[3, 2],
    );
    type M = (Lstm<2, 5, 8, 16, 40>, TimeDense<5, 2, 8, 40, 16>);
    let lstm = || -> Box<Trainer<M, 8, 0, 2>> {
        Box::new(Trainer::new((Lstm::new(true), TimeDense::new(Linear))))
    };
    resume_matches(
        lstm,
        "algo = adam\nlearning_rate = 0.01\nbatch_size = 8\nhidden_l1 = 0.01 @ hid1:cell\nnoise = 0.1 @ hid1:out",
        &seq,
        &[2],
        &[3, 2],
    );
}

#[test]
fn a_run_that_halved_its_learning_rate_resumes_with_the_halved_rate_and_its_best() {
    let x = digits(64);
    let data = Data::autoencoder(&x);
    // sgd at this rate diverges at once: the halvings are part of the run's state.
    let config = "algo = sgd\nlearning_rate = 1e25\nbatch_size = 16\non_divergence = halve";
    let mut a = started(config, &data);
    a.validate(&data).unwrap();
    a.steps(&data, 3).unwrap();
    assert!(a.config.learning_rate < 1e25, "the run halved its rate");
    let file = saved(&mut *a);
    let straight = run(&mut *a, &data, &[5, 5]);
    let mut b = ae();
    b.resume(&file).unwrap();
    assert_eq!(run(&mut *b, &data, &[5, 5]), straight);
}

#[test]
fn a_file_without_optional_sections_resumes_as_a_restart() {
    let x = digits(64);
    let data = Data::autoencoder(&x);
    let config = "algo = adam\nlearning_rate = 0.01\nbatch_size = 16\ninput_noise = 0.1";
    let mut a = started(config, &data);
    a.steps(&data, 5).unwrap();
    let mut params = Vec::new();
    a.save_to(Sections::CONFIG, |p| params.extend_from_slice(p))
        .unwrap();
    // The same as a restart from those parameters with that configuration.
    let mut r = ae();
    r.config.parse(config).unwrap();
    r.net.load(&params).unwrap();
    r.restart(&data).unwrap();
    let mut b = ae();
    b.resume(&params).unwrap();
    assert_eq!(run(&mut *b, &data, &[4, 3]), run(&mut *r, &data, &[4, 3]));
    // A parameters-only file (Network::save) keeps the trainer's own configuration.
    let mut only = vec![0u8; Network::<Ae>::CHECKPOINT_BYTES];
    a.net.save(&mut only).unwrap();
    let mut c = ae();
    c.config.parse("learning_rate = 0.5").unwrap();
    c.resume(&only).unwrap();
    assert_eq!(c.config.learning_rate, 0.5);
    assert_eq!(bits(&c.net), bits(&a.net));
    assert!(c.is_started());
}

fn reseal(mut d: Vec<u8>) -> Vec<u8> {
    let n = d.len();
    let crc = crc32(&d[..n - 4]).to_le_bytes();
    d[n - 4..].copy_from_slice(&crc);
    d
}

#[test]
fn every_damage_and_mismatch_is_refused_by_name_and_changes_nothing() {
    let x = digits(64);
    let data = Data::autoencoder(&x);
    let mut a = started(
        "algo = adam\nlearning_rate = 0.01\nbatch_size = 16\nhidden_dropout = 0.1",
        &data,
    );
    a.steps(&data, 3).unwrap();
    let file = saved(&mut *a);
    let p = 4 * <Ae as Layers>::PARAMS;
    let opt = 24 + p; // the optimizer section
    let gen_at = opt + 12 + 2 * p;
    let prog = gen_at + 24;
    let best = prog + 36;
    let conf = best + 12 + p;

    let mut victim = ae();
    victim.config.parse("learning_rate = 0.002").unwrap();
    victim.start(&data).unwrap();
    let before = (bits(&victim.net), victim.config.clone(), victim.passes());
    let mut refuse = |bytes: &[u8], expect: &str| {
        let e = victim.resume(bytes).unwrap_err().to_string();
        assert!(e.contains(expect), "expected {expect:?}, got {e:?}");
        assert_eq!(
            (bits(&victim.net), victim.config.clone(), victim.passes()),
            before,
            "refused ({e}) but the trainer changed"
        );
    };
    refuse(&file[..file.len() - 3], "length differs");
    refuse(b"GIF89a..", "magic");
    let mut d = file.clone();
    d[400] ^= 1;
    refuse(&d, "checksum");
    let patch = |at: usize, v: &[u8]| {
        let mut d = file.clone();
        d[at..at + v.len()].copy_from_slice(v);
        reseal(d)
    };
    refuse(&patch(8, &64u32.to_le_bytes()), "unknown flag");
    refuse(&patch(opt + 4, &9u32.to_le_bytes()), "do not add up");
    refuse(&patch(opt, &2u32.to_le_bytes()), "another algorithm");
    refuse(
        &patch(opt + 12, &f32::NAN.to_le_bytes()),
        "optimizer state holds a non-finite",
    );
    refuse(
        &patch(gen_at, &0u64.to_le_bytes()),
        "generator state is invalid",
    );
    refuse(
        &patch(gen_at + 8, &5u32.to_le_bytes()),
        "generator state is invalid",
    );
    refuse(
        &patch(prog + 16, &99u32.to_le_bytes()),
        "progress is inconsistent",
    );
    refuse(&patch(best, &f64::NAN.to_le_bytes()), "best loss");
    refuse(
        &patch(best + 12, &f32::INFINITY.to_le_bytes()),
        "best parameters",
    );
    refuse(&patch(conf + 4, b"\xff"), "not UTF-8");
    refuse(
        &patch(conf + 4, b"algo = nope\n"),
        "configuration is refused: line 1",
    );
    // A configuration this trainer cannot hold (batch_size above its B = 32).
    let text = a
        .config
        .to_string()
        .replace("batch_size = 16", "batch_size = 99");
    let mut long = file[..conf].to_vec();
    long.extend_from_slice(&(text.len() as u32).to_le_bytes());
    long.extend_from_slice(text.as_bytes());
    long.extend_from_slice(&[0; 4]);
    let n = long.len() as u32;
    long[20..24].copy_from_slice(&n.to_le_bytes());
    refuse(&reseal(long), "batch capacity");
    // Another architecture's file.
    let mut other: Box<Trainer<(Dense<64, 16>, Dense<16, 64>), 32, 64, 3>> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Sigmoid))));
    other.config.parse("batch_size = 16").unwrap();
    other.start(&data).unwrap();
    let mut o = vec![0u8; other.checkpoint_len()];
    other.save(&mut o).unwrap();
    refuse(&o, "different architecture");
    // Too few optimizer slots for the file's optimizer.
    let mut small: Box<Trainer<Ae, 32, 64, 1>> =
        Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))));
    let e = small.resume(&file).unwrap_err().to_string();
    assert!(e.contains("slots"), "{e}");
}

/// A custom regularizer named in the configuration: the checkpoint records its name and
/// weight; resuming needs it registered, as training does.
struct Center;
impl Regularizer for Center {
    fn name(&self) -> &str {
        "center"
    }
    fn loss(&self, net: &dyn staticnets::regularizers::NetView) -> f64 {
        let t = net.tensor(1).unwrap();
        t.data.iter().map(|&b| (b as f64) * (b as f64)).sum()
    }
    fn grad(&self, net: &mut dyn staticnets::regularizers::NetGrads, weight: f32) {
        if let Some((t, g)) = net.tensor_grad(1) {
            for (gk, &b) in g.iter_mut().zip(t.data) {
                *gk += weight * 2.0 * b;
            }
        }
    }
}

#[test]
fn custom_regularizers_are_recorded_by_name() {
    let x = digits(32);
    let data = Data::autoencoder(&x);
    let mut a = ae();
    a.add_regularizer(&Center).unwrap();
    a.config
        .parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 16\ncenter = 0.5")
        .unwrap();
    a.start(&data).unwrap();
    a.steps(&data, 3).unwrap();
    let mut file = vec![0u8; a.checkpoint_len()];
    a.save(&mut file).unwrap();
    a.steps(&data, 3).unwrap();

    let mut unregistered = ae();
    let e = unregistered.resume(&file).unwrap_err().to_string();
    assert!(e.contains("unknown key \"center\""), "{e}");
    // registered by name only: the configuration parses, the regularizer itself is missing
    let mut named = ae();
    named.config.register("center").unwrap();
    let e = named.resume(&file).unwrap_err().to_string();
    assert!(
        e.contains("center is configured but the trainer lacks it (add_regularizer)"),
        "{e}"
    );
    let mut b = ae();
    b.add_regularizer(&Center).unwrap();
    b.resume(&file).unwrap();
    b.steps(&data, 3).unwrap();
    assert_eq!(bits(&a.net), bits(&b.net));
}

/// A trainer without the best copy (`NoBestCopy`, 4 * PARAMS bytes smaller) trains the same
/// bits as the default one for a fixed number of updates, and checkpoints move between the
/// two: its file resumes in a default trainer and the other way round.
#[test]
fn a_trainer_without_the_best_copy_trains_the_same_bits_and_shares_checkpoints() {
    use staticnets::train::NoBestCopy;
    let x = digits(64);
    let data = Data::autoencoder(&x);
    let config =
        "algo = adam\nlearning_rate = 0.01\nbatch_size = 16\nweight_l2 = 1e-4\ninput_noise = 0.1";
    let lean = || -> Box<Trainer<Ae, 32, 64, 3, NoBestCopy>> {
        Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))))
    };
    // One copy of the weights, and a little alignment padding.
    let less = Trainer::<Ae, 32, 64, 3>::BYTES - Trainer::<Ae, 32, 64, 3, NoBestCopy>::BYTES;
    assert!((Network::<Ae>::PARAM_BYTES..Network::<Ae>::PARAM_BYTES + 16).contains(&less));
    let (mut a, mut b) = (ae(), lean());
    a.config.parse(config).unwrap();
    b.config.parse(config).unwrap();
    a.start(&data).unwrap();
    b.start(&data).unwrap();
    a.steps(&data, 9).unwrap();
    b.steps(&data, 9).unwrap();
    assert_eq!(bits(&a.net), bits(&b.net));
    // The lean trainer's file resumes in a default trainer, and the other way round.
    let (fa, fb) = (saved(&mut *a), saved(&mut *b));
    let (mut a2, mut b2) = (ae(), lean());
    a2.resume(&fb).unwrap();
    b2.resume(&fa).unwrap();
    for t in [&mut a, &mut a2] {
        t.steps(&data, 5).unwrap();
    }
    for t in [&mut b, &mut b2] {
        t.steps(&data, 5).unwrap();
    }
    let want = bits(&a.net);
    for got in [bits(&a2.net), bits(&b.net), bits(&b2.net)] {
        assert_eq!(got, want);
    }
}

/// `CHECKPOINT_MAX_BYTES` bounds every file: a trainer using all its slots, with a long
/// configuration (every regularizer with four long patterns), fits.
#[test]
fn the_largest_checkpoint_fits_checkpoint_max_bytes() {
    let x = digits(16);
    let data = Data::autoencoder(&x);
    let mut t = ae();
    let long = "hid1.*, out.*, hid1:out, out:out";
    let mut config =
        String::from("algo = adam\nmomentum = 0.5\nlearning_rate = 0.001\nbatch_size = 16\n");
    for key in ["weight_l2", "weight_l1"] {
        config += &format!("{key} = 0.000123456789 @ hid1.w, out.w\n");
    }
    for key in [
        "hidden_l1",
        "input_noise",
        "hidden_noise",
        "input_dropout",
        "hidden_dropout",
        "noise",
        "dropout",
    ] {
        config += &format!("{key} = 0.0123456789 @ {long}\n");
    }
    t.config.parse(&config).unwrap();
    t.start(&data).unwrap();
    assert_eq!(
        t.config.algo.slots(t.config.momentum),
        3,
        "every slot in use"
    );
    let mut file = vec![0u8; t.checkpoint_len()];
    t.save(&mut file).unwrap();
    assert!(file.len() <= Trainer::<Ae, 32, 64, 3>::CHECKPOINT_MAX_BYTES);
}
