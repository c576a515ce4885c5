// The page's main thread: controls and rendering only. Training runs in worker.js.

const $ = (id) => document.getElementById(id);

// The regularizers the page has sliders for, and each slider's largest value and step (what
// suits these small models). Which regularizers there are, their formulas and what each does
// come from the core (its registry) when the worker has loaded: REGULARIZERS is then filled
// with [key, max, step, formula, about], in the core's order.
const SLIDERS = {
  weight_l2: [0.01, 0.0001],
  weight_l1: [0.01, 0.0001],
  hidden_l1: [0.5, 0.005],
  contractive: [0.1, 0.001],
  input_noise: [0.5, 0.01],
  hidden_noise: [0.5, 0.01],
  input_dropout: [0.9, 0.01],
  hidden_dropout: [0.9, 0.01],
};
const REGULARIZERS = [];
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

// What the page knows; window.staticnetsPage exposes it for tests and the curious.
const state = {
  info: null,
  run: 0, // the worker's run number: messages of an earlier run are dropped
  inForce: {}, // each control's value in force (a refused value goes back to it)
  running: false,
  progress: null,
  views: null,
  history: { x: [], train: [], valid: [], trainB: [], validB: [], regs: {} },
  lastFrame: 0,
};
window.staticnetsPage = state;

// ---------- the worker and a small request/reply layer ----------
// What keeps the page from running here, in plain words (or null).
function pageProblem() {
  if (location.protocol === "file:") {
    return "This page has to be served over http, not opened as a file: browsers do not start its training worker from file://. Run `make demo` (or any static web server in web/) and open the address it prints.";
  }
  if (typeof WebAssembly !== "object") {
    return "This browser has no WebAssembly, which the training runs on. Any current Chrome, Firefox, Safari or Edge has it.";
  }
  return null;
}
const problem = pageProblem();
const worker = problem ? null : new Worker("worker.js", { type: "module" });
if (problem) {
  document.getElementById("status").textContent = problem;
  document.getElementById("status").classList.add("error");
}
let nextId = 1;
const pending = new Map();
function rpc(cmd, args = {}, transfer = []) {
  if (!worker) return Promise.reject(new Error(problem));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ cmd, id, ...args }, transfer);
  });
}
state.ping = () =>
  new Promise((resolve) => {
    if (!worker) return resolve(NaN);
    const t = performance.now();
    const onPong = ({ data }) => {
      if (data.type === "pong" && data.t === t) {
        worker.removeEventListener("message", onPong);
        resolve(performance.now() - t);
      }
    };
    worker.addEventListener("message", onPong);
    worker.postMessage({ cmd: "ping", t });
  });

if (worker) worker.onmessage = ({ data }) => {
  switch (data.type) {
    case "loaded":
      $("engine").textContent = data.simd ? "WASM SIMD" : "scalar WASM (no SIMD in this browser)";
      fillMenus(data.menus);
      return startFromLink();
    case "run":
      return newRun(data.run);
    case "ready":
      state.info = data.info;
      newRun(data.info.run);
      return showInfo();
    case "progress":
      if (data.run !== state.run) return;
      state.progress = data;
      if (showRate(data.learningRate)) {
        status(`a step diverged: the weights went back to the best validation and the learning rate was halved to ${state.inForce.learning_rate}`, true);
      }
      return record(data.train);
    case "views":
      if (data.run !== state.run) return;
      state.views = data.views;
      state.validNew = true;
      return schedule();
    case "reply": {
      const p = pending.get(data.id);
      pending.delete(data.id);
      return data.ok ? p.resolve(data.value) : p.reject(new Error(data.error));
    }
    case "error":
      setRunning(false);
      showRate(data.learningRate);
      return stopped(data.message);
  }
};
if (worker) worker.onerror = (e) => status(`the training worker failed to start: ${e.message}`, true);

// The core's learning rate, as the worker reports it. Only a halving (on_divergence = halve)
// changes it by itself; a rate the user set is recorded when the core accepts it. Returns
// whether the core halved it since the last report. The field shows the rate in force,
// unless someone is typing a new one in it.
function showRate(lr) {
  if (lr === undefined) return false;
  const was = state.rateInForce;
  state.rateInForce = lr;
  if (was === undefined || lr === was) return false;
  // Being edited: focused, and holding something other than the rate last applied.
  const field = $("learning_rate");
  const editing = document.activeElement === field && field.value !== state.inForce.learning_rate;
  state.inForce.learning_rate = String(Number(lr.toPrecision(6)));
  if (!editing) field.value = state.inForce.learning_rate;
  return lr < was;
}

