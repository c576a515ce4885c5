//! Misuse, divergence and absurd values at the trainer's public entry points (issue "Nothing
//! lost, no panic"). Each test drives a path a page or a careless caller takes and checks
//! that the call either works or returns a clear error and changes nothing.

use staticnets::Error;
use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Corruptor, Dense, Lstm, TimeDense};
use staticnets::network::{Network, Workspace};
use staticnets::train::{Batch, Data, TrainConfig, Trainer};

type Ae = (Dense<64, 16>, Dense<16, 64>);
type T64 = Trainer<Ae, 64, 0, 3>;

fn trainer() -> Box<T64> {
    Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))))
}

/// The first `rows` digits, 64 values in 0..1 each.
fn digits(rows: usize) -> Vec<f32> {
    let d = Digits::bundled();
    let mut x = vec![0.0; rows * 64];
    let mut labels = vec![0u32; rows];
    d.fill(0, &mut x, &mut labels).unwrap();
    x
}

fn params<L: staticnets::layers::Layers>(n: &Network<L>) -> Vec<u32> {
    (0..L::TENSORS)
        .flat_map(|i| n.tensor(i).unwrap().data.iter().map(|v| v.to_bits()))
        .collect::<Vec<_>>()
}

#[test]
fn changing_the_batch_size_or_the_rows_between_steps_calls_never_panics() {
    let x = digits(1500);
    let small = digits(100);
    let mut t = trainer();
    t.config
        .parse("algo = adam\nlearning_rate = 0.003\nbatch_size = 32")
        .unwrap();
    t.start(&Data::autoencoder(&x)).unwrap();
    let mut last = f64::INFINITY;
    // The page's batch field while training: up, down, odd sizes; and data that shrinks.
    for (k, bs) in [32, 64, 8, 9, 63, 1, 64, 17].iter().enumerate() {
        t.steps(&Data::autoencoder(&x), 20).unwrap();
        t.config.set("batch_size", &bs.to_string()).unwrap();
        let data = if k % 2 == 0 { &small } else { &x };
        last = t.steps(&Data::autoencoder(data), 20).unwrap().loss;
    }
    assert!(last.is_finite() && t.net.is_finite());
}

#[test]
fn batch_size_above_capacity_is_refused_when_set_and_the_config_stays() {
    let mut t = trainer();
    let before = t.config.clone();
    let e = t.config.set("batch_size", "65").unwrap_err();
    assert!(e.to_string().contains("at most 64"), "{e}");
    assert_eq!(t.config, before);
    let e = t
        .config
        .parse("learning_rate = 0.5\nbatch_size = 100")
        .unwrap_err();
    assert!(e.to_string().starts_with("line 2: "), "{e}");
    assert_eq!(t.config, before, "a refused text applies none of its lines");
    // An absurd value: refused, no overflow anywhere.
    assert!(t.config.set("batch_size", "18446744073709551615").is_err());
    // Set behind the config's back (a public field): the trainer refuses it clearly.
    let x = digits(40);
    t.start(&Data::autoencoder(&x)).unwrap();
    t.config.batch_size = 1000;
    let e = t.steps(&Data::autoencoder(&x), 1).unwrap_err();
    assert!(e.to_string().contains("batch_size"), "{e}");
    t.config.batch_size = 0;
    let e = t.steps(&Data::autoencoder(&x), 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "batch_size = 0 is out of range: it must be >= 1"
    );
}

#[test]
fn a_small_trainer_defaults_to_its_capacity_and_training_before_start_is_an_error() {
    let mut t: Box<Trainer<(Dense<4, 2>, Dense<2, 4>), 8, 0, 2>> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    assert_eq!(t.config.batch_size, 8);
    let x = [0.25f32; 4 * 20];
    let d = Data::autoencoder(&x);
    for e in [
        t.train(&d, &d, |_| true).unwrap_err(),
        t.steps(&d, 3).unwrap_err(),
        t.pass(&d).unwrap_err(),
        t.validate(&d).unwrap_err(),
    ] {
        assert_eq!(e, Error::NotStarted);
    }
    t.start(&d).unwrap();
    t.train(&d, &d, |r| r.pass < 3).unwrap();
}

