// staticnets-wasm: the SIMD build where the browser runs WebAssembly SIMD, the scalar build
// elsewhere (the same results, bit for bit; SIMD is about 2.5x faster).

// The smallest module that uses a SIMD instruction (the test from wasm-feature-detect).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0,
  253, 15, 253, 98, 11,
]);

/** Whether this browser runs WebAssembly SIMD (then `load` picks the SIMD build). */
export const simd = typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);

let loaded = null;

/**
 * Load and initialise the build this browser runs best; resolves to its exports
 * (`Model`, `presets`, `randomSeed`, ...). Loads once; later calls share it.
 */
export function load() {
  if (typeof WebAssembly !== "object") {
    return Promise.reject(new Error("this browser has no WebAssembly, which staticnets runs on"));
  }
  loaded ??= import(simd ? "./simd/staticnets_wasm.js" : "./scalar/staticnets_wasm.js").then(async (m) => {
    await m.default();
    return m;
  });
  return loaded;
}