function status(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

// Why training stopped stays on screen (under the status line) until the next Start, whatever
// the status line says meanwhile.
function stopped(reason) {
  $("stopped").textContent = reason ? `Training stopped: ${reason}` : "";
  $("stopped").hidden = !reason;
  if (reason) status("Training stopped (see below). Change a setting and press Start to go on.", true);
}

// A new run (a new model, or Reset): its history starts empty, its chart anew.
function newRun(run) {
  state.run = run;
  state.rateInForce = undefined; // (the new run's first report sets it)
  state.history = { x: [], train: [], valid: [], trainB: [], validB: [], regs: {} };
  state.progress = null;
  chart?.destroy();
  chart = null;
  chartSeries = "";
}

// ---------- the settings in the URL ----------
// `#preset=...&algo=...&learning_rate=...&batch_size=...&on_divergence=...&seed=...&<reg>=...`:
// a configuration shared as a link. Read once the worker has loaded (before the first model;
// the menus are filled then), written whenever a setting takes effect.
const URL_KEYS = ["preset", "algo", "learning_rate", "batch_size", "on_divergence", "seed"];
// Every control a link sets: those, and each regularizer's slider (added when the sliders are).
const LINK_KEYS = [...URL_KEYS];
// Seeds are u64: a whole number from 0 to 2^64 - 1.
const MAX_SEED = 2n ** 64n - 1n;
// A seed as typed, as its decimal digits (kept as text: a JS number rounds seeds above
// 2^53 to another seed), or null if it is not one.
function seedDigits(text) {
  const t = String(text).trim();
  return /^\d+$/.test(t) && BigInt(t) <= MAX_SEED ? BigInt(t).toString() : null;
}

// The preset and optimizer menus, from the core's tables (the worker sends them).
function fillMenus({ presets, optimizers, regularizers }) {
  buildRegularizers(regularizers);
  const fill = (select, entries) => {
    select.replaceChildren(
      ...entries.map(([value, text]) => {
        const o = document.createElement("option");
        o.value = value;
        o.textContent = text;
        return o;
      }),
    );
    select.value = select.dataset.default;
  };
  fill($("preset"), presets.map((p) => [p.name, p.description]));
  fill($("algo"), optimizers.map((name) => [name, name]));
}
// Why a link's `value` for `key` cannot go into its control (which would silently make it
// something else: a slider turns "abc" into its midpoint, a menu an unknown name into
// nothing, a number field "1e400" into ""), or null if it can. Ranges that depend on the
// model (the batch capacity) are the core's to check.
function linkProblem(key, value) {
  const reg = REGULARIZERS.find(([k]) => k === key);
  if (reg) {
    const x = Number(value);
    return value.trim() !== "" && x >= 0 && x <= reg[1] ? null : `not a number from 0 to ${reg[1]}`;
  }
  const el = $(key);
  if (el.tagName === "SELECT") {
    const names = [...el.options].map((o) => o.value);
    return names.includes(value) ? null : `not one of ${names.join(", ")}`;
  }
  if (key === "seed") return seedDigits(value) === null ? `not a whole number from 0 to ${MAX_SEED}` : null;
  if (key === "batch_size") return /^\s*\d+\s*$/.test(value) && Number(value) >= 1 ? null : "not a whole number from 1";
  const x = Number(value); // learning_rate
  return value.trim() !== "" && Number.isFinite(x) && x > 0 ? null : "not a number above 0";
}
// A link's settings into the controls; returns what it refused, as `key=value (why)`.
function settingsFromUrl() {
  const q = new URLSearchParams(location.hash.slice(1));
  const refused = [];
  for (const key of LINK_KEYS) {
    if (!q.has(key)) continue;
    const value = q.get(key);
    const why = linkProblem(key, value);
    if (why) refused.push(`${key}=${value} (${why})`);
    else showValue(key, value);
  }
  // `compare=key:value`: the A/B comparison, started once the first model is there (the
  // worker checks the value, and a refused B is reported as such).
  if (q.has("compare")) {
    const c = q.get("compare").split(":");
    const keys = [...$("compare-key").options].map((o) => o.value);
    if (c.length === 2 && keys.includes(c[0])) {
      $("compare-key").value = c[0];
      $("compare-value").value = c[1];
      state.compareFromUrl = true;
    } else {
      refused.push(`compare=${q.get("compare")} (not key:value with a key of ${keys.join(", ")})`);
    }
  }
  return refused;
}
// The first model: the defaults with a link's settings. What the link had that could not be
// used is said on the status line; if the core refuses the rest (a batch above the model's
// capacity, say), the page starts from the defaults instead, and says so.
async function startFromLink() {
  const defaults = Object.fromEntries(LINK_KEYS.map((key) => [key, control(key).value]));
  const refused = settingsFromUrl();
  let problem = (await restart()) ? null : $("status").textContent.replace(/: the model stays as it was$/, "");
  if (problem !== null) {
    for (const [key, value] of Object.entries(defaults)) showValue(key, value);
    state.compareFromUrl = false;
    await restart();
    problem = `the link's settings were refused (${problem}); started from the defaults`;
  }
  const said = [...refused.map((r) => `ignored ${r}`), ...(problem ? [problem] : [])];
  if (said.length) status(`${$("status").textContent} From the link: ${said.join("; ")}.`, true);
}
function settingsToUrl() {
  const q = new URLSearchParams();
  for (const key of URL_KEYS) q.set(key, $(key).value);
  for (const [key] of REGULARIZERS) {
    if (Number($(`reg-${key}`).value) > 0) q.set(key, $(`reg-${key}`).value);
  }
  if ($("compare").checked) q.set("compare", `${$("compare-key").value}:${$("compare-value").value}`);
  history.replaceState(null, "", `#${q}`);
  $("share-link").href = location.href;
}

// ---------- controls ----------
// The regularizers' sliders, each with its explanation folded under it (open on demand: the
// sliders stay on one screen), from the core's list; and B's menu of settings.
function buildRegularizers(list) {
  const regBox = $("regularizers");
  for (const { key, formula, about } of list) {
    if (!(key in SLIDERS) || REGULARIZERS.some(([k]) => k === key)) continue;
    const [max, step] = SLIDERS[key];
    REGULARIZERS.push([key, max, step, formula, about]);
    LINK_KEYS.push(key);
    const label = document.createElement("label");
    label.className = "reg";
    label.title = `${formula}: ${about}`;
    label.innerHTML = `<span>${key}</span><input type="range" id="reg-${key}" min="0" max="${max}" step="${step}" value="0"><output id="out-${key}">0</output>`;
    const explain = document.createElement("details");
    explain.className = "explain";
    explain.id = `explain-${key}`;
    explain.innerHTML = `<summary>what ${key} does</summary><code>${formula}</code> ${about}`;
    regBox.append(label, explain);
    const input = label.querySelector("input");
    input.addEventListener("input", () => ($(`out-${key}`).textContent = input.value));
    input.addEventListener("change", () => setting(key, input.value));
  }
  for (const key of [...REGULARIZERS.map((r) => r[0]), "learning_rate", "algo", "batch_size"]) {
    const o = document.createElement("option");
    o.value = o.textContent = key;
    if (key === "hidden_l1") o.selected = true;
    $("compare-key").append(o);
  }
  // B's setting as last accepted (at first the fields' own): a refused one goes back to it.
  state.compareInForce = { key: $("compare-key").value, value: $("compare-value").value };
}

function configText() {
  let c = `algo = ${$("algo").value}\nlearning_rate = ${$("learning_rate").value}\nbatch_size = ${$("batch_size").value}\non_divergence = ${$("on_divergence").value}\n`;
  for (const [key] of REGULARIZERS) {
    const v = Number($(`reg-${key}`).value);
    if (v > 0) c += `${key} = ${v}\n`;
  }
  return c;
}

// The control of a setting: a field, a menu, or a regularizer's slider (with its label).
function control(key) {
  return $(key) ?? $(`reg-${key}`);
}

function showValue(key, value) {
  control(key).value = value;
  const out = $(`out-${key}`);
  if (out) out.textContent = value;
}

async function setting(key, value) {
  if (String(value).trim() === "") {
    // A number field holding what is no number reads as empty: say so, keep the value in force.
    if (key in state.inForce) showValue(key, state.inForce[key]);
    status(`${key} refused: the field must hold a number; it stays ${state.inForce[key]}`, true);
    return;
  }
  try {
    await rpc("set", { key, value });
    state.inForce[key] = value;
    if (key === "learning_rate") state.rateInForce = Math.fround(Number(value));
    settingsToUrl();
    status(`${key} = ${value}`);
  } catch (e) {
    // The field shows the value in force, not the refused one.
    if (key in state.inForce) showValue(key, state.inForce[key]);
    status(`${key} = ${value} refused: ${e.message}`, true);
  }
}

function rememberControls() {
  for (const key of ["algo", "learning_rate", "batch_size", "on_divergence"]) state.inForce[key] = $(key).value;
  for (const [key] of REGULARIZERS) state.inForce[key] = $(`reg-${key}`).value;
}

// The preset and seed of the model in force back in their controls (after a refused new one).
function showModelInForce() {
  if (state.seedInForce !== undefined) $("seed").value = state.seedInForce;
  if (state.presetInForce !== undefined) $("preset").value = state.presetInForce;
}

// A new model from the controls (preset, seed, settings). Returns whether it was made; if
// not, the model that was there stays, and so do the controls that made it.
async function restart() {
  setRunning(false);
  stopped("");
  const seed = $("random_seed").checked ? null : seedDigits($("seed").value);
  if (seed === null && !$("random_seed").checked) {
    const typed = $("seed").value;
    showModelInForce();
    status(`seed "${typed}" refused: a seed is a whole number from 0 to ${MAX_SEED}; the model stays as it was`, true);
    return false;
  }
  try {
    await rpc("init", { preset: $("preset").value, config: configText(), seed });
    // The seed in force (a random one too), so that the link and the Rust code reproduce it.
    if (state.info) $("seed").value = String(state.info.seed);
    rememberControls();
    state.seedInForce = $("seed").value;
    state.presetInForce = $("preset").value;
    // A new model has no B (unless the link asks for one).
    $("compare").checked = !!state.compareFromUrl;
    if (state.compareFromUrl) {
      state.compareFromUrl = false;
      await comparing();
    }
    settingsToUrl();
    return true;
  } catch (e) {
    // The model that was there stays (the worker builds the new one first).
    showModelInForce();
    // (the configuration text is the page's own: its line numbers mean nothing here)
    status(`${e.message.replace(/^line \d+: /, "")}: the model stays as it was`, true);
    return false;
  }
}

function setRunning(on) {
  state.running = on;
  $("start").textContent = on ? "Pause" : "Start";
  schedule(); // (the speed shows only while training)
}

$("preset").addEventListener("change", async () => {
  if (!(await restart())) return;
  // The regularizers stay as set across models: say so (hidden_l1 = 0.1 collapses the 2-D
  // code model to a point, which would otherwise look like a bug).
  const kept = REGULARIZERS.map(([k]) => k)
    .filter((k) => Number($(`reg-${k}`).value) > 0)
    .map((k) => `${k} = ${$(`reg-${k}`).value}`);
  if (kept.length) status(`${$("status").textContent} The regularizers set before apply to this model too: ${kept.join(", ")}.`);
});
// ---------- the A/B comparison ----------
async function comparing() {
  const on = $("compare").checked;
  const [key, value] = [$("compare-key").value, $("compare-value").value];
  setRunning(false);
  try {
    await rpc("compare", on ? { key, value } : { key: null });
    if (on) state.compareInForce = { key, value };
    settingsToUrl();
    status(on ? `comparing: B has ${key} = ${value}; both start afresh. Press Start.${compareNote(key, value)}` : "comparison off");
  } catch (e) {
    $("compare").checked = false;
    $("compare-key").value = state.compareInForce.key;
    $("compare-value").value = state.compareInForce.value;
    status(`B refused: ${key} = ${value}: ${e.message}`, true);
  }
}
// What a person should know about an accepted B: that it is A, or outside the slider's range.
function compareNote(key, value) {
  const a = state.inForce[key];
  if (a !== undefined && (a === value || (Number(a) === Number(value) && value.trim() !== ""))) {
    return ` Note: A has ${key} = ${a} too, so the two runs are the same.`;
  }
  const slider = document.getElementById(`reg-${key}`);
  if (slider && Number(value) > Number(slider.max)) {
    return ` Note: ${value} is beyond the slider's range (0 to ${slider.max}).`;
  }
  return "";
}
$("compare").addEventListener("change", comparing);
$("compare-key").addEventListener("change", () => $("compare").checked && comparing());
$("compare-value").addEventListener("change", () => $("compare").checked && comparing());

$("reproduce-box").addEventListener("toggle", () => {
  if (state.views) $("reproduce").textContent = state.views.reproduce;
});
$("log-steps").addEventListener("change", () => {
  chartSeries = ""; // rebuild the chart with the other scale
  schedule();
});
$("seed").addEventListener("change", restart);
$("random_seed").addEventListener("change", restart);
for (const key of ["algo", "learning_rate", "batch_size", "on_divergence"]) {
  $(key).addEventListener("change", () => setting(key, $(key).value));
}
$("start").addEventListener("click", () => {
  const on = !state.running;
  if (on) stopped("");
  setRunning(on); // answered at once; the worker follows between two slices
  status(on ? `training ${state.info?.preset ?? ""} in a Web Worker…` : "paused: press Start to go on, or Step for one update");
  // On a narrow screen the views are below the controls: show the chart as training starts.
  if (on && window.innerWidth < 800) $("loss-chart").scrollIntoView({ behavior: "smooth", block: "start" });
  rpc(on ? "start" : "pause").catch((e) => status(e.message, true));
});
$("step").addEventListener("click", () => {
  setRunning(false);
  rpc("step").catch((e) => status(e.message, true));
});
$("reset").addEventListener("click", async () => {
  try {
    await rpc("reset"); // the worker announces the new run first
    status("weights drawn again from the seed");
  } catch (e) {
    status(e.message, true);
  }
});
$("save").addEventListener("click", async () => {
  try {
    const bytes = await rpc("save");
    download(bytes, `${state.info.preset}.snet`);
    status(`saved the run (weights, optimizer, position, settings): ${bytes.length} bytes as ${state.info.preset}.snet`);
  } catch (e) {
    status(e.message, true);
  }
});
// Download `bytes` as `name`.
function download(bytes, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

// The fields show a configuration text's values (after a checkpoint brought its own).
function showConfig(text) {
  const values = configValues(text);
  for (const key of ["algo", "learning_rate", "batch_size", "on_divergence"]) {
    if (key in values) showValue(key, key === "learning_rate" ? String(Number(Number(values[key]).toPrecision(6))) : values[key]);
  }
  for (const [key] of REGULARIZERS) showValue(key, String(Number(values[key] ?? 0)));
  if ("rng" in values) {
    $("seed").value = values.rng;
    state.seedInForce = values.rng;
  }
  rememberControls();
  settingsToUrl();
}

// Load a checkpoint (resumes its run) or import safetensors weights, from a file field.
function fileLoader(field, cmd, what) {
  $(field).addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    try {
      const bytes = await file.arrayBuffer();
      setRunning(false);
      stopped("");
      showConfig(await rpc(cmd, { bytes }, [bytes]));
      $("compare").checked = false; // a loaded run has no B
      status(`${what} ${file.name}: press Start to go on`);
    } catch (e) {
      status(`could not load ${file.name}: ${e.message}; the model stays as it was`, true);
    }
    ev.target.value = "";
  });
}
fileLoader("load", "load", "resumed the run saved in");
fileLoader("import-safetensors", "importSafetensors", "imported the weights of");
$("export-safetensors").addEventListener("click", async () => {
  try {
    const bytes = await rpc("exportSafetensors");
    download(bytes, `${state.info.preset}.safetensors`);
    status(`exported ${bytes.length} bytes of weights as ${state.info.preset}.safetensors`);
  } catch (e) {
    status(e.message, true);
  }
});