#[test]
fn more_rows_than_the_batch_capacity_is_an_error_at_every_entry_point() {
    let x = digits(80);
    let mut t = trainer();
    t.start(&Data::autoencoder(&x[..64 * 10])).unwrap();
    let before = params(&t.net);
    let batch = Batch {
        x: &x,
        rows: 80,
        target: staticnets::losses::Target::Values(&x),
        weights: None,
    };
    assert!(matches!(
        t.step(batch),
        Err(Error::OutOfRange {
            name: "rows in a batch",
            ..
        })
    ));
    let short = Batch {
        x: &x[..64 * 3],
        rows: 4,
        target: staticnets::losses::Target::Values(&x[..64 * 3]),
        weights: None,
    };
    assert!(matches!(t.step(short), Err(Error::WrongLength { .. })));
    let mut ws: Box<Workspace<Ae, 64, 0>> = Box::new(Workspace::new());
    assert!(matches!(
        t.net.forward(&x, 80, &mut ws, &mut Corruptor::off()),
        Err(Error::CapacityExceeded { capacity: 64, .. })
    ));
    assert_eq!(params(&t.net), before);
    // predict and score chunk any number of rows through the workspace.
    let mut out = vec![0.0; 80 * 64];
    t.predict(&x, &mut out).unwrap();
}

#[test]
fn a_start_that_fails_on_bad_data_keeps_the_trained_weights() {
    let x = digits(64);
    let mut t = trainer();
    t.config.parse("algo = adam\nlearning_rate = 0.01").unwrap();
    t.start(&Data::autoencoder(&x)).unwrap();
    t.steps(&Data::autoencoder(&x), 30).unwrap();
    let trained = params(&t.net);
    let mut bad = x.clone();
    bad[65] = f32::NAN;
    assert_eq!(
        t.start(&Data::autoencoder(&bad)).unwrap_err(),
        Error::NonFiniteData {
            what: "inputs",
            row: 1,
            col: 1
        }
    );
    assert!(t.start(&Data::autoencoder(&x[..100])).is_err());
    assert!(t.restart(&Data::autoencoder(&[])).is_err());
    assert_eq!(params(&t.net), trained, "a refused start touches nothing");
    // A configuration that fails to resolve is refused before the weights are drawn, too.
    t.config.set("hidden_l1", "0.1 @ hid7:out").unwrap();
    assert!(matches!(
        t.start(&Data::autoencoder(&x)),
        Err(Error::PatternMatchesNothing { .. })
    ));
    assert_eq!(params(&t.net), trained);
}

#[test]
fn a_huge_learning_rate_rolls_back_to_the_last_validated_weights_and_stops() {
    let x = digits(256);
    let d = Data::autoencoder(&x);
    let mut t = trainer();
    t.config
        .parse("algo = adam\nlearning_rate = 0.003")
        .unwrap();
    t.start(&d).unwrap();
    t.steps(&d, 200).unwrap();
    let good = t.validate(&d).unwrap().loss;
    let good_params = params(&t.net);
    for lr in ["1e38", "1e30"] {
        t.config.set("algo", "sgd").unwrap();
        t.config.set("learning_rate", lr).unwrap();
        let e = t.steps(&d, 50).unwrap_err();
        assert!(matches!(e, Error::Diverged { halvings: 0, .. }), "{e}");
        assert!(
            e.to_string().contains("rolled back")
                && e.to_string().ends_with("or set on_divergence = halve"),
            "{e}"
        );
        assert_eq!(params(&t.net), good_params, "200 good steps kept, lr {lr}");
    }
    // A sane setting recovers without a reset: training goes on from the good weights.
    t.config.set("learning_rate", "0.5").unwrap();
    t.steps(&d, 100).unwrap();
    let after = t.validate(&d).unwrap().loss;
    assert!(after < good, "{good} -> {after}");
}

