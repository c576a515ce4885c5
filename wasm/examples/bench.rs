//! `make bench`'s native part: ms per training step of the reference models
//! (`staticnets_wasm::bench`), one JSON record per line on stdout, which
//! `scripts/bench/report.py` puts beside PyTorch, TF.js and ConvNetJS.
//!
//! Protocol (the same in every framework of `make bench`): a warm-up of at least 50 steps
//! and 1 s, then 5 repetitions of at least 2 s; the record holds the median ms per step and
//! the loss before and after, so the report can check that it fell.
//!
//! Run: `cargo run --release -p staticnets-wasm --example bench -- [--smoke] [--sweep]
//! [--no-models] [--serve]`
//! (`--smoke`: 0.1 s warm-up and 0.02 s repetitions, a build and sanity check for
//! `make test`, not a measurement; `--sweep`: S's cost over batch sizes 1 to 256 and hidden
//! widths 16 to 512; `--level portable|sse2|avx2|avx512`: force a kernel level; `--only S|L` and
//! `--variant plain|regularized`: one model or variant, for profiles; `--steps N`: N steps,
//! printing the fastest 10-step chunk (for comparing builds on a noisy machine) and the median one; `--kernels`: L's products alone, best of 200 calls each, then the ceiling; `--ceiling`: the products' ceiling at this
//! level, their best case with every operand in L1).

use staticnets::kernels::{Level, level, set_level};
use staticnets_wasm::bench::{MODELS, SWEEP, Stepper, products_in_l1, reference, sweep};
// the level in force, with `+fma` in the opt-in fused build (as the wasm builds report it)
use staticnets_wasm::kernel_level;
use std::time::{Duration, Instant};

static DIGITS: &[u8] = staticnets::datasets::digits::DIGITS_BIN;

struct Timing {
    warm: f64,
    rep: f64,
}

/// Median ms per step, the first loss, the last loss.
fn measure(timing: &Timing, s: &mut dyn Stepper) -> (f64, f64, f64) {
    let first = warm_up(timing, s);
    let mut ms = Vec::new();
    let mut last = first;
    for _ in 0..5 {
        let (t, l) = repetition(timing, s);
        ms.push(t);
        last = l;
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[2], first, last)
}

/// The first step's loss, then the warm-up: at least 50 steps and `timing.warm` s.
fn warm_up(timing: &Timing, s: &mut dyn Stepper) -> f64 {
    let first = s.steps(1).expect("steps");
    let start = Instant::now();
    let mut n = 0;
    while n < 50 || start.elapsed() < Duration::from_secs_f64(timing.warm) {
        s.steps(10).expect("steps");
        n += 10;
    }
    first
}

/// One repetition: at least 50 steps and `timing.rep` s; ms per step and the last loss.
fn repetition(timing: &Timing, s: &mut dyn Stepper) -> (f64, f64) {
    let t = Instant::now();
    let mut done = 0;
    let mut last = f64::NAN;
    while done < 50 || t.elapsed() < Duration::from_secs_f64(timing.rep) {
        last = s.steps(10).expect("steps");
        done += 10;
    }
    (t.elapsed().as_secs_f64() * 1e3 / done as f64, last)
}

fn record(framework: &str, model: &str, variant: &str, r: (f64, f64, f64)) {
    let (ms, first, last) = r;
    println!(
        "{{\"framework\": \"{framework}\", \"env\": \"native\", \"model\": \"{model}\", \
         \"variant\": \"{variant}\", \"ms\": {ms:.6}, \"loss_first\": {first:.6}, \
         \"loss_last\": {last:.6}, \"level\": \"{}\"}}",
        kernel_level()
    );
}

