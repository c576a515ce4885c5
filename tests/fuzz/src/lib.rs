//! Properties of every public entry point, driven by arbitrary bytes.
//!
//! Each function here takes any byte string, interprets it as calls with values (so a fuzzer's
//! mutations become misuse: odd sizes, NaN, absurd numbers, calls in the wrong order) and
//! checks, with `assert!`, the properties the library promises:
//!
//! - no panic (a panic is the fuzzer's crash) and no hang (every loop is bounded by the input);
//! - a rejected call changes nothing (parameters, known-good copy, configuration, progress);
//! - a refused step leaves the parameters at their last good values (after a divergence the
//!   parameters equal the known-good copy and are finite);
//! - the parameters are finite after every call.
//!
//! `make fuzz` runs them under libFuzzer (`fuzz_targets/`); `make test` runs them on the
//! stable toolchain over seed files and a few thousand generated inputs (`tests/`).

use staticnets::Error;
use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense, Identity, Layers, Lstm, Tied, TimeDense};
use staticnets::losses::Target;
use staticnets::network::Network;
use staticnets::train::{Batch, Data, Trainer};
use staticnets_wasm::{ModelCore, Targets};

/// Reads values from the input; once it runs out, every read gives zeros.
pub struct Input<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Input { bytes, at: 0 }
    }
    pub fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
    pub fn u8(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.u8() as usize % n.max(1)
    }
    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    /// A float: usually an ordinary one, sometimes a special or raw-bits value.
    pub fn f32(&mut self) -> f32 {
        match self.u8() % 8 {
            0 => self.pick(&[
                0.0,
                -0.0,
                f32::NAN,
                f32::INFINITY,
                -f32::INFINITY,
                f32::MAX,
                f32::MIN_POSITIVE,
                1e-45,
            ]),
            1 => f32::from_bits(self.u32()),
            _ => (self.u8() as f32 - 128.0) / 64.0,
        }
    }
    /// The rest of the input.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.bytes[self.at.min(self.bytes.len())..];
        self.at = self.bytes.len();
        r
    }
}

/// Configuration keys: every setting, every regularizer key and alias, some misspellings.
pub const KEYS: &[&str] = &[
    "algo",
    "learning_rate",
    "momentum",
    "batch_size",
    "patience",
    "validate_every",
    "min_improvement",
    "max_gradient_norm",
    "max_gradient_elem",
    "max_updates",
    "rng",
    "seed",
    "loss",
    "sparsity_threshold",
    "frozen",
    "rms_halflife",
    "beta1",
    "beta2",
    "rprop_increase",
    "rprop_decrease",
    "rprop_min_step",
    "rprop_max_step",
    "on_divergence",
    "weight_l2",
    "weight_decay",
    "weight_l1",
    "weight_sparsity",
    "hidden_l1",
    "hidden_sparsity",
    "contractive",
    "recurrent_norm",
    "recurrent_state",
    "input_dropout",
    "hidden_dropout",
    "output_dropout",
    "dropout",
    "input_noise",
    "hidden_noise",
    "output_noise",
    "noise",
    "wieght_l2",
    "",
    " ",
    "=",
    "algo ",
    "LEARNING_RATE",
];

/// Values: good, bad and absurd.
pub const VALUES: &[&str] = &[
    "0",
    "0.1",
    "0.01",
    "0.001",
    "-1",
    "1",
    "2",
    "8",
    "9",
    "65",
    "1e38",
    "1e-30",
    "NaN",
    "inf",
    "-inf",
    "abc",
    "",
    "18446744073709551615",
    "4294967296",
    "0.5 @ hid1:out",
    "0.1 @ in:out, hid*:out",
    "0.2 @ nothing",
    "0.3 @ hid1.w",
    "0.1 @ out:pre",
    "0.1 @ *",
    "0.1 @ hid1:out, hid2:out, out:out, in:out, hid1:pre",
    "sgd",
    "adam",
    "rmsprop",
    "nag",
    "adagrad",
    "adadelta",
    "rprop",
    "mse",
    "mae",
    "xe",
    "bce",
    "hinge",
    "stop",
    "halve",
    "hid1.*",
    "none",
    "out.*",
    "0.9",
    "0.999",
    "1.0",
    "0.5 @",
    "@",
    "1 @ [",
    "0.1 @ hid1:out,",
];