function showInfo() {
  const i = state.info;
  $("code-card").hidden = i.layerSizes.length !== 5;
  status(
    `${i.preset}: ${i.parameters} parameters, trainer ${(i.trainerBytes / 1024).toFixed(0)} KB, seed ${i.seed}; ` +
      `${i.trainRows} training and ${i.validRows} validation digits.` + (state.running ? "" : " Press Start."),
  );
}

// ---------- history and the loss chart ----------
const MAX_POINTS = 1500;
// Noise and dropout add no term to the loss: they have no curve.
const hasTerm = (name) => !/noise|dropout/.test(name);
function record(m) {
  const h = state.history;
  h.x.push(m.steps);
  h.train.push(m.loss > 0 ? m.loss : null);
  // Validation is measured every few hundred milliseconds: a point where it was, nothing
  // between (a line through the repeats would draw a staircase).
  const fresh = state.validNew;
  state.validNew = false;
  h.valid.push(state.views && fresh ? state.views.valid.loss : null);
  const b = state.progress?.trainB;
  h.trainB.push(b && b.loss > 0 ? b.loss : null);
  h.validB.push(state.views?.b && fresh ? state.views.b.valid.loss : null);
  m.regNames.filter(hasTerm).forEach((name) => {
    if (!h.regs[name]) h.regs[name] = new Array(h.x.length - 1).fill(null);
  });
  for (const name of Object.keys(h.regs)) {
    const k = m.regNames.indexOf(name);
    h.regs[name].push(k >= 0 && m.regTerms[k] > 0 ? m.regTerms[k] : null);
  }
  if (h.x.length > MAX_POINTS) {
    // keep every other point: the curve's shape stays, memory does not grow
    const half = (a) => a.filter((_, i) => i % 2 === 0);
    // (validation points are sparse: keep one from either of a pair)
    const halfPoints = (a) => half(a.map((v, i) => (i % 2 === 0 ? v ?? a[i + 1] ?? null : v)));
    h.x = half(h.x);
    h.train = half(h.train);
    h.valid = halfPoints(h.valid);
    h.trainB = half(h.trainB);
    h.validB = halfPoints(h.validB);
    for (const name of Object.keys(h.regs)) h.regs[name] = half(h.regs[name]);
  }
  schedule();
}

