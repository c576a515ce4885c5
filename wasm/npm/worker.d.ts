/** What `train` and `validate` measured (plain data). */
export interface Monitors {
  steps: number;
  passes: number;
  loss: number;
  err: number;
  regNames: string[];
  regTerms: number[];
  accuracy: number;
  hiddenSparsity: number;
  weightSparsity: number;
}

/** A staticnets Model in its own Web Worker; every call returns a Promise. */
export declare class RemoteModel {
  /** A model of `preset` with `config` (theanets' `key = value` lines), in a new worker. */
  static create(preset: string, config?: string, workerUrl?: URL | string): Promise<RemoteModel>;
  /**
   * A class of the page's own (written by `staticnets_wasm::model!`) from the wasm-bindgen
   * module at `module` (a URL, or the URLs of its SIMD and scalar builds), in a new worker.
   */
  static custom(
    module: URL | string | { simd?: URL | string; scalar?: URL | string },
    name: string,
    config?: string,
    workerUrl?: URL | string,
  ): Promise<RemoteModel>;
  info: {
    name: string;
    /** The same as `name` (the preset's name for `create`). */
    preset: string;
    task: "autoencoder" | "classifier" | "regressor";
    layerSizes: number[];
    inputs: number;
    outputs: number;
    parameterCount: number;
    simd: boolean;
  };
  /** Call any Model method in the worker. */
  call(method: string, ...args: unknown[]): Promise<unknown>;
  /** Inputs, and targets: a classifier's labels or a regressor's values (none for an autoencoder). */
  setData(x: Float32Array | number[], targets?: Uint32Array | Float32Array | number[]): Promise<void>;
  setValidation(x: Float32Array | number[], targets?: Uint32Array | Float32Array | number[]): Promise<void>;
  train(batches: number): Promise<Monitors>;
  validate(): Promise<Monitors>;
  set(key: string, value: string | number): Promise<void>;
  predict(x: Float32Array | number[]): Promise<Float32Array>;
  predictClasses(x: Float32Array | number[]): Promise<Uint32Array>;
  score(x: Float32Array | number[], targets?: Uint32Array | Float32Array | number[]): Promise<number>;
  save(): Promise<Uint8Array>;
  load(bytes: Uint8Array | ArrayBuffer): Promise<void>;
  saveSafetensors(): Promise<Uint8Array>;
  loadSafetensors(bytes: Uint8Array | ArrayBuffer): Promise<void>;
  terminate(): void;
}
