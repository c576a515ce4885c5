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
 * Load and initialise the build this browser (or Node) runs best; resolves to its exports
 * (`Model`, `presets`, `randomSeed`, ...). Loads once; later calls share it.
 */
export function load() {
  if (typeof WebAssembly !== "object") {
    return Promise.reject(new Error("this browser has no WebAssembly, which staticnets runs on"));
  }
  const build = simd ? "simd" : "scalar";
  loaded ??= import(`./${build}/staticnets_wasm.js`).then(async (m) => {
    if (typeof process === "object" && process.versions?.node) {
      // Node has no fetch for file: URLs: hand the module's bytes over instead.
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
      const bytes = await readFile(new URL(`./${build}/staticnets_wasm_bg.wasm`, import.meta.url));
      await m.default({ module_or_path: bytes });
    } else {
      await m.default();
    }
    return m;
  });
  return loaded;
}