let chart = null;
let chartSeries = "";
const TRAIN_COLOUR = COLOURS[0];
const VALID_COLOUR = COLOURS[3];
// The terms' colours: none of the two losses'.
const TERM_COLOURS = COLOURS.filter((c) => c !== TRAIN_COLOUR && c !== VALID_COLOUR);
state.axisLabel = (v) => axisLabel(v); // for the end-to-end test
state.stepScale = () => chart?.scales.x.distr; // 1 linear, 3 log (for the end-to-end test)
function axisLabel(v) {
  if (v === null || v === undefined) return "";
  if (v === 0) return "0";
  return Math.abs(v) >= 0.01 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(2))) : v.toExponential(0);
}
function drawChart() {
  const h = state.history;
  const names = Object.keys(h.regs);
  const logSteps = $("log-steps").checked;
  const withB = h.trainB.some((v) => v !== null);
  const key = names.join(",") + (logSteps ? ";log" : "") + (withB ? ";B" : "");
  const bData = withB ? [h.trainB, h.validB] : [];
  const data = [h.x, h.train, h.valid, ...bData, ...names.map((n) => h.regs[n])];
  const bLabel = withB && state.views?.b ? ` (${state.views.b.key} = ${state.views.b.value})` : "";
  if (!chart || key !== chartSeries) {
    chart?.destroy();
    chartSeries = key;
    const el = $("loss-chart");
    chart = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        scales: { x: { time: false, distr: logSteps ? 3 : 1 }, y: { distr: 3 } },
        // Log-axis labels: 1e-4, 1e-5, ... (the default rounds them all to "0").
        axes: [
          { label: logSteps ? "steps (log)" : "steps", values: logSteps ? (u, vals) => vals.map(axisLabel) : undefined },
          { label: "loss (log scale)", values: (u, vals) => vals.map(axisLabel), size: 56 },
        ],
        legend: { live: false }, // labels only: no "--" placeholders
        series: [
          { label: "steps" },
          { label: withB ? "train loss A" : "train loss", stroke: TRAIN_COLOUR, width: 1.5 },
          { label: withB ? "valid loss A" : "valid loss", stroke: VALID_COLOUR, width: 1.5, spanGaps: true, points: { show: true, size: 4 } },
          ...(withB
            ? [
                { label: `train loss B${bLabel}`, stroke: TRAIN_COLOUR, width: 2.5, dash: [8, 4] },
                { label: "valid loss B", stroke: VALID_COLOUR, width: 2.5, dash: [8, 4], spanGaps: true },
              ]
            : []),
          ...names.map((n, k) => ({ label: n, stroke: TERM_COLOURS[k % TERM_COLOURS.length], dash: [4, 3] })),
        ],
      },
      data,
      el,
    );
  } else {
    chart.setData(data);
  }
}

