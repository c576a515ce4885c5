//! `conv2` and `pool2`: forward passes against independent float64 computations (explicit
//! zero padding, PyTorch's definitions), gradients through both, with the penalties, against
//! central differences, `contractive` through conv2 (its value against a Jacobian by finite
//! differences) and refused by name through max pooling.

use staticnets::layers::{Activation::*, Corruptor, Dense, Layer};
use staticnets::network::{Network, Workspace};
use staticnets::train::Penalties;
use staticnets::{conv2, pool2};

#[path = "common/objective.rs"]
mod objective;

use objective::{contractive_matches_finite_differences, gradient_error, spec};

/// PyTorch's Conv2d (square stride, padding `same` as PyTorch pads) on one example, in f64.
#[allow(clippy::too_many_arguments)]
fn conv_reference(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    (c, h, wd, f, kh, kw): (usize, usize, usize, usize, usize, usize),
    stride: usize,
    same: bool,
) -> Vec<f64> {
    let pads = |k: usize| {
        if same {
            ((k - 1) / 2, k - 1 - (k - 1) / 2)
        } else {
            (0, 0)
        }
    };
    let ((t0, t1), (l0, l1)) = (pads(kh), pads(kw));
    let (hp, wp) = (h + t0 + t1, wd + l0 + l1);
    let mut xp = vec![0.0f64; c * hp * wp];
    for ch in 0..c {
        for y in 0..h {
            for xx in 0..wd {
                xp[(ch * hp + y + t0) * wp + xx + l0] = x[(ch * h + y) * wd + xx] as f64;
            }
        }
    }
    let (ho, wo) = ((hp - kh) / stride + 1, (wp - kw) / stride + 1);
    let mut out = vec![0.0f64; f * ho * wo];
    for o in 0..f {
        for i in 0..ho {
            for j in 0..wo {
                let mut s = b[o] as f64;
                for ch in 0..c {
                    for a in 0..kh {
                        for bb in 0..kw {
                            let wv = w[((o * c + ch) * kh + a) * kw + bb] as f64;
                            s += wv * xp[(ch * hp + i * stride + a) * wp + j * stride + bb];
                        }
                    }
                }
                out[(o * ho + i) * wo + j] = s;
            }
        }
    }
    out
}

fn pool_reference(
    x: &[f32],
    c: usize,
    h: usize,
    w: usize,
    ph: usize,
    pw: usize,
    max: bool,
) -> Vec<f64> {
    let mut out = Vec::new();
    for ch in 0..c {
        for i in 0..h / ph {
            for j in 0..w / pw {
                let vals: Vec<f64> = (0..ph * pw)
                    .map(|k| x[(ch * h + i * ph + k / pw) * w + j * pw + k % pw] as f64)
                    .collect();
                out.push(if max {
                    vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                } else {
                    vals.iter().sum::<f64>() / vals.len() as f64
                });
            }
        }
    }
    out
}

fn outputs<L: Layer>(layer: L, rows: usize) -> (Vec<f32>, Vec<f32>, Network<L>) {
    let x: Vec<f32> = (0..rows * <L as Layer>::NIN)
        .map(|k| ((k * 37 % 23) as f32 - 11.0) * 0.09)
        .collect();
    let mut net = Network::new(layer);
    net.init(3);
    if let Some(b) = net.tensor_mut(1) {
        for (k, v) in b.iter_mut().enumerate() {
            *v = 0.1 * k as f32 - 0.15;
        }
    }
    let mut ws: Box<Workspace<L, 4, 0>> = Box::new(Workspace::new());
    net.forward(&x, rows, &mut ws, &mut Corruptor::off())
        .unwrap();
    (x, ws.output().to_vec(), net)
}

fn close(got: &[f32], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (&g, &e)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - e).abs() <= 1e-5 * (1.0 + e.abs()),
            "{what} [{k}]: {g} vs float64 {e}"
        );
    }
}

fn conv_matches<L: Layer>(
    layer: L,
    dims: (usize, usize, usize, usize, usize, usize),
    stride: usize,
    same: bool,
) {
    let rows = 2;
    let (x, y, net) = outputs(layer, rows);
    let (nin, nout) = (<L as Layer>::NIN, <L as Layer>::NOUT);
    let (w, b) = (net.tensor(0).unwrap().data, net.tensor(1).unwrap().data);
    for r in 0..rows {
        let want = conv_reference(&x[r * nin..(r + 1) * nin], w, b, dims, stride, same);
        close(&y[r * nout..(r + 1) * nout], &want, "conv2");
    }
}

