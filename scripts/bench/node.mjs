// make bench in Node: staticnets wasm (SIMD, scalar and fused builds of target/bench/pkg), TF.js
// with its wasm backend (SIMD, one thread) and ConvNetJS (S). One JSON record per line.
// Usage: node scripts/bench/node.mjs [--smoke]
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAll } from "./models.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(import.meta.url);
const smoke = process.argv.includes("--smoke");
const timing = smoke ? { warm: 0.1, rep: 0.02 } : { warm: 1, rep: 2 };

const pkgs = {};
// "fma": the opt-in fused build (relaxed SIMD, not reproducible), when make bench built it.
for (const kind of ["simd", "scalar", "fma"]) {
  const dir = join(root, "target", "bench", "pkg", kind);
  if (kind === "fma" && !existsSync(dir)) continue;
  const m = await import(join(dir, "staticnets_wasm.js"));
  m.initSync({ module: readFileSync(join(dir, "staticnets_wasm_bg.wasm")) });
  pkgs[kind] = m;
}

const tf = await import("@tensorflow/tfjs");
const wasmBackend = await import("@tensorflow/tfjs-backend-wasm");
wasmBackend.setWasmPaths(join(here, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist") + "/");
wasmBackend.setThreadsCount(1);
await tf.setBackend("wasm");
await tf.ready();
const convnetjs = require("convnetjs");

const digitsBytes = readFileSync(join(root, "core", "data", "digits.bin"));
await runAll({
  env: "node",
  pkgs,
  tf,
  convnetjs,
  digitsBytes,
  timing,
  emit: (r) => console.log(JSON.stringify(r)),
});