fn setting(input: &mut Input<'_>) -> String {
    if input.u8().is_multiple_of(4) {
        format!("{}", input.f32())
    } else {
        input.pick(VALUES).to_string()
    }
}

fn config_text(input: &mut Input<'_>) -> String {
    let mut t = String::new();
    for _ in 0..input.below(4) {
        match input.u8() % 8 {
            0 => t.push_str("# a comment\n"),
            1 => t.push_str("no equals sign\n"),
            _ => {
                let key = input.pick(KEYS);
                t.push_str(&format!("{key} = {}\n", setting(input)));
            }
        }
    }
    t
}

/// Up to `max_rows` rows of `width` values from the input (all finite unless it says).
fn rows(input: &mut Input<'_>, width: usize, max_rows: usize) -> Vec<f32> {
    let n = input.below(max_rows + 1);
    let odd = input.u8().is_multiple_of(16); // a length that is not a multiple of the width
    // A few bytes of pattern, repeated: wide rows cost the input little.
    let pattern: Vec<f32> = (0..1 + input.below(12))
        .map(|_| input.u8() as f32 / 255.0)
        .collect();
    let mut x: Vec<f32> = (0..n * width + odd as usize)
        .map(|k| pattern[k % pattern.len()] * (1.0 - (k / width) as f32 / 64.0))
        .collect();
    if input.u8().is_multiple_of(16) && !x.is_empty() {
        let i = input.below(x.len());
        x[i] = input.f32();
    }
    x
}

/// Everything a rejected call must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    net: Vec<u32>,
    best: Vec<u32>,
    config: String,
    passes: u32,
    best_loss: u64,
    started: bool,
}