#[test]
fn conv2_is_pytorchs_cross_correlation() {
    conv_matches(
        <conv2!(1, 8, 8, 3, 3, 3)>::new(Linear),
        (1, 8, 8, 3, 3, 3),
        1,
        false,
    );
    conv_matches(
        <conv2!(2, 7, 9, 3, 3, 2, stride = 2)>::new(Linear),
        (2, 7, 9, 3, 3, 2),
        2,
        false,
    );
    conv_matches(
        <conv2!(2, 6, 5, 2, 4, 3, padding = same)>::new(Linear),
        (2, 6, 5, 2, 4, 3),
        1,
        true,
    );
}

#[test]
fn pool2_is_max_or_mean_over_whole_windows() {
    for max in [true, false] {
        let rows = 2;
        let (x, y) = if max {
            let (x, y, _) = outputs(<pool2!(2, 7, 6, 2, 3, max)>::new(Linear), rows);
            (x, y)
        } else {
            let (x, y, _) = outputs(<pool2!(2, 7, 6, 2, 3, mean)>::new(Linear), rows);
            (x, y)
        };
        let (nin, nout) = (2 * 7 * 6, 2 * 3 * 2);
        for r in 0..rows {
            let want = pool_reference(&x[r * nin..(r + 1) * nin], 2, 7, 6, 2, 3, max);
            close(
                &y[r * nout..(r + 1) * nout],
                &want,
                if max { "max" } else { "mean" },
            );
        }
    }
}

type Conv = conv2!(2, 6, 6, 3, 3, 3); // 3 x 4 x 4
type Max = pool2!(3, 4, 4, 2, 2, max); // 3 x 2 x 2
type Mean = pool2!(3, 4, 4, 2, 2, mean);
type Same = conv2!(2, 6, 6, 2, 3, 4, padding = same); // 2 x 6 x 6, padding above and left

#[test]
fn gradients_through_conv2_and_pool2_with_each_penalty() {
    let cases = [
        vec![],
        vec![spec("weight_l2", "0.5")],
        vec![spec("weight_l1", "0.5 @ hid2.w")],
        vec![spec("hidden_l1", "0.5 @ hid2:out")],
        vec![spec("hidden_l1", "0.5 @ hid3:out")],
        vec![spec("hidden_noise", "0.2")],
        vec![spec("hidden_dropout", "0.3")],
    ];
    for specs in &cases {
        let mut max = Network::new((
            Dense::<4, 72>::new(Tanh),
            Conv::new(Tanh),
            Max::new(Linear),
            Dense::<12, 3>::new(Linear),
        ));
        max.init(3);
        let mut mean = Network::new((
            Dense::<4, 72>::new(Tanh),
            Conv::new(Softplus),
            Mean::new(Tanh),
            Dense::<12, 3>::new(Sigmoid),
        ));
        mean.init(4);
        let mut same = Network::new((
            Dense::<4, 72>::new(Tanh),
            Same::new(Softplus),
            Dense::<72, 3>::new(Linear),
        ));
        same.init(5);
        // (the third network has no hid3: it runs the cases that do not name it)
        let third = !format!("{specs:?}").contains("hid3");
        let mut runs = vec![
            ("conv2 + max pool2", gradient_error::<_, 0>(max, specs)),
            ("conv2 + mean pool2", gradient_error::<_, 0>(mean, specs)),
        ];
        if third {
            runs.push(("conv2 same", gradient_error::<_, 0>(same, specs)));
        }
        for (name, (w, above)) in runs {
            assert!(
                w < 2e-2 && above == 0,
                "{name} {specs:?}: max relative error {w}, {above} above"
            );
        }
    }
}

/// `contractive` through conv2 is exact (gradient against central differences, value
/// against a Jacobian by finite differences); through max pooling it is refused by name.
#[test]
fn contractive_through_conv2_and_not_through_max_pooling() {
    type N = (Dense<4, 72>, Same, Dense<72, 3>);
    let mut n: Network<N> =
        Network::new((Dense::new(Tanh), Same::new(Softplus), Dense::new(Linear)));
    n.init(5);
    contractive_matches_finite_differences::<N, 4>(&n, 2);
    // the gradient
    let (w, above) = gradient_error::<N, 4>(n.clone(), &[spec("contractive", "0.3 @ out:out")]);
    assert!(w < 2e-2 && above == 0, "max relative error {w}");
    // through max pooling: refused by name
    let m = Network::new((
        Dense::<4, 72>::new(Tanh),
        Conv::new(Tanh),
        Max::new(Linear),
        Dense::<12, 3>::new(Linear),
    ));
    let mut c = Corruptor::off();
    let e = Penalties::resolve::<_, 4, 4>(&[spec("contractive", "0.1 @ hid3:out")], &m, &mut c, 0)
        .unwrap_err();
    assert!(e.to_string().contains("without a Jacobian"), "{e}");
}
