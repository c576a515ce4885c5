//! `monitor_penalties = false`: training steps skip the penalties' values (docs/contract.md,
//! "Training, validation, monitors"). The training bits must not change, the report must say
//! the values were not computed (NaN) rather than show numbers, and validation and the
//! divergence check must work as before.

use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense};
use staticnets::train::{Data, Trainer};

type Ae = (Dense<64, 16>, Dense<16, 64>);
type T = Trainer<Ae, 16, 0, 2>;

const PENALTIES: &str = "algo = adam\nlearning_rate = 0.003\nbatch_size = 16\n\
    weight_l2 = 1e-3\nweight_l1 = 1e-4\nhidden_l1 = 1e-3\ninput_noise = 0.1\ndropout = 0.1 @ hid1:out";

fn digits(rows: usize) -> Vec<f32> {
    let d = Digits::bundled();
    let mut x = vec![0.0; rows * 64];
    let mut labels = vec![0u32; rows];
    d.fill(0, &mut x, &mut labels).unwrap();
    x
}

fn trainer(extra: &str) -> Box<T> {
    let mut t: Box<T> = Box::new(Trainer::new((Dense::new(Relu), Dense::new(Sigmoid))));
    t.config.parse(PENALTIES).unwrap();
    t.config.parse(extra).unwrap();
    t
}

fn bits(t: &T) -> Vec<u32> {
    (0..4)
        .flat_map(|i| t.net.tensor(i).unwrap().data.iter().map(|v| v.to_bits()))
        .collect()
}

#[test]
fn skipping_the_values_changes_no_training_bit_and_reports_nan() {
    let x = digits(96);
    let data = Data::autoencoder(&x);
    let (mut on, mut off) = (trainer(""), trainer("monitor_penalties = false"));
    on.start(&data).unwrap();
    off.start(&data).unwrap();
    let (a, b) = (on.steps(&data, 30).unwrap(), off.steps(&data, 30).unwrap());
    assert_eq!(bits(&on), bits(&off), "the same updates");
    assert_eq!(
        a.err.to_bits(),
        b.err.to_bits(),
        "the data loss is still computed"
    );
    assert!(a.loss.is_finite() && a.regs[..3].iter().all(|r| r.is_finite() && *r > 0.0));
    assert!(b.loss.is_nan() && b.regs[..3].iter().all(|r| r.is_nan()));
    // validation computes every value either way
    let (va, vb) = (on.validate(&data).unwrap(), off.validate(&data).unwrap());
    assert_eq!(va.loss.to_bits(), vb.loss.to_bits());
    assert_eq!(va.regs[0].to_bits(), vb.regs[0].to_bits());
    // a pass's report, too
    let pb = off.pass(&data).unwrap();
    assert!(pb.err.is_finite() && pb.loss.is_nan());
}

#[test]
fn the_key_round_trips_and_refuses_other_values() {
    let t = trainer("monitor_penalties = false");
    let text = t.config.to_string();
    assert!(text.contains("monitor_penalties = false"));
    let mut c = staticnets::train::TrainConfig::new();
    c.parse(&text).unwrap();
    assert!(!c.monitor_penalties);
    let before = c.clone();
    let e = c.parse("monitor_penalties = maybe").unwrap_err();
    assert!(e.to_string().contains("monitor_penalties"), "{e}");
    assert_eq!(c, before, "a refused line changes nothing");
    let default = staticnets::train::TrainConfig::new().to_string();
    assert!(
        !default.contains("monitor_penalties"),
        "the default is not written"
    );
}

#[test]
fn a_diverging_step_is_still_refused_without_the_values() {
    let x = digits(32);
    let data = Data::autoencoder(&x);
    let mut t = trainer("monitor_penalties = false\nalgo = sgd\nlearning_rate = 1e30");
    t.start(&data).unwrap();
    t.validate(&data).unwrap();
    let good = bits(&t);
    assert!(t.steps(&data, 5).is_err());
    assert_eq!(bits(&t), good, "rolled back to the known-good parameters");
}