fn bits<L: Layers>(n: &Network<L>) -> Vec<u32> {
    (0..L::TENSORS)
        .flat_map(|i| {
            n.tensor(i)
                .map(|t| t.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

fn snapshot<L: Layers, const B: usize, const J: usize, const S: usize>(
    t: &Trainer<L, B, J, S>,
) -> Snapshot {
    Snapshot {
        net: bits(&t.net),
        best: bits(&t.best),
        config: format!("{:?}", t.config),
        passes: t.passes(),
        best_loss: t.best_loss().to_bits(),
        started: t.is_started(),
    }
}

/// The result of a trainer call against the properties.
fn check<L: Layers, const B: usize, const J: usize, const S: usize, T>(
    t: &Trainer<L, B, J, S>,
    before: &Snapshot,
    result: &Result<T, Error>,
    what: &str,
) {
    assert!(t.net.is_finite(), "{what}: the parameters are not finite");
    match result {
        Err(Error::Diverged { .. } | Error::NonFiniteStep { .. }) => {
            assert_eq!(
                bits(&t.net),
                bits(&t.best),
                "{what}: a refused step left other parameters"
            );
        }
        Err(e) => {
            let mut after = snapshot(t);
            // Reading the configuration again may reset the best loss when the objective was
            // changed behind the trainer's back (a public field): not a change of this call.
            after.best_loss = before.best_loss;
            assert_eq!(
                &after, before,
                "{what} was refused ({e}) but changed the trainer"
            );
        }
        Ok(_) => {}
    }
}

/// The trainer every driver uses: a dense layer, a tied pair around nothing, and a dense
/// output (6 inputs, so the Jacobian buffers for `contractive` are 6 wide), batches of up to 8.
pub type Body = (Dense<6, 4>, Tied<4, 3>, Dense<4, 6>);
pub type Small = Trainer<Body, 8, 6, 3>;

pub fn small() -> Box<Small> {
    Box::new(Trainer::new((
        Dense::new(Tanh),
        Tied::new(Dense::new(Relu), Identity, Sigmoid),
        Dense::new(Linear),
    )))
}

/// `Network::load` and `verify_checkpoint` on any bytes, for three architectures: a refusal
/// leaves the network as it was; an accepted file gives finite parameters that save back to
/// the same parameter bytes. The same bytes as a safetensors file (a refusal changes nothing;
/// an accepted one gives finite parameters), and as a whole run's checkpoint resumed by a
/// started trainer (a refusal changes nothing; an accepted one trains on).
pub fn checkpoint_load(data: &[u8]) {
    fn one<L: Layers>(mut net: Network<L>, data: &[u8]) {
        net.init(1);
        let before = bits(&net);
        let verified = net.verify_checkpoint(data);
        let loaded = net.load(data);
        assert_eq!(verified.is_ok(), loaded.is_ok());
        match loaded {
            Err(_) => assert_eq!(bits(&net), before),
            Ok(()) => {
                assert!(net.is_finite());
                let mut out = vec![0u8; Network::<L>::CHECKPOINT_BYTES];
                net.save(&mut out).unwrap();
                let (p, at) = (4 * L::PARAMS, verified.unwrap().params_at);
                assert_eq!(out[24..24 + p], data[at..at + p]);
            }
        }
        let before = bits(&net);
        match net.load_safetensors(data) {
            Err(_) => assert_eq!(bits(&net), before),
            Ok(()) => assert!(net.is_finite()),
        }
    }
    let mut t = small();
    t.config.parse("batch_size = 4").unwrap();
    let x = [0.25f32; 6 * 10];
    let d = Data::autoencoder(&x);
    t.start(&d).unwrap();
    let before = snapshot(&t);
    match t.resume(data) {
        Err(_) => assert_eq!(snapshot(&t), before),
        Ok(()) => {
            assert!(t.net.is_finite() && t.best.is_finite());
            let before = snapshot(&t);
            let r = t.steps(&d, 3);
            check(&*t, &before, &r, "steps after resume");
        }
    }
    one::<Body>(small().net, data);
    one::<(Dense<3, 2>, Dense<2, 3>)>(Network::new((Dense::new(Tanh), Dense::new(Linear))), data);
    type Seq = (Lstm<2, 3, 4, 8, 12>, TimeDense<3, 2, 4, 12, 8>);
    one::<Seq>(
        Network::new((Lstm::new(true), TimeDense::new(Linear))),
        data,
    );
}

/// A configuration text, then a run on data from the rest of the input: a refused text
/// applies nothing; a refused start keeps the weights; training ends finite (or rolled back).
pub fn config_train(data: &[u8]) {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let text = String::from_utf8_lossy(&data[..split]);
    let mut input = Input::new(&data[split.min(data.len())..]);
    let mut t = small();
    let before = t.config.clone();
    if t.config.parse(&text).is_err() {
        assert_eq!(t.config, before, "a refused text applied something");
    }
    // Bounded work: at most 3 passes (0 would mean "until patience runs out").
    t.config.max_updates = t.config.max_updates.clamp(1, 3);
    let x = rows(&mut input, 6, 24);
    let s = snapshot(&t);
    let r = t.start(&Data::autoencoder(&x));
    check(&t, &s, &r, "start");
    if r.is_ok() {
        let s = snapshot(&t);
        let r = t.train(&Data::autoencoder(&x), &Data::autoencoder(&x), |_| true);
        check(&t, &s, &r, "train");
    }
}

/// `Digits::parse` on any bytes; an accepted file reads back in range.
pub fn dataset(data: &[u8]) {
    if let Ok(d) = Digits::parse(data) {
        let n = d.len().min(8);
        let mut x = vec![0.0; n * 64];
        let mut labels = vec![0u32; n];
        d.fill(0, &mut x, &mut labels).unwrap();
        assert!(labels.iter().all(|&l| l < 10));
        assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
        if n > 0 {
            assert!(d.fill(d.len(), &mut x[..64], &mut labels[..1]).is_err());
        }
    }
    let d = Digits::bundled();
    let mut input = Input::new(data);
    let first = (input.u32() as usize).wrapping_mul(if input.u8().is_multiple_of(2) {
        1
    } else {
        usize::MAX / 4
    });
    let n = input.below(5);
    let mut x = vec![0.0; n * 64];
    let mut labels = vec![0u32; n];
    let _ = d.fill(first, &mut x, &mut labels);
}

/// The trainer's public API called in any order with any values (at most 48 calls).
pub fn trainer_api(data: &[u8]) {
    let mut input = Input::new(data);
    let mut t = small();
    let mut x = rows(&mut input, 6, 20);
    let mut saved = vec![0u8; Network::<Body>::CHECKPOINT_BYTES];
    for _ in 0..48 {
        if input.done() {
            break;
        }
        let s = snapshot(&t);
        let op = input.u8() % 14;
        match op {
            0 => {
                let key = input.pick(KEYS);
                let r = t.config.set(key, &setting(&mut input));
                if r.is_err() {
                    assert_eq!(
                        format!("{:?}", t.config),
                        s.config,
                        "set({key}) was refused but changed"
                    );
                }
            }
            1 => {
                let text = config_text(&mut input);
                if t.config.parse(&text).is_err() {
                    assert_eq!(
                        format!("{:?}", t.config),
                        s.config,
                        "parse({text:?}) was refused but changed"
                    );
                }
            }
            2 => {
                let r = t.start(&Data::autoencoder(&x));
                check(&t, &s, &r, "start");
            }
            3 => {
                let r = t.restart(&Data::autoencoder(&x));
                check(&t, &s, &r, "restart");
            }
            4 => {
                let n = input.below(20);
                let r = t.steps(&Data::autoencoder(&x), n);
                check(&t, &s, &r, "steps");
            }
            5 => {
                let r = t.pass(&Data::autoencoder(&x));
                check(&t, &s, &r, "pass");
            }
            6 => {
                let r = t.validate(&Data::autoencoder(&x));
                check(&t, &s, &r, "validate");
            }
            7 => {
                let mut out = vec![0.0; (x.len() / 6 + input.below(2)) * 6];
                let r = t.predict(&x, &mut out);
                check(&t, &s, &r, "predict");
            }
            8 => {
                let rows = input.below(12);
                let len = (rows * 6).min(x.len());
                let batch = Batch {
                    x: &x[..len],
                    rows,
                    target: Target::Values(&x[..len]),
                    weights: None,
                };
                let r = t.step(batch);
                check(&t, &s, &r, "step");
            }
            9 => {
                t.net.save(&mut saved).unwrap();
                let at = input.below(saved.len());
                if input.u8().is_multiple_of(2) {
                    saved[at] ^= 1 << input.below(8);
                }
                let before = bits(&t.net);
                if t.net.load(&saved).is_err() {
                    assert_eq!(bits(&t.net), before);
                }
            }
            10 => {
                // Public fields set behind the configuration's checks.
                match input.u8() % 4 {
                    0 => t.config.batch_size = input.u32() as usize % 20,
                    1 => t.config.learning_rate = input.f32(),
                    2 => t.config.momentum = input.f32(),
                    _ => t.config.validate_every = input.u32() % 3,
                }
            }
            11 => {
                t.config.max_updates = t.config.max_updates.clamp(1, 2);
                let s = snapshot(&t);
                let d = Data::autoencoder(&x);
                let r = t.train(&d, &d, |_| true);
                check(&t, &s, &r, "train");
            }
            12 => x = rows(&mut input, 6, 20),
            _ => {
                let r = t.reconfigure();
                check(&t, &s, &r, "reconfigure");
            }
        }
        assert!(t.net.is_finite(), "op {op}: the parameters are not finite");
    }
}

/// Every parameter of the page's model, tensor by tensor.
fn params(m: &ModelCore) -> Vec<u32> {
    m.tensor_names()
        .iter()
        .flat_map(|n| m.weights(n).unwrap_or_default())
        .map(f32::to_bits)
        .collect()
}

/// Data a model holds: inputs and targets.
type Held = (Vec<f32>, Targets);

/// The page's model (`staticnets-wasm`'s `ModelCore`, natively) driven like the page and a
/// careless page author would: a refused call leaves the weights and the configuration.
pub fn wasm_engine(data: &[u8]) {
    let mut input = Input::new(data);
    let presets = staticnets_wasm::presets();
    let preset = input.pick(&[0usize, 1, 2, 3, 4]);
    let text = config_text(&mut input);
    let Ok(mut m) = ModelCore::new(&presets[preset], &text) else {
        return;
    };
    let mut x = rows(&mut input, 64, 40);
    // The data the model holds, as the caller gave it: training, and validation if given.
    let (mut train, mut valid): (Option<Held>, Option<Held>) = (None, None);
    for _ in 0..24 {
        if input.done() {
            break;
        }
        let (weights, config) = (params(&m), m.config_text());
        // Targets of every kind, right or wrong for the preset.
        let labels = |input: &mut Input<'_>, n: usize| -> Targets {
            match input.u8() % 5 {
                0 => Targets::None,
                1 => Targets::Labels((0..n).map(|_| input.u8() as u32 % 11).collect()),
                2 => Targets::Values((0..n).map(|_| input.u8() as f32 / 255.0).collect()),
                _ => Targets::Labels((0..n).map(|_| input.u8() as u32 % 10).collect()),
            }
        };
        let r: Result<(), String> = match input.u8() % 12 {
            0 => {
                let key = input.pick(KEYS);
                m.set(key, &setting(&mut input))
            }
            1 => {
                let l = labels(&mut input, x.len() / 64);
                let r = m.set_data(&x, l.clone());
                if r.is_ok() {
                    train = Some((x.clone(), l));
                }
                r
            }
            2 => {
                let l = labels(&mut input, x.len() / 64);
                let r = m.set_validation(&x, l.clone());
                if r.is_ok() {
                    valid = Some((x.clone(), l));
                }
                r
            }
            3 => m.train(input.below(30) as u32).map(|_| ()),
            4 => m.validate().map(|_| ()),
            5 => m.predict(&x).map(|_| ()),
            6 => m.predict_classes(&x).map(|_| ()),
            7 => m.hidden(&x, input.below(6)).map(|_| ()),
            8 => m.corrupt(&x).map(|_| ()),
            9 => {
                // A whole-run checkpoint (refused before setData) or a safetensors file,
                // intact or with one flipped bit.
                let tensors = input.u8().is_multiple_of(2);
                let mut b = if tensors {
                    m.save_safetensors()
                } else {
                    m.save().unwrap_or_default()
                };
                if !b.is_empty() && input.u8().is_multiple_of(2) {
                    let at = input.below(b.len());
                    b[at] ^= 1 << input.below(8);
                }
                if tensors {
                    m.load_safetensors(&b)
                } else {
                    m.load(&b)
                }
            }
            10 => m.reset(),
            _ => {
                x = rows(&mut input, 64, 40);
                Ok(())
            }
        };
        if let Err(e) = r {
            if e.contains("diverged") || e.contains("not finite;") {
                continue; // rolled back by design; checked by the trainer driver
            }
            assert_eq!(params(&m), weights, "refused ({e}) but the weights changed");
            assert_eq!(
                m.config_text(),
                config,
                "refused ({e}) but the configuration changed"
            );
        }
    }
    // Whatever the sequence: the configuration text parses back to the settings in force,
    // and validation is a fresh model's on the same weights and the current validation
    // data (the training data's, until setValidation gave its own).
    let config = m.config_text();
    let mut fresh = ModelCore::new(&presets[preset], &config)
        .unwrap_or_else(|e| panic!("configText does not parse back ({e}):\n{config}"));
    assert_eq!(fresh.config_text(), config, "configText round trip");
    let Some((tx, ty)) = train else { return };
    let (vx, vy) = valid.unwrap_or_else(|| (tx.clone(), ty.clone()));
    if fresh.set_data(&tx, ty).is_err() || fresh.set_validation(&vx, vy).is_err() {
        return; // (data the preset refuses in the fresh model's settings too)
    }
    fresh
        .load_safetensors(&m.save_safetensors())
        .expect("the model's own weights load");
    if let (Ok(a), Ok(b)) = (m.validate(), fresh.validate()) {
        assert_eq!(
            a.loss.to_bits(),
            b.loss.to_bits(),
            "validate() is not a fresh model's on the same weights and validation data"
        );
    }
}
