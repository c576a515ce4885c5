// The package's ten-line example, as a page: a tied 64-32-64 autoencoder with hidden_l1,
// trained in the package's Web Worker on the 8x8 digits; the loss after each 50 batches.
// Then a model of the page's own: the class `Spirals` that models/src/lib.rs defines with
// `staticnets_wasm::model!`, built by scripts/build-npm into models/{simd,scalar}, trained in
// a worker on two spirals; the loss and accuracy after each 100 batches, and the plane
// coloured by the class it predicts.
import { RemoteModel } from "./staticnets-wasm/worker.js";

const result = { losses: [], done: false, error: null, custom: { losses: [], accuracies: [], done: false, error: null } };
window.example = result;

async function preset() {
  const status = document.getElementById("status");
  try {
    const d = new Uint8Array(await (await fetch("digits.bin")).arrayBuffer());
    const rows = 1000;
    const images = new Float32Array(rows * 64);
    for (let r = 0; r < rows; r++) for (let p = 0; p < 64; p++) images[r * 64 + p] = d[12 + r * 65 + p] / 16;
    const m = await RemoteModel.create("ae-64-32-64-tied", "algo = adam\nlearning_rate = 0.003\nhidden_l1 = 0.05");
    result.info = m.info;
    await m.setData(images);
    for (let i = 0; i < 10; i++) {
      const { loss, regNames, regTerms } = await m.train(50);
      result.losses.push(loss);
      const li = document.createElement("li");
      li.textContent = `loss ${loss.toPrecision(4)} (${regNames.map((n, k) => `${n} ${regTerms[k].toPrecision(3)}`).join(", ")})`;
      document.getElementById("log").append(li);
    }
    result.refused = await m.set("learning_rate", -1).then(() => null, (e) => e.message);
    status.textContent = `done: ${m.info.preset}, ${m.info.parameterCount} parameters, ${m.info.simd ? "SIMD" : "scalar"} build`;
    m.terminate();
  } catch (e) {
    result.error = String(e.message ?? e);
    status.textContent = `failed: ${result.error}`;
  }
  result.done = true;
}

// `n` points per arm; arm k is turned by k pi (the formula of the model crate's test).
function spirals(n) {
  const x = new Float32Array(4 * n);
  const labels = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let arm = 0; arm < 2; arm++) {
      const t = 0.25 + (1.75 * i) / n;
      const a = (t + arm) * Math.PI;
      x[4 * i + 2 * arm] = t * Math.cos(a);
      x[4 * i + 2 * arm + 1] = t * Math.sin(a);
      labels[2 * i + arm] = arm;
    }
  }
  return { x, labels };
}

// The predicted class over the plane [-2.2, 2.2]^2, one canvas pixel per grid point, and the
// training points on top.
async function draw(m, data) {
  const canvas = document.getElementById("regions");
  const n = canvas.width;
  const grid = new Float32Array(2 * n * n);
  const at = (i) => -2.2 + (4.4 * (i + 0.5)) / n;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) grid.set([at(c), -at(r)], 2 * (r * n + c));
  const classes = await m.predictClasses(grid);
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  classes.forEach((k, i) => img.data.set(k ? [255, 214, 170, 255] : [180, 205, 240, 255], 4 * i));
  ctx.putImageData(img, 0, 0);
  for (let i = 0; i < data.labels.length; i++) {
    const c = Math.floor(((data.x[2 * i] + 2.2) / 4.4) * n);
    const r = Math.floor(((2.2 - data.x[2 * i + 1]) / 4.4) * n);
    ctx.fillStyle = data.labels[i] ? "#b35900" : "#1f4e99";
    ctx.fillRect(c, r, 1, 1);
  }
  return classes;
}

async function custom() {
  const out = result.custom;
  const status = document.getElementById("custom-status");
  try {
    const m = await RemoteModel.custom(
      { simd: "models/simd/staticnets_example_models.js", scalar: "models/scalar/staticnets_example_models.js" },
      "Spirals",
      "algo = adam\nlearning_rate = 0.02\nrng = 1",
    );
    out.info = m.info;
    const data = spirals(100);
    await m.setData(data.x, data.labels);
    for (let i = 0; i < 15; i++) {
      const { loss, accuracy } = await m.train(100);
      out.losses.push(loss);
      out.accuracies.push(accuracy);
      const li = document.createElement("li");
      li.textContent = `loss ${loss.toPrecision(4)}, accuracy ${(100 * accuracy).toFixed(1)} %`;
      document.getElementById("custom-log").append(li);
    }
    out.score = await m.score(data.x, data.labels);
    // The training accuracy counted here, from the predicted classes.
    const predicted = await m.predictClasses(data.x);
    out.accuracy = predicted.filter((k, i) => k === data.labels[i]).length / data.labels.length;
    const classes = await draw(m, data);
    out.regions = [classes.filter((k) => k === 0).length, classes.filter((k) => k === 1).length];
    // Misuse is refused by name, and the model stays usable.
    out.refused = await Promise.all([
      m.set("momentum", "lots").then(() => null, (e) => e.message),
      m.setData(data.x).then(() => null, (e) => e.message),
      m.predict(new Float32Array(3)).then(() => null, (e) => e.message),
    ]);
    out.after = (await m.validate()).loss;
    status.textContent = `done: ${m.info.name} (${m.info.task}, ${m.info.layerSizes.join("-")}), ${m.info.parameterCount} parameters, ${m.info.simd ? "SIMD" : "scalar"} build, training accuracy ${(100 * out.accuracy).toFixed(1)} %`;
    m.terminate();
  } catch (e) {
    out.error = String(e.message ?? e);
    status.textContent = `failed: ${out.error}`;
  }
  out.done = true;
}

await Promise.all([preset(), custom()]);
