//! `conv1`: its forward pass against an independent float64 computation (explicit zero
//! padding, PyTorch's definition), its gradients, through every regularizer that applies to
//! it, against central differences, the weight penalties' values against a closed form, and
//! `contractive` through it, its value against a Jacobian by finite differences (docs/contract.md,
//! "Decided for the layers that come next").

#[path = "common/objective.rs"]
mod objective;

use objective::{contractive_matches_finite_differences, gradient_error, spec};
use staticnets::conv1;
use staticnets::layers::{Activation, Activation::*, Corruptor, Dense, Layer, Layers};
use staticnets::losses::{Loss, Target};
use staticnets::network::{Network, Workspace};
use staticnets::train::{Batch, Penalties, evaluate};

/// `y[o, i] = b[o] + sum_c sum_k w[o, c, k] xp[c, i stride + k dil]` over the explicitly
/// zero-padded input `xp` (`floor((k - 1) / 2)` zeros before and the rest of `k - 1` after
/// for `same`), in f64.
#[allow(clippy::too_many_arguments)]
fn reference(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    (c, l, f, k): (usize, usize, usize, usize),
    stride: usize,
    dil: usize,
    same: bool,
) -> Vec<f64> {
    let (before, after) = if same {
        ((k - 1) / 2, k - 1 - (k - 1) / 2)
    } else {
        (0, 0)
    };
    let lp = l + before + after;
    let padded: Vec<Vec<f64>> = (0..c)
        .map(|ch| {
            let mut v = vec![0.0f64; lp];
            for p in 0..l {
                v[before + p] = x[ch * l + p] as f64;
            }
            v
        })
        .collect();
    let lo = (lp - dil * (k - 1) - 1) / stride + 1;
    let mut y = vec![0.0f64; f * lo];
    for o in 0..f {
        for i in 0..lo {
            let mut s = b[o] as f64;
            for (ch, xp) in padded.iter().enumerate() {
                for t in 0..k {
                    s += w[(o * c + ch) * k + t] as f64 * xp[i * stride + t * dil];
                }
            }
            y[o * lo + i] = s;
        }
    }
    y
}

fn filled<L: Layer>(layer: &mut L, seed: u64) {
    let mut rng = staticnets::rng::XorShift::new(seed);
    Layer::init(layer, &mut rng);
    if let Some(b) = Layer::tensor_mut(layer, 1) {
        for (k, v) in b.iter_mut().enumerate() {
            *v = 0.1 * k as f32 - 0.15;
        }
    }
}

fn forward_matches<L: Layer>(
    dims: (usize, usize, usize, usize),
    stride: usize,
    dil: usize,
    same: bool,
) {
    let mut layer = <L as Layer>::ZERO;
    filled(&mut layer, 3);
    let rows = 3;
    let x: Vec<f32> = (0..rows * <L as Layer>::NIN)
        .map(|k| ((k * 37 % 23) as f32 - 11.0) * 0.09)
        .collect();
    let net = Network::new(layer);
    let mut ws: Box<Workspace<L, 4, 0>> = Box::new(Workspace::new());
    net.forward(&x, rows, &mut ws, &mut Corruptor::off())
        .unwrap();
    let out = ws.output();
    let (w, b) = (net.tensor(0).unwrap().data, net.tensor(1).unwrap().data);
    for r in 0..rows {
        let want = reference(
            &x[r * <L as Layer>::NIN..(r + 1) * <L as Layer>::NIN],
            w,
            b,
            dims,
            stride,
            dil,
            same,
        );
        assert_eq!(want.len(), <L as Layer>::NOUT, "output length");
        for (k, (&got, &want)) in out[r * <L as Layer>::NOUT..(r + 1) * <L as Layer>::NOUT]
            .iter()
            .zip(&want)
            .enumerate()
        {
            assert!(
                (got as f64 - want).abs() <= 1e-5 * (1.0 + want.abs()),
                "row {r} output {k}: {got} vs float64 {want}"
            );
        }
    }
}

#[test]
fn forward_is_pytorchs_cross_correlation() {
    forward_matches::<conv1!(2, 11, 3, 3)>((2, 11, 3, 3), 1, 1, false);
    forward_matches::<conv1!(2, 11, 3, 3, stride = 2, dilation = 2)>((2, 11, 3, 3), 2, 2, false);
    forward_matches::<conv1!(3, 9, 2, 4, padding = same)>((3, 9, 2, 4), 1, 1, true);
    forward_matches::<conv1!(1, 16, 4, 5, dilation = 3, padding = same)>((1, 16, 4, 5), 1, 3, true);
    forward_matches::<conv1!(1, 20, 2, 6, stride = 3)>((1, 20, 2, 6), 3, 1, false);
}

/// A dense layer before the convolution (so its input gradient is checked through the
/// dense layer's weights), and a dense read-out after it.
type Strided = conv1!(2, 11, 3, 3, stride = 2, dilation = 2); // 3 filters x 4 positions
type Same = conv1!(2, 11, 3, 4, padding = same); // 3 x 11