#[test]
fn on_divergence_halve_recovers_by_itself() {
    let x = digits(256);
    let d = Data::autoencoder(&x);
    // A linear autoencoder with plain SGD diverges above a learning rate of about 5 here.
    let mut t: Box<Trainer<(Dense<64, 16>, Dense<16, 64>), 64, 0, 3>> =
        Box::new(Trainer::new((Dense::new(Linear), Dense::new(Linear))));
    t.config
        .parse("algo = sgd\nlearning_rate = 100\non_divergence = halve")
        .unwrap();
    t.start(&d).unwrap();
    let first = t.validate(&d).unwrap().loss;
    // Validation between slices ends each row of halvings (as the page validates).
    for _ in 0..30 {
        t.steps(&d, 10).unwrap();
        t.validate(&d).unwrap();
    }
    let lr = t.config.learning_rate;
    assert!((100.0 / 1024.0..=100.0 / 16.0).contains(&lr), "{lr}");
    let last = t.validate(&d).unwrap().loss;
    assert!(last < 0.5 * first && t.net.is_finite(), "{first} -> {last}");
    // Without validations in between, ten halvings in a row is the limit.
    t.config.set("learning_rate", "1e30").unwrap();
    let e = t.steps(&d, 1000).unwrap_err();
    assert!(matches!(e, Error::Diverged { halvings: 10, .. }), "{e}");
    // The advice fits the setting: halve is already on, so it says only to lower the rate.
    let said = e.to_string();
    assert!(
        said.contains("halved 10 times in a row") && said.ends_with(": lower it"),
        "{said}"
    );
}

#[test]
fn train_rolls_back_to_the_best_validation_when_it_diverges() {
    let x = digits(128);
    let d = Data::autoencoder(&x);
    let mut t = trainer();
    t.config
        .parse("algo = sgd\nlearning_rate = 1e37\nvalidate_every = 1")
        .unwrap();
    t.start(&d).unwrap();
    let initial = params(&t.net);
    let e = t.train(&d, &d, |_| true).unwrap_err();
    assert!(matches!(e, Error::Diverged { .. }), "{e}");
    assert_eq!(params(&t.net), initial, "the best validation was the first");
}

#[test]
fn a_refused_setting_changes_nothing_and_the_next_good_one_works() {
    let mut c = TrainConfig::new();
    c.parse("learning_rate = 0.01\nweight_l2 = 0.001").unwrap();
    let before = c.clone();
    assert!(c.set("learning_rate", "-1").is_err());
    assert_eq!(c, before);
    c.set("momentum", "0.5").unwrap();
    assert_eq!(c.learning_rate, 0.01);
    for (text, message) in [
        (
            "learning_rate = 0.2\nwieght_l2 = 0.1",
            "line 2: unknown key \"wieght_l2\": no setting or regularizer has this name",
        ),
        (
            "momentum = 0.1\n\n# comment\nlearning_rate = abc",
            "line 4: bad value for learning_rate",
        ),
        (
            "weight_l2 = 0.1\nweight_decay = 0.2",
            "line 2: weight_l2 is given twice (an alias names the same setting): give each key once",
        ),
        (
            "seed = 3\nrng = 4",
            "line 2: rng is given twice (an alias names the same setting): give each key once",
        ),
        (
            "learning_rate 0.1",
            "line 1: bad value for configuration line (write key = value)",
        ),
        (
            "on_divergence = retry",
            "line 1: bad value for on_divergence (stop or halve)",
        ),
        // numbers an f32 cannot hold are named as given, not as the 0 or infinity they
        // would become (a regularizer's 1e-50 would silently switch it off)
        (
            "learning_rate = 1e-50",
            "line 1: learning_rate = 1e-50 is out of range: as an f32 (the settings' type) it is 0",
        ),
        (
            "algo = adam\nbeta1 = 1e39",
            "line 2: beta1 = 1e39 is out of range: as an f32 (the settings' type) it is infinite",
        ),
        (
            "weight_l2 = 1e-50",
            "line 1: regularizer weight = 1e-50 is out of range: as an f32 (the settings' type) it is 0",
        ),
    ] {
        let mut d = c.clone();
        let e = d.parse(text).unwrap_err();
        assert_eq!(e.to_string(), message);
        assert_eq!(d, c, "{text:?} applied nothing");
    }
    // Setting a key again live replaces it (an alias too): one weight_l2.
    c.set("weight_decay", "0.5").unwrap();
    assert_eq!(c.regs.len(), 1);
    assert_eq!((c.regs[0].key, c.regs[0].weight), ("weight_l2", 0.5));
}

#[test]
fn a_pass_may_have_any_number_of_batches() {
    // Batch size 1 on 1,500 digits: 1,500 batches in a pass (the old table held 1,024).
    let x = digits(1500);
    let d = Data::autoencoder(&x);
    let mut t = trainer();
    t.config
        .parse("algo = adam\nlearning_rate = 0.001\nbatch_size = 1")
        .unwrap();
    t.start(&d).unwrap();
    let r = t.pass(&d).unwrap();
    assert_eq!((r.pass, t.passes()), (1, 1));
    // A validation set of more than 1,024 batches.
    t.validate(&d).unwrap();
}

