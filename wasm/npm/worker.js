// A model in a Web Worker, with a Promise for every call: the page's main thread stays free
// while it trains. A preset (`create`) or a class of the page's own (`custom`).
//
//   import { RemoteModel } from "staticnets-wasm/worker";
//   const m = await RemoteModel.create("ae-64-32-64-tied", "algo = adam\nhidden_l1 = 0.05");
//   await m.setData(images);             // Float32Array, 64 values per 8x8 image
//   const monitors = await m.train(100);  // { loss, err, regNames, regTerms, ... }

/** A staticnets Model living in its own Web Worker. */
export class RemoteModel {
  #worker;
  #next = 1;
  #pending = new Map();

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      this.#pending.delete(data.id);
      if (data.ok) p.resolve(data.value);
      else p.reject(new Error(data.error));
    };
    worker.onerror = (e) => {
      for (const p of this.#pending.values()) p.reject(new Error(e.message || "the worker failed"));
      this.#pending.clear();
    };
  }

  /** A model of `preset` with `config` (theanets' `key = value` lines), in a new worker. */
  static async create(preset, config = "", workerUrl = new URL("./trainer-worker.js", import.meta.url)) {
    const m = new RemoteModel(new Worker(workerUrl, { type: "module" }));
    try {
      m.info = await m.call("create", preset, config);
    } catch (e) {
      m.terminate();
      throw e;
    }
    return m;
  }

  /**
   * A model of the page's own, in a new worker: class `name` (written by
   * `staticnets_wasm::model!`) of the wasm-bindgen module at `module`, a URL, or
   * `{ simd, scalar }` URLs of its two builds (the one this browser runs best is loaded).
   * URLs are relative to the page.
   */
  static async custom(module, name, config = "", workerUrl = new URL("./trainer-worker.js", import.meta.url)) {
    const urls = typeof module === "object" && !(module instanceof URL) ? module : { simd: module, scalar: module };
    const abs = {};
    for (const k of ["simd", "scalar"]) if (urls[k]) abs[k] = new URL(urls[k], globalThis.location?.href).href;
    const m = new RemoteModel(new Worker(workerUrl, { type: "module" }));
    try {
      m.info = await m.call("custom", abs, name, config);
    } catch (e) {
      m.terminate();
      throw e;
    }
    return m;
  }

  /** Call any Model method in the worker; resolves to its (plain) result. */
  call(method, ...args) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, method, args });
    });
  }

  setData(x, labels) { return this.call("setData", x, labels); }
  setValidation(x, labels) { return this.call("setValidation", x, labels); }
  train(batches) { return this.call("train", batches); }
  validate() { return this.call("validate"); }
  set(key, value) { return this.call("set", key, value); }
  predict(x) { return this.call("predict", x); }
  predictClasses(x) { return this.call("predictClasses", x); }
  score(x, targets) { return this.call("score", x, targets); }
  save() { return this.call("save"); }
  load(bytes) { return this.call("load", bytes); }
  saveSafetensors() { return this.call("saveSafetensors"); }
  loadSafetensors(bytes) { return this.call("loadSafetensors", bytes); }

  /** Stop the worker (and the model in it). */
  terminate() {
    this.#worker.terminate();
  }
}
