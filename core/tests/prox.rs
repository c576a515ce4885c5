//! `prox` (docs/contract.md, "Regularizers"): its value against the closed form in f64, its
//! gradient against central differences of its own value, patterns narrowing it, the trainer's
//! reference weights (refused where there are none, or not finite), and its effect: fine-tuning
//! with a strong pull stays nearer the reference than without.

use staticnets::gradcheck::{Settings, check_values};
use staticnets::layers::{Activation::*, Corruptor, Dense, Layers};
use staticnets::network::{Network, Workspace};
use staticnets::regularizers::entry::Active;
use staticnets::regularizers::registry;
use staticnets::regularizers::view::{Ctx, Referenced, ViewOf};
use staticnets::regularizers::{RegKind, RegSpec};
use staticnets::train::{Data, Penalties, Trainer};

type Body = (Dense<5, 4>, Dense<4, 3>);

fn nets() -> (Network<Body>, Network<Body>) {
    let mut n = Network::new((Dense::new(Tanh), Dense::new(Linear)));
    n.init(3);
    let mut r = n.clone();
    r.init(4);
    (n, r)
}

fn resolved(n: &Network<Body>, value: &str) -> Active {
    let spec = RegSpec::parse("prox", value).unwrap();
    let mut c = Corruptor::off();
    Penalties::resolve::<Body, 1, 0>(&[spec], n, &mut c, 0)
        .unwrap()
        .items[0]
        .clone()
}

/// `(1/2) sum ||w - w_ref||^2` over the tensors whose index `keep` says, in f64.
fn closed_form(n: &Network<Body>, r: &Network<Body>, keep: impl Fn(usize) -> bool) -> f64 {
    (0..<Body as Layers>::TENSORS)
        .filter(|&i| keep(i))
        .map(|i| {
            let (a, b) = (n.tensor(i).unwrap().data, r.tensor(i).unwrap().data);
            a.iter()
                .zip(b)
                .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
                .sum::<f64>()
        })
        .sum::<f64>()
        / 2.0
}

#[test]
fn value_and_gradient() {
    let (n, r) = nets();
    let ws: Box<Workspace<Body, 1, 0>> = Box::new(Workspace::new());
    let term = registry::entry(RegKind::Prox).unwrap().term.unwrap();
    for (value, keep) in [
        ("1", &(|_| true) as &dyn Fn(usize) -> bool),
        ("1 @ hid1.*", &|i| i < 2),
        ("1 @ *.b", &|i| i % 2 == 1),
    ] {
        let a = resolved(&n, value);
        let view = Referenced {
            view: ViewOf { net: &n, ws: &ws },
            reference: &r,
        };
        let got = (term.loss)(&a, &view);
        let want = closed_form(&n, &r, keep);
        assert!(
            (got - want).abs() <= 1e-6 * want,
            "{value}: {got} vs {want}"
        );
        // the gradient of `weight R`, against central differences of R itself
        for i in 0..<Body as Layers>::TENSORS {
            let mut ws2: Box<Workspace<Body, 1, 0>> = Box::new(Workspace::new());
            let mut grads = Network::<Body>::zero();
            (term.grad)(
                &a,
                &mut Referenced {
                    view: Ctx {
                        net: &n,
                        ws: &mut ws2,
                        grads: &mut grads,
                    },
                    reference: &r,
                },
                0.7,
            );
            let analytic: Vec<f32> = grads
                .tensor(i)
                .unwrap()
                .data
                .iter()
                .map(|g| g / 0.7)
                .collect();
            let mut m = n.clone();
            let mut values = m.tensor(i).unwrap().data.to_vec();
            let r2 = check_values(&mut values, &analytic, &Settings::default(), |v| {
                m.tensor_mut(i).unwrap().copy_from_slice(v);
                (term.loss)(
                    &a,
                    &Referenced {
                        view: ViewOf { net: &m, ws: &ws },
                        reference: &r,
                    },
                )
            });
            assert!(
                r2.max_rel_error < 1e-2,
                "{value} tensor {i}: {}",
                r2.max_rel_error
            );
            if !keep(i) {
                assert!(
                    analytic.iter().all(|&g| g == 0.0),
                    "{value}: tensor {i} is not matched"
                );
            }
        }
    }
    // seen without reference weights: NaN, never a silent zero
    let a = resolved(&n, "1");
    assert!((term.loss)(&a, &ViewOf { net: &n, ws: &ws }).is_nan());
}