#[test]
fn a_checkpoint_loads_only_into_the_architecture_it_came_from() {
    type L = (Lstm<2, 3, 4, 8, 12>, TimeDense<3, 2, 4, 12, 8>);
    let body = |peep| (Lstm::new(peep), TimeDense::new(Linear));
    let mut with: Network<L> = Network::new(body(true));
    with.init(3);
    let mut bytes = [0u8; Network::<L>::CHECKPOINT_BYTES];
    with.save(&mut bytes).unwrap();
    let mut without: Network<L> = Network::new(body(false));
    without.init(4);
    let before = without.clone();
    let e = without.load(&bytes).unwrap_err();
    assert!(e.to_string().contains("different architecture"), "{e}");
    assert_eq!(without, before);
    let mut same: Network<L> = Network::new(body(true));
    same.load(&bytes).unwrap();
    assert_eq!(same, with);
    // Same shapes, other layer kinds: a dense stack is not a time-distributed one.
    type D1 = (Dense<3, 2>, Dense<2, 3>);
    type D2 = (Dense<3, 2>, TimeDense<2, 3, 1, 2, 3>);
    let a: Network<D1> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
    let b: Network<D2> = Network::new((Dense::new(Tanh), TimeDense::new(Linear)));
    assert_ne!(a.fingerprint(), b.fingerprint());
}

/// The fingerprint of the first checkpoint format, transcribed from its documentation (FNV-1a
/// over each layer's activation name and `;`, then each tensor's layer, kind, rows, cols).
fn first_fingerprint(acts: &[&str], tensors: &[(u32, u8, u32, u32)]) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= b as u32;
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    for a in acts {
        eat(a.as_bytes());
        eat(b";");
    }
    for &(layer, kind, rows, cols) in tensors {
        eat(&layer.to_le_bytes());
        eat(&[kind]);
        eat(&rows.to_le_bytes());
        eat(&cols.to_le_bytes());
    }
    h
}

#[test]
fn a_file_of_the_first_format_still_loads_where_it_is_unambiguous() {
    type D = (Dense<3, 2>, Dense<2, 3>);
    let mut a: Network<D> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
    a.init(9);
    let mut bytes = [0u8; Network::<D>::CHECKPOINT_BYTES];
    a.save(&mut bytes).unwrap();
    let old = first_fingerprint(
        &["tanh", "linear"],
        &[(1, 0, 3, 2), (1, 1, 1, 2), (2, 0, 2, 3), (2, 1, 1, 3)],
    );
    bytes[12..16].copy_from_slice(&old.to_le_bytes()); // the fingerprint field (format 2)
    let n = bytes.len();
    let crc = staticnets::checkpoint::crc32(&bytes[..n - 4]);
    bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
    let mut b: Network<D> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
    b.load(&bytes).unwrap();
    assert_eq!(a, b);
}

#[test]
fn predict_classes_names_what_is_wrong() {
    type C = (Dense<4, 3>, Dense<3, 2>);
    let mut t: Box<Trainer<C, 4, 0, 2>> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Softmax))));
    let mut one = [0u32; 1];
    let e = t.predict_classes(&[0.0; 6], &mut one).unwrap_err();
    assert_eq!(
        e.to_string(),
        "inputs (a multiple of the input width) has length 6, expected 8"
    );
    let e = t.predict_classes(&[0.0; 8], &mut one).unwrap_err();
    assert_eq!(
        e.to_string(),
        "classes (one per input row and time step) has length 1, expected 2"
    );
}

#[test]
fn digits_fill_refuses_absurd_ranges() {
    let d = Digits::bundled();
    let mut x = [0.0f32; 64];
    let mut l = [0u32; 1];
    assert!(d.fill(usize::MAX, &mut x, &mut l).is_err());
    assert!(d.fill(d.len(), &mut x, &mut l).is_err());
    d.fill(d.len() - 1, &mut x, &mut l).unwrap();
}

