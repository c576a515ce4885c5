/** Whether this browser runs WebAssembly SIMD (then `load` picks the SIMD build). */
export declare const simd: boolean;
/** Load and initialise the build this browser runs best (once); resolves to its exports. */
export declare function load(): Promise<typeof import("./simd/staticnets_wasm.js")>;
export type { Model, Monitors } from "./simd/staticnets_wasm.js";
