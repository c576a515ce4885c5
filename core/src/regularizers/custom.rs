//! Custom regularizers, and a finite-difference checker for any regularizer's gradient.
//!
//! A custom regularizer implements [`Regularizer`]: a name, its loss and its gradient, over a
//! read-only view of the network's parameters and outputs by name and shape. The theanets
//! documentation's example penalizes the inverse squared length of every weight column,
//! `R = sum_{W 2-D} sum_j 1 / sum_i W_ij^2`, so that sparsity cannot drive features to zero:
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense, Layers, ParamKind, Tied};
//! use staticnets::network::{Network, Workspace};
//! use staticnets::regularizers::{check_gradient, NetGrads, NetView, Regularizer};
//!
//! struct WeightInverse;
//!
//! impl Regularizer for WeightInverse {
//!     fn name(&self) -> &str { "weightinverse" }
//!     fn loss(&self, net: &dyn NetView) -> f64 {
//!         let mut r = 0.0;
//!         for t in (0..net.tensors()).filter_map(|i| net.tensor(i)).filter(|t| t.kind == ParamKind::Weight) {
//!             for j in 0..t.cols {
//!                 let s: f64 = (0..t.rows).map(|i| (t.data[i * t.cols + j] as f64).powi(2)).sum();
//!                 r += 1.0 / s;
//!             }
//!         }
//!         r
//!     }
//!     fn grad(&self, net: &mut dyn NetGrads, weight: f32) {
//!         for i in 0..net.tensors() {
//!             let Some((t, g)) = net.tensor_grad(i) else { continue };
//!             if t.kind != ParamKind::Weight { continue; }
//!             for j in 0..t.cols {
//!                 let s: f32 = (0..t.rows).map(|i| t.data[i * t.cols + j].powi(2)).sum();
//!                 for i in 0..t.rows {  // d(1/s)/dw = -2 w / s^2
//!                     g[i * t.cols + j] -= weight * 2.0 * t.data[i * t.cols + j] / (s * s);
//!                 }
//!             }
//!         }
//!     }
//! }
//!
//! // theanets.Autoencoder([4, (8, 'linear'), (4, 'tied')])
//! type Body = Tied<4, 8>;
//! let mut net = Network::new(Tied::new(Dense::new(Linear), staticnets::layers::Identity, Linear));
//! net.init(13);
//! let mut ws = Workspace::<Body, 4, 0>::new();
//! let x = [0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
//! let check = check_gradient(&WeightInverse, &mut net, &mut ws, &x, 2).unwrap();
//! assert!(check.max_rel_error < 1e-2, "{check:?}");
//!
//! // Given to a trainer, its name is registered: a configuration can say `weightinverse = 0.001`. Trained
//! // with a strong weight_l1, the shortest weight column collapses; weightinverse keeps it.
//! use staticnets::train::{Data, Trainer};
//! let x: Vec<f32> = (0..64 * 4).map(|k| ((k * 7 % 13) as f32 / 13.0) - 0.5).collect();
//! let data = Data::autoencoder(&x);
//! let shortest_column = |with: bool| {
//!     let mut t: Box<Trainer<Body, 16, 0, 2>> = Box::new(Trainer::new(net.body.clone()));
//!     t.add_regularizer(&WeightInverse).unwrap();
//!     t.config.parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 16\nmax_updates = 100\nweight_l1 = 0.05").unwrap();
//!     // (a weight of 0 would remove it: without it is the same as `weightinverse = 0`)
//!     if with {
//!         t.config.parse("weightinverse = 0.001").unwrap();
//!     }
//!     t.start(&data).unwrap();
//!     let last = t.train(&data, &data, |_| true).unwrap();
//!     // the term is reported in the configuration's order, after weight_l1
//!     let names: Vec<&str> = t.config.regs.iter().map(|r| r.key).collect();
//!     let k = names.iter().position(|n| *n == "weightinverse");
//!     assert_eq!(k.is_some(), with);
//!     assert!(k.is_none_or(|k| last.regs[k].is_finite() && last.regs[k] > 0.0));
//!     let w = t.net.tensor(0).unwrap();
//!     (0..w.cols).map(|j| (0..w.rows).map(|i| w.data[i * w.cols + j].powi(2)).sum::<f32>())
//!         .fold(f32::INFINITY, f32::min)
//! };
//! let (without, with) = (shortest_column(false), shortest_column(true));
//! assert!(with > 2.0 * without, "shortest column {without} -> {with}");
//! ```

use super::regularizer::Regularizer;
use super::view::{Ctx, ViewOf};
use crate::error::Error;
use crate::gradcheck::{Settings, check_params};
use crate::layers::{Corruptor, Layers};
use crate::network::{Network, Workspace};

pub use crate::gradcheck::GradCheck;

/// Compare `reg`'s gradient with central differences of its loss, over every parameter of
/// `net`, on the clean forward pass of `rows` rows of `x` (with [`crate::gradcheck`]'s
/// default settings). Gradients `reg` writes into outputs are carried to the parameters by
/// the network's backward pass, so a regularizer of activations is checked too. More rows
/// than the workspace holds is an error.
pub fn check_gradient<L: Layers, const B: usize, const JD: usize>(
    reg: &dyn Regularizer,
    net: &mut Network<L>,
    ws: &mut Workspace<L, B, JD>,
    x: &[f32],
    rows: usize,
) -> Result<GradCheck, Error> {
    let mut off = Corruptor::off();
    let mut grads = Network::<L>::zero();
    net.forward(x, rows, ws, &mut off)?;
    ws.clear_grads();
    {
        let mut ctx = Ctx {
            net,
            ws,
            grads: &mut grads,
        };
        reg.grad(&mut ctx, 1.0);
    }
    net.backward(ws, &mut grads);
    Ok(check_params(net, &grads, &Settings::default(), |net| {
        // The same rows as the checked forward pass above: it cannot fail here.
        let _ = net.forward(x, rows, ws, &mut off);
        reg.loss(&ViewOf { net, ws })
    }))
}