/// Without the best copy a diverging step is refused before it writes anything: the
/// parameters stay those before the step, finite, and training goes on once the rate is sane.
#[test]
fn a_trainer_without_the_best_copy_refuses_a_diverging_step_untouched() {
    use staticnets::train::NoBestCopy;
    let x = digits(64);
    let data = Data::autoencoder(&x);
    let mut t: Box<Trainer<Ae, 64, 0, 3, NoBestCopy>> =
        Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))));
    t.config
        .parse("algo = adam\nlearning_rate = 0.003\nbatch_size = 16")
        .unwrap();
    t.start(&data).unwrap();
    t.steps(&data, 6).unwrap();
    // sgd at 1e38: the first steps' results can be finite (huge) and are applied; the step
    // whose result would not be finite is refused, and writes nothing.
    t.config.parse("algo = sgd\nlearning_rate = 1e38").unwrap();
    let mut refused = false;
    for _ in 0..10 {
        let before = params(&t.net);
        match t.steps(&data, 1) {
            Ok(_) => continue,
            Err(e) => {
                assert!(matches!(e, Error::Diverged { .. }), "{e}");
                assert_eq!(
                    params(&t.net),
                    before,
                    "nothing of the refused step was written"
                );
                refused = true;
                break;
            }
        }
    }
    assert!(refused && t.net.is_finite());
    // The run's weights exploded (no copy to return to): start again from the checkpoint.
    t.start(&data).unwrap();
    t.config.parse("learning_rate = 0.01").unwrap();
    let r = t.steps(&data, 8).unwrap();
    assert!(r.loss.is_finite() && t.net.is_finite());
    // train() ends with the last parameters (there is no best copy to go back to).
    t.config.parse("max_updates = 2").unwrap();
    t.train(&data, &data, |_| true).unwrap();
    assert!(t.net.is_finite());
}

