// The cross-target conformance run in Node, on both wasm builds the page ships (web/pkg/simd
// and web/pkg/scalar, from scripts/build-web), each at its own kernel level and with the
// portable tiles: the run's final bits, the checkpoint it writes mid-run and the bits after
// resuming the natively written checkpoint must all be the committed golden values
// (staticnets::conformance).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
const digits = readFileSync(join(web, "data", "digits.bin"));
const fixture = readFileSync(join(web, "..", "tests", "fixtures", "conformance-step20.snet"));
let failed = false;
for (const kind of ["simd", "scalar"]) {
  const dir = join(web, "pkg", kind);
  const m = await import(join(dir, "staticnets_wasm.js"));
  m.initSync({ module: readFileSync(join(dir, "staticnets_wasm_bg.wasm")) });
  const golden = m.conformanceGolden();
  const levels = m.kernelLevel() === "portable" ? [false] : [false, true];
  for (const portable of levels) {
    const level = portable ? "portable" : m.kernelLevel();
    const [hash, crc, resumed] = m.conformanceRun(digits, portable, fixture);
    const [gold, goldCrc] = m.conformanceGolden();
    const ok = hash === gold && crc === goldCrc && resumed === gold;
    failed ||= !ok;
    const hex = (v) => "0x" + v.toString(16).padStart(8, "0");
    console.log(
      `wasm ${kind} build, ${level} kernels: hash ${hex(hash)} ${hash === gold ? "==" : "!="} golden ${hex(gold)}; ` +
        `checkpoint CRC ${hex(crc)} ${crc === goldCrc ? "==" : "!="} ${hex(goldCrc)}; ` +
        `resumed from the native checkpoint ${hex(resumed)} ${resumed === gold ? "==" : "!="} golden`,
    );
  }
}
process.exit(failed ? 1 : 0);
