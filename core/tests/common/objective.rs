//! What the layer tests share: the whole objective's gradient against central differences
//! for a network and its penalties, and `contractive`'s value against a Jacobian taken by
//! central differences of the forward pass (neither uses the code under test's own
//! derivatives).

use staticnets::gradcheck::{Settings, check_params};
use staticnets::layers::{Corruptor, Layers};
use staticnets::losses::{Loss, Target};
use staticnets::network::{Network, Workspace};
use staticnets::regularizers::RegSpec;
use staticnets::train::{Batch, Penalties, evaluate};

/// A penalty as a configuration line gives it: `spec("hidden_l1", "0.5 @ hid2:out")`.
pub fn spec(key: &str, value: &str) -> RegSpec {
    RegSpec::parse(key, value).unwrap()
}

/// Three rows of fixed inputs and targets for `L`.
fn batch_data<L: Layers>() -> (Vec<f32>, Vec<f32>) {
    let x = (0..3 * L::NIN)
        .map(|k| ((k * 7 % 11) as f32 - 5.0) * 0.15)
        .collect();
    let y = (0..3 * L::NOUT)
        .map(|k| ((k % 5) as f32) * 0.2 - 0.3)
        .collect();
    (x, y)
}

/// The mse objective with `specs` (noise and dropout masks replayed for every evaluation),
/// Jacobian buffers `JD` wide: the largest relative error of its gradient against central
/// differences (h = 1e-3, floor 1e-2), and how many coordinates exceed 2e-2.
pub fn gradient_error<L: Layers, const JD: usize>(
    mut n: Network<L>,
    specs: &[RegSpec],
) -> (f64, usize) {
    let (x, y) = batch_data::<L>();
    let mut ws: Box<Workspace<L, 4, JD>> = Box::new(Workspace::new());
    let mut c = Corruptor::off();
    let pens = Penalties::resolve::<L, 4, JD>(specs, &n, &mut c, 0).expect("resolve");
    c.active = true;
    let batch = Batch {
        x: &x,
        rows: 3,
        target: Target::Values(&y),
        weights: None,
    };
    let mut grads = Network::<L>::zero();
    let loss = Loss::Mse;
    evaluate(
        &n,
        &mut ws,
        Some(&mut grads),
        batch,
        loss,
        &pens,
        &[],
        &mut c.clone(),
    )
    .unwrap();
    let s = Settings {
        floor: 1e-2,
        tol: 2e-2,
        ..Default::default()
    };
    let r = check_params(&mut n, &grads, &s, |n| {
        evaluate(n, &mut ws, None, batch, loss, &pens, &[], &mut c.clone())
            .unwrap()
            .loss
    });
    if r.above > 0 {
        eprintln!(
            "{} of {} above; worst {} [{}]: numeric {:.6} analytic {:.6}",
            r.above,
            r.checked,
            r.worst.as_str(),
            r.worst_index,
            r.numeric,
            r.analytic
        );
    }
    (r.max_rel_error, r.above)
}

/// `contractive`'s value on layer `k`'s output (`Jacobian buffers `JD = NIN` wide) against
/// the mean over rows of `||d h / d x||_F^2` with the Jacobian by central differences of the
/// clean forward pass in f64; panics if they differ by more than 1e-3 relative.
pub fn contractive_matches_finite_differences<N: Layers, const JD: usize>(
    n: &Network<N>,
    k: usize,
) {
    let (x, y) = batch_data::<N>();
    let mut ws: Box<Workspace<N, 4, JD>> = Box::new(Workspace::new());
    let mut c = Corruptor::off();
    let target = format!(
        "1 @ {}:out",
        if k == N::LAYERS {
            "out".to_string()
        } else {
            format!("hid{k}")
        }
    );
    let pens =
        Penalties::resolve::<N, 4, JD>(&[spec("contractive", &target)], n, &mut c, 0).unwrap();
    let batch = Batch {
        x: &x,
        rows: 3,
        target: Target::Values(&y),
        weights: None,
    };
    let got = evaluate(n, &mut ws, None, batch, Loss::Mse, &pens, &[], &mut c)
        .unwrap()
        .regs[0];
    let out = |x: &[f32]| -> Vec<f64> {
        let mut ws: Box<Workspace<N, 4, JD>> = Box::new(Workspace::new());
        n.forward(x, 1, &mut ws, &mut Corruptor::off()).unwrap();
        ws.view(n, k)
            .unwrap()
            .out
            .iter()
            .map(|&v| v as f64)
            .collect()
    };
    let h = 1e-3f32;
    let mut want = 0.0f64;
    for row in x.chunks_exact(N::NIN) {
        for i in 0..N::NIN {
            let (mut up, mut down) = (row.to_vec(), row.to_vec());
            up[i] += h;
            down[i] -= h;
            for (a, b) in out(&up).iter().zip(out(&down)) {
                want += ((a - b) / (2.0 * h as f64)).powi(2);
            }
        }
    }
    want /= 3.0;
    assert!(
        (got - want).abs() <= 1e-3 * want,
        "contractive {got} vs finite differences {want}"
    );
}