/// A custom regularizer for the ownership tests: `R = 0`, named by its field.
struct Named(&'static str);
impl staticnets::regularizers::Regularizer for Named {
    fn name(&self) -> &str {
        self.0
    }
    fn loss(&self, _: &dyn staticnets::regularizers::NetView) -> f64 {
        0.0
    }
    fn grad(&self, _: &mut dyn staticnets::regularizers::NetGrads, _: f32) {}
}

/// The trainer owns its custom regularizers: a name the configuration registered without
/// the regularizer is refused by name at every entry point and changes nothing; another
/// regularizer by a taken name or by a built-in's key, or one past the capacity, is refused
/// and changes nothing.
#[test]
fn custom_regularizers_belong_to_the_trainer_and_each_misuse_is_refused() {
    static FIRST: Named = Named("first");
    static OTHER_FIRST: Named = Named("FIRST");
    static BUILTIN: Named = Named("weight_l2");
    static MORE: [Named; 4] = [Named("a"), Named("b"), Named("c"), Named("d")];
    let x = digits(64);
    let data = Data::autoencoder(&x);
    let mut t = trainer();
    t.config.register("first").unwrap();
    t.config.parse("first = 0.5").unwrap();
    let before = params(&t.net);
    let e = t.start(&data).unwrap_err();
    assert_eq!(e, Error::MissingRegularizer { name: "first" });
    assert!(e.to_string().contains("add_regularizer"), "{e}");
    assert_eq!(params(&t.net), before);
    assert!(!t.is_started());
    t.add_regularizer(&FIRST).unwrap();
    t.start(&data).unwrap();
    t.steps(&data, 2).unwrap();
    let config = t.config.clone();
    for bad in [&OTHER_FIRST, &BUILTIN] {
        assert!(matches!(
            t.add_regularizer(bad),
            Err(Error::BadValue { .. })
        ));
        assert_eq!(t.config, config);
    }
    // four fit in all (MAX_CUSTOM): three more, then the fifth is refused
    for m in &MORE[..3] {
        t.add_regularizer(m).unwrap();
    }
    let config = t.config.clone();
    let e = t.add_regularizer(&MORE[3]).unwrap_err();
    assert!(matches!(e, Error::CapacityExceeded { .. }), "{e}");
    assert_eq!(t.config, config);
    t.steps(&data, 2).unwrap();
}

/// `steps` checks the values of the rows its batches take, before any of them: a bad value in
/// a batch of the call is refused by name and row with nothing changed; one elsewhere waits
/// for the call that takes its batch; a call that covers a pass checks every row.
#[test]
fn steps_refuses_a_bad_value_in_its_batches_before_any_step() {
    let x = digits(40); // batches of 8: five per pass
    let start = |t: &mut T64| {
        t.config.parse("algo = sgd\nbatch_size = 8").unwrap();
        t.start(&Data::autoencoder(&x)).unwrap();
        t.steps(&Data::autoencoder(&x), 2).unwrap(); // inside a pass
    };
    let mut refused_rows = Vec::new();
    for row in 0..40 {
        let mut bad = x.clone();
        bad[row * 64 + 3] = f32::INFINITY;
        let mut t = trainer();
        start(&mut t);
        let (before, updates) = (params(&t.net), t.updates());
        match t.steps(&Data::autoencoder(&bad), 2) {
            Ok(_) => assert_eq!(t.updates(), updates + 2),
            Err(e) => {
                let want = Error::NonFiniteData {
                    what: "inputs",
                    row,
                    col: 3,
                };
                assert_eq!(e, want);
                assert_eq!((params(&t.net), t.updates()), (before, updates));
                refused_rows.push(row);
            }
        }
        // three steps finish this pass: a pass's worth or more checks every row
        let mut t = trainer();
        start(&mut t);
        assert!(t.steps(&Data::autoencoder(&bad), 5).is_err(), "row {row}");
    }
    // the two batches of the call, whole: 16 rows in two runs of 8 aligned to a batch
    assert_eq!(refused_rows.len(), 16, "{refused_rows:?}");
    assert!(
        refused_rows
            .chunks(8)
            .all(|c| c[0] % 8 == 0 && c[7] == c[0] + 7)
    );
    // and they are the batches the steps take: a bad row the check let through would have
    // made a step non-finite and refused, and `Ok` above asserts both steps were applied
}

/// An absurd learning rate whose update is finite but whose next loss is not: the call that
/// made it says so (it does not return Ok with garbage weights), and a sane call after it
/// trains from the rolled-back parameters.
#[test]
fn a_finite_update_with_a_non_finite_next_loss_is_refused_by_the_call_that_made_it() {
    let x = digits(64);
    let d = Data::autoencoder(&x);
    let mut t = trainer();
    t.config.parse("algo = sgd\nlearning_rate = 0.05").unwrap();
    t.start(&d).unwrap();
    t.steps(&d, 20).unwrap();
    t.validate(&d).unwrap(); // known good: the parameters a divergence returns to
    let good = params(&t.net);
    t.config.set("learning_rate", "3e38").unwrap();
    for _ in 0..5 {
        let e = t.steps(&d, 1).unwrap_err();
        assert!(matches!(e, Error::Diverged { .. }), "{e}");
        assert_eq!(params(&t.net), good, "rolled back");
    }
    t.config.set("learning_rate", "0.05").unwrap();
    let before = t.validate(&d).unwrap().loss;
    t.steps(&d, 200).unwrap();
    let after = t.validate(&d).unwrap().loss;
    assert!(after < before, "{before} -> {after}");
}

/// A configuration is a set: `beta1` before `algo = adam` means what it means after it.
#[test]
fn the_order_of_keys_in_a_configuration_never_decides() {
    let (mut a, mut b) = (TrainConfig::default(), TrainConfig::default());
    a.parse("beta1 = 0.8\nalgo = adam\nlearning_rate = 0.01")
        .unwrap();
    b.parse("learning_rate = 0.01\nalgo = adam\nbeta1 = 0.8")
        .unwrap();
    assert_eq!(a, b);
    // still refused where no optimizer in the text has it, naming the key
    let mut c = TrainConfig::default();
    let e = c.parse("algo = sgd\nbeta1 = 0.8").unwrap_err();
    assert!(e.to_string().contains("beta1"), "{e}");
    assert_eq!(c, TrainConfig::default());
}

/// Loss weights that are all 0 would give a loss of 0 and train nothing, in silence: refused
/// by name. R^2 of constant targets is undefined: `score` says so instead of returning 0.
#[test]
fn all_zero_loss_weights_and_scores_of_constant_targets_are_refused() {
    let x = digits(16);
    let mut t = trainer();
    let zeros = vec![0.0f32; x.len()];
    let mut d = Data::autoencoder(&x);
    d.weights = Some(&zeros);
    let e = t.start(&d).unwrap_err();
    assert!(e.to_string().contains("loss weights: all 0"), "{e}");
    let mut some = zeros.clone();
    some[5] = 1.0;
    d.weights = Some(&some);
    t.start(&d).unwrap();
    t.steps(&d, 3).unwrap();
    let flat = vec![0.5f32; 64 * 4];
    let e = t.score(&Data::autoencoder(&flat)).unwrap_err();
    assert!(e.to_string().contains("R^2 is undefined"), "{e}");
    assert!(t.score(&Data::autoencoder(&x)).unwrap().is_finite());
}
