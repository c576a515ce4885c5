//! A layer of a user's own, written outside the crate against the public `Layer` trait in
//! one short impl: an elementwise gain `pre = x * s + b`, `out = act(pre)`. It stands in a
//! tuple between dense layers, its gradient (with dropout on it and penalties on its
//! outputs and parameters) agrees with finite differences, a trainer trains it, and, having
//! no Jacobian, `contractive` through it is refused by name while `contractive` on the
//! layer before it works.

use staticnets::Error;
use staticnets::gradcheck::{Settings, check_params};
use staticnets::layers::{
    Activation, Activation::*, Arch, Corruptor, Dense, Dim, Layer, LayerBuf, Layers, NoJacobian,
    ParamKind, Tensor,
};
use staticnets::losses::{Loss, Target};
use staticnets::network::{Network, Workspace};
use staticnets::regularizers::RegSpec;
use staticnets::rng::XorShift;
use staticnets::train::{Batch, Data, Penalties, Trainer, evaluate};

/// `pre[r, j] = x[r, j] s[j] + b[j]`, `out = act(pre)`; parameters `s` (the gain, starts at
/// 1) and `b`.
///
/// Backward: `d_pre = act'(pre) (mask d_out)` (the buffers' own step), then
/// `ds[j] += sum_r x[r, j] d_pre[r, j]`, `db[j] += sum_r d_pre[r, j]`,
/// `dx[r, j] += s[j] d_pre[r, j]`.
#[derive(Clone, Debug, PartialEq)]
struct Gain<const N: usize> {
    s: [f32; N],
    b: [f32; N],
    act: Activation,
}

impl<const N: usize> Layer for Gain<N> {
    type Input = Dim<N>;
    type Output = Dim<N>;
    const NIN: usize = N;
    const NOUT: usize = N;
    const TENSORS: usize = 2;
    const PARAMS: usize = 2 * N;
    const ZERO: Self = Gain {
        s: [0.0; N],
        b: [0.0; N],
        act: Linear,
    };
    type Buf<const B: usize> = LayerBuf<B, N>;
    type Jacobian = NoJacobian;

    fn init(&mut self, _rng: &mut XorShift) {
        (self.s, self.b) = ([1.0; N], [0.0; N]);
    }
    fn describe(&self, arch: &mut Arch) {
        arch.layer("gain", &[N], self.act);
    }
    fn activation(&self) -> Activation {
        self.act
    }
    fn set_activation(&mut self, act: Activation) -> bool {
        self.act = act;
        true
    }
    fn tensor(&self, i: usize, layer0: usize) -> Option<Tensor<'_>> {
        let (kind, data) = match i {
            0 => (ParamKind::Weight, &self.s[..]),
            1 => (ParamKind::Bias, &self.b[..]),
            _ => return None,
        };
        Some(Tensor {
            layer: layer0,
            kind,
            rows: 1,
            cols: N,
            data,
        })
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        [&mut self.s[..], &mut self.b[..]].into_iter().nth(i)
    }
    fn forward<const B: usize>(&self, x: &[f32], rows: usize, buf: &mut LayerBuf<B, N>) {
        buf.rows = rows;
        for (pre, xr) in buf.pre.iter_mut().zip(x.chunks_exact(N)).take(rows) {
            for (j, p) in pre.iter_mut().enumerate() {
                *p = xr[j] * self.s[j] + self.b[j];
            }
        }
        buf.activate(self.act);
    }
    fn backward<const B: usize>(
        &self,
        x: &[f32],
        buf: &mut LayerBuf<B, N>,
        grads: &mut Self,
        dx: &mut [f32],
    ) {
        buf.backward_activation(self.act);
        for r in 0..buf.rows {
            for j in 0..N {
                let d = buf.d_pre[r][j];
                grads.s[j] += x[r * N + j] * d;
                grads.b[j] += d;
                if !dx.is_empty() {
                    dx[r * N + j] += self.s[j] * d;
                }
            }
        }
    }
}

type Body = (Dense<5, 4>, Gain<4>, Dense<4, 5>);

fn body() -> Body {
    (
        Dense::new(Tanh),
        Gain {
            act: Sigmoid,
            ..<Gain<4> as Layer>::ZERO
        },
        Dense::new(Linear),
    )
}