/// `--kernels`: each of L's products alone (best of many calls, GFLOP/s), to say how much
/// of a step is the products and how much the rest; then [`ceiling`].
fn kernels() {
    use staticnets::kernels::{acc_outer, affine, back_affine};
    let (rows, nin, nh) = (64, 784, 256);
    let fill = |n: usize| (0..n).map(|i| (i % 13) as f32 * 0.01).collect::<Vec<f32>>();
    let (x, w1, w2) = (fill(rows * nin), fill(nin * nh), fill(nh * nin));
    let (bh, bo, d) = (fill(nh), fill(nin), fill(rows * nin));
    let (mut h, mut y, mut dh) = (fill(rows * nh), fill(rows * nin), fill(rows * nh));
    let (mut g1, mut g2) = (fill(nin * nh), fill(nh * nin));
    let flops = 2.0 * (rows * nin * nh) as f64;
    let best = |name: &str, f: &mut dyn FnMut()| {
        let mut ms = f64::MAX;
        for _ in 0..200 {
            let t = Instant::now();
            f();
            ms = ms.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "{{\"kernel\": \"{name}\", \"ms\": {ms:.4}, \"gflops\": {:.1}, \"level\": \"{}\", \"fused\": {}}}",
            flops / ms / 1e6,
            level().name(),
            staticnets::kernels::FUSED
        );
    };
    best("x W1 + b (64x784 . 784x256)", &mut || {
        affine(&x, &w1, &bh, &mut h, rows, nin, nh)
    });
    best("h W2 + b (64x256 . 256x784)", &mut || {
        affine(&h, &w2, &bo, &mut y, rows, nh, nin)
    });
    best("dW2 += h^T d (256x64 . 64x784)", &mut || {
        acc_outer(&h, &d, &mut g2, rows, nh, nin)
    });
    best("dh += d W2^T (64x784 . 784x256)", &mut || {
        back_affine(&w2, &d, &mut dh, rows, nh, nin)
    });
    best("dW1 += x^T dh (784x64 . 64x256)", &mut || {
        acc_outer(&x, &dh, &mut g1, rows, nin, nh)
    });
    ceiling();
}

/// `--ceiling` (and after `--kernels`): the products' ceiling at this level, their best case
/// with every operand in L1 (`bench::products_in_l1`), best of 50 runs of 1,000 products
/// (as `productsCeiling` in `scripts/bench/models.mjs` measures the wasm builds).
fn ceiling() {
    let mut gflops = 0.0f64;
    for _ in 0..50 {
        let t = Instant::now();
        let done = products_in_l1(1000);
        gflops = gflops.max(done / t.elapsed().as_secs_f64() / 1e9);
    }
    println!(
        "{{\"ceiling\": \"products in L1 (24x128 . 128x32)\", \"env\": \"native\", \"gflops\": {gflops:.1}, \"level\": \"{}\"}}",
        kernel_level()
    );
}

/// `--serve`: the protocol one step at a time, for `scripts/bench/together.py`, which
/// interleaves our repetitions with PyTorch's. Each line on stdin is `warm MODEL VARIANT`
/// (build it, one step, the warm-up) or `rep MODEL VARIANT` (one repetition); each gets one
/// JSON line back.
fn serve(framework: &str, timing: Timing) {
    use std::io::BufRead;
    let framework = framework.to_string();
    let body = move || {
        let mut runs: Vec<(String, Box<dyn Stepper>)> = Vec::new();
        for line in std::io::stdin().lock().lines() {
            let line = line.expect("stdin");
            let words: Vec<&str> = line.split_whitespace().collect();
            let [what, model, variant] = words[..] else {
                eprintln!("bench --serve: expected `warm|rep MODEL VARIANT`, got {line:?}");
                std::process::exit(2);
            };
            let key = format!("{model} {variant}");
            if what == "warm" {
                let mut s = reference(model, variant == "regularized", DIGITS).expect("model");
                let first = warm_up(&timing, s.as_mut());
                runs.push((key, s));
                println!(
                    "{{\"framework\": \"{framework}\", \"level\": \"{}\", \"loss_first\": {first:.6}}}",
                    kernel_level()
                );
            } else {
                let Some((_, s)) = runs.iter_mut().find(|(k, _)| *k == key) else {
                    eprintln!("bench --serve: {key} was not warmed up");
                    std::process::exit(2);
                };
                let (ms, last) = repetition(&timing, s.as_mut());
                println!("{{\"ms\": {ms:.6}, \"loss_last\": {last:.6}}}");
            }
        }
    };
    on_a_big_stack(body);
}

