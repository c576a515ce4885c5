//! Models of a page's own, written with `staticnets_wasm::model!`: the classes' plain-Rust
//! cores (`Class::core_for`, what each JavaScript method calls) trained natively on data made
//! here, with accuracy and R² computed here from `predict`'s outputs, not by the code under
//! test. The same classes in a browser: `wasm/tests/browser.rs` and the npm example page.
#![cfg(not(target_arch = "wasm32"))]

use staticnets::layers::{Activation::*, Conv1, Dense, Pool1};
use staticnets::train::{Data, Trainer};
use staticnets::{conv1, pool1};
use staticnets_wasm::{ModelCore, Targets, Task};

staticnets_wasm::model! {
    /// Points on two circles: the class is the circle.
    pub struct Rings {
        layers: (Dense<2, 16>, Dense<16, 2>) = (Dense::new(Tanh), Dense::new(Softmax)),
        task: Classifier,
        batch: 32,
        contractive: false,
        slots: 3,
    }
}

staticnets_wasm::model! {
    /// y = sin(3x) on [-1, 1].
    pub struct Wave {
        layers: (Dense<1, 16>, Dense<16, 1>) = (Dense::new(Tanh), Dense::new(Linear)),
        task: Regressor,
        batch: 16,
        contractive: false,
        slots: 2,
    }
}

staticnets_wasm::model! {
    /// A contractive 4-3-4 autoencoder with room for sgd only.
    pub struct Squeeze {
        layers: (Dense<4, 3>, Dense<3, 4>) = (Dense::new(Sigmoid), Dense::new(Linear)),
        task: Autoencoder,
        batch: 8,
        contractive: true,
        slots: 0,
    }
}

staticnets_wasm::model! {
    /// Does a window of 24 samples hold a spike? A conv1 / pool1 classifier.
    pub struct Spikes {
        layers: (conv1!(1, 24, 4, 5), pool1!(4, 20, 4, max), Dense<20, 2>) =
            (Conv1::new(Relu), Pool1::new(Linear), Dense::new(Softmax)),
        task: Classifier,
        batch: 16,
        contractive: false,
        slots: 2,
    }
}

/// Windows `from..from + n` of 24 samples of a slow wave; the odd ones hold a spike at a place
/// that moves.
fn spikes(from: usize, n: usize) -> (Vec<f32>, Vec<u32>) {
    let mut x = Vec::with_capacity(24 * n);
    for i in from..from + n {
        for t in 0..24 {
            let wave = 0.3 * ((t as f64 * 0.4 + i as f64).sin()) as f32;
            let spike = if i % 2 == 1 && t == 3 + (i * 7) % 17 {
                1.5
            } else {
                0.0
            };
            x.push(wave + spike);
        }
    }
    (x, (from..from + n).map(|i| (i % 2) as u32).collect())
}

/// `n` points, alternately on the circle of radius 0.4 (class 0) and 1.0 (class 1).
fn rings(n: usize) -> (Vec<f32>, Vec<u32>) {
    let mut x = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = (i % 2) as u32;
        let r = if class == 0 { 0.4 } else { 1.0 };
        let a = i as f64 * 2.399963; // the golden angle: spread around each circle
        x.extend([(r * a.cos()) as f32, (r * a.sin()) as f32]);
        labels.push(class);
    }
    (x, labels)
}

fn wave(n: usize) -> (Vec<f32>, Vec<f32>) {
    let x: Vec<f32> = (0..n)
        .map(|i| -1.0 + 2.0 * i as f32 / (n - 1) as f32)
        .collect();
    let y = x.iter().map(|&v| (3.0 * v as f64).sin() as f32).collect();
    (x, y)
}

#[test]
fn the_macro_describes_each_class() {
    assert_eq!(Rings::SPEC.name, "Rings");
    assert_eq!(
        Rings::SPEC.description,
        "Points on two circles: the class is the circle."
    );
    assert_eq!(Rings::SPEC.task, Task::Classifier);
    assert_eq!(
        Rings::SPEC.body_type,
        "(Dense<2, 16>, Dense<16, 2>)",
        "the body as written"
    );
    assert_eq!(
        (Rings::SPEC.batch, Rings::SPEC.jacobian, Rings::SPEC.slots),
        (32, 0, 3)
    );
    // `contractive: true` sizes the Jacobian buffers for the input width.
    assert_eq!(Squeeze::SPEC.jacobian, 4);
    let m = Wave::core_for("").unwrap();
    assert_eq!(m.layer_sizes(), [1, 16, 1]);
    assert_eq!((m.inputs(), m.outputs()), (1, 1));
    assert_eq!(m.parameter_count(), 16 + 16 + 16 + 1);
    // A classifier's loss is xe unless the configuration says otherwise.
    assert!(
        Rings::core_for("")
            .unwrap()
            .config_text()
            .contains("loss = xe")
    );
    assert!(
        Rings::core_for("loss = mse")
            .unwrap()
            .config_text()
            .contains("loss = mse")
    );
}

