// The Web Worker behind `RemoteModel` (worker.js): it owns one model (a preset `Model`, or a
// class of the page's own from `staticnets_wasm::model!`) and answers calls
// { id, method, args } with { id, ok, value } or { id, ok: false, error }. Training runs here,
// so the page's main thread never blocks.
import { load, simd } from "./index.js";

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
    let value;
    if (method === "create" || method === "custom") {
      let wasm, next;
      if (method === "create") {
        wasm = await load();
        next = new wasm.Model(args[0], args[1]);
      } else {
        // args: the module's URLs (absolute: { simd, scalar }), the class's name, the config.
        const [urls, name, config] = args;
        const url = (simd ? urls.simd : urls.scalar) ?? urls.simd ?? urls.scalar;
        wasm = await import(url);
        await wasm.default();
        if (typeof wasm[name] !== "function") throw new Error(`${url} has no class ${name}`);
        next = new wasm[name](config);
      }
      model?.free();
      model = next;
      value = { name: model.name, preset: model.name, task: model.task, layerSizes: Array.from(model.layerSizes()), inputs: model.inputs, outputs: model.outputs, parameterCount: model.parameterCount, simd: wasm.simdEnabled() };
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
