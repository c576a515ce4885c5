//! `pool1`: max and mean pooling against an independent float64 computation, the gradient
//! through it (with the layers around it and the regularizers on its output) against central
//! differences, and the tie rule: the first maximum in scan order takes the gradient.

use staticnets::layers::{Activation::*, Corruptor, Dense, Layers};
use staticnets::losses::{Loss, Target};
use staticnets::network::{Network, Workspace};
use staticnets::train::{Batch, Penalties, evaluate};
use staticnets::{conv1, pool1};

#[path = "common/objective.rs"]
#[allow(dead_code)] // (its contractive check: pooling has no Jacobian)
mod objective;

use objective::{gradient_error, spec};

/// Max or mean over windows of `w` (a partial last window dropped), per channel, in f64.
fn reference(x: &[f32], c: usize, l: usize, w: usize, max: bool) -> Vec<f64> {
    let lo = l / w;
    let mut y = Vec::new();
    for ch in 0..c {
        for i in 0..lo {
            let win: Vec<f64> = (0..w).map(|j| x[ch * l + i * w + j] as f64).collect();
            y.push(if max {
                win.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            } else {
                win.iter().sum::<f64>() / w as f64
            });
        }
    }
    y
}

fn forward_matches<L: Layers>(layer: L, c: usize, l: usize, w: usize, max: bool) {
    let rows = 2;
    let x: Vec<f32> = (0..rows * L::NIN)
        .map(|k| ((k * 29 % 17) as f32 - 8.0) * 0.11)
        .collect();
    let net = Network::new(layer);
    let mut ws: Box<Workspace<L, 4, 0>> = Box::new(Workspace::new());
    net.forward(&x, rows, &mut ws, &mut Corruptor::off())
        .unwrap();
    for r in 0..rows {
        let want = reference(&x[r * L::NIN..(r + 1) * L::NIN], c, l, w, max);
        let got = &ws.output()[r * L::NOUT..(r + 1) * L::NOUT];
        assert_eq!(want.len(), got.len());
        for (k, (&g, &e)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g as f64 - e).abs() <= 1e-6 * (1.0 + e.abs()),
                "row {r} [{k}]: {g} vs {e}"
            );
        }
    }
}

#[test]
fn forward_is_max_or_mean_over_whole_windows() {
    forward_matches(<pool1!(3, 10, 2, max)>::new(Linear), 3, 10, 2, true);
    forward_matches(<pool1!(3, 10, 2, mean)>::new(Linear), 3, 10, 2, false);
    forward_matches(<pool1!(2, 11, 3, max)>::new(Linear), 2, 11, 3, true); // 2 samples dropped
    forward_matches(<pool1!(2, 11, 3, mean)>::new(Linear), 2, 11, 3, false);
}

type Conv = conv1!(2, 11, 3, 3); // 3 x 9
type Max = pool1!(3, 9, 2, max); // 3 x 4
type Mean = pool1!(3, 9, 3, mean); // 3 x 3

#[test]
fn gradients_through_pooling_with_the_penalties_on_its_output() {
    let cases = [
        vec![],
        vec![spec("hidden_l1", "0.5 @ hid3:out")],
        vec![spec("weight_l2", "0.5")],
        vec![spec("hidden_noise", "0.2")],
        vec![spec("hidden_dropout", "0.3")],
    ];
    for specs in &cases {
        let mut max = Network::new((
            Dense::<5, 22>::new(Tanh),
            Conv::new(Tanh),
            Max::new(Linear),
            Dense::<12, 4>::new(Linear),
        ));
        max.init(3);
        let mut mean = Network::new((
            Dense::<5, 22>::new(Tanh),
            Conv::new(Softplus),
            Mean::new(Tanh),
            Dense::<9, 4>::new(Sigmoid),
        ));
        mean.init(4);
        for (name, (w, above)) in [
            ("max", gradient_error::<_, 0>(max, specs)),
            ("mean", gradient_error::<_, 0>(mean, specs)),
        ] {
            assert!(
                w < 2e-2 && above == 0,
                "{name} {specs:?}: max relative error {w}, {above} above"
            );
        }
    }
}

#[test]
fn a_tie_sends_the_gradient_to_the_first_maximum() {
    // one channel, windows of 3: [1, 5, 5] -> 5 (first at 1), [2, 2, 2] -> 2 (first at 0)
    type P = pool1!(1, 6, 3, max);
    type Body = (Dense<6, 6>, P, Dense<2, 1>);
    let mut n = Network::new((Dense::new(Linear), P::new(Linear), Dense::new(Linear)));
    // identity first layer, so the pooled input is x itself
    let w = n.tensor_mut(0).unwrap();
    w.fill(0.0);
    for k in 0..6 {
        w[k * 6 + k] = 1.0;
    }
    n.tensor_mut(2).unwrap().copy_from_slice(&[1.0, 1.0]);
    let x = [1.0f32, 5.0, 5.0, 2.0, 2.0, 2.0];
    let mut ws: Box<Workspace<Body, 1, 0>> = Box::new(Workspace::new());
    let pens = Penalties::default();
    let batch = Batch {
        x: &x,
        rows: 1,
        target: Target::Values(&[0.0]),
        weights: None,
    };
    let mut grads = Network::<Body>::zero();
    let mut c = Corruptor::off();
    evaluate(
        &n,
        &mut ws,
        Some(&mut grads),
        batch,
        Loss::Mse,
        &pens,
        &[],
        &mut c,
    )
    .unwrap();
    // d loss / d out = 2 * 7; the first layer's weight gradient row k is x * dx[k]
    let g = grads.tensor(1).unwrap().data; // the first layer's bias gradient = dx
    assert_eq!(g, &[0.0, 14.0, 0.0, 14.0, 0.0, 0.0]);
}

#[test]
fn contractive_through_pooling_is_refused_by_name() {
    let n = Network::new((
        Dense::<5, 22>::new(Tanh),
        Conv::new(Tanh),
        Max::new(Linear),
        Dense::<12, 4>::new(Linear),
    ));
    let mut c = Corruptor::off();
    let e = Penalties::resolve::<_, 4, 5>(&[spec("contractive", "0.1 @ hid3:out")], &n, &mut c, 0)
        .unwrap_err();
    assert!(e.to_string().contains("without a Jacobian"), "{e}");
}
