// The package's ten-line example, as a page: a tied 64-32-64 autoencoder with hidden_l1,
// trained in the package's Web Worker on the 8x8 digits; the loss after each 50 batches.
import { RemoteModel } from "./staticnets-wasm/worker.js";

const status = document.getElementById("status");
const result = { losses: [], done: false, error: null };
window.example = result;
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