#[test]
fn a_classifier_of_its_own_learns_its_data() {
    let (x, labels) = rings(200);
    let mut m = Rings::core_for("algo = adam\nlearning_rate = 0.03\nrng = 3").unwrap();
    m.set_data(&x, Targets::Labels(labels.clone())).unwrap();
    let first = m.validate().unwrap().loss;
    m.train(600).unwrap();
    assert!(m.validate().unwrap().loss < 0.3 * first);
    // Accuracy from the probabilities, computed here.
    let p = m.predict(&x).unwrap();
    assert_eq!(p.len(), 2 * 200);
    let right = p
        .chunks(2)
        .zip(&labels)
        .filter(|(row, l)| (row[1] > row[0]) as u32 == **l)
        .count();
    assert!(right >= 190, "{right} of 200 right");
    let score = m.score(&x, Targets::Labels(labels.clone())).unwrap();
    assert_eq!(score, right as f64 / 200.0);
    let classes = m.predict_classes(&x).unwrap();
    assert_eq!(
        classes.iter().zip(&labels).filter(|(c, l)| c == l).count(),
        right
    );
}

#[test]
fn a_convolutional_class_of_its_own_finds_the_spikes() {
    let (x, labels) = spikes(0, 160);
    let mut m = Spikes::core_for("algo = adam\nlearning_rate = 0.01\nrng = 5").unwrap();
    assert_eq!(m.layer_sizes(), [24, 80, 20, 2]);
    assert_eq!(m.weight_shape("hid1.w").unwrap(), [4, 1, 5]);
    m.set_data(&x, Targets::Labels(labels.clone())).unwrap();
    m.train(400).unwrap();
    let (tx, tl) = spikes(1000, 160); // held out: other waves, the spikes elsewhere
    let classes = m.predict_classes(&tx).unwrap();
    let right = classes.iter().zip(&tl).filter(|(c, l)| c == l).count();
    assert!(right >= 150, "{right} of 160 right");
}

#[test]
fn a_regressor_of_its_own_fits_its_targets() {
    let (x, y) = wave(64);
    let mut m = Wave::core_for("algo = adam\nlearning_rate = 0.02\nbatch_size = 16").unwrap();
    m.set_data(&x, Targets::Values(y.clone())).unwrap();
    m.train(1500).unwrap();
    // R² from the predictions, computed here in f64.
    let p = m.predict(&x).unwrap();
    let mean = y.iter().map(|&v| v as f64).sum::<f64>() / 64.0;
    let res: f64 = p
        .iter()
        .zip(&y)
        .map(|(&p, &y)| (y as f64 - p as f64).powi(2))
        .sum();
    let tot: f64 = y.iter().map(|&y| (y as f64 - mean).powi(2)).sum();
    let r2 = 1.0 - res / tot;
    assert!(r2 > 0.95, "R² {r2}");
    let score = m.score(&x, Targets::Values(y)).unwrap();
    assert!((score - r2).abs() < 1e-5, "score {score} vs {r2}");
}

