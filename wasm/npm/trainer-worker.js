// The Web Worker behind `RemoteModel` (worker.js): it owns one Model and answers calls
// { id, method, args } with { id, ok, value } or { id, ok: false, error }. Training runs here,
// so the page's main thread never blocks.
import { load } from "./index.js";

let model = null;

// What crosses back to the page: plain data (a Monitors is a wasm object: copy its fields).
function plain(v) {
  if (v && typeof v === "object" && "regNames" in v && "loss" in v) {
    const o = {};
    for (const k of ["steps", "passes", "loss", "err", "regNames", "accuracy", "hiddenSparsity", "weightSparsity"]) o[k] = v[k];
    o.regTerms = Array.from(v.regTerms);
    v.free();
    return o;
  }
  return v;
}

onmessage = async ({ data: { id, method, args } }) => {
  try {
    const wasm = await load();
    let value;
    if (method === "create") {
      const next = new wasm.Model(args[0], args[1]);
      model?.free();
      model = next;
      value = { preset: model.preset, layerSizes: Array.from(model.layerSizes()), parameterCount: model.parameterCount, simd: wasm.simdEnabled() };
    } else if (!model) {
      throw new Error("no model: create one first");
    } else if (typeof model[method] !== "function") {
      throw new Error(`Model has no method ${method}`);
    } else {
      value = plain(model[method](...args));
    }
    postMessage({ id, ok: true, value });
  } catch (e) {
    postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};