#[test]
fn a_users_layer_has_the_gradient_of_its_objective() {
    let mut n = Network::new(body());
    n.init(3);
    // a gain and bias away from 1 and 0, so every term is exercised
    n.body.1.s = [0.7, -1.2, 1.5, 0.4];
    n.body.1.b = [0.1, -0.2, 0.3, 0.05];
    let x: [f32; 15] = core::array::from_fn(|k| ((k * 7 % 11) as f32 - 5.0) * 0.15);
    let specs = [
        RegSpec::new("weight_l2", 0.3).unwrap(),
        RegSpec::parse("hidden_l1", "0.5 @ hid2:out").unwrap(),
        RegSpec::parse("hidden_l1", "0.4 @ hid2:pre").unwrap(),
        RegSpec::parse("dropout", "0.3 @ hid2:out").unwrap(),
        RegSpec::parse("contractive", "0.2 @ hid1:out").unwrap(),
    ];
    let mut ws: Box<Workspace<Body, 4, 5>> = Box::new(Workspace::new());
    let mut c = Corruptor::off();
    let pens = Penalties::resolve::<Body, 4, 5>(&specs, &n, &mut c, 0).unwrap();
    c.active = true;
    let batch = Batch {
        x: &x,
        rows: 3,
        target: Target::Values(&x),
        weights: None,
    };
    let mut grads = Network::<Body>::zero();
    let mut c1 = c.clone();
    evaluate(
        &n,
        &mut ws,
        Some(&mut grads),
        batch,
        Loss::Mse,
        &pens,
        &[],
        &mut c1,
    )
    .unwrap();
    // the dropout mask drawn on the gain's outputs: some dropped, some kept
    let mask = ws.view(&n, 2).unwrap().mask.unwrap().to_vec();
    assert!(
        mask.contains(&0.0) && mask.iter().any(|&m| m > 1.0),
        "{mask:?}"
    );
    let s = Settings {
        floor: 1e-2,
        tol: 2e-2,
        ..Default::default()
    };
    let r = check_params(&mut n, &grads, &s, |n| {
        // the same mask every evaluation: the generator state replayed
        evaluate(
            n,
            &mut ws,
            None,
            batch,
            Loss::Mse,
            &pens,
            &[],
            &mut c.clone(),
        )
        .unwrap()
        .loss
    });
    assert!(r.max_rel_error < 2e-2, "{r:?}");
    // the gain's own parameters are among those checked and have a gradient
    assert!(
        grads.body.1.s.iter().all(|g| g.abs() > 0.0),
        "{:?}",
        grads.body.1.s
    );
}

#[test]
fn a_trainer_trains_it_and_refuses_contractive_through_it() {
    let x: Vec<f32> = (0..64 * 5)
        .map(|k| ((k * 13 % 17) as f32 / 17.0) - 0.5)
        .collect();
    let data = Data::autoencoder(&x);
    let mut t: Box<Trainer<Body, 16, 5, 2>> = Box::new(Trainer::new(body()));
    t.config
        .parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 16\ncontractive = 0.1")
        .unwrap();
    // a stack knows it has a layer without a Jacobian (`trainer!(.., contractive)` would not
    // build: see train::capacity's compile_fail example)
    const { assert!(!<Body as Layers>::JACOBIANS && <(Dense<5, 4>, Dense<4, 5>) as Layers>::JACOBIANS) };
    // contractive's default targets are every hidden :out, hid2 (the gain) among them
    let e = t.start(&data).unwrap_err();
    assert_eq!(
        e,
        Error::BadValue {
            name: "contractive through a layer without a Jacobian (convolution and pooling have none yet; a layer of your own declares its Layer::Jacobian)"
        }
    );
    assert!(!t.is_started());
    t.config
        .parse("contractive = 0.1 @ hid1:out\ninput_noise = 0.05")
        .unwrap();
    t.start(&data).unwrap();
    let first = t.validate(&data).unwrap().loss;
    t.steps(&data, 200).unwrap();
    let last = t.validate(&data).unwrap().loss;
    assert!(last < 0.5 * first, "{first} -> {last}");
    // and checkpoints know it by its description
    let mut file = vec![0u8; Network::<Body>::CHECKPOINT_BYTES];
    t.net.save(&mut file).unwrap();
    let mut other = Network::new(body());
    other.load(&file).unwrap();
    assert_eq!(other, t.net);
}
