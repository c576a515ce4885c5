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
  info: { preset: string; layerSizes: number[]; parameterCount: number; simd: boolean };
  /** Call any Model method in the worker. */
  call(method: string, ...args: unknown[]): Promise<unknown>;
  setData(x: Float32Array | number[], labels?: Uint32Array | number[]): Promise<void>;
  setValidation(x: Float32Array | number[], labels?: Uint32Array | number[]): Promise<void>;
  train(batches: number): Promise<Monitors>;
  validate(): Promise<Monitors>;
  set(key: string, value: string | number): Promise<void>;
  predict(x: Float32Array | number[]): Promise<Float32Array>;
  save(): Promise<Uint8Array>;
  load(bytes: Uint8Array | ArrayBuffer): Promise<void>;
  saveSafetensors(): Promise<Uint8Array>;
  loadSafetensors(bytes: Uint8Array | ArrayBuffer): Promise<void>;
  terminate(): void;
}
