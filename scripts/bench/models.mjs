// make bench, the JavaScript side: the timing protocol and the peer models (TF.js,
// ConvNetJS), shared by Node (node.mjs) and Chromium (page.html). The staticnets models are
// the wasm `Bench` class (wasm/src/bench.rs); these are the same models written for each
// peer:
//   S: 64-32-64 tied autoencoder, sigmoid hidden, linear output, MSE, batch 32, the digits.
//   L: 784-256-784 untied, same activations, batch 64, 1024 rows of uniform data.
//   V: 128 samples -> conv1 (4 filters of 8, stride 4, tanh) -> max pool 2 -> 16 (relu) ->
//      128 (linear), batch 32, 512 windows of two sines (waves). Plain only.
//   D: 8x8 digits -> conv2 (6 filters 3x3, relu) -> max pool 2x2 -> 32 (relu) -> 64
//      (sigmoid), batch 32. Plain only.
//   TF.js runs V and D on its "cpu" backend: its wasm backend has no Conv2DBackpropFilter
//   kernel (4.22.0), so it cannot train a convolution.
//   regularized: + 1e-4 * weight_l2 (mean of squares per matrix, averaged over matrices)
//                + 0.1 * hidden_l1 (mean |h|) and Gaussian input noise of sigma 0.1.
// Plain SGD, learning rate 0.01. One step = one batch: noise, forward, loss, backward, update.

export const SHAPES = {
  S: { nin: 64, nh: 32, batch: 32, tied: true },
  L: { nin: 784, nh: 256, batch: 64, tied: false },
};

/// The digits file (SNDIGIT1: 12-byte header with the row count at bytes 8-9, then 65-byte
/// records of 64 pixels 0..16 and a label) as pixels / 16.
export function digits(bytes) {
  const rows = bytes[8] | (bytes[9] << 8);
  const x = new Float32Array(rows * 64);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < 64; p++) x[r * 64 + p] = bytes[12 + r * 65 + p] / 16;
  }
  return x;
}

/// L's data: uniform in [0, 1) from a small deterministic generator.
export function uniformRows(rows, cols) {
  const x = new Float32Array(rows * cols);
  let s = 7;
  for (let k = 0; k < x.length; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[k] = s / 4294967296;
  }
  return x;
}

/// V's data: two sines per window, the formula of wasm/src/bench.rs.
export function waves(rows) {
  const x = new Float32Array(rows * 128);
  const tau = 2 * Math.PI;
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < 128; t++) x[r * 128 + t] = Math.sin((tau * 5 * t) / 128 + 0.37 * r) + 0.3 * Math.sin((tau * 10 * t) / 128 + 1.1 * r);
  }
  return x;
}

/// The models and the variants each is measured in.
export const MODELS = { S: [false, true], L: [false, true], V: [false], D: [false] };

const yieldNow = () => new Promise((r) => setTimeout(r, 0));

/// The protocol, for several contenders at once: each warms up (at least 50 steps and
/// `warm` s), then 5 rounds in which each in turn runs one repetition of at least 50 steps
/// and `rep` s; each one's median ms per step. Interleaving the repetitions lets every
/// contender see the same minutes of a machine whose speed changes from minute to minute,
/// so the ratios between them do not depend on which one ran during a slow spell.
/// `steps[name](n)` runs n steps and returns a loss.
export async function measureTogether(steps, { warm = 1, rep = 2 } = {}) {
  const runs = Object.entries(steps).map(([name, step]) => ({ name, step, ms: [] }));
  for (const run of runs) {
    run.lossFirst = run.step(1);
    const t0 = performance.now();
    let n = 0;
    while (n < 50 || performance.now() - t0 < warm * 1000) {
      run.step(10);
      n += 10;
    }
  }
  for (let r = 0; r < 5; r++) {
    for (const run of runs) {
      await yieldNow();
      const t = performance.now();
      let done = 0;
      while (done < 50 || performance.now() - t < rep * 1000) {
        run.lossLast = run.step(10);
        done += 10;
      }
      run.ms.push((performance.now() - t) / done);
    }
  }
  const out = {};
  for (const run of runs) {
    run.ms.sort((a, b) => a - b);
    out[run.name] = { ms: run.ms[2], loss_first: run.lossFirst, loss_last: run.lossLast };
  }
  return out;
}

