// The cross-target conformance run in Node, on both wasm builds the page ships (web/pkg/simd
// and web/pkg/scalar, from scripts/build-web), each at its own kernel level and with the
// portable tiles: every hash must be the committed golden value (staticnets::conformance).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
const digits = readFileSync(join(web, "data", "digits.bin"));
let failed = false;
for (const kind of ["simd", "scalar"]) {
  const dir = join(web, "pkg", kind);
  const m = await import(join(dir, "staticnets_wasm.js"));
  m.initSync({ module: readFileSync(join(dir, "staticnets_wasm_bg.wasm")) });
  const golden = m.conformanceGolden();
  const levels = m.kernelLevel() === "portable" ? [false] : [false, true];
  for (const portable of levels) {
    const level = portable ? "portable" : m.kernelLevel();
    const hash = m.conformanceHash(digits, portable);
    const ok = hash === golden;
    failed ||= !ok;
    const hex = (v) => "0x" + v.toString(16).padStart(8, "0");
    console.log(`wasm ${kind} build, ${level} kernels: ${hex(hash)} ${ok ? "==" : "!="} golden ${hex(golden)}`);
  }
}
process.exit(failed ? 1 : 0);
