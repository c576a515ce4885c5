// The wasm package as a user calls it from JavaScript (Node, the page's SIMD build from
// scripts/build-web): the bad-input paths that once gave wrong numbers without an error.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { test } from "node:test";

const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
const dir = join(web, "pkg", "simd");
const m = await import(join(dir, "staticnets_wasm.js"));
m.initSync({ module: readFileSync(join(dir, "staticnets_wasm_bg.wasm")) });

// The first `rows` bundled digits, 64 values in 0..1 each, through the package's loader.
const all = m.digits(readFileSync(join(web, "data", "digits.bin")));
const digits = (rows) => all.x.slice(0, rows * 64);

test("a second setData validates on the new data, not the first call's", () => {
  const x = digits(300);
  const a = new m.Model("ae-64-16-64", "rng = 7");
  a.setData(new Float32Array(64).fill(0.5));
  a.setData(x);
  const b = new m.Model("ae-64-16-64", "rng = 7");
  b.setData(x);
  // the same seed, the same weights: the same validation, on the 300 digits
  assert.equal(a.validate().loss, b.validate().loss);
  // and setValidation still wins over later setData calls
  a.setValidation(new Float32Array(64).fill(0.5));
  a.setData(x);
  assert.notEqual(a.validate().loss, b.validate().loss);
});

test("an absurd learning rate is refused by the call that made it; a sane call then trains", () => {
  const x = digits(64);
  const t = new m.Model("ae-64-16-64", "algo = sgd\nlearning_rate = 0.05\nrng = 3");
  t.setData(x);
  t.train(20);
  t.validate();
  t.set("learning_rate", "3e38");
  for (let i = 0; i < 5; i++) {
    assert.throws(() => t.train(1), /diverged|rolled back/);
  }
  t.set("learning_rate", "0.05");
  const before = t.validate().loss;
  t.train(200);
  assert.ok(t.validate().loss < before);
});

test("a configuration is a set: beta1 before algo = adam is accepted", () => {
  const a = new m.Model("ae-64-16-64", "beta1 = 0.8\nalgo = adam");
  const b = new m.Model("ae-64-16-64", "algo = adam\nbeta1 = 0.8");
  assert.equal(a.configText(), b.configText());
});

test("null configuration means none, as undefined does", () => {
  const a = new m.Model("ae-64-16-64", null);
  const b = new m.Model("ae-64-16-64");
  assert.equal(a.configText(), b.configText());
});

test("score on constant targets throws: R^2 is undefined there", () => {
  const t = new m.Model("ae-64-16-64", "rng = 1");
  t.setData(digits(32));
  assert.ok(Number.isFinite(t.score(digits(32))));
  assert.throws(() => t.score(new Float32Array(64 * 4).fill(0.5)), /R\^2 is undefined/);
});

test("the regularizers' menu comes from the core: every built-in key, with what it does", () => {
  const menu = m.regularizerMenu().map((r) => ({ key: r.key, formula: r.formula, about: r.about }));
  const keys = menu.map((r) => r.key);
  for (const k of ["weight_l2", "weight_l1", "hidden_l1", "contractive", "recurrent_norm", "recurrent_state", "input_dropout", "hidden_noise"]) {
    assert.ok(keys.includes(k), k);
  }
  assert.ok(!keys.includes("weight_decay"), "aliases are left out");
  assert.ok(menu.every((r) => r.formula.length > 0 && r.about.length > 20));
});