// ---------- images, histogram, scatter ----------
function grey(ctx, values, x0, y0, scale, lo = 0, hi = 1) {
  const span = hi - lo || 1;
  for (let p = 0; p < 64; p++) {
    const v = Math.max(0, Math.min(1, (values[p] - lo) / span));
    const g = Math.round(255 * (1 - v));
    ctx.fillStyle = `rgb(${g},${g},${g})`;
    ctx.fillRect(x0 + (p % 8) * scale, y0 + Math.floor(p / 8) * scale, scale, scale);
  }
}

// A convolution's filters: each kh x kw kernel (of the first input channel), in grey from its
// own minimum to its maximum.
function drawKernels(v, ctx, width) {
  const [n, channels, kh, kw] = v.filterShape;
  const cols = Math.ceil(Math.sqrt(n));
  const cell = Math.floor(width / cols);
  const scale = Math.floor((cell - 4) / Math.max(kh, kw));
  for (let o = 0; o < n; o++) {
    const k = v.filters.subarray(o * channels * kh * kw, o * channels * kh * kw + kh * kw);
    const lo = Math.min(...k);
    const span = Math.max(...k) - lo || 1;
    k.forEach((w, p) => {
      const g = Math.round(255 * (1 - (w - lo) / span));
      ctx.fillStyle = `rgb(${g},${g},${g})`;
      ctx.fillRect((o % cols) * cell + (p % kw) * scale, Math.floor(o / cols) * cell + Math.floor(p / kw) * scale, scale, scale);
    });
  }
}