#[test]
fn the_trainer_refuses_prox_without_reference_weights() {
    let x = [0.3f32; 5 * 8];
    let data = Data::autoencoder(&x[..]);
    type Plain = staticnets::trainer!((Dense<5, 4>, Dense<4, 5>), batch = 8, optimizer = sgd);
    let mut t: Box<Plain> = Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    t.config.parse("algo = sgd\nprox = 0.1").unwrap();
    let e = t.start(&data).unwrap_err();
    assert!(e.to_string().contains("prox: no reference weights"), "{e}");
    // a trainer without room for them says so, and changes nothing
    let before = t.net.clone();
    let e = t.set_reference(&before).unwrap_err();
    assert!(e.to_string().contains("keeps none"), "{e}");
    assert_eq!(t.net, before);
    // one with room refuses weights that are not finite
    type WithRef = staticnets::trainer!(
        (Dense<5, 4>, Dense<4, 5>),
        batch = 8,
        optimizer = sgd,
        reference
    );
    let mut u: Box<WithRef> = Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    let mut bad = before.clone();
    bad.tensor_mut(0).unwrap()[3] = f32::NAN;
    assert!(u.set_reference(&bad).is_err());
    u.config.parse("algo = sgd\nprox = 0.1").unwrap();
    assert!(u.start(&data).is_err(), "still no reference");
    u.set_reference(&before).unwrap();
    u.start(&data).unwrap();
}

/// Fine-tuning on other data: with a strong pull the weights end nearer the reference.
#[test]
fn a_strong_pull_keeps_the_weights_near_the_reference() {
    type T = staticnets::trainer!(
        (Dense<5, 4>, Dense<4, 5>),
        batch = 8,
        optimizer = adam,
        reference
    );
    let x: Vec<f32> = (0..5 * 64)
        .map(|k| ((k * 13 % 17) as f32 / 17.0) - 0.5)
        .collect();
    let data = Data::autoencoder(&x);
    let distance = |prox: &str| {
        let mut t: Box<T> = Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
        t.config
            .parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 8")
            .unwrap();
        t.start(&data).unwrap();
        let reference = t.net.clone();
        t.set_reference(&reference).unwrap();
        t.config.parse(prox).unwrap();
        t.restart(&data).unwrap();
        t.steps(&data, 300).unwrap();
        (0..4)
            .map(|i| {
                let (a, b) = (
                    t.net.tensor(i).unwrap().data,
                    reference.tensor(i).unwrap().data,
                );
                a.iter()
                    .zip(b)
                    .map(|(x, y)| ((x - y) as f64).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
    };
    let (free, pulled) = (distance("prox = 0"), distance("prox = 1"));
    assert!(
        pulled < 0.5 * free,
        "distance with prox {pulled}, without {free}"
    );
}

/// A reference read in place from a checkpoint gives the same bits as a copy in RAM; a
/// damaged or foreign checkpoint is refused and changes nothing.
#[test]
fn a_reference_read_in_place_from_a_checkpoint_is_the_copy_bit_for_bit() {
    type B5 = (Dense<5, 4>, Dense<4, 5>);
    type Copy = staticnets::trainer!(B5, batch = 8, optimizer = adam, reference);
    type InPlace = staticnets::trainer!(B5, batch = 8, optimizer = adam, reference_in_place);
    let x: Vec<f32> = (0..5 * 32)
        .map(|k| ((k * 13 % 17) as f32 / 17.0) - 0.5)
        .collect();
    let data = Data::autoencoder(&x);
    let mut a: Box<Copy> = Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    let mut b: Box<InPlace> = Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    for cfg in [&mut a.config, &mut b.config] {
        cfg.parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 8")
            .unwrap();
    }
    a.start(&data).unwrap();
    b.start(&data).unwrap();
    let mut file = vec![0u8; Network::<B5>::CHECKPOINT_BYTES];
    a.net.save(&mut file).unwrap();
    let file: &'static [u8] = Box::leak(file.into_boxed_slice());
    // refusals first: a damaged file, a trainer that cannot read in place
    let mut damaged = file.to_vec();
    damaged[40] ^= 1;
    assert!(
        b.set_reference_checkpoint(Box::leak(damaged.into_boxed_slice()))
            .is_err()
    );
    assert!(a.set_reference_checkpoint(file).is_err());
    let reference = a.net.clone();
    a.set_reference(&reference).unwrap();
    b.set_reference_checkpoint(file).unwrap();
    for t in [&mut a.config, &mut b.config] {
        t.parse("prox = 2").unwrap();
    }
    a.restart(&data).unwrap();
    b.restart(&data).unwrap();
    let (ra, rb) = (a.steps(&data, 50).unwrap(), b.steps(&data, 50).unwrap());
    assert_eq!(ra.regs[0].to_bits(), rb.regs[0].to_bits());
    assert!(ra.regs[0] > 0.0);
    for i in 0..4 {
        assert_eq!(
            a.net.tensor(i).unwrap().data,
            b.net.tensor(i).unwrap().data,
            "tensor {i}"
        );
    }
}