#[test]
fn wrong_targets_and_capacities_are_refused_by_name_and_change_nothing() {
    let (x, labels) = rings(20);
    let mut c = Rings::core_for("").unwrap();
    let e = c.set_data(&x, Targets::None).unwrap_err();
    assert!(e.contains("needs labels"), "{e}");
    let e = c
        .set_data(&x[..3], Targets::Labels(labels.clone()))
        .unwrap_err();
    assert!(e.contains("has length 3"), "{e}");
    let mut r = Wave::core_for("").unwrap();
    let e = r.set_data(&x, Targets::Labels(labels)).unwrap_err();
    assert!(e.contains("needs targets, 1 values per row"), "{e}");
    let e = r
        .set_data(&[0.5, 0.25], Targets::Values(vec![1.0]))
        .unwrap_err();
    assert!(e.contains("target"), "{e}");
    // Two slots: adam fits, adam with momentum does not; refused before anything changes.
    let before = r.config_text();
    let e = r.set("momentum", "0.9").unwrap_err();
    assert!(e.contains("slots"), "{e}");
    assert_eq!(r.config_text(), before);
    // No slots: sgd only.
    let e = Squeeze::core_for("algo = adam").err().unwrap();
    assert!(e.contains("slots"), "{e}");
    // contractive needs the Jacobian buffers the class did not ask for.
    let e = Wave::core_for("contractive = 0.1").err().unwrap();
    assert!(e.contains("contractive"), "{e}");
    let mut a = Squeeze::core_for("algo = sgd\ncontractive = 0.1").unwrap();
    let e = a
        .set_data(&[0.5; 8], Targets::Labels(vec![0, 1]))
        .unwrap_err();
    assert!(e.contains("autoencoder takes no labels"), "{e}");
    a.set_data(&[0.5, 0.1, 0.9, 0.3, 0.2, 0.8, 0.4, 0.6], Targets::None)
        .unwrap();
    let m = a.train(5).unwrap();
    assert_eq!(m.reg_names, ["contractive"]);
    assert!(m.reg_terms[0] > 0.0);
}

/// The class's "reproduce this": a function of the page's data that, run natively, ends in
/// the class's weights bit for bit (the snippet's lines are checked, then run by hand).
#[test]
fn reproduce_writes_a_function_of_the_pages_data() {
    let (x, y) = wave(40);
    let start = "algo = adam\nlearning_rate = 0.01\nrng = 11";
    let mut m = Wave::core_for(start).unwrap();
    m.set_data(&x, Targets::Values(y.clone())).unwrap();
    m.train(30).unwrap();
    m.set("weight_l2", "0.001").unwrap();
    m.train(12).unwrap();
    let snippet = m.reproduce(0);
    let start_text = Wave::core_for(start).unwrap().config_text();
    for line in [
        "// Wave as on the page (y = sin(3x) on [-1, 1].): call it with the rows given to setData.".to_string(),
        "use staticnets::layers::{Activation::*, *};".to_string(),
        "type Body = (Dense<1, 16>, Dense<16, 1>);".to_string(),
        "fn reproduce(x: &[f32], y: &[f32]) -> Result<Box<staticnets::trainer!(Body, batch = 16, optimizer = adam)>, staticnets::Error> {".to_string(),
        "    let mut t: Box<staticnets::trainer!(Body, batch = 16, optimizer = adam)> = Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));".to_string(),
        format!("    t.config.parse({start_text:?})?;"),
        "    let data = Data::regression(x, y);\n    t.start(&data)?;\n    t.steps(&data, 30)?;\n    \
         t.config.set(\"weight_l2\", \"0.001\")?;\n    t.steps(&data, 12)?;\n    \
         // 42 updates, as on the page\n    Ok(t)\n}\n"
            .to_string(),
    ] {
        assert!(snippet.contains(&line), "missing {line:?} in\n{snippet}");
    }
    type WaveBody = (Dense<1, 16>, Dense<16, 1>);
    let mut t: Box<staticnets::trainer!(WaveBody, batch = 16, optimizer = adam)> =
        Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear))));
    t.config.parse(&start_text).unwrap();
    let data = Data::regression(&x, &y);
    t.start(&data).unwrap();
    t.steps(&data, 30).unwrap();
    t.config.set("weight_l2", "0.001").unwrap();
    t.steps(&data, 12).unwrap();
    for (i, name) in m.tensor_names().iter().enumerate() {
        let want: Vec<u32> = m
            .weights(name)
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let got: Vec<u32> = t
            .net
            .tensor(i)
            .unwrap()
            .data
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

/// A class's checkpoint resumes in a new object of the class, and only there.
#[test]
fn checkpoints_belong_to_their_class() {
    let (x, labels) = rings(40);
    let mut a = Rings::core_for("rng = 5").unwrap();
    a.set_data(&x, Targets::Labels(labels.clone())).unwrap();
    a.train(10).unwrap();
    let file = a.save().unwrap();
    let mut b: ModelCore = Rings::core_for("").unwrap();
    b.set_data(&x, Targets::Labels(labels)).unwrap();
    b.load(&file).unwrap();
    a.train(7).unwrap();
    b.train(7).unwrap();
    assert_eq!(a.weights("out.w").unwrap(), b.weights("out.w").unwrap());
    let mut w = Wave::core_for("").unwrap();
    assert!(w.load(&file).is_err());
}