function drawFilters(v, id = "filters") {
  const c = $(id);
  const ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  if (v.filterShape && v.filterShape.length === 4) return drawKernels(v, ctx, c.width);
  const units = v.units;
  const cols = Math.ceil(Math.sqrt(units));
  const cell = Math.floor(c.width / cols);
  const scale = Math.floor((cell - 2) / 8);
  const f = new Float32Array(64);
  for (let j = 0; j < units; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = 0; p < 64; p++) {
      f[p] = v.filters[p * units + j];
      lo = Math.min(lo, f[p]);
      hi = Math.max(hi, f[p]);
    }
    grey(ctx, f, (j % cols) * cell, Math.floor(j / cols) * cell, scale, lo, hi);
  }
}

function drawSamples(v, id = "samples") {
  const c = $(id);
  const ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const rows = [v.inputs, v.corrupted, v.reconstructions].filter(Boolean);
  const scale = 4;
  rows.forEach((images, r) => {
    for (let i = 0; i < 8; i++) grey(ctx, images.subarray(i * 64, (i + 1) * 64), i * 40, r * 40 + 2, scale);
  });
  // The classifier: its answer under each digit, red where it is wrong.
  if (v.predicted) {
    ctx.font = "bold 16px system-ui";
    v.predicted.forEach((k, i) => {
      ctx.fillStyle = k === v.sampleLabels[i] ? "#1d7a35" : "#b3261e";
      ctx.fillText(String(k), i * 40 + 10, rows.length * 40 + 22);
    });
  }
  if (id !== "samples") return;
  $("samples-title").firstChild.textContent = v.predicted ? "Input · corrupted · predicted class " : "Input · corrupted · reconstruction ";
  const c2 = configValues(v.config);
  const level = ["input_noise", "input_dropout"].filter((k) => Number(c2[k]) > 0).map((k) => `${k} ${c2[k]}`);
  $("corruption").textContent = level.length ? `(${level.join(", ")})` : "(no input corruption)";
}