/// Run `body` on a thread with a 256 MB stack and wait for it: trainers are built on the
/// heap, but their `new` values pass through the stack first (S at hidden 512 needs room).
fn on_a_big_stack(body: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(body)
        .expect("thread")
        .join()
        .expect("bench");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |a: &str| args.iter().any(|x| x == a);
    let value = |a: &str| {
        let i = args.iter().position(|x| x == a)?;
        args.get(i + 1).cloned()
    };
    // A forced level is its own framework in the report ("staticnets native sse2").
    // The opt-in fused build (`--features fma`) is one too ("staticnets native fma").
    let fused = if staticnets::kernels::FUSED {
        " fma"
    } else {
        ""
    };
    let framework = match value("--level") {
        Some(name) => format!("staticnets native{fused} {name}"),
        None => format!("staticnets native{fused}"),
    };
    if let Some(name) = value("--level") {
        let l = Level::ALL.into_iter().find(|l| l.name() == name);
        let ok = l.is_some_and(|l| set_level(l).is_ok());
        if !ok {
            eprintln!("bench: level {name} is not one this CPU runs");
            std::process::exit(2);
        }
    }
    let timing = if has("--smoke") {
        Timing {
            warm: 0.1,
            rep: 0.02,
        }
    } else {
        Timing {
            warm: 1.0,
            rep: 2.0,
        }
    };
    if has("--kernels") {
        kernels();
        return;
    }
    if has("--ceiling") {
        ceiling();
        return;
    }
    if has("--serve") {
        serve(&framework, timing);
        return;
    }
    let sweeps = has("--sweep");
    let models = !has("--no-models");
    // `--steps N`: exactly N steps of each chosen model and variant, no timing (for
    // `perf stat`, whose cycle counts a busy machine disturbs less than wall time).
    let fixed: Option<usize> = value("--steps").and_then(|n| n.parse().ok());
    let only = value("--only");
    let variant_only = value("--variant");
    let body = move || {
        for (model, variants) in MODELS {
            if !models || only.as_deref().is_some_and(|o| o != model) {
                continue;
            }
            for &reg in variants {
                let variant = if reg { "regularized" } else { "plain" };
                if variant_only.as_deref().is_some_and(|v| v != variant) {
                    continue;
                }
                let mut s = reference(model, reg, DIGITS).expect("model");
                if let Some(n) = fixed {
                    // the fastest of the 10-step chunks: a figure for comparing builds on a
                    // noisy machine (not the protocol's median)
                    let mut chunks: Vec<f64> = (0..n.div_ceil(10))
                        .map(|_| {
                            let t = Instant::now();
                            s.steps(10).expect("steps");
                            t.elapsed().as_secs_f64() * 1e2
                        })
                        .collect();
                    chunks.sort_by(f64::total_cmp);
                    let (best, median) = (chunks[0], chunks[chunks.len() / 2]);
                    println!(
                        "{model} {variant}: fastest 10 steps {best:.4} ms/step (median chunk {median:.4})"
                    );
                    continue;
                }
                record(&framework, model, variant, measure(&timing, s.as_mut()));
            }
        }
        if sweeps {
            for (kind, values) in SWEEP {
                for &v in values {
                    let mut s = sweep(kind, v, DIGITS).expect("sweep");
                    let r = measure(&timing, s.as_mut());
                    record(&framework, "S", &format!("{kind} {v}"), r);
                }
            }
        }
    };
    on_a_big_stack(body);
}