fn body<C: Layers, const N: usize>(
    conv: C,
    last: Activation,
) -> Network<(Dense<5, 22>, C, Dense<N, 5>)>
where
    (Dense<5, 22>, C, Dense<N, 5>): Layers,
{
    let mut n = Network::new((Dense::new(Tanh), conv, Dense::new(last)));
    n.init(7);
    for i in 0..<(Dense<5, 22>, C, Dense<N, 5>) as Layers>::TENSORS {
        let t = n.tensor_mut(i).unwrap();
        if t.len() <= 22 {
            for (k, v) in t.iter_mut().enumerate() {
                *v = 0.05 * (k as f32 - 1.7);
            }
        }
    }
    n
}

#[test]
fn gradients_through_the_convolution_with_each_regularizer() {
    let cases = [
        vec![],
        vec![spec("weight_l2", "0.5")],
        vec![spec("weight_l1", "0.5")],
        vec![spec("weight_l2", "0.5 @ hid2.w")],
        vec![spec("hidden_l1", "0.5 @ hid2:out")],
        vec![spec("hidden_l1", "0.5 @ hid2:pre")],
        vec![spec("hidden_noise", "0.2")],
        vec![spec("hidden_dropout", "0.3")],
        vec![spec("input_noise", "0.2"), spec("input_dropout", "0.2")],
    ];
    for specs in &cases {
        for (name, (w, above)) in [
            (
                "strided",
                gradient_error::<_, 0>(body::<_, 12>(Strided::new(Tanh), Linear), specs),
            ),
            (
                "same",
                gradient_error::<_, 0>(body::<_, 33>(Same::new(Softplus), Sigmoid), specs),
            ),
        ] {
            assert!(
                w < 2e-2 && above == 0,
                "{name} {specs:?}: max relative error {w}"
            );
        }
    }
}

#[test]
fn weight_penalties_cover_the_filters_and_not_the_biases() {
    let n = body::<_, 12>(Strided::new(Tanh), Linear);
    // weight_l2 = mean over the three weight tensors of mean(w^2), in f64 from the values
    let mean_sq = |i: usize| {
        let d = n.tensor(i).unwrap().data;
        d.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / d.len() as f64
    };
    let want = (mean_sq(0) + mean_sq(2) + mean_sq(4)) / 3.0;
    let x = [0.1f32; 5];
    let mut ws: Box<Workspace<_, 4, 0>> = Box::new(Workspace::new());
    let mut c = Corruptor::off();
    let pens = Penalties::resolve::<_, 4, 0>(&[spec("weight_l2", "1")], &n, &mut c, 0).unwrap();
    let batch = Batch {
        x: &x,
        rows: 1,
        target: Target::Values(&x),
        weights: None,
    };
    let t = evaluate(&n, &mut ws, None, batch, Loss::Mse, &pens, &[], &mut c).unwrap();
    assert!(
        (t.regs[0] - want).abs() <= 1e-6 * want,
        "{} vs {want}",
        t.regs[0]
    );
    assert_eq!(n.tensor_name(2).as_str(), "hid2.w");
    assert_eq!(n.tensor_name(3).as_str(), "hid2.b");
}

/// `contractive` on the convolution's output: its value is the mean over rows of
/// `||d h / d x||_F^2`, here against a Jacobian taken by central differences of the forward
/// pass in f64 (not the Jacobian code under test); and its gradient against central
/// differences of the objective, through the convolution and after it.
/// `contractive` through and after the convolution: its value against a Jacobian by finite
/// differences, its gradient against central differences of the objective, strided and
/// dilated, and with padding `same`.
#[test]
fn contractive_through_a_convolution_is_exact() {
    contractive_matches_finite_differences::<_, 5>(&body::<_, 12>(Strided::new(Tanh), Linear), 2);
    contractive_matches_finite_differences::<_, 5>(&body::<_, 33>(Same::new(Softplus), Sigmoid), 2);
    for specs in [
        vec![spec("contractive", "0.3 @ hid2:out")],
        vec![spec("contractive", "0.3 @ out:out")],
    ] {
        let (w, above) = gradient_error::<_, 5>(body::<_, 12>(Strided::new(Tanh), Linear), &specs);
        assert!(w < 2e-2 && above == 0, "{specs:?}: max relative error {w}");
        let (w, above) =
            gradient_error::<_, 5>(body::<_, 33>(Same::new(Softplus), Sigmoid), &specs);
        assert!(
            w < 2e-2 && above == 0,
            "same, {specs:?}: max relative error {w}"
        );
    }
}

#[test]
fn a_bad_size_does_not_compile_and_the_type_says_its_sizes() {
    // (`conv1!(1, 4, 1, 9)`, a kernel longer than the signal, fails in `new`'s const check)
    assert_eq!(<Strided as Layers>::NIN, 22);
    assert_eq!(<Strided as Layers>::NOUT, 12);
    assert_eq!(<Same as Layers>::NOUT, 33);
    assert_eq!(<Same as Layers>::PARAMS, 3 * 2 * 4 + 3);
}