// `key = value` lines into an object.
function configValues(text) {
  const values = {};
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.split("=").map((p) => p?.trim());
    if (key && value !== undefined) values[key] = value;
  }
  return values;
}

function drawHistogram(v, id = "histogram") {
  const c = $(id);
  const ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const h = v.hidden;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of h) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const bins = new Array(32).fill(0);
  const span = hi - lo || 1;
  for (const x of h) bins[Math.min(31, Math.floor(((x - lo) / span) * 32))]++;
  // Bar heights on a log scale: a spike at zero (a sparse code) must not hide the rest.
  const most = Math.max(...bins);
  const top = Math.log1p(most);
  const left = 34; // the count axis
  const w = (c.width - left) / 32;
  ctx.fillStyle = "#2f6fdf";
  bins.forEach((n, i) => {
    const bh = (Math.log1p(n) / top) * (c.height - 34);
    ctx.fillRect(left + i * w + 1, c.height - 28 - bh, w - 2, bh);
  });
  ctx.fillStyle = "#5b6476";
  ctx.font = "11px system-ui";
  // y: counts on a log scale, from 0 to the fullest bin
  ctx.textAlign = "right";
  ctx.fillText(String(most), left - 5, 12);
  ctx.fillText("0", left - 5, c.height - 28);
  ctx.textAlign = "left";
  ctx.fillRect(left - 2, 4, 1, c.height - 32);
  // x: activation values at both ends and the middle, and what the axis is
  const f = (x) => (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(2) : x.toExponential(1));
  ctx.fillText(f(lo), left, c.height - 16);
  ctx.textAlign = "center";
  ctx.fillText(f((lo + hi) / 2), left + (c.width - left) / 2, c.height - 16);
  ctx.textAlign = "right";
  ctx.fillText(f(hi), c.width - 2, c.height - 16);
  ctx.textAlign = "center";
  ctx.fillText(
    hi - lo < 1e-6 ? `every activation is ${f(lo)}: the code has collapsed (a strong hidden_l1?)` : "activation (count per bin, log scale)",
    left + (c.width - left) / 2,
    c.height - 3,
  );
  ctx.textAlign = "left";
}

function drawCode(v) {
  if (!v.code) return;
  const c = $("code");
  const ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const n = v.codeLabels.length;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, v.code[2 * i]);
    x1 = Math.max(x1, v.code[2 * i]);
    y0 = Math.min(y0, v.code[2 * i + 1]);
    y1 = Math.max(y1, v.code[2 * i + 1]);
  }
  // Room below and left for the axes: code unit 1 across, code unit 2 up, with their ranges.
  const [left, bottom, pad] = [30, 28, 8];
  const sx = (c.width - left - pad) / (x1 - x0 || 1);
  const sy = (c.height - bottom - 20) / (y1 - y0 || 1);
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = COLOURS[v.codeLabels[i]];
    ctx.fillRect(left + (v.code[2 * i] - x0) * sx - 2, c.height - bottom - (v.code[2 * i + 1] - y0) * sy - 2, 4, 4);
  }
  for (let d = 0; d < 10; d++) {
    ctx.fillStyle = COLOURS[d];
    ctx.fillText(String(d), left + d * 12, 12);
  }
  ctx.fillStyle = "#5b6476";
  ctx.font = "11px system-ui";
  ctx.fillRect(left - 4, 16, 1, c.height - bottom - 12);
  ctx.fillRect(left - 4, c.height - bottom + 4, c.width - left - pad + 4, 1);
  const f = (x) => x.toPrecision(2);
  ctx.fillText(f(x0), left, c.height - bottom + 16);
  ctx.textAlign = "right";
  ctx.fillText(f(x1), c.width - pad, c.height - bottom + 16);
  ctx.fillText(f(y1), left - 6, 24);
  ctx.fillText(f(y0), left - 6, c.height - bottom);
  ctx.textAlign = "center";
  ctx.fillText("code unit 1", left + (c.width - left) / 2, c.height - 3);
  ctx.save();
  ctx.translate(10, (c.height - bottom) / 2 + 10);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText("code unit 2", 0, 0);
  ctx.restore();
  ctx.textAlign = "left";
}

