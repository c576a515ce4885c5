//! The npm example page's own model: two interleaved spirals, classified from a point's
//! coordinates. These lines are all it takes; `model!` writes the JavaScript class `Spirals`
//! with the whole staticnets API and its TypeScript declarations.

use staticnets::layers::{Activation::*, Dense};

staticnets_wasm::model! {
    /// Two interleaved spirals: a point's arm from its (x, y).
    pub struct Spirals {
        layers: (Dense<2, 32>, Dense<32, 32>, Dense<32, 2>) =
            (Dense::new(Tanh), Dense::new(Tanh), Dense::new(Softmax)),
        task: Classifier,
        batch: 64,
        contractive: false,
        slots: 3,
    }
}

#[cfg(test)]
mod tests {
    use super::Spirals;
    use staticnets_wasm::Targets;

    /// The page's data: `n` points per arm, arm k turned by k pi (the same formula as main.js).
    fn spirals(n: usize) -> (Vec<f32>, Vec<u32>) {
        let (mut x, mut labels) = (Vec::new(), Vec::new());
        for i in 0..n {
            for arm in 0..2u32 {
                let t = 0.25 + 1.75 * i as f64 / n as f64; // radians / pi
                let r = t;
                let a = (t + arm as f64) * core::f64::consts::PI;
                x.extend([(r * a.cos()) as f32, (r * a.sin()) as f32]);
                labels.push(arm);
            }
        }
        (x, labels)
    }

    /// What the page shows: the loss falls and the spirals are told apart (accuracy counted
    /// here from the probabilities).
    #[test]
    fn the_spirals_are_learned() {
        let (x, labels) = spirals(100);
        let mut m = Spirals::core_for("algo = adam\nlearning_rate = 0.02\nrng = 1").unwrap();
        m.set_data(&x, Targets::Labels(labels.clone())).unwrap();
        let first = m.validate().unwrap().loss;
        m.train(1500).unwrap();
        let last = m.validate().unwrap().loss;
        let p = m.predict(&x).unwrap();
        let right = p
            .chunks(2)
            .zip(&labels)
            .filter(|(q, l)| (q[1] > q[0]) as u32 == **l)
            .count();
        println!("loss {first} -> {last}, {right} of 200 right");
        assert!(last < 0.2 * first && right >= 190, "{first} {last} {right}");
    }
}