/// A TF.js model as a step function (`tf` with its wasm backend already set).
export function tfjsModel(tf, model, regularized, x) {
  const { nin, nh, batch, tied } = SHAPES[model];
  const nb = Math.floor(x.length / nin / batch);
  const batches = [];
  for (let b = 0; b < nb; b++) {
    batches.push(tf.tensor2d(x.subarray(b * batch * nin, (b + 1) * batch * nin), [batch, nin]));
  }
  const std = 1 / Math.sqrt(nin + nh);
  const W = tf.variable(tf.randomNormal([nin, nh], 0, std, "float32", 1));
  const bh = tf.variable(tf.zeros([nh]));
  const W2 = tied ? null : tf.variable(tf.randomNormal([nh, nin], 0, std, "float32", 2));
  const bo = tf.variable(tf.zeros([nin]));
  const opt = tf.train.sgd(0.01);
  let i = 0;
  const objective = (xb) => () => {
    const xin = regularized ? xb.add(tf.randomNormal(xb.shape, 0, 0.1)) : xb;
    const h = tf.sigmoid(xin.matMul(W).add(bh));
    const y = (tied ? h.matMul(W, false, true) : h.matMul(W2)).add(bo);
    let loss = tf.losses.meanSquaredError(xb, y);
    if (regularized) {
      const l2 = tied ? tf.mean(tf.square(W)) : tf.mean(tf.square(W)).add(tf.mean(tf.square(W2))).div(2);
      loss = loss.add(l2.mul(1e-4)).add(tf.mean(tf.abs(h)).mul(0.1));
    }
    return loss;
  };
  return (n) => {
    let last = null;
    for (let k = 0; k < n; k++) {
      const xb = batches[i++ % nb];
      const loss = opt.minimize(objective(xb), true);
      if (last) last.dispose();
      last = loss;
    }
    const v = last.dataSync()[0];
    last.dispose();
    return v;
  };
}

/// A TF.js conv model (V or D) as a step function, on the backend in force (the caller sets
/// "cpu"). Channels last, as TF.js lays them out; the same shapes and operations as the other
/// harnesses.
export function tfjsConvModel(tf, model, x) {
  const batch = 32;
  const v = model === "V";
  const nin = v ? 128 : 64;
  const inShape = v ? [batch, 128, 1] : [batch, 8, 8, 1];
  const nb = Math.floor(x.length / nin / batch);
  const batches = [];
  for (let b = 0; b < nb; b++) {
    const rows = x.subarray(b * batch * nin, (b + 1) * batch * nin);
    batches.push([tf.tensor(rows, inShape), tf.tensor2d(rows, [batch, nin])]);
  }
  const normal = (shape, fanIn, fanOut, seed) => tf.variable(tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn + fanOut), "float32", seed));
  const K = v ? normal([8, 1, 4], 8, 32, 1) : normal([3, 3, 1, 6], 9, 54, 1);
  const bk = tf.variable(tf.zeros([v ? 4 : 6]));
  const [mid, nh] = v ? [60, 16] : [54, 32];
  const W1 = normal([mid, nh], mid, nh, 2);
  const b1 = tf.variable(tf.zeros([nh]));
  const W2 = normal([nh, nin], nh, nin, 3);
  const b2 = tf.variable(tf.zeros([nin]));
  const opt = tf.train.sgd(0.01);
  let i = 0;
  const objective = (xb, flat) => () => {
    let h;
    if (v) {
      const c = tf.tanh(tf.conv1d(xb, K, 4, "valid").add(bk)); // [32, 31, 4]
      h = tf.maxPool(c.reshape([batch, 1, 31, 4]), [1, 2], [1, 2], "valid").reshape([batch, mid]);
    } else {
      const c = tf.relu(tf.conv2d(xb, K, 1, "valid").add(bk)); // [32, 6, 6, 6]
      h = tf.maxPool(c, 2, 2, "valid").reshape([batch, mid]);
    }
    let y = tf.relu(h.matMul(W1).add(b1)).matMul(W2).add(b2);
    if (!v) y = tf.sigmoid(y);
    return tf.losses.meanSquaredError(flat, y);
  };
  return (n) => {
    let last = null;
    for (let k = 0; k < n; k++) {
      const [xb, flat] = batches[i++ % nb];
      const loss = opt.minimize(objective(xb, flat), true);
      if (last) last.dispose();
      last = loss;
    }
    const out = last.dataSync()[0];
    last.dispose();
    return out;
  };
}