function drawFigures() {
  const p = state.progress;
  const v = state.views;
  if (p) {
    $("train-loss").textContent = `train loss ${p.train.loss.toPrecision(4)} (pass ${p.train.passes}, step ${p.train.steps})`;
  }
  // The speed of training in progress; nothing while paused (not the last run's figure).
  $("speed").textContent = p && state.running ? `${p.stepsPerSec.toFixed(0)} steps/s · ${p.samplesPerSec.toFixed(0)} samples/s` : "";
  if (v) {
    $("valid-loss").textContent = `valid loss ${v.valid.loss.toPrecision(4)}`;
    const pct = (x) => `${(100 * x).toFixed(1)} %`;
    $("weight-sparsity").textContent = `weight sparsity ${pct(v.valid.weightSparsity)} (|w| < 0.01)`;
    $("hidden-sparsity").textContent = `hidden sparsity ${pct(v.valid.hiddenSparsity)} (|h| < 0.01)`;
    $("sparsity").textContent = `sparsity ${pct(v.valid.hiddenSparsity)} (|h| < 0.01, validation)`;
    const k = v.valid.regNames.indexOf("contractive");
    $("jacobian").textContent = k >= 0 ? `Jacobian ‖∂h/∂x‖²_F ${v.valid.regTerms[k].toPrecision(4)} (mean over validation digits)` : "";
    $("accuracy").textContent = v.accuracy === null ? "" : `held-out accuracy ${(100 * v.accuracy).toFixed(1)} % (${state.info.validRows} digits)`;
  }
}

// A and B side by side: what each regularizer did, in numbers.
function drawComparison(v) {
  $("ab-table").hidden = !v.b;
  if (!v.b) return;
  const row = (name, w) => {
    const pct = (x) => `${(100 * x).toFixed(1)} %`;
    const k = w.valid.regNames.indexOf("contractive");
    const jac = k >= 0 ? w.valid.regTerms[k].toPrecision(3) : "–";
    const acc = w.accuracy === null ? "–" : pct(w.accuracy);
    return `<th>${name}</th><td>${w.valid.loss.toPrecision(4)}</td><td>${pct(w.valid.weightSparsity)}</td><td>${pct(w.valid.hiddenSparsity)}</td><td>${jac}</td><td>${acc}</td>`;
  };
  $("ab-a").innerHTML = row("A", v);
  $("ab-b").innerHTML = row(`B (${v.b.key} = ${v.b.value})`, v.b);
}

// Render at most once per animation frame, whatever the message rate.
let frameQueued = false;
function schedule() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => {
    frameQueued = false;
    const v = state.views;
    if (v) {
      if ($("reproduce-box").open) $("reproduce").textContent = v.reproduce;
      drawFilters(v);
      drawSamples(v);
      drawHistogram(v);
      drawCode(v);
      // No empty cell beside the histogram when it stands alone on its row (no 2-D code
      // and no B): it takes the row.
      $("histogram").closest(".card").classList.toggle("wide", !v.code && !v.b);
      for (const card of document.querySelectorAll(".b-card")) card.hidden = !v.b;
      if (v.b) {
        for (const l of document.querySelectorAll(".b-label")) l.textContent = `(${v.b.key} = ${v.b.value})`;
        drawFilters(v.b, "filters-b");
        drawSamples(v.b, "samples-b");
        drawHistogram(v.b, "histogram-b");
      }
      drawComparison(v);
    }
    if (state.history.x.length > 1) drawChart();
    // A run with no curve yet (a new model, a Reset, a loaded checkpoint or imported
    // weights): say where its chart will start, instead of an empty card.
    const fresh = state.history.x.length <= 1;
    $("chart-note").hidden = !fresh;
    if (fresh && v) {
      const at = v.valid.steps;
      $("chart-note").textContent = at > 0
        ? `This run was loaded at step ${at}: its chart starts here. Press Start to train on.`
        : "The loss curves start when training does: press Start.";
    }
    drawFigures();
    state.lastFrame = performance.now();
  });
}
