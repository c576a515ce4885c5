//! The fuzz targets' properties on the stable toolchain (part of `make test`): every seed
//! file of `corpus/<target>/`, then generated inputs, for a bounded number of runs each.
//! `make fuzz` runs the same functions under libFuzzer for longer.

use staticnets::rng::XorShift;
use std::path::Path;

/// Runs per target (`FUZZ_RUNS` overrides).
fn runs() -> usize {
    std::env::var("FUZZ_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The seeds, then inputs made from them (bytes flipped, cut, extended) and random ones.
fn drive(target: &str, f: fn(&[u8]), seed: u64) {
    let base = seeds(target);
    assert!(!base.is_empty(), "no seed files for {target}");
    for s in &base {
        f(s);
    }
    let mut rng = XorShift::new(seed);
    let t0 = std::time::Instant::now();
    let n = runs();
    for _ in 0..n {
        let mut input = match rng.below(3) {
            0 => (0..rng.below(300)).map(|_| rng.next_u32() as u8).collect(),
            _ => base[rng.below(base.len())].clone(),
        };
        for _ in 0..1 + rng.below(8) {
            if input.is_empty() {
                break;
            }
            let i = rng.below(input.len());
            match rng.below(4) {
                0 => input[i] ^= 1 << rng.below(8),
                1 => input[i] = rng.next_u32() as u8,
                2 => input.truncate(i),
                _ => input.insert(i, rng.next_u32() as u8),
            }
        }
        f(&input);
    }
    println!(
        "{target}: {} seeds + {n} generated inputs, {:.1} s, 0 failures",
        base.len(),
        t0.elapsed().as_secs_f64()
    );
}

#[test]
fn checkpoint_load() {
    drive("checkpoint_load", staticnets_fuzz::checkpoint_load, 1);
}

#[test]
fn config_train() {
    drive("config_train", staticnets_fuzz::config_train, 2);
}

#[test]
fn dataset() {
    drive("dataset", staticnets_fuzz::dataset, 3);
}

#[test]
fn trainer_api() {
    drive("trainer_api", staticnets_fuzz::trainer_api, 4);
}

#[test]
fn wasm_engine() {
    drive("wasm_engine", staticnets_fuzz::wasm_engine, 5);
}

/// Writes the seed files (committed under `corpus/`): `cargo test --manifest-path
/// tests/fuzz/Cargo.toml -- --ignored write_seeds`.
#[test]
#[ignore = "writes the seed corpus"]
fn write_seeds() {
    use staticnets::layers::{Activation::*, Dense, Lstm, TimeDense};
    use staticnets::network::Network;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    fn ckpt<L: staticnets::layers::Layers>(mut n: Network<L>) -> Vec<u8> {
        n.init(1);
        let mut b = vec![0u8; Network::<L>::CHECKPOINT_BYTES];
        n.save(&mut b).unwrap();
        b
    }
    put(
        "checkpoint_load",
        "small",
        &ckpt(staticnets_fuzz::small().net),
    );
    put(
        "checkpoint_load",
        "dense",
        &ckpt::<(Dense<3, 2>, Dense<2, 3>)>(Network::new((Dense::new(Tanh), Dense::new(Linear)))),
    );
    type Seq = (Lstm<2, 3, 4, 8, 12>, TimeDense<3, 2, 4, 12, 8>);
    put(
        "checkpoint_load",
        "lstm",
        &ckpt::<Seq>(Network::new((Lstm::new(true), TimeDense::new(Linear)))),
    );
    put("checkpoint_load", "magic", b"SNETCKP1");
    // A whole run's checkpoint (format 2, every section) and a safetensors file.
    let mut t = staticnets_fuzz::small();
    t.config
        .parse("algo = adam\nbatch_size = 4\ninput_noise = 0.1\nhidden_l1 = 0.01")
        .unwrap();
    let x: Vec<f32> = (0..60).map(|k| (k % 7) as f32 / 7.0).collect();
    let d = staticnets::train::Data::autoencoder(&x);
    t.start(&d).unwrap();
    t.steps(&d, 5).unwrap();
    let mut f = vec![0u8; t.checkpoint_len()];
    t.save(&mut f).unwrap();
    put("checkpoint_load", "trainer", &f);
    let mut s = vec![0u8; t.net.safetensors_len()];
    t.net.save_safetensors(&mut s).unwrap();
    put("checkpoint_load", "safetensors", &s);
    let data: Vec<u8> = (0..6 * 12).map(|k| (k * 37 % 251) as u8).collect();
    for (name, text) in [
        (
            "adam",
            "algo = adam\nlearning_rate = 0.01\nbatch_size = 4\nhidden_l1 = 0.1\ncontractive = 0.01\n",
        ),
        (
            "corrupt",
            "input_dropout = 0.2\nhidden_noise = 0.1\ndropout = 0.3 @ hid1:out, out:out\nnoise = 0.1 @ out:pre\n",
        ),
        (
            "diverge",
            "algo = sgd\nlearning_rate = 1e30\non_divergence = halve\nvalidate_every = 1\n",
        ),
        (
            "bad",
            "learning_rate = 0.1\nweight_decay = 0.1\nweight_l2 = 0.2\n",
        ),
    ] {
        let mut b = text.as_bytes().to_vec();
        b.push(0);
        b.extend_from_slice(&data);
        put("config_train", name, &b);
    }
    let digits = staticnets::datasets::digits::DIGITS_BIN;
    let mut small = digits[..12 + 3 * 65].to_vec();
    small[8] = 3;
    small[9] = 0;
    put("dataset", "three", &small);
    put("dataset", "header", &digits[..12]);
    let mut rng = XorShift::new(77);
    for k in 0..4 {
        let bytes: Vec<u8> = (0..200).map(|_| rng.next_u32() as u8).collect();
        put("trainer_api", &format!("random{k}"), &bytes);
        put("wasm_engine", &format!("random{k}"), &bytes);
    }
}