/// ConvNetJS (S only; it has no tied layers, no activity penalty and no noise layer): an
/// untied 64-32-64 sigmoid/linear net with batch 32; regularized adds Gaussian input noise
/// by hand and 1e-4 L2 weight decay (its nearest equivalent of weight_l2).
export function convnetModel(convnetjs, regularized, x) {
  const net = new convnetjs.Net();
  net.makeLayers([
    { type: "input", out_sx: 1, out_sy: 1, out_depth: 64 },
    { type: "fc", num_neurons: 32, activation: "sigmoid" },
    { type: "regression", num_neurons: 64 },
  ]);
  const trainer = new convnetjs.Trainer(net, {
    method: "sgd",
    learning_rate: 0.01,
    momentum: 0,
    batch_size: 32,
    l2_decay: regularized ? 1e-4 : 0,
  });
  const rows = x.length / 64;
  const vol = new convnetjs.Vol(1, 1, 64, 0);
  const target = new Array(64);
  let r = 0;
  const gauss = () => {
    const u = 1 - Math.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  };
  return (n) => {
    let loss = 0;
    for (let k = 0; k < n * 32; k++) {
      const row = r++ % rows;
      for (let p = 0; p < 64; p++) {
        const v = x[row * 64 + p];
        target[p] = v;
        vol.w[p] = regularized ? v + 0.1 * gauss() : v;
      }
      loss = trainer.train(vol, target).cost_loss;
    }
    return loss;
  };
}

/// staticnets' own model from a wasm module (`Bench`, built with --features bench).
export function staticnetsModel(wasm, model, regularized, digitsBytes) {
  const b = new wasm.Bench(model, regularized, digitsBytes);
  return (n) => b.steps(n);
}

/// The products' ceiling in a staticnets build (`productsInL1`: their best case, every operand
/// in L1): the best GFLOP/s of `samples` runs of 1,000 products (the engine tiers the code
/// up in the first ones). A run takes milliseconds, since a browser's clock may tick in steps
/// of 0.1 ms.
export function productsCeiling(wasm, samples = 50) {
  let best = 0;
  for (let s = 0; s < samples; s++) {
    const t = performance.now();
    const flops = wasm.productsInL1(1000);
    best = Math.max(best, flops / ((performance.now() - t) * 1e6));
  }
  return best;
}

/// Every record for one environment: staticnets (SIMD and scalar builds, and the fused one
/// when built) with each build's products ceiling, TF.js wasm, and ConvNetJS when given,
/// each model and variant measured together (`measureTogether`). `emit` receives each
/// record as it is made.
export async function runAll({ env, pkgs, tf, convnetjs, digitsBytes, timing, emit, models = Object.keys(MODELS) }) {
  for (const [kind, wasm] of Object.entries(pkgs)) {
    const gflops = productsCeiling(wasm, timing.rep < 1 ? 3 : 50);
    emit({ ceiling: "products in L1 (24x128 . 128x32)", env, framework: `staticnets wasm ${kind}`, level: wasm.kernelLevel(), gflops });
  }
  const xs = { S: digits(digitsBytes), L: uniformRows(1024, 784), V: waves(512), D: digits(digitsBytes) };
  for (const model of models) {
    const conv = model === "V" || model === "D";
    for (const regularized of MODELS[model]) {
      const variant = regularized ? "regularized" : "plain";
      const base = { env, model, variant };
      const steps = {};
      const records = {};
      for (const [kind, wasm] of Object.entries(pkgs)) {
        const name = `staticnets wasm ${kind}`;
        steps[name] = staticnetsModel(wasm, model, regularized, digitsBytes);
        records[name] = { framework: name, level: wasm.kernelLevel() };
      }
      if (tf && conv) {
        await tf.setBackend("cpu");
        steps["TF.js cpu"] = tfjsConvModel(tf, model, xs[model]);
        records["TF.js cpu"] = { framework: "TF.js cpu", level: tf.getBackend() };
      } else if (tf) {
        steps["TF.js wasm"] = tfjsModel(tf, model, regularized, xs[model]);
        records["TF.js wasm"] = { framework: "TF.js wasm", level: tf.getBackend() };
      }
      if (convnetjs && model === "S") {
        steps.ConvNetJS = convnetModel(convnetjs, regularized, xs.S);
        records.ConvNetJS = { framework: "ConvNetJS" };
      }
      const measured = await measureTogether(steps, timing);
      for (const [name, r] of Object.entries(measured)) emit({ ...records[name], ...base, ...r });
      if (tf) tf.disposeVariables();
      if (tf && conv) await tf.setBackend("wasm");
    }
  }
}
