//! The page's "reproduce this run in Rust" (`ModelCore::reproduce`): the code it prints, run
//! natively, ends in the page's weights bit for bit, settings changed mid-run included. The
//! code is written out here by hand from the snippet's lines, which the test checks are the
//! ones printed.
#![cfg(not(target_arch = "wasm32"))]

use staticnets::datasets::Digits;
use staticnets::layers::{Activation::*, Dense, Identity, Tied};
use staticnets::train::{Data, Trainer};
use staticnets_wasm::{ModelCore, Targets};

/// The trainers are built by value before they are boxed, and an unoptimised test build keeps
/// several on the stack at once: run on a thread with room for them.
#[test]
fn the_reproduce_snippet_gives_the_pages_weights() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(reproduce)
        .unwrap()
        .join()
        .unwrap();
}

fn reproduce() {
    const ROWS: usize = 1500;
    let (mut x, mut labels) = (vec![0.0f32; ROWS * 64], vec![0u32; ROWS]);
    Digits::bundled().fill(0, &mut x, &mut labels).unwrap();
    // The page: a model, its data, updates in slices, settings changed mid-run.
    let start = "algo = adam\nlearning_rate = 0.003\nhidden_l1 = 0.1\nrng = 7";
    let mut m = ModelCore::new("ae-64-32-64-tied", start).unwrap();
    m.set_data(&x, Targets::None).unwrap();
    m.train(20).unwrap();
    m.set("input_noise", "0.1").unwrap();
    m.train(10).unwrap();
    m.train(7).unwrap();
    m.set("hidden_l1", "0").unwrap();
    m.set("learning_rate", "0.001").unwrap();
    m.train(5).unwrap();
    let snippet = m.reproduce(ROWS);
    let mut first = ModelCore::new("ae-64-32-64-tied", start).unwrap();
    let start_text = first.config_text();
    for line in [
        "type Body = Tied<64, 32>;".to_string(),
        "let mut t: Box<staticnets::trainer!(Body, batch = 64, contractive)> = Box::new(Trainer::new(Tied::new(Dense::new(Relu), Identity, Sigmoid)));".to_string(),
        format!("t.config.parse({start_text:?})?;"),
        "let (mut x, mut labels) = (vec![0.0f32; 1500 * 64], vec![0u32; 1500]);".to_string(),
        "let data = Data::autoencoder(&x);\nt.start(&data)?;\nt.steps(&data, 20)?;\n\
         t.config.set(\"input_noise\", \"0.1\")?;\nt.steps(&data, 17)?;\n\
         t.config.set(\"hidden_l1\", \"0\")?;\nt.config.set(\"learning_rate\", \"0.001\")?;\n\
         t.steps(&data, 5)?;\n// 42 updates, as on the page\n"
            .to_string(),
    ] {
        assert!(snippet.contains(&line), "missing {line:?} in\n{snippet}");
    }
    // The snippet, by hand.
    let mut t: Box<staticnets::trainer!(Tied<64, 32>, batch = 64, contractive)> =
        Box::new(Trainer::new(Tied::new(Dense::new(Relu), Identity, Sigmoid)));
    t.config.parse(&start_text).unwrap();
    let data = Data::autoencoder(&x);
    t.start(&data).unwrap();
    t.steps(&data, 20).unwrap();
    t.config.set("input_noise", "0.1").unwrap();
    t.steps(&data, 17).unwrap();
    t.config.set("hidden_l1", "0").unwrap();
    t.config.set("learning_rate", "0.001").unwrap();
    t.steps(&data, 5).unwrap();
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
    // A loaded run was not started here: the snippet says so instead of guessing.
    let file = m.save().unwrap();
    first.set_data(&x, Targets::None).unwrap();
    first.load(&file).unwrap();
    assert!(first.reproduce(ROWS).contains("loaded from a file"));
}
